"""BackupAndRestore: resume a ``fit`` that was interrupted, from its last completed epoch."""

from __future__ import annotations

import os
import re

from ..common.checks import check_bool, check_path
from ..saving.atomic import remove_stale_temporaries
from ._monitor import check_save_freq
from .base import Callback

_BACKUP = re.compile(r"epoch-(\d{6})\.safetensors")


class BackupAndRestore(Callback):
    """Back the training state up after every epoch; when ``fit`` starts and finds a backup,
    restore it and continue with the epoch after it.

    A backup is a model file (``model.save``: weights, optimizer state with its step count)
    named after its epoch, ``epoch-000003.safetensors`` for the fourth. It is written atomically
    before the previous one is removed, so an interruption at any moment — a crash, a killed
    process, an exception from another callback — leaves a complete backup behind. When
    training ends normally the backups are deleted (unless ``delete_checkpoint=False``), with
    the temporary files that processes killed in the middle of a save left behind, and the
    folder too when nothing else is in it.

    Resuming with the same data, ``shuffle=False`` and no randomness in the model gives
    bitwise the weights of an uninterrupted run; with shuffling, the epochs after the restart
    draw their batches from the new ``fit``'s generator.

    Parameters
    ----------
    backup_dir : str or path-like
        Folder for the backups (created when needed). Use one folder per training run.
    save_freq : "epoch", default "epoch"
        Keras's setting; deepgrad backs up at the end of each epoch only.
    double_checkpoint : bool, default False
        Accepted for Keras scripts and needs nothing here: Keras keeps the previous backup in
        case the latest is damaged, and deepgrad already writes each backup completely before
        it removes the previous one.
    delete_checkpoint : bool, default True
        Delete the backups when training ends normally.

    Attributes
    ----------
    restored_epoch : int or None
        The (0-based) epoch whose backup the last ``fit`` restored, or None.

    Examples
    --------
    >>> import tempfile, numpy as np, deepgrad as dg
    >>> from deepgrad.layers import Dense, Input
    >>> x, y = np.eye(4, dtype=np.float32), np.array([0, 1, 1, 0])
    >>> model = dg.Sequential([Input((4,)), Dense(2, seed=0)])
    >>> model.compile("sgd", "sparse_categorical_crossentropy")
    >>> class Crash(dg.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         if epoch == 1:
    ...             raise KeyboardInterrupt
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     try:
    ...         model.fit(x, y, epochs=5, verbose=0, callbacks=[BackupAndRestore(folder), Crash()])
    ...     except KeyboardInterrupt:
    ...         print("interrupted after epoch 2")
    ...     backup = BackupAndRestore(folder)
    ...     history = model.fit(x, y, epochs=5, verbose=0, callbacks=[backup])
    interrupted after epoch 2
    >>> backup.restored_epoch, len(history.history["loss"]), model.optimizer.iterations
    (1, 3, 5)
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint: bool = False,
                 delete_checkpoint: bool = True):
        super().__init__()
        self.backup_dir = check_path(backup_dir, "backup_dir")
        self.save_freq = check_save_freq(save_freq, "BackupAndRestore")
        self.double_checkpoint = check_bool(double_checkpoint, "double_checkpoint")
        self.delete_checkpoint = check_bool(delete_checkpoint, "delete_checkpoint")
        self.restored_epoch: int | None = None

    def backups(self) -> list[tuple[int, str]]:
        """``(epoch, path)`` of every backup in ``backup_dir``, oldest first."""
        try:
            names = os.listdir(self.backup_dir)
        except FileNotFoundError:
            return []
        found = [(int(m.group(1)), os.path.join(self.backup_dir, name))
                 for name in names if (m := _BACKUP.fullmatch(name))]
        return sorted(found)

    def on_train_begin(self, logs=None):
        from ..saving.save_load import restore_training_state

        self.restored_epoch = None
        remove_stale_temporaries(self.backup_dir)  # what a killed run's saves left
        found = self.backups()
        if not found:
            return
        epoch, path = found[-1]
        restore_training_state(self.model, path)  # a damaged file raises ModelFileError
        self.restored_epoch = epoch
        if logs is not None:  # fit resumes with the epoch after the backup's
            logs["initial_epoch"] = max(logs.get("initial_epoch", 0), epoch + 1)

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        path = os.path.join(self.backup_dir, f"epoch-{epoch:06d}.safetensors")
        self.model.save(path)
        for _, older in self.backups():
            if older != path:
                os.remove(older)

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        for _, path in self.backups():
            os.remove(path)
        remove_stale_temporaries(self.backup_dir)
        try:
            os.rmdir(self.backup_dir)  # only if nothing else is in it
        except OSError:
            pass

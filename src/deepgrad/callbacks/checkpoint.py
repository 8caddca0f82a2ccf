"""ModelCheckpoint: save the model (or its weights) at the end of epochs."""

from __future__ import annotations

import os
import warnings

from ..common.checks import check_bool, check_number, check_path
from ..saving.keras_names import KERAS_EXTENSIONS, KerasFileNameWarning
from ._monitor import MonitoredQuantity, check_save_freq, check_verbose
from .base import Callback, print_message


class ModelCheckpoint(Callback):
    """Save the model at the end of every epoch, or only when ``monitor`` improves.

    ``filepath`` may contain format fields filled from the epoch logs and the 1-based epoch
    number, e.g. ``"ckpt/model-{epoch:02d}-{val_loss:.4f}.dgm"``. Missing folders are created.
    The file is written by ``model.save(path)`` or ``model.save_weights(path)``, which write
    atomically, so an interrupted save never leaves a half-written checkpoint.

    A path ending in ``.keras``, ``.h5`` or ``.hdf5`` (the names Keras requires) gets deepgrad's
    safetensors file, under that same name, so that a script's later
    ``deepgrad.load_model(path)`` (or ``model.load_weights(path)``) reads it: deepgrad recognizes
    its files by their contents, not their names. A ``UserWarning``, once per ModelCheckpoint,
    says so.

    Parameters
    ----------
    filepath : str or path-like
        Path or path template.
    monitor : str, default "val_loss"
        Log key compared when ``save_best_only``. If missing, a warning names the available
        keys and nothing is saved.
    verbose : int, default 0
        1 (or more) prints a line on every save (and on every epoch that does not improve).
    save_best_only : bool, default False
        Save only when ``monitor`` improves on the best value seen by this callback (which is
        kept across ``fit`` calls, as in Keras).
    save_weights_only : bool, default False
        Call ``model.save_weights`` instead of ``model.save``.
    mode : {"auto", "min", "max"}, default "auto"
        Whether lower or higher is better; "auto" means "max" for accuracy-like names.
    save_freq : "epoch", default "epoch"
        Keras's setting; deepgrad saves at the end of each epoch only (to save every N batches,
        call ``model.save`` from a callback's ``on_train_batch_end``).
    initial_value_threshold : float, optional
        With ``save_best_only``, the value ``monitor`` must beat for the first save (the
        starting ``best``), as in Keras.

    Attributes
    ----------
    best : float or None
        Best monitored value so far (with ``save_best_only``).
    last_path : str or None
        Path of the latest save.

    Examples
    --------
    >>> class Model:
    ...     def save(self, path):
    ...         print("saving", path)
    >>> checkpoint = ModelCheckpoint("model-{epoch:02d}-{val_loss:.2f}.dgm", save_best_only=True)
    >>> checkpoint.set_model(Model()); checkpoint.on_train_begin()
    >>> for epoch, val_loss in enumerate([0.5, 0.7, 0.25]):
    ...     checkpoint.on_epoch_end(epoch, {"val_loss": val_loss})
    saving model-01-0.50.dgm
    saving model-03-0.25.dgm
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath = check_path(filepath, "filepath")
        self.quantity = MonitoredQuantity("ModelCheckpoint", monitor, mode)
        self.monitor = monitor
        self.mode = self.quantity.mode
        self.verbose = check_verbose(verbose)
        self.save_best_only = check_bool(save_best_only, "save_best_only")
        self.save_weights_only = check_bool(save_weights_only, "save_weights_only")
        self.save_freq = check_save_freq(save_freq, "ModelCheckpoint")
        self.initial_value_threshold = None if initial_value_threshold is None else check_number(
            initial_value_threshold, "initial_value_threshold")
        self.best: float | None = self.initial_value_threshold
        self.last_path: str | None = None
        self._format_warned = False

    def on_train_begin(self, logs=None):
        self.quantity.reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not self.save_best_only:
            path = self.format_path(epoch, logs)
            if self.verbose > 0:
                print_message(f"Epoch {epoch + 1}: saving model to {path}")
            self._save(path)
            return
        current = self.quantity.read(logs)
        if current is None:
            return
        if self.quantity.improves(current, self.best):
            path = self.format_path(epoch, logs)
            if self.verbose > 0:
                print_message(f"Epoch {epoch + 1}: {self.monitor} improved from "
                              f"{self._best_text()} to {current:.5f}, saving model to {path}")
            self.best = current
            self._save(path)
        elif self.verbose > 0:
            print_message(
                f"Epoch {epoch + 1}: {self.monitor} did not improve from {self._best_text()}"
            )

    def _best_text(self) -> str:
        if self.best is None:
            return "inf" if self.mode == "min" else "-inf"
        return f"{self.best:.5f}"

    def format_path(self, epoch: int, logs: dict) -> str:
        """``filepath`` with ``{epoch}`` (1-based) and the ``logs`` keys filled in."""
        try:
            return self.filepath.format(**{**logs, "epoch": epoch + 1})
        except KeyError as missing:
            available = ", ".join(["epoch", *sorted(logs)])
            raise KeyError(
                f"ModelCheckpoint filepath {self.filepath!r} uses the field {missing.args[0]!r}, "
                f"which is not in the logs; available fields: {available}"
            ) from None
        except (IndexError, ValueError) as error:
            raise ValueError(
                f"ModelCheckpoint filepath {self.filepath!r} is not a valid format string for "
                f"these logs: {error}"
            ) from None

    def _save(self, path: str) -> None:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with warnings.catch_warnings():  # said here, once per ModelCheckpoint
            warnings.simplefilter("ignore", KerasFileNameWarning)
            if self.save_weights_only:
                self.model.save_weights(path)
            else:
                self.model.save(path)
        self.last_path = path
        self._warn_about_keras_name(path)

    def _warn_about_keras_name(self, path: str) -> None:
        """Say once that a Keras-format name holds deepgrad's file."""
        extension = next((e for e in KERAS_EXTENSIONS if path.lower().endswith(e)), None)
        if extension is None or self._format_warned:
            return
        self._format_warned = True
        kind, reader = (("weights", "model.load_weights(path)") if self.save_weights_only
                        else ("model", "deepgrad.load_model(path)"))
        warnings.warn(
            f"ModelCheckpoint wrote {path!r} as a deepgrad safetensors {kind} file, not in "
            f"Keras's {extension} format (deepgrad does not write .keras or HDF5 files); "
            f"{reader} reads it from this path. Name checkpoints *.safetensors to avoid this "
            f"warning (said once per ModelCheckpoint)",
            UserWarning, stacklevel=2,
        )

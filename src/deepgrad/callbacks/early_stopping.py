"""EarlyStopping: stop training when a monitored quantity has stopped improving."""

from __future__ import annotations

import numpy as np

from ..common.checks import check_bool, check_int, check_number
from ._monitor import MonitoredQuantity, check_verbose
from .base import Callback, print_message


class EarlyStopping(Callback):
    """Stop training after ``patience`` epochs without improvement of ``monitor``.

    An epoch improves when its value beats the best so far by more than ``min_delta`` (the first
    monitored epoch always does) and, if ``baseline`` is given, also beats the baseline by more
    than ``min_delta``. Training stops at the end of the ``patience``-th consecutive epoch that
    does not improve, so ``patience=0`` stops at the first one.

    With ``restore_best_weights=True`` the weights of the best epoch (the best value seen, even if
    it did not beat the baseline) are put back when training ends: when this callback stops it,
    and also when it runs to the last epoch or another callback stops it. (Keras 2 restored only
    when this callback stopped training.)

    Parameters
    ----------
    monitor : str, default "val_loss"
        Key of the epoch logs to watch. If it is missing, a warning names the keys that exist.
    min_delta : float, default 0
        Smallest change that counts as an improvement (its absolute value, as in Keras).
    patience : int, default 0
        Epochs without improvement before stopping.
    verbose : int, default 0
        1 (or more) prints when training is stopped and when weights are restored.
    mode : {"auto", "min", "max"}, default "auto"
        Whether lower or higher is better; "auto" means "max" for names containing "acc", "auc",
        "precision", "recall" or "r2", else "min".
    baseline : float, optional
        A value the monitored quantity must beat for an epoch to count as an improvement.
    restore_best_weights : bool, default False
    start_from_epoch : int, default 0
        Epochs (0-based) before this one are ignored, as a warm-up.

    Attributes
    ----------
    best : float or None
        Best value seen.
    best_epoch : int or None
        0-based epoch of ``best``.
    stopped_epoch : int or None
        0-based epoch after which this callback stopped training; None if it did not.
    wait : int
        Consecutive epochs without improvement.

    Examples
    --------
    >>> class Model:
    ...     stop_training = False
    >>> stopper = EarlyStopping(patience=1)
    >>> stopper.set_model(Model()); stopper.on_train_begin()
    >>> for epoch, val_loss in enumerate([0.9, 0.7, 0.8, 0.75, 0.6]):
    ...     stopper.on_epoch_end(epoch, {"val_loss": val_loss})
    ...     if stopper.model.stop_training:
    ...         break
    >>> stopper.stopped_epoch, stopper.best_epoch, stopper.best
    (2, 1, 0.7)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__()
        self.quantity = MonitoredQuantity("EarlyStopping", monitor, mode, min_delta)
        self.monitor = monitor
        self.min_delta = self.quantity.min_delta
        self.mode = self.quantity.mode
        self.patience = check_int(patience, "patience", minimum=0)
        self.verbose = check_verbose(verbose)
        self.baseline = None if baseline is None else check_number(baseline, "baseline")
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
        self.start_from_epoch = check_int(start_from_epoch, "start_from_epoch", minimum=0)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.best = None
        self.best_epoch = None
        self.best_weights = None
        self.stopped_epoch = None
        self.quantity.reset()

    def on_epoch_end(self, epoch, logs=None):
        if epoch < self.start_from_epoch:
            return
        current = self.quantity.read(logs)
        if current is None:
            return
        if self.quantity.improves(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = [np.array(w, copy=True) for w in self.model.get_weights()]
            if self.baseline is None or self.quantity.improves(current, self.baseline):
                self.wait = 0
                return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.verbose > 0:
            print_message(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                best = self.best_epoch + 1
                print_message(f"Restoring model weights from the end of the best epoch: {best}.")
            self.model.set_weights(self.best_weights)

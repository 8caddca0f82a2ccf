"""Callbacks that change ``model.optimizer.learning_rate``: a schedule, or reduction on plateaus."""

from __future__ import annotations

import inspect
import math
import numbers

from ..common.checks import check_callable, check_int, check_number
from ._monitor import MonitoredQuantity, check_verbose
from .base import Callback, print_message


def _takes_learning_rate(schedule) -> bool:
    """Whether ``schedule`` accepts ``(epoch, lr)``; a one-argument ``schedule(epoch)`` does not."""
    try:
        inspect.signature(schedule).bind(0, 0.1)
    except TypeError:
        return False
    except ValueError:  # no signature available (some builtins): assume (epoch, lr)
        return True
    return True


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)``.

    ``epoch`` is 0-based and ``lr`` the current learning rate; a one-argument
    ``schedule(epoch)`` is accepted too. The learning rate in force is added to the epoch logs as
    ``"learning_rate"`` (so History and CSVLogger record it).

    Parameters
    ----------
    schedule : callable
        ``schedule(epoch, lr) -> float``, a finite non-negative learning rate.
    verbose : int, default 0
        1 prints the new learning rate at each epoch.

    Examples
    --------
    >>> class Optimizer:
    ...     learning_rate = 0.1
    >>> class Model:
    ...     optimizer = Optimizer()
    >>> scheduler = LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr / 2)
    >>> scheduler.set_model(Model())
    >>> rates = []
    >>> for epoch in range(4):
    ...     scheduler.on_epoch_begin(epoch)
    ...     rates.append(scheduler.model.optimizer.learning_rate)
    >>> rates
    [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        self.schedule = check_callable(schedule, "schedule")
        self.verbose = check_verbose(verbose)
        self._two_arguments = _takes_learning_rate(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if self._two_arguments:
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            learning_rate = self.schedule(epoch)
        if (isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real)
                or not math.isfinite(learning_rate) or learning_rate < 0):
            raise ValueError(
                f"schedule({epoch}, lr) must return a finite learning rate >= 0; "
                f"got {learning_rate!r}"
            )
        optimizer.learning_rate = float(learning_rate)
        if self.verbose > 0:
            print_message(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                          f"{float(learning_rate)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    After ``patience`` consecutive epochs without an improvement larger than ``min_delta``, the
    learning rate becomes ``max(lr * factor, min_lr)`` (unless it is already at ``min_lr``). The
    ``cooldown`` epochs after a reduction do not count towards the patience. (Keras' own
    implementation counts the last cooldown epoch, so there ``cooldown=1`` has no effect.) The
    learning rate of the epoch is added to the epoch logs as ``"learning_rate"``.

    Parameters
    ----------
    monitor : str, default "val_loss"
        Log key to watch; if missing, a warning names the available keys.
    factor : float, default 0.1
        Multiplier in (0, 1).
    patience : int, default 10
        Epochs without improvement before a reduction.
    verbose : int, default 0
        1 prints every reduction.
    mode : {"auto", "min", "max"}, default "auto"
    min_delta : float, default 1e-4
        Smallest change that counts as an improvement (its absolute value, as in Keras).
    cooldown : int, default 0
        Epochs to wait after a reduction before counting epochs without improvement again.
    min_lr : float, default 0
        Lower bound on the learning rate.

    Examples
    --------
    >>> class Optimizer:
    ...     learning_rate = 1.0
    >>> class Model:
    ...     optimizer = Optimizer()
    >>> reducer = ReduceLROnPlateau(factor=0.5, patience=1)
    >>> reducer.set_model(Model()); reducer.on_train_begin()
    >>> rates = []
    >>> for epoch, val_loss in enumerate([1.0, 0.8, 0.8, 0.8, 0.7]):
    ...     reducer.on_epoch_end(epoch, {"val_loss": val_loss})
    ...     rates.append(reducer.model.optimizer.learning_rate)
    >>> rates
    [1.0, 1.0, 0.5, 0.25, 0.25]
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0):
        super().__init__()
        self.quantity = MonitoredQuantity("ReduceLROnPlateau", monitor, mode, min_delta)
        self.monitor = monitor
        self.mode = self.quantity.mode
        self.factor = check_number(factor, "factor", low=0, high=1, low_open=True, high_open=True)
        self.patience = check_int(patience, "patience", minimum=0)
        self.verbose = check_verbose(verbose)
        self.min_delta = self.quantity.min_delta
        self.cooldown = check_int(cooldown, "cooldown", minimum=0)
        self.min_lr = check_number(min_lr, "min_lr", low=0)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None
        self.quantity.reset()

    def on_epoch_end(self, epoch, logs=None):
        optimizer = self.model.optimizer
        learning_rate = float(optimizer.learning_rate)
        if logs is not None:
            logs["learning_rate"] = learning_rate
        current = self.quantity.read(logs)
        if current is None:
            return
        in_cooldown = self.cooldown_counter > 0
        if in_cooldown:
            self.cooldown_counter -= 1
        if self.quantity.improves(current, self.best):
            self.best = current
            self.wait = 0
            return
        if in_cooldown:
            return
        self.wait += 1
        if self.wait >= self.patience and learning_rate > self.min_lr:
            new_rate = max(learning_rate * self.factor, self.min_lr)
            optimizer.learning_rate = new_rate
            if self.verbose > 0:
                print_message(
                    f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_rate}."
                )
            self.cooldown_counter = self.cooldown
            self.wait = 0

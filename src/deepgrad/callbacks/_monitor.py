"""The monitored quantity shared by EarlyStopping, ModelCheckpoint and ReduceLROnPlateau."""

from __future__ import annotations

import math
import warnings
from numbers import Integral

from ..common.checks import check_choice, check_int, check_number, check_str, describe

_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "r2")


def resolve_mode(monitor: str, mode: str) -> str:
    """``"min"`` or ``"max"``; ``"auto"`` is ``"max"`` for accuracy-like names, else ``"min"``."""
    monitor = check_str(monitor, "monitor")
    mode = check_choice(mode, "mode", ("auto", "min", "max"))
    if mode != "auto":
        return mode
    return "max" if any(part in monitor.lower() for part in _HIGHER_IS_BETTER) else "min"


class MonitoredQuantity:
    """Reads ``logs[monitor]`` and says whether a value improves on a reference by ``min_delta``.

    A missing key gives a warning (once per training run, naming the keys that are there) and
    None. A NaN value never counts as an improvement.
    """

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0):
        self.owner = owner
        self.monitor = monitor
        self.mode = resolve_mode(monitor, mode)
        self.min_delta = abs(check_number(min_delta, "min_delta"))  # Keras takes |min_delta| too
        self._warned = False

    def reset(self) -> None:
        self._warned = False

    def read(self, logs) -> float | None:
        logs = logs or {}
        if self.monitor not in logs or logs[self.monitor] is None:
            if not self._warned:
                available = ", ".join(sorted(logs)) or "none"
                warnings.warn(
                    f"{self.owner} monitors {self.monitor!r}, which is not in the logs "
                    f"(available: {available}); it does nothing until it appears. "
                    f"'val_*' keys need validation data in fit().",
                    stacklevel=3,
                )
                self._warned = True
            return None
        return float(logs[self.monitor])

    def improves(self, current: float, reference: float | None) -> bool:
        """Whether ``current`` beats ``reference`` by more than ``min_delta`` (None: always)."""
        if math.isnan(current):
            return False
        if reference is None:
            return True
        if self.mode == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta


def check_verbose(verbose) -> int:
    """A callback's ``verbose``: an int >= 0 (0 says nothing; 1 or more prints its messages)."""
    return check_int(verbose, "verbose", minimum=0)


def check_save_freq(save_freq, owner: str) -> str:
    """Keras's ``save_freq``: deepgrad saves at the end of each epoch only, ``"epoch"``."""
    if isinstance(save_freq, str) and save_freq == "epoch":
        return save_freq
    error = ValueError if isinstance(save_freq, (str, Integral)) else TypeError
    raise error(
        f"save_freq must be 'epoch' ({owner} saves at the end of each epoch); got "
        f"{describe(save_freq)}. To save every N batches, call model.save(path) from a "
        "callback's on_train_batch_end"
    )

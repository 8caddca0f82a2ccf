"""Records of training: History (in memory, returned by ``fit``) and CSVLogger (to a file)."""

from __future__ import annotations

import csv
import numbers
import os

import numpy as np

from ..common.checks import check_bool, check_path, describe
from .base import Callback


def _plain_value(value):
    """A Python float for a real scalar (``np.float32(0.5)`` -> 0.5); anything else unchanged."""
    if isinstance(value, (numbers.Real, np.ndarray, np.generic)) and np.ndim(value) == 0:
        if not isinstance(value, (bool, np.bool_)):
            return float(value)
    return value


class History(Callback):
    """The epoch logs of one ``fit`` call: ``history[key]`` lists the value of ``key`` per epoch.

    ``fit`` returns it and sets ``model.history`` to it. Both ``history`` and ``epoch`` start
    empty at each ``on_train_begin``, so they describe the latest ``fit`` call only.

    Attributes
    ----------
    history : dict of str to list
        ``{"loss": [...], "accuracy": [...], "val_loss": [...], ...}``; values are floats.
    epoch : list of int
        The 0-based epochs recorded.

    Examples
    --------
    >>> history = History()
    >>> history.on_train_begin()
    >>> for epoch, loss in enumerate([0.9, 0.5]):
    ...     history.on_epoch_end(epoch, {"loss": loss, "val_loss": loss + 0.1})
    >>> history.history
    {'loss': [0.9, 0.5], 'val_loss': [1.0, 0.6]}
    >>> history.epoch
    [0, 1]
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def set_model(self, model) -> None:
        super().set_model(model)
        try:
            model.history = self
        except AttributeError:  # a model that does not take attributes still trains
            pass

    def on_train_begin(self, logs=None):
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(_plain_value(value))


class CSVLogger(Callback):
    """Write one CSV row per epoch: the 0-based ``epoch`` column, then the logged values.

    The columns are the first epoch's log keys in sorted order (as Keras writes them); a key
    missing in a later epoch is written as ``NA`` and a key that appears later is not written.
    When appending to a file that already has a header, its columns are kept. The file is
    opened at the start of training, flushed after every epoch and closed at the end.

    Parameters
    ----------
    filename : str or path-like
    separator : str, default ","
        One character.
    append : bool, default False
        Append to an existing file instead of overwriting it.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
    >>> logger = CSVLogger(path)
    >>> logger.on_train_begin()
    >>> logger.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.75})
    >>> logger.on_train_end()
    >>> with open(path) as file:
    ...     print(file.read().strip())
    epoch,accuracy,loss
    0,0.75,0.5
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename = check_path(filename, "filename")
        if not isinstance(separator, str):
            raise TypeError(f"separator must be a one-character string; got {describe(separator)}")
        if len(separator) != 1:
            raise ValueError(f"separator must be a one-character string; got {separator!r}")
        self.separator = separator
        self.append = check_bool(append, "append")
        self.keys: list[str] | None = None
        self._file = None
        self._writer = None
        self._write_header = True

    def on_train_begin(self, logs=None):
        self.keys, self._writer, self._write_header = None, None, True
        if self.append and os.path.isfile(self.filename) and os.path.getsize(self.filename) > 0:
            with open(self.filename, newline="", encoding="utf-8") as existing:
                header = next(csv.reader(existing, delimiter=self.separator), [])
            if header[:1] == ["epoch"]:
                self.keys, self._write_header = header[1:], False
        mode = "a" if self.append else "w"
        self._file = open(self.filename, mode, newline="", encoding="utf-8")  # noqa: SIM115

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._file is None:
            self.on_train_begin()
        if self.keys is None:
            self.keys = sorted(logs)
        if self._writer is None:
            self._writer = csv.writer(self._file, delimiter=self.separator)
            if self._write_header:
                self._writer.writerow(["epoch", *self.keys])
        self._writer.writerow([epoch, *(self._cell(logs.get(key, "NA")) for key in self.keys)])
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file, self._writer = None, None

    @staticmethod
    def _cell(value):
        value = _plain_value(value)
        if isinstance(value, (np.ndarray, list, tuple)):
            return "[" + ", ".join(str(_plain_value(v)) for v in np.ravel(value)) + "]"
        return value

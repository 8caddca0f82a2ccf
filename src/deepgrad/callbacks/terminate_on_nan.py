"""TerminateOnNaN: stop training before a non-finite loss can reach the weights."""

from __future__ import annotations

import math

import numpy as np

from ..common.checks import check_bool
from .base import Callback, print_message


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    The check runs in ``on_before_optimizer_step``, after the backward pass and before the
    update, so ``fit`` skips that update: the weights never see the non-finite gradients. The
    forward pass of that batch has already run, though, and updated statistics kept outside
    the optimizer (``BatchNormalization``'s moving mean and variance) from a batch whose values
    are not finite; so every weight is copied when a batch begins and put back when its loss
    is found invalid. After the update (``on_train_batch_end``) the weights are checked too: an
    update that made one of them NaN or infinite is undone the same way, and training stops.
    The model is left as it was before the bad batch, with every weight and statistic finite
    (if they were). It prints ``Batch {batch}: invalid loss {loss}, terminating training``.

    Parameters
    ----------
    raise_error : bool, default False
        Raise a ``RuntimeError`` instead of stopping training gracefully (as Keras 3 does):
        ``fit`` then ends at once, without ``on_train_end``, so that callbacks such as
        :class:`BackupAndRestore` keep their state from before the failure.

    Attributes
    ----------
    stopped_batch : int or None
        0-based batch (within its epoch) at which training was stopped.
    stopped_epoch : int or None
        0-based epoch of that batch.

    Examples
    --------
    >>> class Model:
    ...     stop_training = False
    >>> guard = TerminateOnNaN()
    >>> guard.set_model(Model()); guard.on_train_begin(); guard.on_epoch_begin(0)
    >>> for batch, loss in enumerate([0.7, 0.6, float("nan")]):
    ...     guard.on_before_optimizer_step(batch, {"loss": loss})
    Batch 2: invalid loss nan, terminating training
    >>> guard.stopped_batch, guard.model.stop_training
    (2, True)
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = check_bool(raise_error, "raise_error")
        self.stopped_batch: int | None = None
        self.stopped_epoch: int | None = None
        self._epoch: int | None = None
        self._weights: list = []  # the model's weights and their values as the batch began
        self._saved: list = []

    def on_train_begin(self, logs=None):
        self.stopped_batch = self.stopped_epoch = self._epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        weights = [w for w in getattr(self.model, "weights", None) or ()
                   if _values(w) is not None]
        if len(weights) != len(self._weights) or any(
                a is not b or _values(a).shape != s.shape or _values(a).dtype != s.dtype
                for a, b, s in zip(weights, self._weights, self._saved)):
            self._weights, self._saved = weights, [np.empty_like(_values(w)) for w in weights]
        for weight, saved in zip(self._weights, self._saved):
            np.copyto(saved, _values(weight))

    def on_before_optimizer_step(self, batch, logs=None):
        self._check(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._check(batch, logs)
        if self.stopped_batch is None and not all(
                np.isfinite(a).all() for a in map(_values, self._weights) if a.dtype.kind in "fc"):
            self._stop(batch, "the update made a weight NaN or infinite")

    def _check(self, batch, logs) -> None:
        if self.stopped_batch is not None or not logs or logs.get("loss") is None:
            return
        loss = float(logs["loss"])
        if not math.isfinite(loss):
            self._stop(batch, f"invalid loss {loss}", f"NaN or Inf loss encountered at batch "
                                                      f"{batch}. Loss value: {loss}")

    def _stop(self, batch, problem: str, error: str | None = None) -> None:
        self._restore()
        if self.raise_error:  # Keras's message
            raise RuntimeError(f"{error or f'NaN or Inf encountered at batch {batch}: {problem}'}"
                               f". Terminating training immediately.")
        print_message(f"Batch {batch}: {problem}, terminating training")
        self.stopped_batch, self.stopped_epoch = batch, self._epoch
        self.model.stop_training = True

    def _restore(self) -> None:
        """Put back the weights (moving statistics included) as the batch began."""
        for weight, saved in zip(self._weights, self._saved):
            np.copyto(_values(weight), saved)  # in place: views of it (the optimizer's) see it


def _values(weight):
    """The array holding a weight's values (a Parameter's ``data``), or None."""
    data = getattr(weight, "data", None)
    if isinstance(data, np.ndarray):
        return data
    return weight if isinstance(weight, np.ndarray) else None

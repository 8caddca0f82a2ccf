"""TerminateOnNaN: stop training before a non-finite loss can reach the weights."""

from __future__ import annotations

import math

from ..common.checks import check_bool
from .base import Callback, print_message


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    The check runs in ``on_before_optimizer_step``, after the backward pass and before the
    update, so ``fit`` skips that update: the weights never see the non-finite gradients. (For a
    training loop that does not call that hook, the same check runs in ``on_train_batch_end``.)
    It prints ``Batch {batch}: invalid loss {loss}, terminating training``.

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

    def on_train_begin(self, logs=None):
        self.stopped_batch = self.stopped_epoch = self._epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_before_optimizer_step(self, batch, logs=None):
        self._check(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._check(batch, logs)

    def _check(self, batch, logs) -> None:
        if self.stopped_batch is not None or not logs or logs.get("loss") is None:
            return
        loss = float(logs["loss"])
        if not math.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                                   f"{loss}. Terminating training immediately.")
            print_message(f"Batch {batch}: invalid loss {loss}, terminating training")
            self.stopped_batch, self.stopped_epoch = batch, self._epoch
            self.model.stop_training = True

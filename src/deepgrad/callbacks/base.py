"""The Callback base class and LambdaCallback."""

from __future__ import annotations

import sys

from ..common.checks import check_callable

HOOKS = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_before_optimizer_step", "on_train_batch_end",
    "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
)


def print_message(message: str) -> None:
    """Print a line to ``sys.stdout`` without breaking a progress bar that is on screen."""
    from tqdm import tqdm

    tqdm.write(message, file=sys.stdout)


class Callback:
    """Base class of callbacks: override the hooks you need; every hook does nothing by default.

    ``fit`` calls ``set_model(model)`` and ``set_params(params)`` (a dict with ``"epochs"``,
    ``"steps"`` and ``"verbose"``), then the hooks in this order::

        on_train_begin(logs)
        for each epoch:   on_epoch_begin(epoch, logs)
            for each batch:   on_train_batch_begin(batch, logs)
                              on_before_optimizer_step(batch, logs)   # logs["loss"]: this batch
                              on_train_batch_end(batch, logs)         # running means so far
            on_epoch_end(epoch, logs)     # "loss", metrics and "val_*" keys
        on_train_end(logs)

    Epochs and batches are counted from 0. ``on_before_optimizer_step`` (deepgrad's own hook)
    runs after the gradients are computed and before the weights change; setting
    ``self.model.stop_training = True`` there makes ``fit`` skip that update and stop; set in
    ``on_train_batch_end`` it stops ``fit`` after that batch, in ``on_epoch_end`` after that epoch.
    Callbacks may add entries to the epoch ``logs`` dict; callbacks later in the list see them,
    which is why ``fit`` puts History and the progress bar after the user's callbacks.

    Examples
    --------
    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(f"epoch {epoch}: loss {logs['loss']:.2f}")
    >>> PrintLoss().on_epoch_end(0, {"loss": 0.25})
    epoch 0: loss 0.25
    """

    model = None

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = dict(params)

    def on_train_begin(self, logs=None): ...

    def on_train_end(self, logs=None): ...

    def on_epoch_begin(self, epoch, logs=None): ...

    def on_epoch_end(self, epoch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None): ...

    def on_before_optimizer_step(self, batch, logs=None): ...

    def on_train_batch_end(self, batch, logs=None): ...

    def on_test_begin(self, logs=None): ...

    def on_test_end(self, logs=None): ...

    def on_test_batch_begin(self, batch, logs=None): ...

    def on_test_batch_end(self, batch, logs=None): ...

    def on_predict_begin(self, logs=None): ...

    def on_predict_end(self, logs=None): ...

    def on_predict_batch_begin(self, batch, logs=None): ...

    def on_predict_batch_end(self, batch, logs=None): ...


#: Keras's older names of the training-batch hooks, which LambdaCallback accepts as Keras does.
_KERAS_ALIASES = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}


class LambdaCallback(Callback):
    """A callback made of plain functions, one per hook.

    Each function takes the hook's arguments: ``on_epoch_begin(epoch, logs)``,
    ``on_train_batch_end(batch, logs)``, ``on_train_begin(logs)``... Hooks not listed in the
    signature (``on_before_optimizer_step``, ``on_test_begin``, ...) may be given as keywords,
    and so may Keras's older names ``on_batch_begin`` and ``on_batch_end`` (the training-batch
    hooks, as in Keras).

    Examples
    --------
    >>> seen = []
    >>> callback = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs["loss"]))
    >>> callback.on_epoch_end(0, {"loss": 1.5}); callback.on_epoch_end(1, {"loss": 0.5})
    >>> seen
    [1.5, 0.5]
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **other_hooks):
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin, "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end, **other_hooks,
        }
        for hook, function in hooks.items():
            if hook not in HOOKS and hook not in _KERAS_ALIASES:
                raise TypeError(f"unknown hook {hook!r}; hooks are: {', '.join(HOOKS)}")
            if function is not None:
                setattr(self, _KERAS_ALIASES.get(hook, hook), check_callable(function, hook))

"""The Callback base class, the CallbackList that dispatches to many, and LambdaCallback."""

from __future__ import annotations

import sys

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


class CallbackList(Callback):
    """Several callbacks behind the interface of one: each hook is called on each, in order.

    All callbacks receive the same ``logs`` dict (a new empty one when ``logs`` is None), so an
    entry added by one is seen by the callbacks after it.

    Parameters
    ----------
    callbacks : list of Callback, optional
    add_history : bool, default False
        Append a :class:`~deepgrad.callbacks.History` unless the list already has one.
    add_progbar : bool, default False
        Append a :class:`~deepgrad.callbacks.ProgbarLogger` unless the list already has one.
    model : object, optional
        Passed to ``set_model`` of every callback.
    **params
        Passed to ``set_params`` of every callback (``epochs``, ``steps``, ``verbose``).

    Examples
    --------
    >>> callbacks = CallbackList([], add_history=True, epochs=1, steps=1, verbose=0)
    >>> callbacks.on_train_begin()
    >>> callbacks.on_epoch_end(0, {"loss": 0.5})
    >>> callbacks.history.history
    {'loss': [0.5]}
    """

    def __init__(self, callbacks=None, *, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        from .history import History
        from .progbar import ProgbarLogger

        self.callbacks: list[Callback] = []
        for callback in callbacks or []:
            self.append(callback)
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.append(History())
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.append(ProgbarLogger())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback: Callback) -> None:
        if isinstance(callback, type) and issubclass(callback, Callback):
            raise TypeError(
                f"pass a callback instance such as {callback.__name__}(), not the class"
            )
        if not isinstance(callback, Callback):
            raise TypeError(
                f"callbacks must be Callback instances; item {len(self.callbacks)} is "
                f"{type(callback).__name__}"
            )
        self.callbacks.append(callback)
        if self.model is not None:
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)

    @property
    def history(self):
        """The first :class:`~deepgrad.callbacks.History` in the list, or None."""
        from .history import History

        return next((c for c in self.callbacks if isinstance(c, History)), None)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    def set_model(self, model) -> None:
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    def _dispatch(self, hook: str, *args, logs=None) -> None:
        logs = {} if logs is None else logs
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs)

    def on_train_begin(self, logs=None):
        self._dispatch("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._dispatch("on_train_end", logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._dispatch("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._dispatch("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._dispatch("on_train_batch_begin", batch, logs=logs)

    def on_before_optimizer_step(self, batch, logs=None):
        self._dispatch("on_before_optimizer_step", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self._dispatch("on_train_batch_end", batch, logs=logs)

    def on_test_begin(self, logs=None):
        self._dispatch("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._dispatch("on_test_end", logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._dispatch("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        self._dispatch("on_test_batch_end", batch, logs=logs)

    def on_predict_begin(self, logs=None):
        self._dispatch("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._dispatch("on_predict_end", logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._dispatch("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._dispatch("on_predict_batch_end", batch, logs=logs)


class LambdaCallback(Callback):
    """A callback made of plain functions, one per hook.

    Each function takes the hook's arguments: ``on_epoch_begin(epoch, logs)``,
    ``on_train_batch_end(batch, logs)``, ``on_train_begin(logs)``... Hooks not listed in the
    signature (``on_before_optimizer_step``, ``on_test_begin``, ...) may be given as keywords.

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
            if hook not in HOOKS:
                raise TypeError(f"unknown hook {hook!r}; hooks are: {', '.join(HOOKS)}")
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"{hook} must be callable; got {type(function).__name__}")
            setattr(self, hook, function)

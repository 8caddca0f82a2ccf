"""CallbackList: several callbacks behind the interface of one."""

from __future__ import annotations

from ..common.checks import check_bool, describe
from .base import Callback
from .history import History
from .progbar import ProgbarLogger

__all__ = ["CallbackList"]


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
        if callbacks is not None and not isinstance(callbacks, (list, tuple)):
            raise TypeError(f"callbacks must be a list of Callback instances (or None); got "
                            f"{describe(callbacks)}")
        add_history = check_bool(add_history, "add_history")
        add_progbar = check_bool(add_progbar, "add_progbar")
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
        where = f"callbacks[{len(self.callbacks)}]"
        if isinstance(callback, type) and issubclass(callback, Callback):
            raise TypeError(f"{where} is the class {callback.__name__}; pass an instance such as "
                            f"{callback.__name__}()")
        if not isinstance(callback, Callback):
            raise TypeError(f"{where} must be a Callback instance; got {describe(callback)}")
        self.callbacks.append(callback)
        if self.model is not None:
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)

    @property
    def history(self):
        """The first :class:`~deepgrad.callbacks.History` in the list, or None."""
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

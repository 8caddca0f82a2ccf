"""Shared pieces of the metrics: array helpers, the per-sample metric functions, and the
:class:`Metric`, :class:`Mean` and :class:`MeanMetricWrapper` base classes."""

from __future__ import annotations

import numpy as np

from ..common.checks import (
    check_callable,
    check_float_dtype,
    check_number,
    check_str,
    describe,
)
from ..common.registry import snake_case


def _array(x, name: str = "values") -> np.ndarray:
    """float64 ndarray of an array-like (or of anything with a ``.numpy()`` method); a
    TypeError naming ``name`` for anything that is not numbers."""
    if not isinstance(x, np.ndarray) and callable(getattr(x, "numpy", None)):
        x = x.numpy()
    if x is None:  # np.asarray would make it NaN
        raise TypeError(f"{name} must be an array of numbers; got None")
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers; got {describe(x)}") from None


def _align(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of equal shape; a trailing axis of length 1 on one side only is dropped."""
    y_true, y_pred = _array(y_true, "y_true"), _array(y_pred, "y_pred")
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    return y_true, y_pred


def _per_sample(values: np.ndarray) -> np.ndarray:
    """Mean over the last axis as Keras does; a 1-D input already has one value per sample."""
    return values if values.ndim <= 1 else values.mean(axis=-1)


def _weights_like(sample_weight, shape: tuple) -> np.ndarray:
    """``sample_weight`` (scalar, ``(n_samples,)`` or ``(n_samples, 1)``) broadcast to ``shape``."""
    weight = _array(sample_weight, "sample_weight")
    while weight.ndim > len(shape) and weight.shape[-1] == 1:
        weight = weight[..., 0]
    weight = weight.reshape(weight.shape + (1,) * (len(shape) - weight.ndim))
    try:
        return np.broadcast_to(weight, shape)
    except ValueError:
        raise ValueError(
            f"sample_weight has shape {np.shape(sample_weight)}; expected one weight per sample "
            f"for values of shape {shape}"
        ) from None


def _safe_divide(numerator, denominator):
    """``numerator / denominator`` with 0 where the denominator is 0 (no warning)."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    out = np.zeros(np.broadcast(numerator, denominator).shape)
    return np.divide(numerator, denominator, out=out, where=denominator != 0)


# ------------------------------------------------------------------ per-sample functions
def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> np.ndarray:
    """Fraction of labels ``y_true >= 0.5`` equal to ``y_pred > threshold``, per sample.

    >>> binary_accuracy([1, 0, 1], [0.9, 0.2, 0.4])
    array([1., 1., 0.])
    """
    threshold = check_number(threshold, "threshold")
    y_true, y_pred = _align(y_true, y_pred)
    return _per_sample(((y_true >= 0.5) == (y_pred > threshold)).astype(np.float64))


def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` (one-hot targets), per sample.

    >>> categorical_accuracy([[0, 1], [1, 0]], [[0.3, 0.7], [0.4, 0.6]])
    array([1., 0.])
    """
    y_true, y_pred = _align(y_true, y_pred)
    return (y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1.0 where the integer label equals ``argmax(y_pred)``, per sample.

    ``y_true`` has shape ``(n_samples,)`` or ``(n_samples, 1)``; ``y_pred`` has shape
    ``(n_samples, n_classes)``.

    >>> sparse_categorical_accuracy([1, 0], [[0.3, 0.7], [0.4, 0.6]])
    array([1., 0.])
    """
    y_true, y_pred = _array(y_true, "y_true"), _array(y_pred, "y_pred")
    if y_pred.ndim == 0:
        raise ValueError("y_pred must have shape (n_samples, n_classes); got a scalar")
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"y_true has shape {y_true.shape}; expected integer labels of shape "
            f"{y_pred.shape[:-1]} for y_pred of shape {y_pred.shape}"
        )
    return (y_true == y_pred.argmax(axis=-1)).astype(np.float64)


def accuracy(y_true, y_pred) -> np.ndarray:
    """Fraction of elements where ``y_true == y_pred`` exactly, per sample.

    >>> accuracy([1, 2, 3], [1, 2, 4])
    array([1., 1., 0.])
    """
    y_true, y_pred = _align(y_true, y_pred)
    return _per_sample((y_true == y_pred).astype(np.float64))


def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    """``mean(|y_true - y_pred|)`` over the last axis, per sample.

    >>> mean_absolute_error([[1.0, 2.0], [0.0, 0.0]], [[2.0, 2.0], [0.0, 3.0]])
    array([0.5, 1.5])
    """
    y_true, y_pred = _align(y_true, y_pred)
    return _per_sample(np.abs(y_true - y_pred))


def mean_squared_error(y_true, y_pred) -> np.ndarray:
    """``mean((y_true - y_pred)**2)`` over the last axis, per sample.

    >>> mean_squared_error([[1.0, 2.0], [0.0, 0.0]], [[2.0, 2.0], [0.0, 3.0]])
    array([0.5, 4.5])
    """
    y_true, y_pred = _align(y_true, y_pred)
    return _per_sample((y_true - y_pred) ** 2)


_FUNCTIONS = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    mean_absolute_error, mean_squared_error)}


# ------------------------------------------------------------------ base classes
class Metric:
    """Base class: accumulate with ``update_state``, read ``result``, clear with ``reset_state``.

    Subclasses set their settings, then call ``super().__init__(name=name)`` (which calls
    ``reset_state``), and implement ``update_state(y_true, y_pred, sample_weight=None)``,
    ``result() -> float`` and ``reset_state()``. Calling a metric updates it and returns the
    result so far.

    Parameters
    ----------
    name : str, optional
        Key under which the value is logged; defaults to the snake_case class name.
    dtype : str or numpy dtype, optional
        Keras's setting, accepted (a floating-point dtype) and kept in the config: deepgrad's
        metrics accumulate in float64 and return Python floats whatever it is.

    Examples
    --------
    >>> class CountPositives(Metric):
    ...     def reset_state(self):
    ...         self.count = 0
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.count += int((np.asarray(y_pred) > 0).sum())
    ...     def result(self):
    ...         return float(self.count)
    >>> m = CountPositives()
    >>> m.update_state(None, [1, -1, 2]); m.update_state(None, [3])
    >>> m.name, m.result()
    ('count_positives', 3.0)
    """

    def __init__(self, name: str | None = None, dtype=None):
        self.name = snake_case(type(self).__name__) if name is None else check_str(name, "name")
        self.dtype = None if dtype is None else check_float_dtype(dtype)
        self.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def reset_state(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement reset_state()")

    def get_config(self) -> dict:
        """Constructor arguments; ``type(m).from_config(m.get_config())`` rebuilds the metric."""
        dtype = {} if self.dtype is None else {"dtype": self.dtype}
        return {"name": self.name, **dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __call__(self, *args, **kwargs) -> float:
        self.update_state(*args, **kwargs)
        return self.result()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} result={self.result():.6g}>"


class Mean(Metric):
    """Weighted running mean of values, e.g. of the batch losses during ``fit``.

    ``update_state(values, sample_weight=None)`` takes the values themselves (a scalar or an
    array); ``sample_weight`` broadcasts to them (a batch loss weighted by its batch size gives
    the per-sample mean over the epoch).

    Examples
    --------
    >>> m = Mean(name="loss")
    >>> m.update_state(1.0, sample_weight=3); m.update_state(2.0, sample_weight=1)
    >>> m.result()
    1.25
    """

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None) -> None:
        values = _array(values, "values")
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += float(values.size)
        else:
            weight = _weights_like(sample_weight, values.shape)
            self.total += float((weight * values).sum())
            self.count += float(weight.sum())

    def result(self) -> float:
        return float(_safe_divide(self.total, self.count))


class MeanMetricWrapper(Mean):
    """Weighted mean of ``fn(y_true, y_pred, **fn_kwargs)``, a function giving one value per sample.

    Parameters
    ----------
    fn : callable
        ``fn(y_true, y_pred) -> array of shape (n_samples,)``.
    name : str, optional
        Defaults to ``fn.__name__``.
    dtype : str or numpy dtype, optional
        See :class:`Metric`.
    **fn_kwargs
        Passed to ``fn`` on every call.

    Examples
    --------
    >>> def absolute_error(y_true, y_pred):
    ...     return np.abs(np.asarray(y_true) - np.asarray(y_pred))
    >>> m = MeanMetricWrapper(absolute_error)
    >>> m.update_state([1.0, 2.0], [1.5, 2.0]); m.update_state([0.0], [3.0])
    >>> m.name, round(m.result(), 4)
    ('absolute_error', 1.1667)
    """

    def __init__(self, fn, name: str | None = None, dtype=None, **fn_kwargs):
        self._fn, self._fn_kwargs = check_callable(fn, "fn"), fn_kwargs
        if name is None:
            name = getattr(fn, "__name__", "mean")
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self) -> dict:
        """Settings; ``"fn"`` is the name of a deepgrad metric function, else the function itself."""
        config = {**super().get_config(), **self._fn_kwargs}
        if type(self) is MeanMetricWrapper:
            is_builtin = _FUNCTIONS.get(getattr(self._fn, "__name__", None)) is self._fn
            config["fn"] = self._fn.__name__ if is_builtin else self._fn
        return config

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        config = dict(config)
        if "fn" in config:
            fn = config.pop("fn")
            if isinstance(fn, str):
                if fn not in _FUNCTIONS:
                    known = ", ".join(sorted(_FUNCTIONS))
                    raise ValueError(f"unknown metric function {fn!r}; known: {known}")
                fn = _FUNCTIONS[fn]
            return cls(fn, **config)
        return cls(**config)

"""Keras-style metrics: stateful objects that accumulate over batches, on NumPy arrays.

A :class:`Metric` keeps sums (never per-batch averages), so feeding the data in batches gives the
full-data value: ``update_state`` on every batch, then ``result()``. Inputs are array-likes with
the batch dimension first; they are read in float64. Binary metrics read ``y_true`` as a label
with ``y_true >= 0.5`` meaning positive, so both 0/1 and -1/1 (hinge) labels work, and compare
``y_pred > threshold``.

:func:`get` turns a name (``"accuracy"``, ``"mae"``, ``"auc"``...), a config dict, an instance
or a plain function into a metric; ``"accuracy"`` is resolved from the loss as Keras does.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "Mean", "MeanAbsoluteError",
    "MeanMetricWrapper", "MeanSquaredError", "Metric", "Precision", "R2Score", "Recall",
    "RootMeanSquaredError", "SparseCategoricalAccuracy", "accuracy", "binary_accuracy",
    "categorical_accuracy", "get", "mean_absolute_error", "mean_squared_error", "serialize",
    "sparse_categorical_accuracy",
]


def _snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z][a-z])", r"_\1\2", name).lower()


def _array(x) -> np.ndarray:
    """float64 ndarray of an array-like (or of anything with a ``.numpy()`` method)."""
    if not isinstance(x, np.ndarray) and callable(getattr(x, "numpy", None)):
        x = x.numpy()
    return np.asarray(x, dtype=np.float64)


def _align(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of equal shape; a trailing axis of length 1 on one side only is dropped."""
    y_true, y_pred = _array(y_true), _array(y_pred)
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
    weight = _array(sample_weight)
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
    y_true, y_pred = _array(y_true), _array(y_pred)
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

    def __init__(self, *, name: str | None = None):
        self.name = name if name is not None else _snake_case(type(self).__name__)
        self.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def reset_state(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement reset_state()")

    def get_config(self) -> dict:
        """Constructor arguments; ``type(m).from_config(m.get_config())`` rebuilds the metric."""
        return {"name": self.name}

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
        values = _array(values)
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

    def __init__(self, fn, *, name: str | None = None, **fn_kwargs):
        if not callable(fn):
            raise TypeError(f"fn must be callable; got {type(fn).__name__}")
        self._fn, self._fn_kwargs = fn, fn_kwargs
        super().__init__(name=name if name is not None else getattr(fn, "__name__", "mean"))

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


# ------------------------------------------------------------------ accuracy and regression means
class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the label ``y_true >= 0.5``.

    Parameters
    ----------
    threshold : float, default 0.5
        Decision threshold on ``y_pred``; use 0.0 for logits or hinge scores.
    name : str, optional

    Examples
    --------
    >>> m = BinaryAccuracy()
    >>> m.update_state([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.7])
    >>> m.result()
    0.5
    """

    def __init__(self, threshold: float = 0.5, *, name: str | None = None):
        super().__init__(binary_accuracy, name=name, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` matches the one-hot ``y_true``.

    >>> CategoricalAccuracy()([[0, 1], [1, 0]], [[0.1, 0.9], [0.2, 0.8]])
    0.5
    """

    def __init__(self, *, name: str | None = None):
        super().__init__(categorical_accuracy, name=name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` matches the integer label ``y_true``.

    >>> SparseCategoricalAccuracy()([1, 1, 0], [[0.1, 0.9], [0.6, 0.4], [0.7, 0.3]])
    0.6666666666666666
    """

    def __init__(self, *, name: str | None = None):
        super().__init__(sparse_categorical_accuracy, name=name)


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly (predictions already as labels).

    >>> Accuracy()([1, 2, 3, 4], [1, 2, 0, 4])
    0.75
    """

    def __init__(self, *, name: str | None = None):
        super().__init__(accuracy, name=name)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of ``|y_true - y_pred|`` (alias ``"mae"``).

    >>> MeanAbsoluteError()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]])
    0.5
    """

    def __init__(self, *, name: str | None = None):
        super().__init__(mean_absolute_error, name=name)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of ``(y_true - y_pred)**2`` (alias ``"mse"``).

    >>> MeanSquaredError()([0.0, 1.0, 2.0], [0.0, 3.0, 2.0])
    1.3333333333333333
    """

    def __init__(self, *, name: str | None = None):
        super().__init__(mean_squared_error, name=name)


class RootMeanSquaredError(MeanSquaredError):
    """Square root of the mean squared error over everything seen (alias ``"rmse"``).

    >>> RootMeanSquaredError()([0.0, 1.0, 2.0, 3.0], [0.0, 3.0, 2.0, 3.0])
    1.0
    """

    def __init__(self, *, name: str | None = None):
        super().__init__(name=name or "root_mean_squared_error")

    def result(self) -> float:
        return float(np.sqrt(super().result()))


# ------------------------------------------------------------------ confusion-count metrics
class _ThresholdedCounts(Metric):
    """Weighted true/false positive/negative counts of ``y_pred > threshold`` over all elements."""

    def __init__(self, threshold: float = 0.5, *, name: str | None = None):
        self.threshold = float(threshold)
        super().__init__(name=name)

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = self.false_negatives = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _align(y_true, y_pred)
        weight = 1.0 if sample_weight is None else _weights_like(sample_weight, y_true.shape)
        weight = np.broadcast_to(weight, y_true.shape)
        positive, predicted = y_true >= 0.5, y_pred > self.threshold
        self.true_positives += float(weight[positive & predicted].sum())
        self.false_positives += float(weight[~positive & predicted].sum())
        self.false_negatives += float(weight[positive & ~predicted].sum())

    def get_config(self) -> dict:
        return {**super().get_config(), "threshold": self.threshold}


class Precision(_ThresholdedCounts):
    """``tp / (tp + fp)``: the fraction of predicted positives that are positive (0 if none).

    Parameters
    ----------
    threshold : float, default 0.5
        ``y_pred > threshold`` is a positive prediction.
    name : str, optional

    Examples
    --------
    >>> Precision()([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1])
    0.5
    """

    def result(self) -> float:
        return float(_safe_divide(self.true_positives, self.true_positives + self.false_positives))


class Recall(_ThresholdedCounts):
    """``tp / (tp + fn)``: the fraction of positives predicted positive (0 if none).

    Parameters
    ----------
    threshold : float, default 0.5
        ``y_pred > threshold`` is a positive prediction.
    name : str, optional

    Examples
    --------
    >>> Recall()([1, 1, 1, 0], [0.9, 0.8, 0.3, 0.1])
    0.6666666666666666
    """

    def result(self) -> float:
        return float(_safe_divide(self.true_positives, self.true_positives + self.false_negatives))


class AUC(Metric):
    """Area under the ROC (or precision-recall) curve of binary scores, as Keras computes it.

    Predictions are counted against ``num_thresholds`` evenly spaced thresholds in [0, 1] (the
    ends moved just outside by 1e-7); the area is then integrated from those confusion counts:
    the trapezoid rule for ROC, and for PR the exact integral of precision when true positives
    grow linearly with predicted positives between thresholds (Davis & Goadrich). Multi-column
    inputs are flattened; with no positives (or no negatives) the ROC area is 0.

    Parameters
    ----------
    num_thresholds : int, default 200
        More thresholds approach the exact (rank-based) area more closely.
    curve : {"ROC", "PR"}, default "ROC"
    name : str, optional

    Examples
    --------
    >>> m = AUC()
    >>> m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> m.result()
    0.75
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", *, name: str | None = None):
        if int(num_thresholds) < 2:
            raise ValueError(f"num_thresholds must be at least 2; got {num_thresholds}")
        if str(curve).upper() not in ("ROC", "PR"):
            raise ValueError(f"curve must be 'ROC' or 'PR'; got {curve!r}")
        self.num_thresholds, self.curve = int(num_thresholds), str(curve).upper()
        inner = np.arange(1, self.num_thresholds - 1) / (self.num_thresholds - 1)
        self.thresholds = np.concatenate([[-1e-7], inner, [1.0 + 1e-7]])
        super().__init__(name=name)

    def reset_state(self) -> None:
        zeros = np.zeros(self.num_thresholds)
        self.true_positives, self.false_positives = zeros.copy(), zeros.copy()
        self.true_negatives, self.false_negatives = zeros.copy(), zeros.copy()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _align(y_true, y_pred)
        weight = np.ones(y_true.shape) if sample_weight is None else (
            _weights_like(sample_weight, y_true.shape))
        positive, weight = (y_true >= 0.5).ravel(), weight.ravel()
        # y_pred > thresholds[j] exactly for j < bucket; counts above threshold j: reversed cumsum.
        y_pred = y_pred.ravel()
        bucket = np.searchsorted(self.thresholds, y_pred, side="left")
        bucket[np.isnan(y_pred)] = 0  # NaN > threshold is False: never a positive prediction
        size = self.num_thresholds + 1
        pos_hist = np.bincount(bucket[positive], weight[positive], minlength=size)
        neg_hist = np.bincount(bucket[~positive], weight[~positive], minlength=size)
        pos_above = np.cumsum(pos_hist[::-1])[::-1][1:]
        neg_above = np.cumsum(neg_hist[::-1])[::-1][1:]
        self.true_positives += pos_above
        self.false_positives += neg_above
        self.false_negatives += pos_hist.sum() - pos_above
        self.true_negatives += neg_hist.sum() - neg_above

    def result(self) -> float:
        tp, fp, tn, fn = (self.true_positives, self.false_positives,
                          self.true_negatives, self.false_negatives)
        if self.curve == "ROC":
            recall, fall_out = _safe_divide(tp, tp + fn), _safe_divide(fp, fp + tn)
            return float(np.sum((fall_out[:-1] - fall_out[1:]) * (recall[:-1] + recall[1:]) / 2))
        # PR: between thresholds tp = intercept + slope * p, with p = tp + fp predicted positives.
        predicted = tp + fp
        d_tp, d_predicted = tp[:-1] - tp[1:], predicted[:-1] - predicted[1:]
        slope = _safe_divide(d_tp, np.maximum(d_predicted, 0))
        intercept = tp[1:] - slope * predicted[1:]
        both_positive = (predicted[:-1] > 0) & (predicted[1:] > 0)
        ratio = np.ones_like(d_tp)
        np.divide(predicted[:-1], predicted[1:], out=ratio, where=both_positive)
        pieces = slope * (d_tp + intercept * np.log(ratio))
        return float(np.sum(_safe_divide(pieces, np.maximum(tp[1:] + fn[1:], 0))))

    def get_config(self) -> dict:
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve}


# ------------------------------------------------------------------ coefficient of determination
class R2Score(Metric):
    """Coefficient of determination ``1 - SS_res / SS_tot``, streamed over batches.

    Keeps per output the weighted count, mean and sum of squared deviations of ``y_true``
    (merged batch by batch with Chan's update, so large offsets lose no precision) and the
    residual sum of squares. An output with constant targets scores 1.0 if predicted exactly,
    else 0.0, as in scikit-learn.

    Parameters
    ----------
    multioutput : {"uniform_average", "variance_weighted"}, default "uniform_average"
        How to combine the scores of several outputs (columns of ``y_true``).
    name : str, optional

    Examples
    --------
    >>> m = R2Score()
    >>> m.update_state([1.0, 2.0], [1.0, 2.5]); m.update_state([3.0, 4.0], [3.0, 4.0])
    >>> m.result()
    0.95
    """

    def __init__(self, multioutput: str = "uniform_average", *, name: str | None = None):
        if multioutput not in ("uniform_average", "variance_weighted"):
            raise ValueError(
                f"multioutput must be 'uniform_average' or 'variance_weighted'; got {multioutput!r}"
            )
        self.multioutput = multioutput
        super().__init__(name=name)

    def reset_state(self) -> None:
        self.weight_sum = self.target_mean = self.target_sq_dev = self.residual_sq = None

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _align(y_true, y_pred)
        y_true, y_pred = y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1)
        weight = np.ones(y_true.shape) if sample_weight is None else (
            _weights_like(sample_weight, y_true.shape))
        if self.weight_sum is None:
            n_outputs = y_true.shape[1]
            self.weight_sum, self.target_mean = np.zeros(n_outputs), np.zeros(n_outputs)
            self.target_sq_dev, self.residual_sq = np.zeros(n_outputs), np.zeros(n_outputs)
        elif y_true.shape[1] != self.weight_sum.shape[0]:
            raise ValueError(
                f"R2Score saw {self.weight_sum.shape[0]} outputs before; this batch has "
                f"{y_true.shape[1]}"
            )
        batch_weight = weight.sum(axis=0)
        batch_mean = _safe_divide((weight * y_true).sum(axis=0), batch_weight)
        batch_sq_dev = (weight * (y_true - batch_mean) ** 2).sum(axis=0)
        total = self.weight_sum + batch_weight
        delta = batch_mean - self.target_mean
        self.target_mean = self.target_mean + delta * _safe_divide(batch_weight, total)
        self.target_sq_dev = self.target_sq_dev + batch_sq_dev + delta**2 * _safe_divide(
            self.weight_sum * batch_weight, total)
        self.weight_sum = total
        self.residual_sq = self.residual_sq + (weight * (y_true - y_pred) ** 2).sum(axis=0)

    def result(self) -> float:
        if self.weight_sum is None:
            return 0.0
        ss_res, ss_tot = self.residual_sq, self.target_sq_dev
        constant = ss_tot == 0
        scores = np.where(constant, (ss_res == 0).astype(float), 1.0 - _safe_divide(ss_res, ss_tot))
        if self.multioutput == "variance_weighted" and ss_tot.sum() > 0:
            return float(np.sum(scores * ss_tot) / ss_tot.sum())
        return float(scores.mean())

    def get_config(self) -> dict:
        return {**super().get_config(), "multioutput": self.multioutput}


# ------------------------------------------------------------------ lookup
_CLASSES: dict[str, type[Metric]] = {
    cls.__name__: cls
    for cls in (Accuracy, AUC, BinaryAccuracy, CategoricalAccuracy, Mean, MeanAbsoluteError,
                MeanMetricWrapper, MeanSquaredError, Precision, R2Score, Recall,
                RootMeanSquaredError, SparseCategoricalAccuracy)
}
_ALIASES: dict[str, type[Metric]] = {
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy, "precision": Precision,
    "recall": Recall, "auc": AUC, "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError, "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "root_mean_squared_error": RootMeanSquaredError, "rmse": RootMeanSquaredError,
    "r2_score": R2Score, "r2": R2Score,
}
_FUNCTIONS = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    mean_absolute_error, mean_squared_error)}
# Loss names with underscores removed, so "binary_crossentropy", "BinaryCrossEntropy" and
# "binary_cross_entropy" all match. Hinge losses score raw margins: their threshold is 0.
_BINARY_LOSSES = {"binarycrossentropy", "bce", "binaryfocalcrossentropy", "logloss"}
_MARGIN_LOSSES = {"hinge", "squaredhinge"}
_CATEGORICAL_LOSSES = {"categoricalcrossentropy", "cce", "categoricalfocalcrossentropy",
                       "categoricalhinge", "kldivergence", "kld", "kullbackleiblerdivergence"}
_SPARSE_LOSSES = {"sparsecategoricalcrossentropy", "scce"}


def _loss_key(loss) -> str:
    """Normalised name of a loss given as a string, function or object."""
    if isinstance(loss, str):
        name = loss
    elif isinstance(getattr(loss, "name", None), str):
        name = loss.name
    elif hasattr(loss, "__name__"):
        name = loss.__name__
    else:
        name = type(loss).__name__
    return _snake_case(name).replace("_", "").replace(" ", "")


class _ShapeInferredAccuracy(Metric):
    """Accuracy whose kind (binary, categorical, sparse) is read from the first batch's shapes."""

    def reset_state(self) -> None:
        self._metric = getattr(self, "_metric", None)
        if self._metric is not None:
            self._metric.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if self._metric is None:
            shape_true, shape_pred = np.shape(y_true), np.shape(y_pred)
            if len(shape_pred) <= 1 or shape_pred[-1] == 1:
                self._metric = BinaryAccuracy(name=self.name)
            elif len(shape_true) < len(shape_pred) or shape_true[-1] == 1:
                self._metric = SparseCategoricalAccuracy(name=self.name)
            else:
                self._metric = CategoricalAccuracy(name=self.name)
        self._metric.update_state(y_true, y_pred, sample_weight)

    def result(self) -> float:
        return 0.0 if self._metric is None else self._metric.result()


def _accuracy_for(name: str, loss, output_shape) -> Metric:
    if loss is not None:
        key = _loss_key(loss)
        from_logits = bool(getattr(loss, "from_logits", False))
        if key in _BINARY_LOSSES | _MARGIN_LOSSES:
            threshold = 0.0 if from_logits or key in _MARGIN_LOSSES else 0.5
            return BinaryAccuracy(threshold, name=name)
        if key in _CATEGORICAL_LOSSES:
            return CategoricalAccuracy(name=name)
        if key in _SPARSE_LOSSES:
            return SparseCategoricalAccuracy(name=name)
    if output_shape is not None and (len(output_shape) == 0 or output_shape[-1] == 1):
        return BinaryAccuracy(name=name)
    return _ShapeInferredAccuracy(name=name)


def serialize(metric: Metric) -> dict:
    """``{"class_name": ..., "config": ...}``, which :func:`get` turns back into the metric.

    >>> serialize(BinaryAccuracy(threshold=0.3))
    {'class_name': 'BinaryAccuracy', 'config': {'name': 'binary_accuracy', 'threshold': 0.3}}
    """
    config = metric.get_config()
    if type(metric).__name__ not in _CLASSES or callable(config.get("fn")):
        raise ValueError(
            f"cannot serialize the custom metric {metric.name!r}: a model file only names deepgrad's "
            "own metrics; pass it again to compile() after loading"
        )
    return {"class_name": type(metric).__name__, "config": config}


def get(identifier, loss=None, output_shape=None) -> Metric | None:
    """Return a metric for ``identifier``.

    Parameters
    ----------
    identifier : str, dict, Metric, callable or None
        A name or alias (``"accuracy"``/``"acc"``, ``"binary_accuracy"``, ``"precision"``,
        ``"recall"``, ``"auc"``, ``"mae"``, ``"mse"``, ``"rmse"``, ``"r2"``...), a class name, a
        config dict ``{"class_name": ..., "config": {...}}``, a :class:`Metric` (returned as is),
        or a function ``fn(y_true, y_pred) -> per-sample array`` (wrapped in a
        :class:`MeanMetricWrapper`). A metric made from a string is named by that string, so
        ``"accuracy"`` is logged as ``accuracy`` and ``val_accuracy``.
    loss : str, callable or object, optional
        The model's loss, used to choose the kind of ``"accuracy"`` as Keras does: binary
        cross-entropy and hinge losses give :class:`BinaryAccuracy` (threshold 0 for hinge losses
        and losses with ``from_logits=True``), categorical ones :class:`CategoricalAccuracy`,
        sparse categorical ones :class:`SparseCategoricalAccuracy`.
    output_shape : tuple of int, optional
        Model output shape, used when the loss does not decide: a last dimension of 1 means
        binary. Otherwise the kind is read from the shapes of the first batch.

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones.

    Examples
    --------
    >>> get("accuracy", loss="binary_crossentropy")
    <BinaryAccuracy name='accuracy' result=0>
    >>> get("mae").name
    'mae'
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        class_name = identifier.get("class_name")
        cls = _CLASSES.get(class_name) or _ALIASES.get(class_name)
        if cls is None:
            valid = ", ".join(sorted(_CLASSES))
            raise ValueError(f"unknown metric class {class_name!r}; valid names: {valid}")
        return cls.from_config(dict(identifier.get("config", {})))
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return _accuracy_for(identifier, loss, output_shape)
        cls = _ALIASES.get(identifier) or _CLASSES.get(identifier)
        if cls is None or cls is MeanMetricWrapper:
            valid = sorted({"accuracy", "acc", *_ALIASES, *_CLASSES} - {"MeanMetricWrapper"})
            raise ValueError(f"unknown metric {identifier!r}; valid names: {', '.join(valid)}")
        return cls(name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(f"cannot interpret {type(identifier).__name__} as a metric: {identifier!r}")

"""Cross-entropies: binary, categorical and sparse categorical.

``y_pred`` holds probabilities (the output of a sigmoid or softmax) by default; with
``from_logits=True`` it holds the raw scores before that activation, which is the stable and
recommended way: the losses then use ``max(x, 0) - x·z + log(1 + e^{-|x|})`` and log-softmax and
are exact for logits of any size. Probabilities are clipped to ``[ε, 1 - ε]`` (ε = 1e-7) before
their logarithm, and only then.

The notes write the categorical cross-entropy as ``-Σ y·ln(y)``; the prediction belongs inside
the logarithm: ``-Σ_j y_j·ln(ŷ_j)``.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..autograd.tensor import Tensor
from ..functional import (
    log_softmax,
    sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
)
from ..common.checks import check_bool, check_int, check_number
from .base import (
    EPSILON,
    Loss,
    as_prediction,
    as_target,
    check_axis,
    check_last_axis,
    class_axis,
    per_sample_mean,
    same_shape_target,
)
from .softmax_cross_entropy import softmax_cross_entropy_value_and_gradient

__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
]


def check_label_smoothing(label_smoothing) -> float:
    return check_number(label_smoothing, "label_smoothing", low=0.0, high=1.0)


def binary_targets(y_true, y_pred: Tensor, label_smoothing: float) -> np.ndarray:
    """Targets of ``y_pred``'s shape, squeezed toward ½ by ``label_smoothing``."""
    y_true = same_shape_target(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return y_true


def distribution_targets(y_true, y_pred: Tensor, loss_name: str) -> np.ndarray:
    """Targets that are distributions over the class axis: exactly ``y_pred``'s shape."""
    y_true = as_target(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        hint = ""
        if y_true.shape in (y_pred.shape[:-1], y_pred.shape[:-1] + (1,)):
            hint = "; for integer class labels use sparse_categorical_crossentropy"
        raise ValueError(
            f"{loss_name} needs y_true with the shape of y_pred (one-hot or probabilities); got "
            f"y_true with shape {y_true.shape} and y_pred with shape {y_pred.shape}{hint}"
        )
    return y_true


def normalized_probabilities(y_pred: Tensor, axis: int) -> Tensor:
    """``y_pred`` divided by its sum over ``axis`` (as Keras does), a guard against a zero sum."""
    return y_pred / y_pred.sum(axis=axis, keepdims=True).clip(min=EPSILON)


def log_probabilities(y_pred: Tensor, axis: int, from_logits: bool) -> Tensor:
    """``log ŷ`` over the class axis: log-softmax of logits, or the log of clipped probabilities."""
    if from_logits:
        return log_softmax(y_pred, axis)
    return normalized_probabilities(y_pred, axis).clip(EPSILON, 1.0 - EPSILON).log()


def binary_crossentropy(
    y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0
) -> Tensor:
    """Per-sample mean of ``-[y·log(p) + (1 - y)·log(1 - p)]`` (the log loss).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Labels in [0, 1].
    y_pred : Tensor of the same shape
        Probabilities ``p`` (sigmoid outputs), or logits ``x`` with ``from_logits=True``, where
        the loss is computed as ``max(x, 0) - x·y + log(1 + e^{-|x|})`` without forming ``p``.
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0
        Replaces ``y`` by ``y·(1 - s) + s/2``.

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> binary_crossentropy([1.0, 0.0], dg.Tensor([0.8, 0.4]))  # -ln 0.8, -ln 0.6
    Tensor([0.2231, 0.5108])
    """
    from_logits = check_bool(from_logits, "from_logits")
    label_smoothing = check_label_smoothing(label_smoothing)
    y_pred = as_prediction(y_pred)
    y_true = binary_targets(y_true, y_pred, label_smoothing)
    if from_logits:
        return per_sample_mean(sigmoid_cross_entropy_with_logits(y_pred, y_true))
    p = y_pred.clip(EPSILON, 1.0 - EPSILON)
    return per_sample_mean(-(y_true * p.log() + (1.0 - y_true) * (1.0 - p).log()))


def categorical_crossentropy(
    y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Per-sample ``-Σ_j y_j·log(ŷ_j)`` over the class axis.

    Parameters
    ----------
    y_true : array_like of shape (n_samples, n_classes)
        One-hot labels or target probabilities.
    y_pred : Tensor of the same shape
        Probabilities (softmax outputs; each row is divided by its sum, then clipped), or logits
        with ``from_logits=True`` (then ``log ŷ`` is the log-softmax, exact for any logits).
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0
        Replaces ``y`` by ``y·(1 - s) + s/n_classes``.
    axis : int, default -1
        The class axis. Other axes after the first are averaged.

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> categorical_crossentropy([[0, 1, 0]], dg.Tensor([[0.1, 0.7, 0.2]]))  # -ln 0.7
    Tensor([0.3567])
    """
    from_logits = check_bool(from_logits, "from_logits")
    label_smoothing = check_label_smoothing(label_smoothing)
    axis = check_axis(axis)
    y_pred = as_prediction(y_pred)
    axis = class_axis(y_pred, axis, "categorical_crossentropy")
    y_true = distribution_targets(y_true, y_pred, "categorical_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    logits = y_pred if from_logits else softmax_logits(y_pred)
    if logits is not None and logits.ndim == 2:  # one fused primitive; gradient softmax - labels
        return softmax_cross_entropy_with_logits(logits, y_true)
    log_probs = log_probabilities(y_pred, axis, from_logits)
    return per_sample_mean(-(y_true * log_probs).sum(axis=axis))


def softmax_logits(probabilities: Tensor) -> Tensor | None:
    """The logits behind ``probabilities`` when they are the output of a last-axis softmax.

    A cross-entropy handed a softmax's output then computes from the logits, as Keras does on
    TensorFlow: the same value without the ``EPSILON`` clip, a stabler gradient, and one fused
    primitive instead of about ten.
    """
    ctx = probabilities._ctx
    if isinstance(ctx, ops.Softmax) and ctx.axis in (-1, probabilities.ndim - 1):
        return ctx.inputs[0]
    return None


def class_labels(y_true, y_pred: Tensor) -> np.ndarray:
    """Integer labels of shape ``y_pred.shape[:-1]``, checked to lie in ``[0, n_classes)``."""
    labels = as_target(y_true, y_pred, cast=False)
    expected = y_pred.shape[:-1]
    if labels.shape == expected + (1,):
        labels = labels[..., 0]
    elif labels.shape != expected:
        hint = ""
        if labels.shape == y_pred.shape:
            hint = "; y_true looks one-hot: use categorical_crossentropy"
        raise ValueError(
            f"sparse_categorical_crossentropy needs one integer label per sample, y_true of shape "
            f"{expected}; got y_true with shape {labels.shape} and y_pred with shape "
            f"{y_pred.shape}{hint}"
        )
    n_classes = y_pred.shape[-1]
    if labels.dtype.kind == "f":
        finite = np.isfinite(labels)
        safe = np.where(finite, labels, 0.0)
        bad = ~finite | (safe != np.floor(safe))
    else:
        safe, bad = labels, np.zeros(labels.shape, dtype=bool)
    bad |= (safe < 0) | (safe >= n_classes)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"y_true must hold integer class labels in [0, {n_classes - 1}] for y_pred with "
            f"{n_classes} classes; y_true[{', '.join(map(str, index))}] is {labels[index].item()}"
        )
    return safe.astype(np.intp)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False) -> Tensor:
    """Per-sample ``-log ŷ[label]``: categorical cross-entropy with integer labels.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Integer class labels in ``[0, n_classes)`` (ordinal-encoded, not one-hot); integral
        floats are accepted. ``(n_samples, 1)`` works too.
    y_pred : Tensor of shape (n_samples, n_classes)
        Probabilities, or logits with ``from_logits=True``.
    from_logits : bool, default False

    Returns
    -------
    Tensor of shape (n_samples,)

    Raises
    ------
    ValueError
        If a label is not an integer in range, naming the first bad one.

    Examples
    --------
    >>> import deepgrad as dg
    >>> sparse_categorical_crossentropy([1, 2], dg.Tensor([[0.1, 0.7, 0.2], [0.3, 0.2, 0.5]]))
    Tensor([0.3567, 0.6931])
    """
    from_logits = check_bool(from_logits, "from_logits")
    y_pred = as_prediction(y_pred)
    class_axis(y_pred, -1, "sparse_categorical_crossentropy")
    labels = class_labels(y_true, y_pred)
    logits = y_pred if from_logits else softmax_logits(y_pred)
    if logits is not None and logits.ndim == 2:  # one fused primitive; gradient softmax - onehot
        return softmax_cross_entropy_with_logits(logits, labels.astype(np.int64, copy=False))
    scores = log_softmax(y_pred, -1) if from_logits else normalized_probabilities(y_pred, -1)
    rows = scores if scores.ndim == 2 else scores.reshape(-1, y_pred.shape[-1])
    picked = rows[np.arange(rows.shape[0]), labels.reshape(-1)]
    if not from_logits:
        picked = picked.clip(EPSILON, 1.0 - EPSILON).log()
    return per_sample_mean(-picked.reshape(labels.shape))


class BinaryCrossentropy(Loss):
    """Binary cross-entropy (log loss), reduced over the batch: see :func:`binary_crossentropy`.

    Parameters
    ----------
    from_logits : bool, default False
        Whether ``y_pred`` holds logits rather than probabilities.
    label_smoothing : float in [0, 1], default 0
    axis : -1
        Keras's setting: the loss averages over every axis after the first.
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "binary_crossentropy"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> bce = BinaryCrossentropy()
    >>> round(bce([1.0, 0.0], dg.Tensor([0.8, 0.4])).item(), 4)  # (-ln 0.8 - ln 0.6) / 2
    0.367
    >>> logits = dg.Tensor([2.0, -1.0])
    >>> round(BinaryCrossentropy(from_logits=True)([1.0, 0.0], logits).item(), 4)
    0.2201
    """

    function = staticmethod(binary_crossentropy)
    settings = ("from_logits", "label_smoothing")

    def __init__(
        self,
        from_logits: bool = False,
        *,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str = "mean",
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(reduction, name, dtype)
        self.from_logits = check_bool(from_logits, "from_logits")
        self.label_smoothing = check_label_smoothing(label_smoothing)
        check_last_axis(axis, "BinaryCrossentropy")



class CategoricalCrossentropy(Loss):
    """Categorical cross-entropy with one-hot labels: see :func:`categorical_crossentropy`.

    Parameters
    ----------
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0
    axis : int, default -1
        The class axis.
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "categorical_crossentropy"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> cce = CategoricalCrossentropy(from_logits=True)
    >>> round(cce([[0, 0, 1]], dg.Tensor([[1.0, 1.0, 1.0]])).item(), 4)  # ln 3
    1.0986
    """

    function = staticmethod(categorical_crossentropy)
    settings = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits: bool = False,
        *,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str = "mean",
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(reduction, name, dtype)
        self.from_logits = check_bool(from_logits, "from_logits")
        self.label_smoothing = check_label_smoothing(label_smoothing)
        self.axis = check_axis(axis)

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        y_pred = as_prediction(y_pred)
        if not (self.from_logits and y_pred.ndim == 2 and self.axis in (-1, 1) and self.reduction != "none"):
            return super().value_and_gradient(y_true, y_pred.data, sample_weight)
        y_true = distribution_targets(y_true, y_pred, "categorical_crossentropy")
        if self.label_smoothing:
            y_true = y_true * (1.0 - self.label_smoothing) + self.label_smoothing / y_pred.shape[1]
        y_true = y_true.astype(y_pred.dtype, copy=False)
        return softmax_cross_entropy_value_and_gradient(y_pred.data, y_true, sample_weight, self.reduction)



class SparseCategoricalCrossentropy(Loss):
    """Categorical cross-entropy with integer labels: see :func:`sparse_categorical_crossentropy`.

    Parameters
    ----------
    from_logits : bool, default False
    ignore_class : None
        Keras's setting; not implemented: give the samples to ignore ``sample_weight=0``.
    reduction : {"mean", "sum", "none"}, default "mean"
    axis : -1
        Keras's setting: the classes are along the last axis.
    name : str, default "sparse_categorical_crossentropy"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> scce = SparseCategoricalCrossentropy(reduction="none")
    >>> scce([1, 2], dg.Tensor([[0.1, 0.7, 0.2], [0.3, 0.2, 0.5]]), sample_weight=[2.0, 1.0])
    Tensor([0.7133, 0.6931])
    """

    function = staticmethod(sparse_categorical_crossentropy)
    settings = ("from_logits",)

    def __init__(self, from_logits: bool = False, *, ignore_class=None, reduction: str = "mean",
                 axis: int = -1, name: str | None = None, dtype=None):
        super().__init__(reduction, name, dtype)
        self.from_logits = check_bool(from_logits, "from_logits")
        if ignore_class is not None:
            raise ValueError(
                f"ignore_class is not implemented (got ignore_class={ignore_class!r}); give the "
                "samples of that class sample_weight=0 instead"
            )
        if check_int(axis, "axis") != -1:
            raise ValueError("SparseCategoricalCrossentropy reads the classes along the last "
                             f"axis; axis must be -1; got {axis}")

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        y_pred = as_prediction(y_pred)
        if not (self.from_logits and y_pred.ndim == 2 and self.reduction != "none"):
            return super().value_and_gradient(y_true, y_pred.data, sample_weight)
        labels = class_labels(y_true, y_pred).astype(np.int64, copy=False)
        return softmax_cross_entropy_value_and_gradient(y_pred.data, labels, sample_weight, self.reduction)

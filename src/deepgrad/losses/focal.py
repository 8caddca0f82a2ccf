"""Focal losses (Lin et al., 2017): cross-entropies that down-weight easy, well-classified examples.

Each element's cross-entropy is multiplied by ``(1 - p_t)^γ``, where ``p_t`` is the probability
the model gives to the true class: confident correct predictions (``p_t`` near 1) contribute
almost nothing, so training concentrates on the hard examples, as in dense object detection.
``γ = 0`` gives back the cross-entropy. Settings and defaults follow Keras 3.
"""

from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from ..functional import floored_exp, log_softmax, sigmoid_cross_entropy_with_logits
from ..ops.stable import smallest_exp
from ..common.checks import check_bool, check_number
from .base import (
    EPSILON,
    Loss,
    as_prediction,
    check_axis,
    check_last_axis,
    class_axis,
    per_sample_mean,
)
from .classification import (
    binary_targets,
    check_label_smoothing,
    distribution_targets,
    normalized_probabilities,
)

__all__ = [
    "binary_focal_crossentropy",
    "categorical_focal_crossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalFocalCrossentropy",
]


def _check_probability_targets(y_true: np.ndarray) -> np.ndarray:
    outside = ~((y_true >= 0.0) & (y_true <= 1.0))
    if outside.any():
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"focal losses need labels in [0, 1]; y_true[{', '.join(map(str, index))}] is "
            f"{y_true[index]}"
        )
    return y_true


def floored_power(base: Tensor, exponent: float) -> Tensor:
    """``base ** exponent`` for ``base`` in [0, 1], as ``e^{exponent · log(base)}`` with the
    stable exponential; a base below the smallest normal number counts as that number (its power
    is then 0 for any exponent ≥ 1)."""
    return floored_exp(base.clip(min=smallest_exp(base.dtype)).log() * exponent)


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> Tensor:
    """Per-sample mean of ``w·(1 - p_t)^γ·BCE(y, p)``.

    With ``p`` the predicted probability of class 1, ``p_t = y·p + (1 - y)·(1 - p)``. The class
    weight ``w`` is ``α`` for class 1 and ``1 - α`` for class 0 when ``apply_class_balancing``,
    otherwise 1.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Labels in [0, 1].
    y_pred : Tensor of the same shape
        Probabilities (clipped to ``[ε, 1 - ε]``), or logits with ``from_logits=True``.
    apply_class_balancing : bool, default False
    alpha : float in [0, 1], default 0.25
    gamma : float >= 0, default 2.0
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> binary_focal_crossentropy([1.0], dg.Tensor([0.8]))  # (1 - 0.8)²·(-ln 0.8)
    Tensor([0.0089])
    """
    apply_class_balancing = check_bool(apply_class_balancing, "apply_class_balancing")
    alpha = check_number(alpha, "alpha", low=0.0, high=1.0)
    gamma = check_number(gamma, "gamma", low=0.0)
    from_logits = check_bool(from_logits, "from_logits")
    label_smoothing = check_label_smoothing(label_smoothing)
    y_pred = as_prediction(y_pred)
    y_true = binary_targets(y_true, y_pred, label_smoothing)
    y_true = _check_probability_targets(y_true)
    if from_logits:
        crossentropy = sigmoid_cross_entropy_with_logits(y_pred, y_true)
        p, one_minus_p = y_pred.sigmoid(), (-y_pred).sigmoid()
    else:
        p = y_pred.clip(EPSILON, 1.0 - EPSILON)
        one_minus_p = 1.0 - p
        crossentropy = -(y_true * p.log() + (1.0 - y_true) * one_minus_p.log())
    one_minus_p_t = y_true * one_minus_p + (1.0 - y_true) * p
    losses = floored_power(one_minus_p_t, gamma) * crossentropy
    if apply_class_balancing:
        losses = losses * (y_true * alpha + (1.0 - y_true) * (1.0 - alpha))
    return per_sample_mean(losses)


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Per-sample ``-Σ_j α·(1 - ŷ_j)^γ·y_j·log(ŷ_j)`` over the class axis.

    Parameters
    ----------
    y_true : array_like of shape (n_samples, n_classes)
        One-hot labels or target probabilities.
    y_pred : Tensor of the same shape
        Probabilities (each row divided by its sum, then clipped to ``[ε, 1 - ε]``), or logits
        with ``from_logits=True`` (``log ŷ`` is then the exact log-softmax).
    alpha : float >= 0, default 0.25
        A constant weight (Keras's convention).
    gamma : float >= 0, default 2.0
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0
    axis : int, default -1
        The class axis.

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> categorical_focal_crossentropy([[0, 1]], dg.Tensor([[0.5, 0.5]]))  # 0.25·0.25·ln 2
    Tensor([0.0433])
    """
    alpha = check_number(alpha, "alpha", low=0.0)
    gamma = check_number(gamma, "gamma", low=0.0)
    from_logits = check_bool(from_logits, "from_logits")
    label_smoothing = check_label_smoothing(label_smoothing)
    axis = check_axis(axis)
    y_pred = as_prediction(y_pred)
    axis = class_axis(y_pred, axis, "categorical_focal_crossentropy")
    y_true = distribution_targets(y_true, y_pred, "categorical_focal_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    if from_logits:
        log_probs = log_softmax(y_pred, axis)
        misses = 1.0 - floored_exp(log_probs)
    else:
        probs = normalized_probabilities(y_pred, axis).clip(EPSILON, 1.0 - EPSILON)
        log_probs, misses = probs.log(), 1.0 - probs
    weighted = floored_power(misses, gamma) * (-alpha * y_true)
    return per_sample_mean((weighted * log_probs).sum(axis=axis))


class BinaryFocalCrossentropy(Loss):
    """Binary focal cross-entropy, reduced over the batch: see :func:`binary_focal_crossentropy`.

    Parameters
    ----------
    apply_class_balancing : bool, default False
        Weight class 1 by ``alpha`` and class 0 by ``1 - alpha``.
    alpha : float in [0, 1], default 0.25
    gamma : float >= 0, default 2.0
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0
    axis : -1
        Keras's setting: the loss averages over every axis after the first.
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "binary_focal_crossentropy"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> loss = BinaryFocalCrossentropy(apply_class_balancing=True, from_logits=True)
    >>> round(loss([1.0, 0.0], dg.Tensor([0.0, 0.0])).item(), 4)  # ½²·ln 2 ·(0.25 + 0.75)/2
    0.0866
    """

    function = staticmethod(binary_focal_crossentropy)
    settings = ("apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing")

    def __init__(
        self,
        apply_class_balancing: bool = False,
        *,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str = "mean",
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(reduction, name, dtype)
        check_last_axis(axis, "BinaryFocalCrossentropy")
        self.apply_class_balancing = check_bool(apply_class_balancing, "apply_class_balancing")
        self.alpha = check_number(alpha, "alpha", low=0.0, high=1.0)
        self.gamma = check_number(gamma, "gamma", low=0.0)
        self.from_logits = check_bool(from_logits, "from_logits")
        self.label_smoothing = check_label_smoothing(label_smoothing)



class CategoricalFocalCrossentropy(Loss):
    """Categorical focal cross-entropy, reduced over the batch: see
    :func:`categorical_focal_crossentropy`.

    Parameters
    ----------
    alpha : float >= 0, default 0.25
    gamma : float >= 0, default 2.0
    from_logits : bool, default False
    label_smoothing : float in [0, 1], default 0
    axis : int, default -1
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "categorical_focal_crossentropy"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> loss = CategoricalFocalCrossentropy(alpha=1.0, gamma=0.0, from_logits=True)
    >>> round(loss([[0, 0, 1]], dg.Tensor([[1.0, 1.0, 1.0]])).item(), 4)  # γ = 0: plain ln 3
    1.0986
    """

    function = staticmethod(categorical_focal_crossentropy)
    settings = ("alpha", "gamma", "from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        alpha: float = 0.25,
        *,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str = "mean",
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(reduction, name, dtype)
        self.alpha = check_number(alpha, "alpha", low=0.0)
        self.gamma = check_number(gamma, "gamma", low=0.0)
        self.from_logits = check_bool(from_logits, "from_logits")
        self.label_smoothing = check_label_smoothing(label_smoothing)
        self.axis = check_axis(axis)

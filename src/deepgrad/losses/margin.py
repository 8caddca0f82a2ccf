"""Margin losses: hinge (classification) and triplet (embeddings).

Both are zero once a margin is met and grow linearly (hinge) or with squared distances (triplet)
when it is not. The notes' perceptron loss ``max(0, -y·f(x))`` is the hinge without its margin
of 1; :func:`hinge` is the usual (Keras, SVM) ``max(0, 1 - y·f(x))``.
"""

from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from ..common.checks import check_number
from .base import (
    Loss,
    as_prediction,
    per_sample_mean,
    reduce_losses,
    same_shape_target,
)

__all__ = ["hinge", "triplet_loss", "Hinge", "TripletLoss"]


def signed_labels(y_true: np.ndarray) -> np.ndarray:
    """Labels in {-1, 1}; labels in {0, 1} are mapped to {-1, 1} (``2y - 1``)."""
    is_zero, is_minus_one = y_true == 0, y_true == -1
    unknown = ~(is_zero | is_minus_one | (y_true == 1))
    if unknown.any():
        index = tuple(int(i) for i in np.argwhere(unknown)[0])
        raise ValueError(
            f"hinge needs labels in {{-1, 1}} or in {{0, 1}}; y_true[{', '.join(map(str, index))}] "
            f"is {y_true[index]}"
        )
    if not is_zero.any():
        return y_true
    if is_minus_one.any():
        minus_at = ", ".join(map(str, np.argwhere(is_minus_one)[0]))
        zero_at = ", ".join(map(str, np.argwhere(is_zero)[0]))
        raise ValueError(
            f"hinge needs labels all in {{-1, 1}} or all in {{0, 1}}; y_true mixes them: "
            f"y_true[{minus_at}] is -1 and y_true[{zero_at}] is 0"
        )
    return 2.0 * y_true - 1.0


def hinge(y_true, y_pred) -> Tensor:
    """Per-sample mean of ``max(0, 1 - y·ŷ)`` over the outputs.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Labels in {-1, 1}; labels in {0, 1} are converted to {-1, 1}.
    y_pred : Tensor of the same shape
        Raw scores ``f(x)`` (no activation).

    Returns
    -------
    Tensor of shape (n_samples,)

    Raises
    ------
    ValueError
        If a label is not -1, 0 or 1, or the labels mix -1 and 0.

    Examples
    --------
    >>> import deepgrad as dg
    >>> hinge([1, -1, 1], dg.Tensor([2.0, 0.5, 0.25]))  # 1 - 2 < 0, 1 + 0.5, 1 - 0.25
    Tensor([0.  , 1.5 , 0.75])
    """
    y_pred = as_prediction(y_pred)
    y_true = signed_labels(same_shape_target(y_true, y_pred))
    return per_sample_mean((1.0 - y_true * y_pred).relu())


def triplet_loss(anchor, positive, negative, margin: float = 1.0) -> Tensor:
    """Per-sample ``max(‖a - p‖² - ‖a - n‖² + margin, 0)`` with squared euclidean distances.

    The anchor should be closer to the positive (same identity) than to the negative by at least
    ``margin``. Distances are squared, as in FaceNet; a margin chosen for plain distances needs
    squaring to mean the same. Every axis after the first is an embedding axis.

    Parameters
    ----------
    anchor, positive, negative : Tensor of shape (n_samples, n_features)
        Embeddings; the loss is differentiable with respect to all three.
    margin : float, default 1.0

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> a, p, n = dg.Tensor([[0.0, 0.0]]), dg.Tensor([[1.0, 0.0]]), dg.Tensor([[0.0, 1.2]])
    >>> triplet_loss(a, p, n)  # 1 - 1.44 + 1
    Tensor([0.56])
    """
    margin = check_number(margin, "margin")
    anchor = as_prediction(anchor, "anchor")
    positive = as_prediction(positive, "positive")
    negative = as_prediction(negative, "negative")
    if not anchor.shape == positive.shape == negative.shape or anchor.ndim < 2:
        raise ValueError(
            f"triplet_loss needs anchor, positive and negative of the same shape (n_samples, "
            f"n_features); got {anchor.shape}, {positive.shape} and {negative.shape}"
        )
    feature_axes = tuple(range(1, anchor.ndim))
    to_positive, to_negative = anchor - positive, anchor - negative
    gap = (to_positive * to_positive).sum(axis=feature_axes) - (to_negative * to_negative).sum(
        axis=feature_axes
    )
    return (gap + margin).relu()


class Hinge(Loss):
    """Hinge loss, reduced over the batch: see :func:`hinge`.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "hinge"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> round(Hinge()([0, 1], dg.Tensor([-2.0, 0.5])).item(), 4)  # labels 0 → -1: (0 + 0.5) / 2
    0.25
    """

    function = staticmethod(hinge)


class TripletLoss(Loss):
    """Triplet loss, reduced over the batch: see :func:`triplet_loss`.

    Called as ``loss(anchor, positive, negative, sample_weight=None)``.

    Parameters
    ----------
    margin : float, default 1.0
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "triplet_loss"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> loss = TripletLoss(margin=0.5)
    >>> a = dg.Tensor([[0.0, 0.0], [1.0, 1.0]])
    >>> p = dg.Tensor([[1.0, 0.0], [1.0, 1.0]])
    >>> n = dg.Tensor([[0.0, 1.0], [3.0, 1.0]])
    >>> round(loss(a, p, n).item(), 4)  # (1 - 1 + 0.5, max(0 - 4 + 0.5, 0)) averaged
    0.25
    """

    function = staticmethod(triplet_loss)
    settings = ("margin",)

    def __init__(self, margin: float = 1.0, *, reduction: str = "mean", name: str | None = None,
                 dtype=None):
        super().__init__(reduction, name, dtype)
        self.margin = check_number(margin, "margin")

    def __call__(self, anchor, positive, negative, sample_weight=None) -> Tensor:
        """The reduced triplet loss of a batch of ``(anchor, positive, negative)`` embeddings."""
        return reduce_losses(self.call(anchor, positive, negative), sample_weight, self.reduction)

"""Kullback-Leibler divergence between a target distribution and a predicted one."""

from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .base import EPSILON, Loss, as_prediction, class_axis, per_sample_mean
from .classification import distribution_targets

__all__ = ["kl_divergence", "KLDivergence"]


def kl_divergence(y_true, y_pred) -> Tensor:
    """Per-sample ``KL(y ‖ ŷ) = Σ_j y_j·log(y_j / ŷ_j)`` over the last axis.

    As in Keras, both distributions are clipped to ``[ε, 1]`` (ε = 1e-7) first, so a zero in
    either one is finite. The divergence is zero when ``ŷ = y`` and positive otherwise; it is the
    cross-entropy minus the entropy of ``y``, so it has the same gradient with respect to ``ŷ``.

    Parameters
    ----------
    y_true : array_like of shape (n_samples, n_classes)
        Target probabilities.
    y_pred : Tensor of the same shape
        Predicted probabilities.

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> kl_divergence([[0.5, 0.5]], dg.Tensor([[0.25, 0.75]]))  # ½ln 2 + ½ln(2/3)
    Tensor([0.1438])
    """
    y_pred = as_prediction(y_pred)
    class_axis(y_pred, -1, "kl_divergence")
    y_true = np.clip(distribution_targets(y_true, y_pred, "kl_divergence"), EPSILON, 1.0)
    log_ratio = np.log(y_true) - y_pred.clip(EPSILON, 1.0).log()
    return per_sample_mean((y_true * log_ratio).sum(axis=-1))


class KLDivergence(Loss):
    """Kullback-Leibler divergence, reduced over the batch: see :func:`kl_divergence`.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "kl_divergence"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> kld = KLDivergence(reduction="sum")
    >>> round(kld([[0.5, 0.5], [1.0, 0.0]], dg.Tensor([[0.25, 0.75], [1.0, 0.0]])).item(), 4)
    0.1438
    """

    function = staticmethod(kl_divergence)

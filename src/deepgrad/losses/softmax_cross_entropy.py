"""The softmax cross-entropy's value and gradient without a graph, for ``fit``'s training plan.

Training a classifier ends every step with the same small computation: the reduced softmax
cross-entropy of the logits and its gradient ``(softmax(z) - y) · scale``. Through the graph it
is a few dozen NumPy calls on a small array, each cheap alone but together a visible share of a
step. Here it is the graph's computation without the graph: the same primitives in the same
order, so the results are bitwise the graph's (``tests/test_losses.py`` checks this). With
integer labels and deepgrad's compiled kernels it is two passes in C around NumPy's own ``exp``,
row sums and ``log`` (see ``native/softmax_cross_entropy.c``), with bitwise the same results again.
"""

from __future__ import annotations

import numpy as np

from ..native import kernels
from .. import ops
from ..ops.fused import exp_floor
from .base import check_sample_weight

__all__ = ["softmax_cross_entropy_value_and_gradient"]


def softmax_cross_entropy_value_and_gradient(logits: np.ndarray, labels: np.ndarray, sample_weight,
                                              reduction: str) -> tuple[float, np.ndarray]:
    """Reduced softmax cross-entropy of ``logits`` (n, k) and its gradient with respect to them.

    ``labels`` are int64 classes of shape (n,), in range (the losses check them first), or
    distributions of the logits' shape and dtype; ``reduction`` is ``"mean"`` or ``"sum"``. The gradient is what
    ``backward()`` of :func:`~deepgrad.losses.base.reduce_losses` over
    :class:`~deepgrad.ops.SoftmaxCrossEntropy` gives: seeded with 1, divided by the count for a
    mean, multiplied by the sample weights.
    """
    n = logits.shape[0]
    dtype = logits.dtype.type
    weights = None if sample_weight is None else check_sample_weight(sample_weight, n, logits.dtype)
    count = dtype(max(n, 1))
    seed = dtype(1) / count if reduction == "mean" else dtype(1)
    per_sample = np.full(n, seed)  # the graph's gradient of each sample's loss
    if weights is not None:  # (n,) or one weight for all
        per_sample = per_sample * weights
    shift, sparse = kernels.compiled("softmax_shift"), kernels.compiled("softmax_ce_sparse")
    if (labels.ndim == 1 and shift is not None and sparse is not None and n
            and type(logits) is np.ndarray and logits.flags.c_contiguous):
        losses, grad = _sparse_compiled(logits, labels, per_sample, shift, sparse)
    else:
        fused = ops.SoftmaxCrossEntropy(labels)
        losses = fused.forward(logits)
        (grad,) = fused.backward(per_sample)
    if weights is not None:
        losses = losses * weights
    total = np.sum(losses)
    return float(total / count if reduction == "mean" else total), grad


def _sparse_compiled(logits, labels, per_sample, shift, sparse):
    """SoftmaxCrossEntropy's forward and backward for integer labels: the compiled passes
    ``shift`` and ``sparse`` around NumPy's exp, row sums and log."""
    shifted, exps, grad = np.empty_like(logits), np.empty_like(logits), np.empty_like(logits)
    keep = np.empty(logits.shape, np.bool_)
    shift(logits, shifted, exps, keep, exp_floor(logits.dtype))
    np.exp(shifted, out=exps, where=keep)
    totals = np.add.reduce(exps, axis=1)
    losses = np.empty(len(logits), logits.dtype)
    sparse(exps, totals, np.log(totals), shifted, labels, per_sample, grad, losses)
    return losses, grad

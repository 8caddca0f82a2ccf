"""The softmax cross-entropy of logits: :class:`SoftmaxCrossEntropy`.

Every classifier's training step ends with it, so its passes matter: with integer labels and
deepgrad's compiled kernels (``native/softmax_cross_entropy.c``), the shift by the row maximum and
the gradient are one C pass each around NumPy's own ``exp``, row sums and ``log``, with results
bitwise those of the NumPy passes written below them.
"""

from __future__ import annotations

import numpy as np

from ..native import kernels
from ..native.backend import namespace
from .base import Function
from .stable import exp_floor, floored_exp

__all__ = ["SoftmaxCrossEntropy"]


def _compiled(logits, labels, name: str):
    """The compiled kernel ``name`` when it takes these arrays (a C-contiguous 2-D NumPy matrix
    with rows, and contiguous int64 labels), else None."""
    if (labels.ndim != 1 or labels.dtype != np.int64 or not labels.flags.c_contiguous
            or type(logits) is not np.ndarray or logits.ndim != 2 or not logits.flags.c_contiguous
            or not len(logits)):
        return None
    return kernels.compiled(name)


class SoftmaxCrossEntropy(Function):
    """Per-sample ``-Σ_j y_j log softmax(z)_j`` for logits ``z`` of shape (n, k).

    ``labels`` are integer classes of shape (n,) (int64) or label distributions (one-hot or
    soft) of shape (n, k); they are constants. The gradient is ``softmax(z)·Σ_j y_j - y``
    (``softmax(z) - onehot`` for integer labels). Exponentials follow the stable forms
    (:mod:`deepgrad.ops.stable`); the log-probabilities themselves are exact.
    """

    __slots__ = ("labels", "shifted", "exps", "totals", "log_totals")

    def __init__(self, labels):
        self.labels = labels

    def forward(self, logits):
        labels = self.labels
        shift = _compiled(logits, labels, "softmax_shift")
        if shift is not None:
            shifted, exps = np.empty_like(logits), np.empty_like(logits)
            keep = np.empty(logits.shape, np.bool_)
            shift(logits, shifted, exps, keep, exp_floor(logits.dtype))
            np.exp(shifted, out=exps, where=keep)
        else:
            shifted = logits - np.max(logits, axis=1, keepdims=True)
            exps = floored_exp(shifted)
        totals = np.add.reduce(exps, axis=1)
        log_totals = np.log(totals)
        self.shifted, self.exps, self.totals, self.log_totals = shifted, exps, totals, log_totals
        if labels.ndim == 1:
            return log_totals - shifted[namespace(shifted).arange(len(labels)), labels]
        return (labels * (log_totals[:, None] - shifted)).sum(axis=1)

    def backward(self, grad):
        labels, exps, totals = self.labels, self.exps, self.totals
        sparse = _compiled(exps, labels, "softmax_ce_sparse")
        if sparse is not None and grad.dtype == exps.dtype:
            delta, scratch = np.empty_like(exps), np.empty_like(totals)
            sparse(exps, totals, self.log_totals, self.shifted, labels, np.ascontiguousarray(grad),
                   delta, scratch)
            return (delta,)
        probabilities = exps / totals[:, None]
        if labels.ndim == 1:
            probabilities[namespace(probabilities).arange(len(labels)), labels] -= 1
            delta = probabilities
        else:
            delta = probabilities * labels.sum(axis=1, keepdims=True) - labels
        return (delta * grad[:, None],)

"""The softmax cross-entropy's reduced value and gradient without a graph.

Training a classifier ends every step with the same small computation: the reduced softmax
cross-entropy of the logits and its gradient ``(softmax(z) - y) · scale``. Through the graph it
is a few primitives and a backward sweep on a small array; here it is the same primitive,
:class:`~deepgrad.ops.SoftmaxCrossEntropy`, run forward and backward directly with the gradient
the reduction would send it, so the results are bitwise the graph's
(``tests/test_losses.py`` checks this).
"""

from __future__ import annotations

import numpy as np

from ..ops import SoftmaxCrossEntropy
from .base import check_sample_weight

__all__ = ["softmax_cross_entropy_value_and_gradient"]


def softmax_cross_entropy_value_and_gradient(logits: np.ndarray, labels: np.ndarray, sample_weight,
                                              reduction: str) -> tuple[float, np.ndarray]:
    """Reduced softmax cross-entropy of ``logits`` (n, k) and its gradient with respect to them.

    ``labels`` are int64 classes of shape (n,), in range (the losses check them first), or
    distributions of the logits' shape and dtype; ``reduction`` is ``"mean"`` or ``"sum"``. The
    gradient is what ``backward()`` of :func:`~deepgrad.losses.base.reduce_losses` over the
    primitive gives: seeded with 1, divided by the count for a mean, multiplied by the sample
    weights.
    """
    n = logits.shape[0]
    dtype = logits.dtype.type
    weights = None if sample_weight is None else check_sample_weight(sample_weight, n, logits.dtype)
    count = dtype(max(n, 1))
    seed = dtype(1) / count if reduction == "mean" else dtype(1)
    per_sample = np.full(n, seed)  # the graph's gradient of each sample's loss
    if weights is not None:  # (n,) or one weight for all
        per_sample = per_sample * weights
    primitive = SoftmaxCrossEntropy(labels)
    losses = primitive.forward(logits)
    (grad,) = primitive.backward(per_sample)
    if weights is not None:
        losses = losses * weights
    total = np.sum(losses)
    return float(total / count if reduction == "mean" else total), grad

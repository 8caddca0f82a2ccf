"""Masked outputs in the loss and the metrics, as Keras weighs them.

An output of steps, shape ``(n, steps, ...)``, whose steps carry a mask — made by
``Embedding(mask_zero=True)`` or ``Masking`` and passed on by the layers after them (a
recurrent layer with ``return_sequences``, ``TimeDistributed``, ``Dense``...) — counts only its
unmasked steps: each (sample, step) becomes a row, weighted by its sample's weight times the
mask. For the loss the mask is scaled by ``rows / unmasked rows`` of the batch, so that the
loss is the mean over the unmasked steps (Keras's ``apply_mask``); the metrics take the mask
as it is.

>>> import numpy as np
>>> y, out, w = as_rows(np.zeros((1, 3)), np.ones((1, 3, 2)), None, np.array([[1, 1, 0]], bool),
...                     for_loss=True)
>>> y.shape, out.shape, np.round(w, 4)
((3,), (3, 2), array([1.5, 1.5, 0. ]))
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_rows", "by_rows", "in_output_order", "mask_applies", "per_output"]

#: Keras's backend epsilon, in ``rows / (unmasked rows + epsilon)``.
EPSILON = 1e-7


def mask_applies(out_shape, mask) -> bool:
    """Whether ``mask`` (an array, or None) marks the steps of an output of ``out_shape``."""
    return (mask is not None and len(out_shape) >= 3 and np.ndim(mask) == 2
            and tuple(np.shape(mask)) == tuple(out_shape[:2]))


def by_rows(out_shape, mask, sample_weight) -> bool:
    """Whether an output is weighed step by step: its steps carry a mask, or its sample weights
    are given per step (Keras's temporal sample weights, ``(n, steps)``)."""
    return mask_applies(out_shape, mask) or mask_applies(out_shape, sample_weight)


def as_rows(y, out, sample_weight, mask, *, for_loss: bool):
    """``(y, out, weights)`` with every (sample, step) a row: targets ``(n·steps, ...)``, the
    output (an array or a Tensor) reshaped the same way, and one weight per row — the sample's
    (or the step's) weight times the mask, the mask scaled for the loss (see the module's
    documentation)."""
    n, steps = out.shape[:2]
    if mask_applies(out.shape, mask):
        keep = np.asarray(mask, dtype=np.float64)
        if for_loss:
            keep = keep * (keep.size / (keep.sum() + EPSILON))
    else:
        keep = np.ones((n, steps))
    if sample_weight is not None:
        weights = np.asarray(sample_weight, dtype=np.float64)
        keep = keep * (weights if weights.ndim == 2 else weights.reshape(n, 1))
    y = np.asarray(y)
    rows = n * steps
    return (y.reshape((rows,) + y.shape[2:]), out.reshape((rows,) + tuple(out.shape[2:])),
            keep.reshape(rows))


def per_output(masks, count: int) -> list:
    """``masks`` (a list, or None) as exactly one entry per output, None where there is none."""
    masks = list(masks or [])
    return [masks[i] if i < len(masks) else None for i in range(count)]


def in_output_order(arrays: list, masked: list) -> list:
    """Replayed masks (one array per True in ``masked``) back in output order, None elsewhere."""
    found = iter(arrays)
    return [next(found) if m else None for m in masked]

"""Gradient clipping on the flat gradient buffers (Keras 3 semantics, float64 norms)."""

from __future__ import annotations

import math

import numpy as np


class NonFiniteGradientError(FloatingPointError, ValueError):
    """A gradient norm is infinite or NaN; the step was refused and nothing was modified.

    Both a ``FloatingPointError`` and a ``ValueError``, so either ``except`` catches it.

    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.optimizers import SGD
    >>> w = dg.Parameter([1.0, 2.0])
    >>> w.grad = np.array([np.inf, 0.0], dtype=np.float32)
    >>> try:
    ...     SGD(global_clipnorm=1.0).step([w])
    ... except NonFiniteGradientError as error:
    ...     print("refused;", w.data)
    refused; [1. 2.]
    """


def clip_gradients(groups, clipnorm=None, clipvalue=None, global_clipnorm=None) -> None:
    """Clip the gathered gradients of ``groups`` (FlatGroups) in place.

    ``clipnorm`` rescales each parameter's gradient to ``g·c/max(‖g‖, c)``; ``global_clipnorm``
    does the same with the norm of all gradients together; ``clipvalue`` clips each element to
    ``[−c, c]``. Squares are accumulated in float64 (no overflow for float32 gradients), and a
    non-finite norm raises :class:`NonFiniteGradientError` before any gradient is changed.
    Parameters without a gradient must have zeros in the buffer.
    """
    if clipvalue:
        for group in groups:
            np.clip(group.grad, -clipvalue, clipvalue, out=group.grad)
        return
    if not (clipnorm or global_clipnorm):
        return
    sums = [group.squared_norms() for group in groups]
    if global_clipnorm:
        norm = math.sqrt(math.fsum(float(s.sum()) for s in sums))
        if not math.isfinite(norm):
            raise NonFiniteGradientError(
                f"global_clipnorm: the global gradient norm is {norm}; no weights were changed "
                "(check the loss for overflow or NaN)"
            )
        scale = global_clipnorm / max(norm, global_clipnorm)
        if scale < 1.0:
            for group in groups:
                np.multiply(group.grad, scale, out=group.grad)
        return
    norms = [np.sqrt(s) for s in sums]
    for group, group_norms in zip(groups, norms):
        bad = np.flatnonzero(~np.isfinite(group_norms))
        if bad.size:
            j = int(bad[0])
            name = getattr(group.params[j], "name", None) or "unnamed"
            raise NonFiniteGradientError(
                f"clipnorm: the gradient of parameter {group.indices[j]} ({name}) has norm "
                f"{group_norms[j]}; no weights were changed (check the loss for overflow or NaN)"
            )
    for group, group_norms in zip(groups, norms):
        for j in np.flatnonzero(group_norms > clipnorm).tolist():
            view = group.grad[group.segment(j)]
            np.multiply(view, clipnorm / group_norms[j], out=view)

"""Looking rows up and marking steps: :class:`Take` (an embedding's lookup) and
:class:`NotEqual` (the masks of ``Embedding(mask_zero=True)`` and ``Masking``).

Both read their indices or values as an *input* (not a setting kept on the primitive), so a
recorded step replayed on the next batch looks up that batch's rows and masks its steps.
"""

from __future__ import annotations

import numpy as np

from ..native.backend import namespace
from .base import Function

__all__ = ["NotEqual", "Take"]


class Take(Function):
    """Rows of a table: inputs ``(table, indices)``, ``table`` ``(rows, features)`` and
    ``indices`` of any shape (integers, or floats holding integers: they are rounded to the
    nearest); the output is ``indices.shape + (features,)``. The table's gradient adds each
    output row's gradient where it was read (repeated indices accumulate); the indices have
    none (zeros, where one is asked for)."""

    __slots__ = ("index", "index_shape", "rows")

    def forward(self, table, indices):
        index = indices if indices.dtype.kind in "iu" else np.rint(indices)
        index = index.astype(np.intp, copy=False)
        if index.size and (index.min() < 0 or index.max() >= table.shape[0]):
            bad = np.flatnonzero((index.ravel() < 0) | (index.ravel() >= table.shape[0]))[0]
            raise IndexError(f"an embedding of {table.shape[0]} rows takes indices in [0, "
                             f"{table.shape[0]}); got {indices.ravel()[bad]} at flat position {bad}")
        self.index, self.rows, self.index_shape = index.ravel(), table.shape[0], indices.shape
        return np.take(table, index, axis=0)

    def backward(self, grad):
        need_table, need_indices = self.needs_input_grad
        table_grad = None
        if need_table:
            flat = grad.reshape(-1, grad.shape[-1])
            table_grad = namespace(grad).zeros((self.rows, flat.shape[1]), grad.dtype)
            np.add.at(table_grad, self.index, flat)
        return (table_grad, namespace(grad).zeros(self.index_shape, grad.dtype) if need_indices else None)


class NotEqual(Function):
    """``a != value`` (with ``axis``: whether any entry along it differs), a boolean array
    without a gradient (zeros, where one is asked for)."""

    __slots__ = ("axis", "dtype", "shape", "value")

    def __init__(self, value=0.0, axis=None):
        self.value, self.axis = value, axis

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        differs = a != self.value
        return differs if self.axis is None else differs.any(axis=self.axis)

    def backward(self, grad):
        return (namespace(grad).zeros(self.shape, self.dtype),)

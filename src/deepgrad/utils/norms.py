"""``normalize``: scale vectors of an array to unit norm."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from ..common.checks import describe

__all__ = ["normalize"]


def normalize(x, axis=-1, order=2) -> np.ndarray:
    """Scale the vectors of ``x`` along ``axis`` to unit ``order``-norm (``keras.utils.normalize``).

    Each vector is divided by its norm ``(sum |x_i| ** order) ** (1 / order)`` (the largest
    ``|x_i|`` for ``order=inf``); all-zero vectors are left as zeros. Floating arrays keep their
    dtype; integer and boolean ones give float64.

    Parameters
    ----------
    x : array-like of numbers
    axis : int or None, default -1
        The axis along which the vectors lie; None treats the whole array as one vector.
    order : number >= 1 or inf, default 2
        The norm's order: 2 for the Euclidean (L2) norm, 1 for the L1 norm.

    Returns
    -------
    ndarray of the shape of ``x``

    Notes
    -----
    Keras returns shape ``(1, n)`` for a 1-D input of length ``n``, fails with ``axis=0``, and
    with ``axis=None`` divides by a matrix norm of a 2-D input; deepgrad keeps the input's
    shape, normalizes along any axis, and with ``axis=None`` uses the vector norm of all the
    entries.

    Examples
    --------
    >>> normalize([[3.0, 4.0], [0.0, 0.0]])
    array([[0.6, 0.8],
           [0. , 0. ]])
    >>> normalize([[1.0, 3.0]], order=1)
    array([[0.25, 0.75]])
    >>> normalize([[3.0], [4.0]], axis=0)
    array([[0.6],
           [0.8]])
    """
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"x must be an array of numbers; got dtype {array.dtype}")
    if axis is not None:
        if isinstance(axis, bool) or not isinstance(axis, Integral):
            raise TypeError(f"axis must be an int or None; got {describe(axis)}")
        if array.ndim == 0:
            raise ValueError(f"x must have at least one axis to normalize along axis={axis}; "
                             f"got a scalar (pass axis=None to normalize it as a vector)")
        if not -array.ndim <= axis < array.ndim:
            raise ValueError(f"axis must be in [{-array.ndim}, {array.ndim}) for x of shape "
                             f"{array.shape}; got {axis}")
    if isinstance(order, bool) or not isinstance(order, Real) or math.isnan(order) or order < 1:
        raise ValueError(f"order must be a number >= 1 or inf; got {describe(order)}")
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    vectors = array.reshape(-1) if axis is None else array
    norm = np.linalg.norm(vectors, ord=order, axis=None if axis is None else int(axis),
                          keepdims=axis is not None)
    norm = np.where(norm == 0, np.ones_like(norm), norm)
    return array / norm

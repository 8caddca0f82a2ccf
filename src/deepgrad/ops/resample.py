"""Resampling images at given coordinates: the primitive of flips, quarter turns, crops,
translations, zooms and resizes (:class:`Resample`), with the fill modes and interpolations of
Keras's ``affine_transform`` (``jax.scipy.ndimage.map_coordinates``).

The coordinates come from a function called at every forward, so a layer that draws them at
random draws afresh for every batch, also when a recorded step is replayed (as
:class:`~deepgrad.ops.Dropout` draws its mask).
"""

from __future__ import annotations

import numpy as np

from ..native.backend import namespace
from .base import Function

__all__ = ["FILL_MODES", "INTERPOLATIONS", "Resample", "fixed_index"]

#: How a coordinate outside the image reads it, for an image ``a b c d``:
#: ``"reflect"`` ``(d c b a | a b c d | d c b a)``, ``"wrap"`` ``(a b c d | a b c d | a b c
#: d)``, ``"nearest"`` ``(a a a a | a b c d | d d d d)``, ``"constant"`` ``(k k k k | a b c d |
#: k k k k)`` with ``k`` the fill value.
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")


def fixed_index(index: np.ndarray, size: int, fill_mode: str) -> np.ndarray:
    """Integer pixel indices (any, also outside ``0 .. size - 1``) mapped into the image as
    ``fill_mode`` reads outside it; ``"constant"`` clips them (their weight is then 0).

    >>> fixed_index(np.arange(-3, 7), 4, "reflect")
    array([2, 1, 0, 0, 1, 2, 3, 3, 2, 1])
    >>> fixed_index(np.arange(-3, 7), 4, "wrap")
    array([1, 2, 3, 0, 1, 2, 3, 0, 1, 2])
    """
    if fill_mode == "wrap":
        return index % size
    if fill_mode == "reflect":  # period 2 * size, the second half mirrored
        folded = index % (2 * size)
        return np.where(folded >= size, 2 * size - 1 - folded, folded)
    return np.clip(index, 0, size - 1)


def _axis_taps(coordinate: np.ndarray, size: int, interpolation: str, fill_mode: str) -> list:
    """``[(index, weight, inside), ...]`` along one axis: the pixels read for ``coordinate``
    (already mapped into the image), their weights (None for 1) and, for ``"constant"``,
    whether the unmapped pixel lies inside the image (None: all do or it does not matter)."""
    if coordinate.dtype.kind in "iu":
        pairs = [(coordinate, None)]
    elif interpolation == "nearest":  # rounds half away from zero, as jax's lax.round
        pairs = [(np.where(coordinate >= 0, np.floor(coordinate + 0.5),
                           np.ceil(coordinate - 0.5)).astype(np.int64), None)]
    else:
        lower = np.floor(coordinate)
        upper_weight = coordinate - lower
        lower = lower.astype(np.int64)
        pairs = [(lower, 1.0 - upper_weight)]
        if upper_weight.any():  # whole-pixel coordinates need no second pixel
            pairs.append((lower + 1, upper_weight))
    taps = []
    for index, weight in pairs:
        inside = None
        if fill_mode == "constant":
            inside = (index >= 0) & (index < size)
            if inside.all():
                inside = None
        taps.append((fixed_index(index, size, fill_mode), weight, inside))
    return taps


class Resample(Function):
    """``out[n, i, j, :]`` reads image ``n`` of ``(batch, height, width, channels)`` at the
    coordinates ``(rows[n, i, j], cols[n, i, j])`` that ``coordinates(input_shape)`` returns,
    with ``interpolation`` between pixels and ``fill_mode`` outside the image.

    Integer coordinates read pixels exactly (a flip, a quarter turn, a crop); float coordinates
    are interpolated: ``"bilinear"`` weighs the four pixels around the point, ``"nearest"``
    takes the closest (halves rounded away from zero). With ``fill_mode="constant"`` every
    pixel read outside the image counts as ``fill_value``. The values are those of Keras 3's
    ``affine_transform`` on JAX for the same coordinates. The gradient is the output's, summed
    back onto the pixels read, with the same weights.

    Parameters
    ----------
    coordinates : callable
        ``coordinates(input_shape) -> (rows, cols)``, arrays that broadcast to ``(batch,
        out_height, out_width)``: integer arrays for exact reads, float arrays to interpolate.
        Called at every forward, so it may draw random numbers (augmentation layers do).
    interpolation : {"bilinear", "nearest"}, default "bilinear"
    fill_mode : {"reflect", "wrap", "constant", "nearest"}, default "constant"
        See :data:`FILL_MODES`.
    fill_value : float, default 0.0
        The value outside the image when ``fill_mode="constant"``.
    """

    __slots__ = ("coordinates", "dtype", "fill_mode", "fill_value", "interpolation", "out_shape",
                 "shape", "taps")

    def __init__(self, coordinates, interpolation="bilinear", fill_mode="constant",
                 fill_value=0.0):
        self.coordinates, self.interpolation = coordinates, interpolation
        self.fill_mode, self.fill_value = fill_mode, float(fill_value)

    def _plan(self, shape) -> tuple:
        """The pixels read, as ``[(flat index, weight or None), ...]`` over the flattened
        ``(batch * height * width, channels)`` input, and the weight of the fill value (or
        None), each of length ``batch * out_height * out_width``."""
        batch, height, width, _ = shape
        rows, cols = self.coordinates(shape)
        rows, cols = np.broadcast_arrays(rows, cols)
        if rows.ndim != 3 or rows.shape[0] not in (1, batch):
            raise ValueError(f"coordinates must broadcast to (batch, height, width) with batch "
                             f"{batch}; got shape {rows.shape}")
        out_shape = (batch,) + rows.shape[1:]
        image = np.arange(batch).reshape(-1, 1, 1) * height
        taps, fill = [], None
        row_taps = _axis_taps(rows, height, self.interpolation, self.fill_mode)
        col_taps = _axis_taps(cols, width, self.interpolation, self.fill_mode)
        for row, row_weight, row_inside in row_taps:
            for col, col_weight, col_inside in col_taps:
                flat = np.broadcast_to((image + row) * width + col, out_shape).ravel()
                weight = _product(row_weight, col_weight)
                inside = _product(row_inside, col_inside)
                if inside is not None:
                    weight = np.ones(inside.shape) if weight is None else weight
                    outside = np.where(inside, 0.0, weight)
                    fill = outside if fill is None else fill + outside
                    weight = np.where(inside, weight, 0.0)
                if weight is not None:
                    weight = np.broadcast_to(weight, out_shape).ravel()
                taps.append((flat, weight))
        if fill is not None:
            fill = np.broadcast_to(fill, out_shape).ravel()
        return taps, fill, out_shape

    def forward(self, a):
        xp = namespace(a)  # the planned indices and weights go where the array is
        self.shape, self.dtype = a.shape, a.dtype
        taps, fill, self.out_shape = self._plan(a.shape)
        self.taps = [(xp.asarray(flat), None if weight is None else
                      xp.asarray(weight, dtype=a.dtype)[:, None]) for flat, weight in taps]
        pixels = a.reshape(-1, a.shape[-1])
        out = None
        for flat, weight in self.taps:
            read = pixels[flat]
            if weight is not None:
                read *= weight
            out = read if out is None else np.add(out, read, out=out)
        if fill is not None and self.fill_value != 0.0:
            out += xp.asarray(self.fill_value * fill, dtype=a.dtype)[:, None]
        return out.reshape(self.out_shape + a.shape[-1:])

    def backward(self, grad):
        xp = namespace(grad)
        channels = self.shape[-1]
        grad = grad.reshape(-1, channels)
        lanes = xp.arange(channels)
        total = None
        for flat, weight in self.taps:  # each pixel read gets back its share of the gradient
            contribution = grad if weight is None else grad * weight
            summed = xp.bincount((flat[:, None] * channels + lanes).ravel(),
                                 weights=contribution.ravel(),
                                 minlength=int(np.prod(self.shape)))
            total = summed if total is None else np.add(total, summed, out=total)
        return (total.astype(self.dtype).reshape(self.shape),)


def _product(a, b):
    """``a * b`` where None means "all ones" (weights) or "all true" (inside)."""
    if a is None:
        return b
    if b is None:
        return a
    return a * b if a.dtype.kind == "f" else a & b

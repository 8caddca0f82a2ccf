"""The initializer functions ``(shape, rng, dtype) -> ndarray``, fan sizes and the truncated
normal that the variance-scaling family draws from."""

from __future__ import annotations

import math

import numpy as np

from ..common.checks import (
    check_float_dtype,
    check_int,
    check_number,
    check_seed,
    describe,
)
from ..common.rng import as_generator

#: Standard deviation of a unit normal truncated to [-2, 2].
TRUNCATED_STD = 0.87962566103423978


# --------------------------------------------------------------------------- helpers


def compute_fans(shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape``, as Keras computes them.

    Scalars count 1 and vectors their length for both; a 2-D kernel is ``(in, out)``; a higher
    rank kernel is ``(*receptive_field, in_channels, out_channels)`` and both fans are multiplied
    by the receptive-field size.

    >>> compute_fans((4, 3))
    (4, 3)
    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = _shape(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _shape(shape) -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints >= 0) as a tuple of ints."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list, np.ndarray)):
        raise TypeError(f"shape must be a tuple of ints >= 0; got {describe(shape)}")
    return tuple(check_int(size, f"shape[{i}]", minimum=0) for i, size in enumerate(shape))


def _dtype(dtype, random: bool = True) -> np.dtype:
    """A floating-point dtype (float32 for None); constant fills may also be int or bool."""
    if dtype is None:
        return np.dtype(np.float32)
    if random:
        return np.dtype(check_float_dtype(dtype))
    try:
        chosen = np.dtype(getattr(dtype, "name", dtype) if not isinstance(dtype, type) else dtype)
    except TypeError:
        chosen = None
    if isinstance(dtype, bool) or chosen is None or chosen.kind not in "fiub":
        raise TypeError(f"dtype must be a numeric dtype such as 'float32'; got {describe(dtype)}")
    return chosen


def _truncated_standard_normal(shape, rng: np.random.Generator) -> np.ndarray:
    """Unit normal draws with every value beyond two standard deviations redrawn."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2.0
    return values


def _variance_scaling(shape, rng, dtype, scale, mode, distribution) -> np.ndarray:
    shape, dtype = _shape(shape), _dtype(dtype)
    fan_in, fan_out = compute_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    variance = scale / max(1.0, n)
    generator = as_generator(rng, "rng")
    if distribution == "uniform":
        limit = math.sqrt(3.0 * variance)
        values = generator.uniform(-limit, limit, shape)
    else:  # "truncated_normal"
        std = math.sqrt(variance) / TRUNCATED_STD
        values = _truncated_standard_normal(shape, generator) * std
    return values.astype(dtype, copy=False)


# --------------------------------------------------------------------------- functions


def zeros(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """All zeros (``rng`` is ignored; ``dtype`` may be an int or bool dtype too)."""
    check_seed(rng, "rng")
    return np.zeros(_shape(shape), dtype=_dtype(dtype, random=False))


def ones(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """All ones (``rng`` is ignored; ``dtype`` may be an int or bool dtype too)."""
    check_seed(rng, "rng")
    return np.ones(_shape(shape), dtype=_dtype(dtype, random=False))


def check_normal(mean, stddev) -> tuple[float, float]:
    """``mean`` (finite) and ``stddev`` (finite, >= 0) of a normal initializer."""
    return check_number(mean, "mean"), check_number(stddev, "stddev", low=0)


def check_uniform(minval, maxval) -> tuple[float, float]:
    """Finite bounds ``minval <= maxval`` of a uniform initializer."""
    minval, maxval = check_number(minval, "minval"), check_number(maxval, "maxval")
    if minval > maxval:
        raise ValueError(f"minval must not exceed maxval; got minval={minval}, maxval={maxval}")
    return minval, maxval


def random_normal(shape, rng=None, dtype=np.float32, *, mean=0.0, stddev=0.05) -> np.ndarray:
    """Normal draws with ``mean`` (0) and ``stddev`` (0.05)."""
    mean, stddev = check_normal(mean, stddev)
    shape, dtype = _shape(shape), _dtype(dtype)
    values = mean + stddev * as_generator(rng, "rng").standard_normal(shape)
    return values.astype(dtype, copy=False)


def random_uniform(shape, rng=None, dtype=np.float32, *, minval=-0.05, maxval=0.05) -> np.ndarray:
    """Uniform draws on ``[minval, maxval)`` (-0.05 to 0.05)."""
    minval, maxval = check_uniform(minval, maxval)
    shape, dtype = _shape(shape), _dtype(dtype)
    values = as_generator(rng, "rng").uniform(minval, maxval, shape)
    return values.astype(dtype, copy=False)


def glorot_normal(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """Xavier normal: truncated normal with resulting std ``sqrt(2 / (fan_in + fan_out))``."""
    return _variance_scaling(shape, rng, dtype, 1.0, "fan_avg", "truncated_normal")


def glorot_uniform(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """Xavier uniform: ``U(-limit, limit)`` with ``limit = sqrt(6 / (fan_in + fan_out))``."""
    return _variance_scaling(shape, rng, dtype, 1.0, "fan_avg", "uniform")


def he_normal(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """Kaiming normal: truncated normal with resulting std ``sqrt(2 / fan_in)``."""
    return _variance_scaling(shape, rng, dtype, 2.0, "fan_in", "truncated_normal")


def he_uniform(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """Kaiming uniform: ``U(-limit, limit)`` with ``limit = sqrt(6 / fan_in)``."""
    return _variance_scaling(shape, rng, dtype, 2.0, "fan_in", "uniform")


def lecun_normal(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """LeCun normal: truncated normal with resulting std ``sqrt(1 / fan_in)``."""
    return _variance_scaling(shape, rng, dtype, 1.0, "fan_in", "truncated_normal")


def lecun_uniform(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """LeCun uniform: ``U(-limit, limit)`` with ``limit = sqrt(3 / fan_in)``."""
    return _variance_scaling(shape, rng, dtype, 1.0, "fan_in", "uniform")


def orthogonal(shape, rng=None, dtype=np.float32, *, gain=1.0) -> np.ndarray:
    """A (semi-)orthogonal matrix times ``gain``, as Keras's ``Orthogonal``: the Q of the QR
    decomposition of a normal matrix ``(max(rows, cols), min(rows, cols))``, each column's sign
    set by R's diagonal (so Q is uniformly distributed), transposed when there are fewer rows
    than columns; ``rows`` is the product of all axes but the last. The rows (or columns,
    whichever are fewer) are orthonormal.

    >>> w = orthogonal((3, 5), np.random.default_rng(0), "float64")
    >>> bool(np.allclose(w @ w.T, np.eye(3)))
    True
    """
    shape, dtype = _shape(shape), _dtype(dtype)
    if len(shape) < 2:
        raise ValueError(f"the orthogonal initializer needs a shape of 2 or more axes; got {shape}")
    rows, cols = math.prod(shape[:-1]), shape[-1]
    generator = as_generator(rng, "rng")
    a = generator.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(dtype, copy=False)

"""The initializer functions ``(shape, rng, dtype) -> ndarray``, fan sizes and the truncated
normal that the variance-scaling family draws from."""

from __future__ import annotations

import math

import numpy as np

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
    shape = tuple(int(s) for s in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"an initializer needs a shape of non-negative sizes; got {shape}")
    return shape


def _dtype(dtype) -> np.dtype:
    return np.dtype(np.float32 if dtype is None else dtype)


def _truncated_standard_normal(shape, rng: np.random.Generator) -> np.ndarray:
    """Unit normal draws with every value beyond two standard deviations redrawn."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2.0
    return values


def _variance_scaling(shape, rng, dtype, scale, mode, distribution) -> np.ndarray:
    shape = _shape(shape)
    fan_in, fan_out = compute_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    variance = scale / max(1.0, n)
    generator = as_generator(rng)
    if distribution == "uniform":
        limit = math.sqrt(3.0 * variance)
        values = generator.uniform(-limit, limit, shape)
    else:  # "truncated_normal"
        std = math.sqrt(variance) / TRUNCATED_STD
        values = _truncated_standard_normal(shape, generator) * std
    return values.astype(_dtype(dtype), copy=False)


# --------------------------------------------------------------------------- functions


def zeros(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """All zeros (``rng`` is ignored)."""
    return np.zeros(_shape(shape), dtype=_dtype(dtype))


def ones(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """All ones (``rng`` is ignored)."""
    return np.ones(_shape(shape), dtype=_dtype(dtype))


def random_normal(shape, rng=None, dtype=np.float32, *, mean=0.0, stddev=0.05) -> np.ndarray:
    """Normal draws with ``mean`` (0) and ``stddev`` (0.05)."""
    values = mean + stddev * as_generator(rng).standard_normal(_shape(shape))
    return values.astype(_dtype(dtype), copy=False)


def random_uniform(shape, rng=None, dtype=np.float32, *, minval=-0.05, maxval=0.05) -> np.ndarray:
    """Uniform draws on ``[minval, maxval)`` (-0.05 to 0.05)."""
    values = as_generator(rng).uniform(minval, maxval, _shape(shape))
    return values.astype(_dtype(dtype), copy=False)


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

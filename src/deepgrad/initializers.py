"""Weight initializers: functions of ``(shape, rng, dtype)`` that return a NumPy array.

Every initializer exists twice, with the same numbers:

* a snake_case function, e.g. ``glorot_uniform(shape, rng, dtype)``, drawing from the
  ``np.random.Generator`` it is given;
* a Keras-style class, e.g. ``GlorotUniform(seed=None)``, whose instances are called the same way
  and carry a ``get_config()``. An instance built with an integer ``seed`` ignores the generator it
  is called with and draws from that seed, so it gives the same values on every call.

Fan sizes follow Keras (:func:`compute_fans`): a 2-D kernel ``(in, out)`` has ``fan_in = in`` and
``fan_out = out``; a convolution kernel ``(*receptive_field, in_channels, out_channels)``
multiplies both by the receptive-field size.

The variance-scaling family targets a variance of ``scale / n``: Glorot (Xavier) uses
``n = (fan_in + fan_out) / 2`` and scale 1, He (Kaiming) ``n = fan_in`` and scale 2, LeCun
``n = fan_in`` and scale 1. The uniform members draw from ``U(-limit, limit)`` with
``limit = sqrt(3 · scale / n)`` — ``sqrt(6 / (fan_in + fan_out))``, ``sqrt(6 / fan_in)``,
``sqrt(3 / fan_in)``. The normal members use Keras 3 semantics: a normal truncated at two standard
deviations (values beyond are redrawn) whose standard deviation before truncation is
``sqrt(scale / n) / 0.87962566103423978``. That constant is the standard deviation of a unit normal
truncated to ``[-2, 2]``, so the draws end up with exactly the target standard deviation
``sqrt(scale / n)``: ``sqrt(2 / (fan_in + fan_out))``, ``sqrt(2 / fan_in)``, ``sqrt(1 / fan_in)``.
"""

from __future__ import annotations

import math

import numpy as np

from ._random import as_generator

__all__ = [
    "compute_fans", "zeros", "ones", "constant", "random_normal", "random_uniform",
    "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "lecun_normal", "lecun_uniform", "Initializer", "Zeros", "Ones", "Constant", "RandomNormal",
    "RandomUniform", "GlorotNormal", "GlorotUniform",
    "HeNormal", "HeUniform", "LecunNormal", "LecunUniform", "get", "serialize",
]

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


def constant(value=0.0) -> Constant:
    """A factory: an initializer that fills every weight with ``value``.

    >>> constant(0.5)((2,), None, "float64")
    array([0.5, 0.5])
    """
    return Constant(value)


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


# --------------------------------------------------------------------------- classes


def _check_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be None or an int; got {type(seed).__name__}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed}")
    return None if seed is None else int(seed)


class Initializer:
    """Base class: a configurable callable ``(shape, rng=None, dtype=float32) -> ndarray``.

    With an integer ``seed`` the instance draws from that seed on every call (same values each
    time); with ``seed=None`` it draws from the ``rng`` it is called with.

    >>> Ones()((2, 2), None, "float64")
    array([[1., 1.],
           [1., 1.]])
    """

    def __init__(self, seed=None):
        self.seed = _check_seed(seed)

    def _generator(self, rng) -> np.random.Generator:
        return as_generator(self.seed if self.seed is not None else rng)

    def __call__(self, shape, rng=None, dtype=np.float32) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")

    def get_config(self) -> dict:
        return {"seed": self.seed}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _Deterministic(Initializer):
    def __init__(self):
        super().__init__(None)

    def get_config(self) -> dict:
        return {}


class Zeros(_Deterministic):
    """Fill with 0.

    >>> Zeros()((3,))
    array([0., 0., 0.], dtype=float32)
    """

    def __call__(self, shape, rng=None, dtype=np.float32):
        return zeros(shape, rng, dtype)


class Ones(_Deterministic):
    """Fill with 1.

    >>> Ones()((2,))
    array([1., 1.], dtype=float32)
    """

    def __call__(self, shape, rng=None, dtype=np.float32):
        return ones(shape, rng, dtype)


class Constant(Initializer):
    """Fill with ``value``.

    >>> Constant(0.1)((2,), dtype="float64")
    array([0.1, 0.1])
    """

    def __init__(self, value=0.0):
        super().__init__(None)
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"Constant value must be finite; got {value}")
        self.value = value

    def __call__(self, shape, rng=None, dtype=np.float32):
        return np.full(_shape(shape), self.value, dtype=_dtype(dtype))

    def get_config(self) -> dict:
        return {"value": self.value}


class RandomNormal(Initializer):
    """Normal draws: ``N(mean, stddev²)``.

    >>> w = RandomNormal(stddev=1.0, seed=0)((1000,), dtype="float64")
    >>> bool(abs(w.std() - 1.0) < 0.1)
    True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        if not stddev >= 0:
            raise ValueError(f"stddev must be non-negative; got {stddev}")
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, rng=None, dtype=np.float32):
        return random_normal(shape, self._generator(rng), dtype, mean=self.mean, stddev=self.stddev)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform draws on ``[minval, maxval)``.

    >>> w = RandomUniform(-1.0, 1.0, seed=0)((1000,))
    >>> bool(w.min() >= -1.0 and w.max() < 1.0)
    True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        if not minval <= maxval:
            raise ValueError(f"minval must not exceed maxval; got minval={minval}, maxval={maxval}")
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, rng=None, dtype=np.float32):
        generator = self._generator(rng)
        return random_uniform(shape, generator, dtype, minval=self.minval, maxval=self.maxval)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class _Named(Initializer):
    """An instance of one of the named functions, with an optional seed of its own."""

    _function = None  # one of the functions above, set by each subclass

    def __call__(self, shape, rng=None, dtype=np.float32):
        return type(self)._function(shape, self._generator(rng), dtype)


class GlorotNormal(_Named):
    """Xavier normal (see :func:`glorot_normal`).

    >>> GlorotNormal(seed=1)((4, 3)).shape
    (4, 3)
    """

    _function = staticmethod(glorot_normal)


class GlorotUniform(_Named):
    """Xavier uniform (see :func:`glorot_uniform`).

    >>> bool((abs(GlorotUniform(seed=1)((4, 3))) <= (6 / 7) ** 0.5).all())
    True
    """

    _function = staticmethod(glorot_uniform)


class HeNormal(_Named):
    """Kaiming normal (see :func:`he_normal`).

    >>> HeNormal(seed=1)((4, 3)).dtype
    dtype('float32')
    """

    _function = staticmethod(he_normal)


class HeUniform(_Named):
    """Kaiming uniform (see :func:`he_uniform`).

    >>> bool((abs(HeUniform(seed=1)((6, 3))) <= 1.0).all())
    True
    """

    _function = staticmethod(he_uniform)


class LecunNormal(_Named):
    """LeCun normal (see :func:`lecun_normal`).

    >>> LecunNormal(seed=1)((4, 3), dtype="float64").dtype
    dtype('float64')
    """

    _function = staticmethod(lecun_normal)


class LecunUniform(_Named):
    """LeCun uniform (see :func:`lecun_uniform`).

    >>> bool((abs(LecunUniform(seed=1)((3, 3))) <= 1.0).all())
    True
    """

    _function = staticmethod(lecun_uniform)

# --------------------------------------------------------------------------- lookup

_FUNCTIONS = {
    fn.__name__: fn
    for fn in (zeros, ones, random_normal, random_uniform, glorot_normal, glorot_uniform,
               he_normal, he_uniform, lecun_normal, lecun_uniform)
}
_ALIASES = {
    "zero": "zeros", "one": "ones", "normal": "random_normal", "uniform": "random_uniform",
    "xavier_normal": "glorot_normal", "xavier_uniform": "glorot_uniform",
    "kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform",
}
_CLASSES = {
    cls.__name__: cls
    for cls in (Zeros, Ones, Constant, RandomNormal, RandomUniform,
                GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal,
                LecunUniform)
}


def _valid_names() -> str:
    return ", ".join(sorted(_FUNCTIONS) + ["constant"] + sorted(_ALIASES) + sorted(_CLASSES))


def get(identifier):
    """Resolve ``identifier`` to an initializer callable ``(shape, rng, dtype) -> ndarray``.

    Accepts a name (``"glorot_uniform"``, aliases such as ``"xavier_uniform"`` or
    ``"kaiming_normal"``, or a class name such as ``"HeNormal"``), a config dict
    ``{"class_name": ..., "config": {...}}`` as :func:`serialize` writes it, an
    :class:`Initializer` instance or any callable (returned unchanged).

    >>> get("xavier_uniform") is glorot_uniform
    True
    >>> get({"class_name": "Constant", "config": {"value": 2.0}})((1,))
    array([2.], dtype=float32)
    """
    if isinstance(identifier, str):
        key = _ALIASES.get(identifier, identifier)
        if key in _FUNCTIONS:
            return _FUNCTIONS[key]
        if key == "constant":
            return Constant()
        if key in _CLASSES:
            return _CLASSES[key]()
        raise ValueError(f"unknown initializer {identifier!r}; valid names: {_valid_names()}")
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _CLASSES.get(name)
        if cls is None:
            raise ValueError(
                f"unknown initializer class {name!r} in config {identifier!r}; valid classes: "
                f"{', '.join(sorted(_CLASSES))}"
            )
        return cls.from_config(dict(identifier.get("config", {})))
    if callable(identifier):
        return identifier
    raise TypeError(
        "an initializer must be a name, a config dict or a callable; "
        f"got {type(identifier).__name__}"
    )


def serialize(initializer):
    """A JSON-serialisable form that :func:`get` turns back into the same initializer.

    Built-in functions become their name, :class:`Initializer` instances a
    ``{"class_name", "config"}`` dict.

    >>> serialize(glorot_uniform), serialize(Constant(3.0))
    ('glorot_uniform', {'class_name': 'Constant', 'config': {'value': 3.0}})
    """
    if isinstance(initializer, str):
        return serialize(get(initializer))
    for name, fn in _FUNCTIONS.items():
        if initializer is fn:
            return name
    if isinstance(initializer, Initializer) and type(initializer).__name__ in _CLASSES:
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    raise TypeError(
        f"cannot serialize initializer {initializer!r}: only deepgrad's named initializers and "
        f"Initializer instances have a config"
    )

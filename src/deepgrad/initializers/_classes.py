"""The Keras-named initializer classes: configurable, optionally seeded callables."""

from __future__ import annotations

import numpy as np

from ..common.checks import check_int, check_number
from ..common.rng import as_generator
from ._functions import (
    _dtype,
    _shape,
    check_normal,
    check_uniform,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    lecun_normal,
    lecun_uniform,
    ones,
    orthogonal,
    random_normal,
    random_uniform,
    zeros,
)

# --------------------------------------------------------------------------- classes


def _check_seed(seed):
    return None if seed is None else check_int(seed, "seed", minimum=0)


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
    """Fill with ``value``: a number, or an array that broadcasts to the weight's shape (as
    Keras takes ``Constant(np.log([pos / neg]))`` for an output bias).

    >>> Constant(0.1)((2,), dtype="float64")
    array([0.1, 0.1])
    >>> Constant([1.0, 2.0])((2, 2), dtype="float64")
    array([[1., 2.],
           [1., 2.]])
    """

    def __init__(self, value=0.0):
        super().__init__(None)
        array = np.asarray(value)
        if array.ndim == 0:
            self.value = check_number(value, "value")
            return
        if array.dtype.kind not in "fiu" or not np.all(np.isfinite(array)):
            raise TypeError(f"value must be a finite number or an array of finite numbers; got "
                            f"{array.dtype} values")
        self.value = array.astype(np.float64).tolist()

    def __call__(self, shape, rng=None, dtype=np.float32):
        shape, dtype = _shape(shape), _dtype(dtype, random=False)
        if not isinstance(self.value, list):
            return np.full(shape, self.value, dtype=dtype)
        value = np.asarray(self.value, dtype=dtype)
        try:
            return np.broadcast_to(value, shape).copy()
        except ValueError:
            raise ValueError(f"Constant of shape {value.shape} does not fit a weight of shape "
                             f"{shape}") from None

    def get_config(self) -> dict:
        return {"value": self.value}


def constant(value=0.0) -> Constant:
    """A factory: an initializer that fills every weight with ``value``.

    >>> constant(0.5)((2,), None, "float64")
    array([0.5, 0.5])
    """
    return Constant(value)


class RandomNormal(Initializer):
    """Normal draws: ``N(mean, stddev²)``.

    >>> w = RandomNormal(stddev=1.0, seed=0)((1000,), dtype="float64")
    >>> bool(abs(w.std() - 1.0) < 0.1)
    True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = check_normal(mean, stddev)

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
        self.minval, self.maxval = check_uniform(minval, maxval)

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


class Orthogonal(Initializer):
    """Keras's ``Orthogonal(gain=1.0, seed=None)`` (see :func:`orthogonal`), the recurrent
    layers' default for their recurrent kernels.

    >>> w = Orthogonal(seed=0)((4, 4), dtype="float64")
    >>> bool(np.allclose(w.T @ w, np.eye(4)))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = check_number(gain, "gain")

    def __call__(self, shape, rng=None, dtype=np.float32):
        return orthogonal(shape, self._generator(rng), dtype, gain=self.gain)

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}

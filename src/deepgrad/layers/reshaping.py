"""Layers that rearrange each sample: ``Reshape``, ``Permute`` and ``RepeatVector``.

Shapes are Keras's: the batch axis is never touched, and arguments count the sample's axes from 1
(``Permute((2, 1))`` swaps the two axes after the batch axis).
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np

from ..autograd.tensor import Tensor
from ..common.checks import check_positive_int, describe
from .base import Layer

__all__ = ["Reshape", "Permute", "RepeatVector"]


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_target_shape(target_shape) -> tuple:
    expected = "a tuple of positive ints, one of which may be -1 (a size worked out from the rest)"
    if not isinstance(target_shape, (tuple, list)) or not all(_is_int(s) for s in target_shape):
        raise TypeError(f"target_shape must be {expected}; got {describe(target_shape)}")
    shape = tuple(int(s) for s in target_shape)
    if any(s < 1 and s != -1 for s in shape) or shape.count(-1) > 1:
        raise ValueError(f"target_shape must be {expected}; got {shape}")
    return shape


class Reshape(Layer):
    """Gives each sample the shape ``target_shape``: ``(batch, *target_shape)``.

    Parameters
    ----------
    target_shape : tuple of int
        The shape of one sample, without the batch axis. One size may be -1: it is worked out
        from the sample's size and the others.

    Examples
    --------
    >>> import numpy as np
    >>> Reshape((3, 4))(np.zeros((2, 12))).shape
    (2, 3, 4)
    >>> Reshape((-1, 2))(np.zeros((2, 3, 4))).shape
    (2, 6, 2)
    >>> Reshape((-1, 2)).compute_output_shape((None, 3, None))
    (None, None, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = _check_target_shape(target_shape)

    def _sample_shape(self, sample_shape: tuple) -> tuple:
        """``target_shape`` for samples of ``sample_shape``, its -1 resolved (None when a size
        is not known)."""
        if any(size is None for size in sample_shape):
            return tuple(None if s == -1 else s for s in self.target_shape)
        size = math.prod(sample_shape)
        known = math.prod(s for s in self.target_shape if s != -1)
        if -1 in self.target_shape and size % known == 0:
            return tuple(size // known if s == -1 else s for s in self.target_shape)
        if -1 not in self.target_shape and size == known:
            return self.target_shape
        raise ValueError(
            f"Reshape {self.name!r} cannot give samples of shape {tuple(sample_shape)} ({size} "
            f"values) the shape target_shape={self.target_shape}: "
            + (f"{size} is not a multiple of {known}" if -1 in self.target_shape
               else f"that holds {known} values"))

    def build(self, input_shape: tuple) -> None:
        self._sample_shape(tuple(input_shape[1:]))  # fails early when the sizes cannot match
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return x.reshape((x.shape[0],) + self._sample_shape(x.shape[1:]))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0],) + self._sample_shape(tuple(input_shape[1:]))

    def get_config(self) -> dict:
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    """Reorders the axes of each sample: output axis ``i`` is input axis ``dims[i - 1]``.

    Parameters
    ----------
    dims : tuple of int
        A permutation of ``1, ..., n`` for samples of ``n`` axes (axis 0, the batch, stays).

    Examples
    --------
    >>> import numpy as np
    >>> Permute((2, 1))(np.zeros((5, 3, 4))).shape
    (5, 4, 3)
    >>> Permute((3, 1, 2))(np.arange(24.0).reshape(1, 2, 3, 4)).numpy()[0, 1]
    array([[ 1.,  5.,  9.],
           [13., 17., 21.]])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        expected = "a permutation of 1, ..., n (the sample's axes; 0 is the batch axis)"
        if not isinstance(dims, (tuple, list)) or not dims or not all(_is_int(d) for d in dims):
            raise TypeError(f"dims must be {expected}; got {describe(dims)}")
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"dims must be {expected}; got {tuple(dims)}")
        self.dims = tuple(int(d) for d in dims)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(
                f"Permute {self.name!r} with dims={self.dims} needs samples of {len(self.dims)} "
                f"axes; got inputs of shape {tuple(input_shape)}")
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return x.transpose((0,) + self.dims)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict:
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    """Repeats each sample ``n`` times: ``(batch, features)`` becomes ``(batch, n, features)``.

    Parameters
    ----------
    n : int >= 1

    Examples
    --------
    >>> import numpy as np
    >>> RepeatVector(3)(np.array([[1.0, 2.0]])).numpy()
    array([[[1., 2.],
            [1., 2.],
            [1., 2.]]])
    """

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        self.n = check_positive_int(n, "n")

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 2:
            raise ValueError(f"RepeatVector {self.name!r} needs inputs of shape (batch, features); "
                             f"got {tuple(input_shape)}")
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        # exact copies, and a backward that sums the n copies' gradients
        return x.reshape(x.shape[0], 1, x.shape[1]) * np.ones((1, self.n, 1), dtype=x.dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        config = super().get_config()
        config["n"] = self.n
        return config

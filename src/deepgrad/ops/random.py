"""Primitives that draw random numbers: :class:`Dropout`.

Randomness lives inside the primitive, drawn from the generator it was given each time its
forward runs, so a recorded step that is replayed draws a fresh mask per batch, in the same
order as the graph would.
"""

from __future__ import annotations

import numpy as np

from .base import Function

__all__ = ["Dropout"]


class Dropout(Function):
    """Inverted dropout: each element is zeroed with probability ``rate`` and the rest are
    scaled by ``1 / (1 - rate)``, so the expectation is unchanged; the gradient passes through
    the same mask and scale. At ``rate`` 0 nothing is drawn and the input passes unchanged.

    Parameters
    ----------
    rate : float in [0, 1)
    generator : numpy.random.Generator
        Drawn from at every forward (one uniform number per element of the mask).
    shared_axes : tuple of int, default ()
        Axes along which the mask is the same (Keras's ``noise_shape`` with 1 there): the mask
        has size 1 along them and is broadcast. ``(1, 2)`` on ``(batch, height, width,
        channels)`` drops whole channels (``SpatialDropout2D``).
    """

    __slots__ = ("rate", "generator", "shared_axes", "scale")

    def __init__(self, rate: float, generator: np.random.Generator, shared_axes=()):
        self.rate, self.generator, self.shared_axes = rate, generator, tuple(shared_axes)

    def forward(self, a):
        if self.rate == 0.0:
            self.scale = None
            return a
        shape = tuple(1 if axis in self.shared_axes else n for axis, n in enumerate(a.shape))
        keep = self.generator.random(shape) >= self.rate
        self.scale = (keep / (1.0 - self.rate)).astype(a.dtype)
        return a * self.scale

    def backward(self, grad):
        return (grad if self.scale is None else grad * self.scale,)

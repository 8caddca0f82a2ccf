"""Regularization layers: ``Dropout``."""

from __future__ import annotations

import numbers

import numpy as np

from .. import functional
from ..autograd.tensor import Tensor
from ..common.rng import as_generator
from .base import Layer
from .core import seed_config

__all__ = ["Dropout"]


class Dropout(Layer):
    """Randomly zeroes a fraction ``rate`` of the inputs during training.

    The kept inputs are scaled by ``1 / (1 - rate)`` ("inverted" dropout), so the expected value
    of every output equals its input and inference (``training=False``, the default) is the
    identity. The layer keeps one random generator, made from ``seed`` on the first training
    call: successive calls draw different masks, and two layers with the same seed draw the same
    sequence of masks.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping each input (the notes suggest 0.1–0.5 for dense networks).
    seed : int or numpy.random.Generator, optional
        ``deepgrad.set_seed`` governs the default.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dropout(0.5, seed=0)
    >>> x = np.ones((2, 4))
    >>> layer(x).numpy()
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    >>> sorted(set(layer(x, training=True).numpy().ravel().tolist()))
    [0.0, 2.0]
    """

    def __init__(self, rate: float, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout rate must be a number in [0, 1); got {rate!r}")
        self.rate = float(rate)
        self.seed = seed
        self._generator = None

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if not training or self.rate == 0.0:
            return x
        return functional.dropout(x, self.rate, training=True, seed=self.generator())

    def generator(self) -> np.random.Generator:
        """The layer's random generator, made from ``seed`` on first use."""
        if self._generator is None:
            self._generator = as_generator(self.seed)
        return self._generator

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(rate=self.rate, seed=seed_config(self.seed))
        return config

"""Regularization layers: ``Dropout``, and ``SpatialDropout1D`` and ``SpatialDropout2D``, which
drop whole channels."""

from __future__ import annotations

import numbers

import numpy as np

from .. import functional, ops
from ..autograd.tensor import Tensor, _apply
from ..common.checks import check_seed
from ..common.rng import as_generator
from .base import Layer
from .channels_last import check_data_format, check_input_rank
from .core import seed_config

__all__ = ["Dropout", "SpatialDropout1D", "SpatialDropout2D"]


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

    supports_masking = True  # a (batch, steps) mask passes through, as in Keras

    def __init__(self, rate: float, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout rate must be a number in [0, 1); got {rate!r}")
        self.rate = float(rate)
        self.seed = check_seed(seed)
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


class _SpatialDropout:
    """What the spatial dropouts share: one draw per sample and channel, the same over the
    sample's steps (or height and width) — the primitive :class:`deepgrad.ops.Dropout` with its
    mask shared along the spatial axes.

    A mixin, not a Layer: it is no layer of its own (and so not registered)."""

    rank = 1

    def build(self, input_shape: tuple) -> None:
        check_input_rank(self, input_shape)
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        check_input_rank(self, x.shape)
        if not training or self.rate == 0.0:
            return x
        spatial = tuple(range(1, self.rank + 1))
        return _apply(ops.Dropout(self.rate, self.generator(), spatial), x)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_input_rank(self, input_shape)
        return tuple(input_shape)


class SpatialDropout1D(_SpatialDropout, Dropout):
    """Dropout of whole channels: in training, each channel of each sample of ``(batch, steps,
    channels)`` is zeroed at every step with probability ``rate``, the others scaled by ``1 /
    (1 - rate)``.

    Where neighbouring steps are strongly correlated (early convolution layers), dropping single
    values regularizes little; dropping whole feature maps does (Tompson et al., 2014). Inference
    (``training=False``, the default) is the identity; the seed works as :class:`Dropout`'s.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping each channel.
    seed : int or numpy.random.Generator, optional

    Examples
    --------
    >>> import numpy as np
    >>> out = SpatialDropout1D(0.5, seed=1)(np.ones((1, 3, 4)), training=True).numpy()
    >>> out[0]  # each channel (column) is kept, scaled by 2, or dropped at every step
    array([[2., 2., 0., 2.],
           [2., 2., 0., 2.],
           [2., 2., 0., 2.]])
    """

    rank = 1


class SpatialDropout2D(_SpatialDropout, Dropout):
    """Dropout of whole feature maps: in training, each channel of each sample of ``(batch,
    height, width, channels)`` is zeroed everywhere with probability ``rate``, the others scaled
    by ``1 / (1 - rate)``. Inference (``training=False``, the default) is the identity.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping each channel.
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.
    seed : int or numpy.random.Generator, optional

    Examples
    --------
    >>> import numpy as np
    >>> out = SpatialDropout2D(0.5, seed=1)(np.ones((1, 2, 2, 3)), training=True).numpy()
    >>> out[0, :, :, 1]  # the second channel: kept everywhere, scaled by 2
    array([[2., 2.],
           [2., 2.]])
    >>> out[0, :, :, 2]  # the third: dropped everywhere
    array([[0., 0.],
           [0., 0.]])
    """

    rank = 2

    def __init__(self, rate: float, data_format=None, *, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = check_data_format(data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}

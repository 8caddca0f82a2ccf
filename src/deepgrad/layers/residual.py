"""Residual (skip) connections: ``Residual``."""

from __future__ import annotations

from .. import initializers
from ..autograd.tensor import Tensor
from ..common.checks import check_seed
from .base import Layer
from .serialization import deserialize, serialize
from .convolutional import Conv1D, Conv2D
from .core import Dense, seed_config

__all__ = ["Residual"]


class Residual(Layer):
    """``x + f(x)``, where ``f`` is a layer or a list of layers applied in sequence.

    The skip connection lets gradients reach early layers undiminished (the notes' remedy for
    vanishing gradients). When ``f`` changes the size of the last axis, the shortcut is a learned
    linear projection of ``x`` (a :class:`Dense` without bias or activation) instead of the
    identity, so the two terms can be added; when ``f`` also strides over the steps or pixels (a
    ResNet block that halves the image), the projection is a 1×1 convolution with those strides.

    Parameters
    ----------
    layers : Layer or list of Layer
        The residual branch ``f``.
    projection_initializer : str, dict or callable, default "glorot_uniform"
        Initializer of the projection kernel (used only when a projection is needed).
    seed : int or numpy.random.Generator, optional
        Seed of the projection's initialisation.

    Attributes
    ----------
    layers : list of Layer
    projection : Dense, Conv1D, Conv2D or None
        The shortcut projection, created in ``build`` when ``f`` changes the shape.

    Examples
    --------
    >>> import numpy as np
    >>> block = Residual([Dense(8, "relu"), Dense(4)])
    >>> block(np.ones((2, 4))).shape, block.projection is None
    ((2, 4), True)
    >>> wider = Residual(Dense(6, "relu"))
    >>> wider(np.ones((2, 4))).shape, wider.projection.kernel.shape
    ((2, 6), (4, 6))
    >>> from deepgrad.layers import Conv2D
    >>> down = Residual([Conv2D(16, 3, strides=2, padding="same", activation="relu"),
    ...                  Conv2D(16, 3, padding="same")])
    >>> down(np.ones((2, 8, 8, 8))).shape, down.projection.kernel.shape, down.projection.strides
    ((2, 4, 4, 16), (1, 1, 8, 16), (2, 2))
    """

    def __init__(self, layers, *, projection_initializer="glorot_uniform", seed=None, **kwargs):
        super().__init__(**kwargs)
        layers = [layers] if isinstance(layers, Layer) else list(layers)
        if not layers or not all(isinstance(layer, Layer) for layer in layers):
            raise TypeError(
                f"Residual needs a Layer or a non-empty list of Layers; got {layers!r}"
            )
        self.layers = layers
        self.projection_initializer = initializers.get(projection_initializer)
        self.seed = check_seed(seed)
        self.projection = None

    def _branch_shape(self, input_shape: tuple) -> tuple:
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def build(self, input_shape: tuple) -> None:
        shape = tuple(input_shape)
        dtype = self._weight_dtype()
        for layer in self.layers:
            layer._ensure_built(shape, dtype)
            shape = tuple(layer.compute_output_shape(shape))
        if shape[1:] != tuple(input_shape[1:]):
            self.projection = self._projection(tuple(input_shape), shape)
            self.projection._ensure_built(tuple(input_shape), dtype)
        self.built = True

    def _projection(self, input_shape: tuple, shape: tuple) -> Layer:
        """The shortcut that maps the input to the branch's shape: a Dense on the last axis, or
        (the branch strides over steps or pixels, as a ResNet block that halves the image) a
        1×1 convolution with those strides."""
        settings = dict(use_bias=False, kernel_initializer=self.projection_initializer,
                        seed=self.seed, name=f"{self.name}_projection")
        if len(shape) == len(input_shape) and shape[1:-1] == input_shape[1:-1]:
            return Dense(shape[-1], **settings)
        strides = None
        if len(shape) == len(input_shape) and len(shape) in (3, 4) and None not in shape[1:-1]:
            strides = tuple(max(1, -(-n // m)) for n, m in zip(input_shape[1:-1], shape[1:-1]))
            if any(-(-n // s) != m for n, s, m in zip(input_shape[1:-1], strides, shape[1:-1])):
                strides = None
        if strides is None:
            raise ValueError(
                f"Residual {self.name!r}: the branch maps {input_shape} to {shape}; a projection "
                f"shortcut can change the last axis, and shrink steps or pixels by whole strides")
        conv = Conv1D if len(shape) == 3 else Conv2D
        return conv(shape[-1], 1, strides=strides if len(shape) == 4 else strides[0],
                    padding="same", **settings)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        out = x
        for layer in self.layers:
            out = layer(out, training=training)
        shortcut = x if self.projection is None else self.projection(x, training=training)
        return shortcut + out

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return self._branch_shape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            layers=[serialize(layer) for layer in self.layers],
            projection_initializer=initializers.serialize(self.projection_initializer),
            seed=seed_config(self.seed),
        )
        return config

    @classmethod
    def from_config(cls, config: dict) -> Residual:
        config = dict(config)
        config["layers"] = [deserialize(spec) for spec in config["layers"]]
        return cls(**config)

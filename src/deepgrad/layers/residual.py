"""Residual (skip) connections: ``Residual``."""

from __future__ import annotations

from .. import initializers
from ..autograd.tensor import Tensor
from .base import Layer, deserialize, serialize
from .core import Dense, seed_config

__all__ = ["Residual"]


class Residual(Layer):
    """``x + f(x)``, where ``f`` is a layer or a list of layers applied in sequence.

    The skip connection lets gradients reach early layers undiminished (the notes' remedy for
    vanishing gradients). When ``f`` changes the size of the last axis, the shortcut is a learned
    linear projection of ``x`` (a :class:`Dense` without bias or activation) instead of the
    identity, so the two terms can be added.

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
    projection : Dense or None
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
        self.seed = seed
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
            if len(shape) != len(input_shape) or shape[1:-1] != tuple(input_shape[1:-1]):
                raise ValueError(
                    f"Residual {self.name!r}: the branch maps {tuple(input_shape)} to {shape}; a "
                    f"projection shortcut can only change the size of the last axis"
                )
            self.projection = Dense(
                shape[-1],
                use_bias=False,
                kernel_initializer=self.projection_initializer,
                seed=self.seed,
                name=f"{self.name}_projection",
            )
            self.projection._ensure_built(tuple(input_shape), dtype)
        self.built = True

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

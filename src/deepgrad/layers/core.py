"""Core layers: ``Dense``, ``Activation`` and ``Flatten``."""

from __future__ import annotations

import math

import numpy as np

from .. import activations, functional, initializers, regularizers
from ..autograd.tensor import Tensor
from ..common.checks import check_bool, check_positive_int, check_seed
from ..common.rng import as_generator
from .base import Layer

__all__ = ["Dense", "Activation", "Flatten"]


def cast_to(x: Tensor, dtype) -> Tensor:
    """``x`` in ``dtype`` (differentiably), so a layer's output has its weights' dtype."""
    return x if x.dtype == dtype else x.astype(dtype)


def seed_config(seed):
    """A seed as it can be stored in a JSON config: ints are kept, generators are not."""
    return int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None


_NOT_FUSED = object()
#: Activations that Dense applies inside its fused primitive (ops.Affine), by function.
_FUSED_ACTIVATIONS = {
    activations.linear: None,
    activations.relu: "relu",
    activations.sigmoid: "sigmoid",
    activations.tanh: "tanh",
}


class Dense(Layer):
    """Fully connected layer: ``activation(x @ kernel + bias)``.

    Inputs of more than two dimensions are transformed along their last axis.

    Parameters
    ----------
    units : int
        Number of outputs.
    activation : str, callable or None, default None
        Looked up with :func:`deepgrad.activations.get`; None is linear.
    use_bias : bool, default True
    kernel_initializer, bias_initializer : str, dict or callable
        ``"glorot_uniform"`` and ``"zeros"`` by default (see :mod:`deepgrad.initializers`).
    kernel_regularizer, bias_regularizer : str, dict, Regularizer or None
        Penalties reported by :meth:`regularization_losses`.
    seed : int or numpy.random.Generator, optional
        Seed of the weight initialisation (``deepgrad.set_seed`` governs the default).
    name, trainable, dtype, input_shape
        See :class:`~deepgrad.layers.Layer`.

    Attributes
    ----------
    kernel : Parameter of shape (n_features, units)
    bias : Parameter of shape (units,), or None without bias

    Examples
    --------
    The notes' 4 → 3 → 2 → 1 network has 15 + 8 + 3 = 26 parameters:

    >>> import numpy as np
    >>> layers = [Dense(3, "sigmoid"), Dense(2, "sigmoid"), Dense(1, "sigmoid")]
    >>> x = np.ones((5, 4), dtype="float32")
    >>> for layer in layers:
    ...     x = layer(x)
    >>> x.shape, [layer.count_params() for layer in layers]
    ((5, 1), [15, 8, 3])
    """

    supports_masking = True  # a (batch, steps) mask passes through, as in Keras

    def __init__(
        self,
        units: int,
        activation=None,
        *,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.activation = activations.get(activation)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.seed = check_seed(seed)
        self.kernel = None
        self.bias = None

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f"Dense {self.name!r} needs inputs of shape (batch, ..., features) with a known "
                f"number of features; got input shape {tuple(input_shape)}"
            )
        rng = as_generator(self.seed)
        self.kernel = self.add_weight(
            "kernel", (input_shape[-1], self.units), self.kernel_initializer,
            regularizer=self.kernel_regularizer, seed=rng,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (self.units,), self.bias_initializer,
                regularizer=self.bias_regularizer, seed=rng,
            )
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if x.ndim < 2 or x.shape[-1] != self.kernel.shape[0]:
            raise ValueError(
                f"Dense {self.name!r} was built for {self.kernel.shape[0]} input features; got an "
                f"input of shape {x.shape}"
            )
        x = cast_to(x, self.kernel.dtype)
        fused = _FUSED_ACTIVATIONS.get(self.activation, _NOT_FUSED)
        rows = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])  # along the last axis
        out = functional.affine(rows, self.kernel, self.bias, None if fused is _NOT_FUSED else fused)
        if x.ndim != 2:
            out = out.reshape(x.shape[:-1] + (self.units,))
        return out if fused is not _NOT_FUSED else self.activation(out)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            seed=seed_config(self.seed),
        )
        return config


class Activation(Layer):
    """Applies an activation function.

    Parameters
    ----------
    activation : str or callable
        Looked up with :func:`deepgrad.activations.get`.

    Examples
    --------
    >>> import numpy as np
    >>> Activation("relu")(np.array([[-1.0, 2.0]])).numpy()
    array([[0., 2.]])
    """

    supports_masking = True  # a (batch, steps) mask passes through, as in Keras

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return self.activation(x)

    def get_config(self) -> dict:
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Flatten(Layer):
    """Flattens each sample: ``(batch, d1, d2, ...)`` becomes ``(batch, d1·d2·...)``.

    Parameters
    ----------
    data_format : {"channels_last", "channels_first"}, default "channels_last"
        With ``"channels_first"`` the channel axis (axis 1) is moved last before flattening, so
        the order of the outputs is the one a channels-last model would give, as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; got "
                             f"{data_format!r}")
        self.data_format = data_format or "channels_last"

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if x.ndim < 1:
            raise ValueError(f"Flatten needs a batch of samples; got a scalar of shape {x.shape}")
        if self.data_format == "channels_first" and x.ndim > 2:
            x = x.transpose((0,) + tuple(range(2, x.ndim)) + (1,))
        return x.reshape(x.shape[0], -1) if x.ndim != 2 else x

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        rest = tuple(input_shape[1:])
        size = None if any(s is None for s in rest) else math.prod(rest)
        return (input_shape[0], size)

"""Activation layers with a setting or a learned slope: ``LeakyReLU``, ``PReLU``, ``ELU``."""

from __future__ import annotations

from .. import activations, initializers, regularizers
from ..autograd.tensor import Tensor
from ..common.checks import check_number
from .base import Layer
from .core import cast_to

__all__ = ["LeakyReLU", "PReLU", "ELU"]


class LeakyReLU(Layer):
    """``x`` for ``x >= 0``, ``negative_slope · x`` otherwise.

    Parameters
    ----------
    negative_slope : float, default 0.01
        The slope for negative inputs. The lecture notes' 0.01 (Keras 3 uses 0.3).

    Examples
    --------
    >>> import numpy as np
    >>> LeakyReLU()(np.array([[-2.0, 3.0]])).numpy()
    array([[-0.02,  3.  ]])
    """

    def __init__(self, negative_slope: float = 0.01, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = check_number(negative_slope, "negative_slope", low=0)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return activations.leaky_relu(x, self.negative_slope)

    def get_config(self) -> dict:
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class ELU(Layer):
    """``x`` for ``x > 0``, ``alpha · (e^x − 1)`` otherwise.

    Parameters
    ----------
    alpha : float, default 1.0

    Examples
    --------
    >>> import numpy as np
    >>> ELU()(np.array([[0.0, 2.0]])).numpy()
    array([[0., 2.]])
    """

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number(alpha, "alpha", low=0)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return activations.elu(x, self.alpha)

    def get_config(self) -> dict:
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(Layer):
    """Parametric ReLU: ``x`` for ``x >= 0``, ``alpha · x`` otherwise, with ``alpha`` learned.

    ``alpha`` has one value per input unit (the shape of one sample), except along
    ``shared_axes`` where one value is shared (e.g. ``shared_axes=[1, 2]`` for one slope per
    channel of ``(batch, height, width, channels)`` images).

    Parameters
    ----------
    alpha_initializer : str, dict or callable, default "zeros"
        Initial slopes; "zeros" starts as a plain ReLU.
    alpha_regularizer : str, dict, Regularizer or None
    shared_axes : int or list of int, optional
        Axes (counting the batch axis as 0) along which the slope is shared.

    Attributes
    ----------
    alpha : Parameter of shape ``input_shape[1:]`` (1 along shared axes)

    Examples
    --------
    >>> import numpy as np
    >>> layer = PReLU(alpha_initializer={"class_name": "Constant", "config": {"value": 0.25}})
    >>> layer(np.array([[-4.0, 4.0]])).numpy(), layer.alpha.shape
    (array([[-1.,  4.]]), (2,))
    """

    def __init__(
        self, alpha_initializer="zeros", *, alpha_regularizer=None, shared_axes=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = [shared_axes] if isinstance(shared_axes, int) else list(shared_axes)
            if any(isinstance(a, bool) or not isinstance(a, int) or a < 1 for a in axes):
                raise ValueError(
                    f"shared_axes must be positive ints (axis 0 is the batch); got {shared_axes!r}"
                )
            self.shared_axes = sorted(set(axes))
        self.alpha = None

    def _alpha_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis > len(shape):
                raise ValueError(
                    f"PReLU {self.name!r}: shared axis {axis} does not exist in input shape "
                    f"{tuple(input_shape)}"
                )
            shape[axis - 1] = 1
        if any(size is None for size in shape):
            raise ValueError(
                f"PReLU {self.name!r} needs known sizes on every axis that is not shared; got "
                f"input shape {tuple(input_shape)}"
            )
        return tuple(shape)

    def build(self, input_shape: tuple) -> None:
        self.alpha = self.add_weight(
            "alpha", self._alpha_shape(input_shape), self.alpha_initializer,
            regularizer=self.alpha_regularizer,
        )
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return activations.prelu(cast_to(x, self.alpha.dtype), self.alpha)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            alpha_initializer=initializers.serialize(self.alpha_initializer),
            alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
            shared_axes=self.shared_axes,
        )
        return config

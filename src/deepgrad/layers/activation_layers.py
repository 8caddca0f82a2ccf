"""Activation layers with a setting or a learned slope: ``ReLU``, ``LeakyReLU``, ``PReLU``,
``ELU`` and ``Softmax``."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .. import activations, functional, initializers, regularizers
from ..autograd.tensor import Tensor
from ..common.checks import check_number, describe
from .base import Layer
from .core import cast_to

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]

#: The logit a masked position of ``Softmax`` gets (Keras's value): its probability is exactly 0.
MASKED_LOGIT = -1e9


class ReLU(Layer):
    """Rectified linear unit with Keras's three settings.

    ``f(x) = min(x, max_value)`` for ``x > threshold`` and ``negative_slope · (x − threshold)``
    otherwise; with the defaults it is ``max(x, 0)``. The gradient at the threshold is that of
    the lower piece (0 with the defaults), as in Keras.

    Parameters
    ----------
    max_value : float >= 0, optional
        Largest output; None (the default) leaves it unbounded.
    negative_slope : float >= 0, default 0.0
        Slope below the threshold.
    threshold : float >= 0, default 0.0
        Inputs at or below it are damped (to 0 without a slope).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[-10.0, -5.0, 0.0, 5.0, 10.0]])
    >>> ReLU()(x).numpy()
    array([[ 0.,  0.,  0.,  5., 10.]])
    >>> ReLU(max_value=6.0, negative_slope=0.1, threshold=1.0)(x).numpy()
    array([[-1.1, -0.6, -0.1,  5. ,  6. ]])
    """

    def __init__(self, max_value=None, negative_slope: float = 0.0, *, threshold: float = 0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.max_value = None if max_value is None else check_number(max_value, "max_value", low=0)
        self.negative_slope = check_number(negative_slope, "negative_slope", low=0)
        self.threshold = check_number(threshold, "threshold", low=0)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if self.threshold == 0:
            out = x.relu()
        else:  # x where x > threshold (strictly, as Keras), else 0
            out = x.relu() * (1.0 - activations.step(self.threshold - x))
        if self.max_value is not None:
            out = out.clip(max=self.max_value)
        if self.negative_slope != 0:
            out = out - self.negative_slope * (self.threshold - x).relu()
        return out

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope,
                      threshold=self.threshold)
        return config


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


def _check_axis(axis):
    """Softmax's ``axis``: an int, or a non-empty list of distinct ints (kept as a list)."""
    if isinstance(axis, Integral) and not isinstance(axis, bool):
        return int(axis)
    if (isinstance(axis, (list, tuple)) and axis and len(set(axis)) == len(axis)
            and all(isinstance(a, Integral) and not isinstance(a, bool) for a in axis)):
        return [int(a) for a in axis]
    raise TypeError(f"axis must be an int or a non-empty list of distinct ints; got "
                    f"{describe(axis)}")


class Softmax(Layer):
    """``e^{x_i} / Σ_j e^{x_j}`` along ``axis``: probabilities that sum to 1.

    One primitive (:class:`deepgrad.ops.Softmax`, as the ``softmax`` activation), shifted by
    the maximum so it never overflows. Several axes are normalized together.

    Parameters
    ----------
    axis : int or list of int, default -1

    Notes
    -----
    ``call(inputs, mask=None)`` takes an optional ``mask`` as Keras does: booleans (or numbers,
    kept where > 0.5) broadcastable to ``inputs``, false where a position must get no
    probability. Masked positions get the logit -1e9 before the softmax and an output of exactly
    0 after it (so a row masked everywhere is all zeros, not uniform). The mask is a constant
    of the call: a model that records the call replays it with that same mask.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0, 1.0]])
    >>> Softmax()(x).numpy().round(6)
    array([[0.211942, 0.576117, 0.211942]])
    >>> Softmax()(x, mask=np.array([[True, True, False]])).numpy().round(6)
    array([[0.268941, 0.731059, 0.      ]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axis(axis)

    def build(self, input_shape: tuple) -> None:
        ndim = len(input_shape)
        for axis in self.axis if isinstance(self.axis, list) else [self.axis]:
            if not -ndim <= axis < ndim:
                raise ValueError(f"Softmax {self.name!r}: axis {axis} does not exist in inputs of "
                                 f"shape {tuple(input_shape)} (axes -{ndim} to {ndim - 1})")
        self.built = True

    def _mask(self, mask, x: Tensor) -> np.ndarray:
        mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        if mask.dtype != bool:
            if mask.dtype.kind not in "biuf":
                raise TypeError(f"Softmax {self.name!r}: mask must hold booleans or numbers; got "
                                f"an array of {mask.dtype}")
            mask = mask > 0.5
        if mask.ndim > x.ndim or any(m not in (1, n) for m, n in zip(mask.shape[::-1], x.shape[::-1])):
            raise ValueError(f"Softmax {self.name!r}: mask must be broadcastable to the inputs "
                             f"(each size 1 or the input's, no more axes); got a mask of shape "
                             f"{mask.shape} for inputs of shape {x.shape}")
        return mask

    def call(self, x: Tensor, mask=None) -> Tensor:
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        if mask is None:
            return functional.softmax(x, axis=axis)
        mask = self._mask(mask, x)
        out = functional.softmax(functional.where(mask, x, MASKED_LOGIT), axis=axis)
        return functional.where(mask, out, 0.0)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config

"""Normalization layers: ``BatchNormalization``."""

from __future__ import annotations

from .. import initializers, ops, regularizers
from ..autograd.tensor import Tensor, _apply
from ..common.checks import check_bool, check_int, check_number
from .base import Layer
from .core import cast_to

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Normalizes each feature to mean 0 and variance 1, then scales and shifts it.

    ``y = gamma · (x − mean) / sqrt(var + epsilon) + beta`` per feature (the entries along
    ``axis``).

    * Training (``training=True``): ``mean`` and ``var`` are the batch's, over every axis but
      ``axis``; ``var`` is the biased variance (divided by the count, as Keras). The moving
      statistics are then updated: ``moving = moving · momentum + batch · (1 − momentum)``.
    * Inference (``training=False``, and always when the layer is frozen with
      ``trainable=False``, as in Keras): the moving statistics are used.

    Parameters
    ----------
    axis : int, default -1
        The feature axis (``-1`` for ``(batch, features)`` and channels-last images).
    momentum : float, default 0.99
    epsilon : float, default 1e-3
    center, scale : bool, default True
        Learn ``beta`` (shift) and ``gamma`` (scale); without them they are fixed at 0 and 1.
    beta_initializer, gamma_initializer : default "zeros", "ones"
    moving_mean_initializer, moving_variance_initializer : default "zeros", "ones"
    beta_regularizer, gamma_regularizer : optional

    Attributes
    ----------
    gamma, beta : trainable Parameters of shape (n_features,) (None when not learned)
    moving_mean, moving_variance : non-trainable Parameters of shape (n_features,)

    Examples
    --------
    >>> import numpy as np
    >>> layer = BatchNormalization()
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> layer(x, training=True).numpy().round(2)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> layer.moving_mean.numpy()
    array([0.02, 0.2 ])
    >>> layer.count_params(), len(layer.trainable_weights)
    (8, 2)
    """

    supports_masking = True  # a (batch, steps) mask passes through, as in Keras

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        *,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis = check_int(axis, "axis")
        self.momentum = check_number(momentum, "momentum", low=0, high=1)
        self.epsilon = check_number(epsilon, "epsilon", low=0, low_open=True)
        self.center = check_bool(center, "center")
        self.scale = check_bool(scale, "scale")
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        # Placeholders fix the order of ``weights``: gamma, beta, moving_mean, moving_variance.
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None
        self._ndim = None

    def _feature_axis(self, ndim: int) -> int:
        if not -ndim <= self.axis < ndim or ndim < 2:
            raise ValueError(
                f"BatchNormalization {self.name!r}: axis {self.axis} is not a feature axis of "
                f"inputs with {ndim} dimensions (the batch is axis 0)"
            )
        axis = self.axis % ndim
        if axis == 0:
            raise ValueError(
                f"BatchNormalization {self.name!r}: axis {self.axis} is the batch axis"
            )
        return axis

    def build(self, input_shape: tuple) -> None:
        axis = self._feature_axis(len(input_shape))
        features = input_shape[axis]
        if features is None:
            raise ValueError(
                f"BatchNormalization {self.name!r} needs a known size on axis {self.axis}; got "
                f"input shape {tuple(input_shape)}"
            )
        shape = (features,)
        if self.scale:
            self.gamma = self.add_weight(
                "gamma", shape, self.gamma_initializer, regularizer=self.gamma_regularizer
            )
        if self.center:
            self.beta = self.add_weight(
                "beta", shape, self.beta_initializer, regularizer=self.beta_regularizer
            )
        self.moving_mean = self.add_weight(
            "moving_mean", shape, self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            "moving_variance", shape, self.moving_variance_initializer, trainable=False
        )
        self._ndim = len(input_shape)
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if x.ndim != self._ndim or x.shape[self.axis] != self.moving_mean.shape[0]:
            raise ValueError(
                f"BatchNormalization {self.name!r} was built for {self._ndim}-D inputs with "
                f"{self.moving_mean.shape[0]} features on axis {self.axis}; got shape {x.shape}"
            )
        x = cast_to(x, self.moving_mean.dtype)
        axis = self._feature_axis(x.ndim)
        primitive = ops.BatchNorm(axis, self.epsilon, self.momentum, training and self.trainable,
                                  scale=self.gamma is not None, center=self.beta is not None)
        parameters = [w for w in (self.gamma, self.beta) if w is not None]
        return _apply(primitive, x, self.moving_mean, self.moving_variance, *parameters)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            axis=self.axis,
            momentum=self.momentum,
            epsilon=self.epsilon,
            center=self.center,
            scale=self.scale,
            beta_initializer=initializers.serialize(self.beta_initializer),
            gamma_initializer=initializers.serialize(self.gamma_initializer),
            moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
            moving_variance_initializer=initializers.serialize(self.moving_variance_initializer),
            beta_regularizer=regularizers.serialize(self.beta_regularizer),
            gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
        )
        return config

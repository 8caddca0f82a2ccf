"""Batch normalization as one primitive: :class:`BatchNorm`.

As a chain of primitives, batch normalization is a dozen of them — two means, a subtraction, a
square, a square root, a division, a scale and a shift, each with its own pass over memory and
its own backward — plus the moving statistics' update. Fused, the forward is the same operations
in the same order (so its values are exactly the chain's), the update of the moving statistics
happens in place as part of it (as PyTorch's ``batch_norm`` does), and the backward is the
closed form (the tests check it against the chain and against central differences).
"""

from __future__ import annotations

import numpy as np

from .base import Function

__all__ = ["BatchNorm", "update_moving_average"]


def update_moving_average(moving: np.ndarray, value: np.ndarray, momentum: float) -> None:
    """``moving ← moving · momentum + value · (1 − momentum)``, in place (``value`` flattened)."""
    np.copyto(moving, moving * momentum + value.reshape(moving.shape) * (1.0 - momentum),
              casting="same_kind")


class BatchNorm(Function):
    """``(x − mean) / sqrt(variance + epsilon) · gamma + beta`` per feature.

    Inputs ``(x, moving_mean, moving_variance)`` then ``gamma`` when ``scale`` and ``beta``
    when ``center`` (the statistics and parameters have shape ``(features,)``). ``axes`` are the
    axes averaged over (all but the feature axis). With ``training``, ``mean`` and ``variance``
    are the batch's (the biased variance) and the moving statistics are updated in place with
    ``momentum``; otherwise the moving statistics are used. Gradients flow to ``x``, ``gamma``
    and ``beta``, never to the moving statistics.
    """

    __slots__ = ("axes", "epsilon", "momentum", "training", "scale", "center", "normalized",
                 "inverse_std", "gamma")

    def __init__(self, axes: tuple, epsilon: float, momentum: float, training: bool, *,
                 scale: bool = True, center: bool = True):
        self.axes, self.epsilon, self.momentum = axes, epsilon, momentum
        self.training, self.scale, self.center = training, scale, center

    def forward(self, x, moving_mean, moving_variance, *parameters):
        shape = tuple(1 if i in self.axes else n for i, n in enumerate(x.shape))
        if self.training:
            mean = x.mean(axis=self.axes, keepdims=True)
            centered = x - mean
            variance = (centered * centered).mean(axis=self.axes, keepdims=True)
            update_moving_average(moving_mean, mean, self.momentum)
            update_moving_average(moving_variance, variance, self.momentum)
        else:
            centered = x - moving_mean.reshape(shape)
            variance = moving_variance.reshape(shape)
        std = np.sqrt(variance + self.epsilon)
        out = centered / std
        self.normalized, self.inverse_std = out, 1.0 / std
        gamma = parameters[0].reshape(shape) if self.scale else None
        self.gamma = gamma
        if gamma is not None:
            out = out * gamma
        if self.center:
            out = out + parameters[-1].reshape(shape)
        return out

    def backward(self, grad):
        axes, normalized = self.axes, self.normalized
        needs = self.needs_input_grad
        grads = [None, None, None]
        scaled = grad if self.gamma is None else grad * self.gamma  # d loss / d normalized
        if needs[0]:
            if self.training:
                mean_scaled = scaled.mean(axis=axes, keepdims=True)
                mean_both = (scaled * normalized).mean(axis=axes, keepdims=True)
                grads[0] = (scaled - mean_scaled - normalized * mean_both) * self.inverse_std
            else:
                grads[0] = scaled * self.inverse_std
        if self.scale:
            grads.append((grad * normalized).sum(axis=axes).reshape(-1) if needs[3] else None)
        if self.center:
            grads.append(grad.sum(axis=axes).reshape(-1) if needs[-1] else None)
        return tuple(grads)

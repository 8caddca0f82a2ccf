"""Batch normalization as one primitive: :class:`BatchNorm`.

As a chain of primitives, batch normalization is a dozen of them — two means, a subtraction, a
square, a square root, a division, a scale and a shift, each with its own pass over memory and
its own backward — plus the moving statistics' update. Fused, it works on the input as a
``(rows, features)`` matrix (the feature axis last, every other axis folded into the rows): the
forward is the chain's operations in the chain's order, the moving statistics are updated in
place as part of it (as PyTorch's ``batch_norm`` does), and the backward is the closed form.
With deepgrad's compiled kernels (``native/batch_norm.c``) the statistics, the scaling, the
column sums and the input gradient are one C pass each, bitwise the NumPy passes below; the
tests check the primitive against the chain, central differences and PyTorch.
"""

from __future__ import annotations

import numpy as np

from ..native import kernels
from .base import Function

__all__ = ["BatchNorm", "update_moving_average"]


def update_moving_average(moving: np.ndarray, value: np.ndarray, momentum: float) -> None:
    """``moving ← moving · momentum + value · (1 − momentum)``, in place."""
    np.copyto(moving, moving * momentum + value * (1.0 - momentum), casting="same_kind")


def _compiled(name: str, matrix: np.ndarray):
    """The compiled kernel ``name`` when it takes ``matrix`` (a C-contiguous NumPy matrix of two
    or more columns: NumPy sums a single column pairwise), else None."""
    if type(matrix) is np.ndarray and matrix.ndim == 2 and matrix.shape[1] > 1 and matrix.flags.c_contiguous:
        return kernels.compiled(name)
    return None


def statistics(x: np.ndarray) -> tuple:
    """Column ``mean``, ``variance`` (biased) and ``x - mean`` of a (rows, features) matrix."""
    kernel = _compiled("batch_norm_statistics", x)
    if kernel is not None:
        mean, variance = np.empty(x.shape[1], x.dtype), np.empty(x.shape[1], x.dtype)
        centered = np.empty_like(x)
        kernel(x, mean, variance, centered)
        return mean, variance, centered
    mean = x.sum(axis=0) / len(x)
    centered = x - mean
    return mean, (centered * centered).sum(axis=0) / len(x), centered


def scale(centered, std, gamma, beta) -> tuple:
    """``normalized = centered / std`` and ``normalized · gamma + beta`` (either may be None)."""
    kernel = _compiled("batch_norm_scale", centered)
    if kernel is not None and all(_fits(v, centered) for v in (std, gamma, beta)):
        normalized, out = np.empty_like(centered), np.empty_like(centered)
        kernel(centered, std, gamma, beta, normalized, out)
        return normalized, out
    normalized = centered / std
    out = normalized if gamma is None else normalized * gamma
    return normalized, (out if beta is None else out + beta)


def sums(grad, normalized) -> tuple:
    """Column sums of ``grad`` and of ``grad · normalized``."""
    kernel = _compiled("batch_norm_sums", grad)
    if kernel is not None and _fits(normalized, grad, whole=True):
        sum_grad, sum_product = np.empty(grad.shape[1], grad.dtype), np.empty(grad.shape[1], grad.dtype)
        kernel(grad, normalized, sum_grad, sum_product)
        return sum_grad, sum_product
    return grad.sum(axis=0), (grad * normalized).sum(axis=0)


def input_grad(grad, normalized, gamma, mean_grad, mean_product, inverse_std) -> np.ndarray:
    """``((grad · gamma − mean_grad) − normalized · mean_product) · inverse_std``; ``gamma``, and
    ``mean_grad`` with ``mean_product`` (inference), may be None."""
    kernel = _compiled("batch_norm_input_grad", grad)
    if (kernel is not None and _fits(normalized, grad, whole=True)
            and all(_fits(v, grad) for v in (gamma, mean_grad, mean_product, inverse_std))):
        dx = np.empty_like(grad)
        kernel(grad, normalized, gamma, mean_grad, mean_product, inverse_std, dx)
        return dx
    scaled = grad if gamma is None else grad * gamma
    if mean_grad is not None:
        scaled = (scaled - mean_grad) - normalized * mean_product
    return scaled * inverse_std


def _fits(array, matrix, *, whole: bool = False) -> bool:
    """None, or a C-contiguous NumPy array of ``matrix``'s dtype: one value per column (with
    ``whole``, ``matrix``'s shape)."""
    if array is None:
        return True
    shape = matrix.shape if whole else matrix.shape[1:]
    return (type(array) is np.ndarray and array.dtype == matrix.dtype and array.shape == shape
            and array.flags.c_contiguous)


class BatchNorm(Function):
    """``(x − mean) / sqrt(variance + epsilon) · gamma + beta`` per feature.

    Inputs ``(x, moving_mean, moving_variance)``, then ``gamma`` when ``scale`` and ``beta`` when
    ``center`` (statistics and parameters of shape ``(features,)``). ``axis`` is the feature axis
    of ``x``. With ``training``, ``mean`` and ``variance`` are the batch's (the biased variance)
    and the moving statistics are updated in place with ``momentum``; otherwise the moving
    statistics are used. Gradients flow to ``x``, ``gamma`` and ``beta``, never to the moving
    statistics.
    """

    __slots__ = ("axis", "epsilon", "momentum", "training", "scale", "center", "normalized",
                 "inverse_std", "gamma")

    def __init__(self, axis: int, epsilon: float, momentum: float, training: bool, *,
                 scale: bool = True, center: bool = True):
        self.axis, self.epsilon, self.momentum = axis, epsilon, momentum
        self.training, self.scale, self.center = training, scale, center

    def _rows(self, array: np.ndarray) -> np.ndarray:
        """``array`` as a (rows, features) matrix: the feature axis last, the others folded."""
        if self.axis % array.ndim != array.ndim - 1:
            array = np.moveaxis(array, self.axis, -1)
        return array.reshape(-1, array.shape[-1])  # a copy only when not contiguous

    def _shaped(self, matrix: np.ndarray, like: np.ndarray) -> np.ndarray:
        """A (rows, features) matrix back in the shape of ``like``."""
        axis = self.axis % like.ndim
        moved = like.shape[:axis] + like.shape[axis + 1:] + (like.shape[axis],)
        out = matrix.reshape(moved)
        return out if axis == like.ndim - 1 else np.moveaxis(out, -1, axis)

    def forward(self, x, moving_mean, moving_variance, *parameters):
        rows = self._rows(x)
        if self.training:
            mean, variance, centered = statistics(rows)
            update_moving_average(moving_mean, mean, self.momentum)
            update_moving_average(moving_variance, variance, self.momentum)
        else:
            centered, variance = rows - moving_mean, moving_variance
        std = np.sqrt(variance + self.epsilon)
        self.gamma = parameters[0] if self.scale else None
        beta = parameters[-1] if self.center else None
        self.normalized, out = scale(centered, std, self.gamma, beta)
        self.inverse_std = 1.0 / std
        return self._shaped(out, x)

    def backward(self, grad):
        needs = self.needs_input_grad
        normalized, gamma = self.normalized, self.gamma
        rows = self._rows(grad)
        sum_grad, sum_product = sums(rows, normalized)
        grads = [None, None, None]
        if needs[0]:
            mean_grad = mean_product = None
            if self.training:
                count = len(rows)
                mean_grad = (sum_grad if gamma is None else gamma * sum_grad) / count
                mean_product = (sum_product if gamma is None else gamma * sum_product) / count
            dx = input_grad(rows, normalized, gamma, mean_grad, mean_product, self.inverse_std)
            grads[0] = self._shaped(dx, grad)
        if self.scale:
            grads.append(sum_product if needs[3] else None)
        if self.center:
            grads.append(sum_grad if needs[-1] else None)
        return tuple(grads)

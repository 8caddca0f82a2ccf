"""Numerically stable pieces of the losses that never underflow, forward or backward.

The stable forms of :mod:`deepgrad.functional` (shift by the maximum, ``max(x, 0) - x*z +
log(1 + e^{-|x|})``) never overflow, but ``e^{-|x|}`` of a logit such as ``1e4`` underflows to
zero, which NumPy reports as a floating-point error under ``np.errstate(under="raise")``. Here
every exponential is taken of an argument clipped from below at ``-T`` with
``T = -log(tiny) / 4`` (about 21.8 in float32 and 177 in float64, ``tiny`` the smallest normal
number). Then ``e^{-T}``, and the products of a few such factors with a small upstream gradient
that backward forms, stay normal numbers.

Nothing visible changes: ``1 + e^{-T}`` and a sum of exponentials that contains ``e^0 = 1`` round
to the same value with or without the clip, and the gradients that the clip zeroes are smaller
than ``e^{-T}``.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def exp_floor_exponent(dtype) -> float:
    """``T = -log(tiny) / 4`` for ``dtype``: ``e^{-T}`` is the smallest exponential computed."""
    return float(-np.log(np.finfo(dtype).tiny) / 4)


def floored_exp(x: Tensor) -> Tensor:
    """``e^x`` with ``x`` clipped from below at ``-T`` (see the module docstring)."""
    return x.clip(min=-exp_floor_exponent(x.dtype)).exp()


def floored_power(base: Tensor, exponent: float) -> Tensor:
    """``base ** exponent`` for a positive ``base``, as ``e^{exponent * log(base)}`` floored."""
    return floored_exp(base.log() * exponent)


def softplus(x: Tensor) -> Tensor:
    """``log(1 + e^x) = max(x, 0) + log(1 + e^{-|x|})``."""
    return x.relu() + (1.0 + floored_exp(-x.abs())).log()


def log_sigmoid(x: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``."""
    return -softplus(-x)


def sigmoid(x: Tensor) -> Tensor:
    """``sigmoid(x) = e^{log_sigmoid(x)}``, at least ``e^{-T}`` and at most 1."""
    return floored_exp(log_sigmoid(x))


def sigmoid_cross_entropy(logits: Tensor, labels) -> Tensor:
    """Elementwise binary cross-entropy from logits: ``max(x, 0) - x*z + log(1 + e^{-|x|})``."""
    return logits.relu() - logits * labels + (1.0 + floored_exp(-logits.abs())).log()


def log_softmax(x: Tensor, axis: int) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``, shifted by the (constant) maximum of each slice."""
    shift = np.max(x.data, axis=axis, keepdims=True)
    shifted = x - np.where(np.isfinite(shift), shift, 0).astype(x.dtype)
    return shifted - floored_exp(shifted).sum(axis=axis, keepdims=True).log()


def smallest_exp(dtype) -> float:
    """``e^{-T}``: the smallest value :func:`floored_exp` returns in ``dtype``."""
    return float(np.exp(-exp_floor_exponent(dtype)))

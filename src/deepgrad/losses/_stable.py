"""Numerically stable pieces of the losses that never underflow, forward or backward.

The stable forms of :mod:`deepgrad.functional` (shift by the maximum, ``max(x, 0) - x*z +
log(1 + e^{-|x|})``) never overflow, but ``e^{-|x|}`` of a logit such as ``1e4`` underflows to
zero, which NumPy reports as a floating-point error under ``np.errstate(under="raise")``. Here
(and in :mod:`deepgrad.functional`, whose stable forms the losses share) every exponential is
taken of an argument clipped from below at ``-T`` with
``T = -log(tiny) / 4`` (about 21.8 in float32 and 177 in float64, ``tiny`` the smallest normal
number). Then ``e^{-T}``, and the products of a few such factors with a small upstream gradient
that backward forms, stay normal numbers.

Nothing visible changes: ``1 + e^{-T}`` and a sum of exponentials that contains ``e^0 = 1`` round
to the same value with or without the clip, and the gradients that the clip zeroes are smaller
than ``e^{-T}``.
"""

from __future__ import annotations

import numpy as np

from ..functional import floored_exp, log_sigmoid, log_softmax, softplus
from ..functional import sigmoid_cross_entropy_with_logits as sigmoid_cross_entropy
from ..autograd.tensor import Tensor

__all__ = ["exp_floor_exponent", "floored_exp", "floored_power", "softplus", "log_sigmoid",
           "sigmoid", "sigmoid_cross_entropy", "log_softmax", "smallest_exp"]


def exp_floor_exponent(dtype) -> float:
    """``T = -log(tiny) / 4`` for ``dtype``: ``e^{-T}`` is the smallest exponential computed."""
    return float(-np.log(np.finfo(dtype).tiny) / 4)


def floored_power(base: Tensor, exponent: float) -> Tensor:
    """``base ** exponent`` for a positive ``base``, as ``e^{exponent * log(base)}`` floored."""
    return floored_exp(base.log() * exponent)


def sigmoid(x: Tensor) -> Tensor:
    """``sigmoid(x) = e^{log_sigmoid(x)}``, at least ``e^{-T}`` and at most 1."""
    return floored_exp(log_sigmoid(x))


def smallest_exp(dtype) -> float:
    """``e^{-T}``: the smallest value :func:`floored_exp` returns in ``dtype``."""
    return float(np.exp(-exp_floor_exponent(dtype)))

"""Fused primitives for the hot path of training: each replaces a chain of simpler primitives
with one node whose forward works in place and whose backward skips the intermediate arrays.

They compute exactly what their composite counterparts compute (the tests check both the values
and the gradients against the composites), only with fewer passes over memory and fewer Python
calls:

* :class:`Affine` — ``activation(x @ w + b)`` for a dense layer, with ReLU, sigmoid, tanh or no
  activation;
* :class:`Softmax` — the softmax along one axis (five primitives otherwise);
* :class:`SoftmaxCrossEntropy` — per-sample cross-entropy of softmax(logits) against integer or
  one-hot (soft) labels; its gradient is simply ``softmax(logits) - labels``.
"""

from __future__ import annotations

import numpy as np

from ..native import kernels
from ..native.backend import namespace
from .base import Function
from .elementwise import stable_sigmoid

#: Activations :class:`Affine` can fuse.
AFFINE_ACTIVATIONS = (None, "relu", "sigmoid", "tanh")


def _takes(array, dtype) -> bool:
    """Whether a compiled kernel takes ``array`` next to arrays of ``dtype``: None, or a
    C-contiguous NumPy array of that dtype."""
    return array is None or (type(array) is np.ndarray and array.dtype == dtype
                             and array.flags.c_contiguous)


def _compiled_for(name: str, first, *others):
    """The compiled kernel ``name`` when it runs and takes the arrays (a 2-D ``first``, all
    C-contiguous NumPy arrays of one float dtype; None for an optional one), else None."""
    kernel = kernels.compiled(name)
    if kernel is None or first.ndim != 2:
        return None
    dtype = first.dtype
    if _takes(first, dtype) and all(_takes(a, dtype) for a in others):
        return kernel
    return None


def add_bias_relu(out: np.ndarray, bias) -> np.ndarray:
    """``out = max(out + bias, 0)`` in place (``bias`` None: the ReLU only); one pass with the
    compiled kernel, else ``out += bias`` and ``np.maximum``, bitwise the same."""
    kernel = kernels.compiled("bias_relu")
    if (kernel is not None and type(out) is np.ndarray and out.ndim == 2 and out.flags.c_contiguous
            and (bias is None or (_takes(bias, out.dtype) and bias.shape == out.shape[1:]))):
        kernel(out, bias)
        return out
    if bias is not None:
        out += bias
    return np.maximum(out, 0, out=out)


def relu_backward(grad: np.ndarray, out: np.ndarray, delta: np.ndarray, bias_grad=None) -> np.ndarray:
    """``delta = grad * (out > 0)``, the gradient through a ReLU whose output was ``out``, and,
    unless ``bias_grad`` is None, ``bias_grad = delta.sum(axis=0)``; one pass with the compiled
    kernel, bitwise the NumPy passes. Returns ``delta``."""
    kernel = _compiled_for("relu_backward", grad, out, delta, bias_grad)
    if kernel is not None and grad.shape == out.shape:
        single_column = out.shape[1] == 1  # NumPy sums one column pairwise, not row by row
        kernel(grad, out, delta, None if single_column else bias_grad)
        if single_column and bias_grad is not None:
            np.sum(delta, axis=0, out=bias_grad)
        return delta
    np.multiply(grad, out > 0, out=delta)
    if bias_grad is not None:
        np.sum(delta, axis=0, out=bias_grad)
    return delta


def add_bias_and_activate(out: np.ndarray, bias, activation: str | None) -> np.ndarray:
    """``activation(out + bias)`` for one of :data:`AFFINE_ACTIVATIONS`, in place on ``out``
    (the sigmoid returns a new array): :class:`Affine`'s forward after its product."""
    if activation == "relu":
        return add_bias_relu(out, bias)
    if bias is not None:
        out += bias
    if activation == "tanh":
        return np.tanh(out, out=out)
    if activation == "sigmoid":
        return stable_sigmoid(out)
    return out


def activation_backward(activation: str | None, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The gradient through one of :data:`AFFINE_ACTIVATIONS` whose output was ``out``: a new
    array, as :class:`Affine`'s backward computes it without the compiled ReLU pass."""
    if activation == "relu":
        return grad * (out > 0)
    if activation == "tanh":
        return grad * (1.0 - out * out)
    if activation == "sigmoid":
        return grad * out * (1.0 - out)
    return grad


class Affine(Function):
    """``activation(x @ w + b)`` for 2-D ``x`` (the bias is optional: inputs ``(x, w)``)."""

    __slots__ = ("x", "w", "out", "activation")

    def __init__(self, activation: str | None = None):
        if activation not in AFFINE_ACTIVATIONS:
            raise ValueError(f"Affine fuses activations {AFFINE_ACTIVATIONS}; got {activation!r}")
        self.activation = activation

    def forward(self, x, w, b=None):
        if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[0]:
            raise ValueError(f"Affine needs x of shape (n, k) and w of shape (k, m); got {x.shape} and {w.shape}")
        out = add_bias_and_activate(x @ w, b, self.activation)  # in place on the fresh product
        self.x, self.w, self.out = x, w, out
        return out

    def backward(self, grad):
        out = self.out
        need_x, need_w, *need_b = self.needs_input_grad
        bias_grad = None
        if self.activation == "relu" and _compiled_for("relu_backward", grad, out) is not None:
            if need_b and need_b[0]:
                bias_grad = np.empty(out.shape[1], out.dtype)
            grad = relu_backward(grad, out, np.empty_like(out), bias_grad)
        else:
            grad = activation_backward(self.activation, grad, out)
        grads = [grad @ self.w.T if need_x else None, self.x.T @ grad if need_w else None]
        if need_b:
            grads.append((grad.sum(axis=0) if bias_grad is None else bias_grad) if need_b[0] else None)
        return tuple(grads)


_EXP_FLOORS: dict = {}


def exp_floor(dtype) -> float:
    """``log(tiny) / 4`` for ``dtype``: the smallest argument whose exponential is computed."""
    floor = _EXP_FLOORS.get(dtype)
    if floor is None:
        floor = _EXP_FLOORS[dtype] = np.log(np.finfo(dtype).tiny) / 4
    return floor


def _floored_exp(shifted: np.ndarray) -> np.ndarray:
    """``e^shifted`` for arguments ≤ 0, taken as exactly 0 below ``log(tiny) / 4`` (no underflow)."""
    floor = exp_floor(shifted.dtype)
    return np.exp(shifted, out=np.zeros_like(shifted), where=~(shifted < floor))  # NaN stays NaN


class Softmax(Function):
    """``e^{x_i} / Σ_j e^{x_j}`` along ``axis``, shifted by the maximum; backward
    ``p ⊙ (g − Σ_j g_j p_j)``. Entries more than ``-log(tiny) / 4`` below the maximum (about 21.8
    in float32, 177 in float64) are exactly 0."""

    __slots__ = ("axis", "out")

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, x):
        if x.size == 0:
            self.out = x.copy()
            return self.out
        shift = np.max(x, axis=self.axis, keepdims=True)
        shift[~np.isfinite(shift)] = 0
        out = _floored_exp(x - shift)
        out /= out.sum(axis=self.axis, keepdims=True)
        self.out = out
        return out

    def backward(self, grad):
        p = self.out
        return (p * (grad - (grad * p).sum(axis=self.axis, keepdims=True)),)


class SoftmaxCrossEntropy(Function):
    """Per-sample ``-Σ_j y_j log softmax(z)_j`` for logits ``z`` of shape (n, k).

    ``labels`` are integer classes of shape (n,) or label distributions (one-hot or soft) of
    shape (n, k); they are constants. Exponentials of arguments below ``log(tiny) / 4`` are taken
    as exactly 0, so nothing underflows; the log-probabilities themselves are exact.
    """

    __slots__ = ("labels", "probabilities")

    def __init__(self, labels):
        self.labels = labels

    def forward(self, logits):
        shifted = logits - np.max(logits, axis=1, keepdims=True)
        exps = _floored_exp(shifted)
        totals = exps.sum(axis=1, keepdims=True)
        self.probabilities = exps / totals
        log_totals = np.log(totals[:, 0])
        labels = self.labels
        if labels.ndim == 1:
            return log_totals - shifted[namespace(shifted).arange(len(labels)), labels]
        return (labels * (log_totals[:, None] - shifted)).sum(axis=1)

    def backward(self, grad):
        labels = self.labels
        if labels.ndim == 1:
            delta = self.probabilities.copy()
            delta[namespace(delta).arange(len(labels)), labels] -= 1
        else:
            delta = self.probabilities * labels.sum(axis=1, keepdims=True) - labels
        return (delta * grad[:, None],)

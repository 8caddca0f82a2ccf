"""The dense layer's primitive: :class:`Affine`, ``activation(x @ w + b)`` in one node.

As a chain of primitives a dense layer is a product, a bias addition and an activation, each
with its own full-size intermediate array and its own pass over memory. Fused, the bias and
the activation are applied in place on the fresh product, and the backward pass needs only the
output. With deepgrad's compiled kernels (``native/dense_layer.c``) the bias + ReLU of the
forward pass and the ReLU mask + bias gradient of the backward pass are one C loop each, with
results bitwise those of the NumPy passes they replace. The activations are those of
:data:`ACTIVATIONS`; their values and derivatives are the primitives' own (``ReLU``, ``Tanh``,
``Sigmoid``), so ``Affine`` computes exactly what the composite computes.
"""

from __future__ import annotations

import numpy as np

from ..native import kernels
from .base import Function
from .elementwise import ReLU, Tanh
from .stable import Sigmoid

__all__ = ["ACTIVATIONS", "Affine", "add_bias_relu", "relu_backward"]

#: The activations :class:`Affine` fuses, by name, with the primitive that defines each.
ACTIVATIONS = {None: None, "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def _takes(array, dtype) -> bool:
    """Whether a compiled kernel takes ``array`` next to arrays of ``dtype``: None, or a
    C-contiguous NumPy array of that dtype."""
    return array is None or (type(array) is np.ndarray and array.dtype == dtype
                             and array.flags.c_contiguous)


def add_bias_relu(out: np.ndarray, bias) -> np.ndarray:
    """``out = max(out + bias, 0)`` in place (``bias`` None: the ReLU only); one pass with the
    compiled kernel, else ``out += bias`` and :class:`ReLU`'s value, bitwise the same."""
    kernel = kernels.compiled("bias_relu")
    if kernel is not None and type(out) is np.ndarray:
        try:  # the kernel checks the layout (2-D, C-contiguous, a bias of one value per column)
            kernel(out, bias)
            return out
        except (ValueError, BufferError, TypeError):  # before it changed anything
            pass
    if bias is not None:
        out += bias
    return ReLU.value(out, out=out)


def relu_backward(grad: np.ndarray, out: np.ndarray, bias: bool = False, bias_into=None):
    """The gradient through a ReLU whose output was ``out`` (:class:`ReLU`'s derivative) and,
    with ``bias``, its sum over the rows (written into ``bias_into`` when that is given); one
    pass with the compiled kernel, bitwise the NumPy passes. Returns ``(delta, bias_grad)``,
    ``bias_grad`` None without ``bias``."""
    kernel = kernels.compiled("relu_backward")
    if (kernel is not None and out.ndim == 2 and grad.shape == out.shape
            and all(_takes(a, out.dtype) for a in (grad, out))):
        delta = np.empty_like(out)
        bias_grad = None
        if bias:
            bias_grad = bias_into if _takes(bias_into, out.dtype) and bias_into is not None else np.empty(out.shape[1], out.dtype)
        single_column = out.shape[1] == 1  # NumPy sums one column pairwise, not row by row
        kernel(grad, out, delta, None if single_column else bias_grad)
        if single_column and bias_grad is not None:
            np.sum(delta, axis=0, out=bias_grad)
        return delta, bias_grad
    delta = ReLU.derivative(grad, out)
    return delta, (_row_sum(delta, bias_into) if bias else None)


class Affine(Function):
    """``activation(x @ w + b)`` for 2-D ``x`` (the bias is optional: inputs ``(x, w)``);
    ``activation`` is a key of :data:`ACTIVATIONS`.

    The weight gradients are written where :meth:`~Function.gradient_out` says, when it says.
    """

    __slots__ = ("x", "w", "out", "activation")

    def __init__(self, activation: str | None = None):
        if activation not in ACTIVATIONS:
            raise ValueError(f"Affine fuses the activations {tuple(ACTIVATIONS)}; got {activation!r}")
        self.activation = activation

    def forward(self, x, w, b=None):
        out = x @ w  # shapes checked by functional.affine
        activation = self.activation
        if activation == "relu":
            out = add_bias_relu(out, b)
        else:
            if b is not None:
                out += b
            if activation is not None:
                out = ACTIVATIONS[activation].value(out)
        self.x, self.w, self.out = x, w, out
        return out

    def backward(self, grad):
        out = self.out
        need_x, need_w, *need_b = self.needs_input_grad
        need_b = bool(need_b) and need_b[0]
        bias_grad = None
        if self.activation == "relu":
            grad, bias_grad = relu_backward(grad, out, need_b, self.gradient_out(2) if need_b else None)
        elif self.activation is not None:
            grad = ACTIVATIONS[self.activation].derivative(grad, out)
        grads = [np.matmul(grad, self.w.T) if need_x else None,
                 _product(self.x.T, grad, self.gradient_out(1)) if need_w else None]
        if len(self.needs_input_grad) == 3:
            if need_b and bias_grad is None:
                bias_grad = _row_sum(grad, self.gradient_out(2))
            grads.append(bias_grad if need_b else None)
        return tuple(grads)


def _product(a, b, into):
    """``a @ b``, written into ``into`` when it is given and of the product's dtype."""
    if into is None or into.dtype != np.result_type(a, b):
        return a @ b
    return np.matmul(a, b, out=into)


def _row_sum(grad, into):
    """``grad.sum(axis=0)``, written into ``into`` when it is given and fits."""
    if into is None or into.dtype != grad.dtype or into.shape != grad.shape[1:]:
        return grad.sum(axis=0)
    return np.sum(grad, axis=0, out=into)

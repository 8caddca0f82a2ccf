"""Arithmetic primitives: + - * / ** unary minus and matrix product."""

from __future__ import annotations

import numpy as np

from .base import Function


class Add(Function):
    __slots__ = ()

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Sub(Function):
    __slots__ = ()

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, (-grad if self.needs_input_grad[1] else None)


class Mul(Function):
    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (grad * self.b if need_a else None), (grad * self.a if need_b else None)


class Div(Function):
    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        grad_a = grad / self.b
        grad_b = -grad_a * self.a / self.b if need_b else None
        return (grad_a if need_a else None), grad_b


class Pow(Function):
    """``a ** b``; the exponent's gradient ``log(a)·a^b`` is formed only when it is needed."""

    __slots__ = ("a", "b", "out")

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        grad_a = grad * self.b * self.a ** (self.b - 1) if need_a else None
        grad_b = grad * self.out * np.log(self.a) if need_b else None
        return grad_a, grad_b


class Neg(Function):
    __slots__ = ()

    def forward(self, a):
        return -a

    def backward(self, grad):
        return (-grad,)


class MatMul(Function):
    """Matrix product with NumPy's rules: 2-D, batched (broadcast), and 1-D on either side."""

    __slots__ = ("a", "b")

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul needs at least 1-D operands; got shapes {a.shape} and {b.shape}"
            )
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != k_b:
            raise ValueError(
                f"matmul shape mismatch: {a.shape} @ {b.shape} — the last dimension of the left "
                f"operand ({a.shape[-1]}) must equal the "
                f"{'first' if b.ndim == 1 else 'second-to-last'} dimension of the right ({k_b})"
            )
        self.a, self.b = a, b
        return a @ b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        a, b = self.a, self.b
        if a.ndim == 2 and b.ndim == 2:  # the common case, kept free of reshapes
            return (grad @ b.T if need_a else None), (a.T @ grad if need_b else None)
        # Promote 1-D operands as NumPy does, differentiate the batched product, then undo.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad[..., None] if b.ndim == 1 else grad
        if a.ndim == 1:
            g2 = g2[..., None, :]
        grad_a = grad_b = None
        if need_a:
            grad_a = g2 @ np.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]
        if need_b:
            grad_b = np.swapaxes(a2, -1, -2) @ g2
            if b.ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b

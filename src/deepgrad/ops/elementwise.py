"""Elementwise primitives: exp, log, sqrt, abs, clip, maximum, minimum, where, and the
activation functions ReLU, tanh and step (sigmoid is a stable form: :mod:`.stable`)."""

from __future__ import annotations

import numpy as np

from ..native.backend import namespace
from .base import Function


class Cast(Function):
    """A copy in another floating dtype; the gradient is cast back to the input's dtype."""

    __slots__ = ("dtype", "in_dtype")

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def forward(self, a):
        self.in_dtype = a.dtype
        return a.astype(self.dtype)

    def backward(self, grad):
        return (grad.astype(self.in_dtype),)


class Exp(Function):
    __slots__ = ("out",)

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, grad):
        return (grad * self.out,)


class Log(Function):
    __slots__ = ("a",)

    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, grad):
        return (grad / self.a,)


class Sqrt(Function):
    __slots__ = ("out",)

    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, grad):
        return (grad * 0.5 / self.out,)


class Abs(Function):
    __slots__ = ("a",)

    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, grad):
        return (grad * np.sign(self.a),)


class Clip(Function):
    """Clip to ``[low, high]``; the gradient passes where the input lies inside the interval."""

    __slots__ = ("a", "low", "high")

    def __init__(self, low=None, high=None):
        self.low, self.high = low, high

    def forward(self, a):
        self.a = a
        return np.clip(a, self.low, self.high)

    def backward(self, grad):
        inside = np.ones_like(self.a, dtype=bool)
        if self.low is not None:
            inside &= self.a >= self.low
        if self.high is not None:
            inside &= self.a <= self.high
        return (grad * inside,)


def _share(wins, ties, dtype):
    """1 where the first input wins, 0.5 where the two tie, 0 elsewhere, in ``dtype``."""
    share = wins.astype(dtype)
    share[ties] = 0.5
    return share


class Maximum(Function):
    """Elementwise maximum; where the inputs tie, each gets half of the gradient."""

    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, grad):
        share_a = _share(self.a > self.b, self.a == self.b, grad.dtype)
        need_a, need_b = self.needs_input_grad
        return (grad * share_a if need_a else None), (grad * (1 - share_a) if need_b else None)


class Minimum(Function):
    """Elementwise minimum; where the inputs tie, each gets half of the gradient."""

    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, grad):
        share_a = _share(self.a < self.b, self.a == self.b, grad.dtype)
        need_a, need_b = self.needs_input_grad
        return (grad * share_a if need_a else None), (grad * (1 - share_a) if need_b else None)


class Where(Function):
    """``condition ? a : b`` with a constant boolean ``condition``."""

    __slots__ = ("condition",)

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        self.condition = namespace(a, b).asarray(self.condition, dtype=bool)
        return np.where(self.condition, a, b)

    def backward(self, grad):
        zero = grad.dtype.type(0)
        need_a, need_b = self.needs_input_grad
        return (
            np.where(self.condition, grad, zero) if need_a else None,
            np.where(self.condition, zero, grad) if need_b else None,
        )


class ReLU(Function):
    """``max(x, 0)``; derivative 1 where the output is positive, else 0 (0 at the kink)."""

    __slots__ = ("out",)

    @staticmethod
    def value(a: np.ndarray, out=None) -> np.ndarray:
        return np.maximum(a, 0, out=out)

    @staticmethod
    def derivative(grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The gradient through a ReLU whose output was ``out``."""
        return grad * (out > 0)

    def forward(self, a):
        self.out = self.value(a)
        return self.out

    def backward(self, grad):
        return (self.derivative(grad, self.out),)


class Tanh(Function):
    """``tanh(x)``; derivative ``1 - tanh²(x)``, at most 1 (at 0)."""

    __slots__ = ("out",)

    @staticmethod
    def value(a: np.ndarray, out=None) -> np.ndarray:
        return np.tanh(a, out=out)

    @staticmethod
    def derivative(grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The gradient through a tanh whose output was ``out``."""
        return grad * (1.0 - out * out)

    def forward(self, a):
        self.out = self.value(a)
        return self.out

    def backward(self, grad):
        return (self.derivative(grad, self.out),)


class Step(Function):
    """Heaviside step: 1 where ``x >= 0``, else 0 (NaN stays NaN); its gradient is 0
    everywhere (the jump at 0 has none that gradient descent could use)."""

    __slots__ = ()

    def forward(self, a):
        out = np.array(a >= 0, dtype=a.dtype)
        out[np.isnan(a)] = np.nan
        return out

    def backward(self, grad):
        return (np.zeros_like(grad),)

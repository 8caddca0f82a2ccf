"""Differentiable primitives, one module per family.

Each primitive is a small :class:`Function` subclass whose ``forward`` (on NumPy arrays) and
``backward`` sit side by side. ``backward(grad)`` returns one gradient per input, in the shape of
the *output* broadcast; the engine in :mod:`deepgrad.autograd.tensor` reduces each gradient back to its
input's shape and accumulates it, so a primitive never handles broadcasting or fan-out itself.

``needs_input_grad`` tells ``backward`` which inputs want a gradient, so that expensive ones
(the input side of a matmul, the exponent side of a power) are skipped when not needed; a skipped
gradient is returned as None.

Every subclass is registered in :data:`REGISTRY`; the test suite refuses a primitive that has no
gradient-check case.
"""

from .arithmetic import Add, Div, MatMul, Mul, Neg, Pow, Sub
from .base import REGISTRY, Function
from .fused import AFFINE_ACTIVATIONS, Affine, Softmax, SoftmaxCrossEntropy
from .elementwise import Abs, Cast, Clip, Exp, Log, Maximum, Minimum, ReLU, Sigmoid, Sqrt, Tanh, Where, stable_sigmoid
from .reductions import Max, Mean, Min, Sum
from .shape import Concatenate, GetItem, Reshape, Stack, Transpose

__all__ = [
    "REGISTRY", "Function", "stable_sigmoid",
    "Add", "Sub", "Mul", "Div", "Pow", "Neg", "MatMul",
    "Sum", "Mean", "Max", "Min",
    "Reshape", "Transpose", "GetItem", "Concatenate", "Stack",
    "Affine", "Softmax", "SoftmaxCrossEntropy", "AFFINE_ACTIVATIONS",
    "Cast", "Exp", "Log", "Sqrt", "Abs", "Clip", "Maximum", "Minimum", "Where", "ReLU", "Sigmoid", "Tanh",
]

"""Differentiable primitives, one module per family.

Each primitive is a small :class:`Function` subclass whose ``forward`` (on NumPy arrays) and
``backward`` sit side by side. ``backward(grad)`` returns one gradient per input, in the shape of
the *output* broadcast; the engine in :mod:`deepgrad.autograd.engine` reduces each gradient back to
its input's shape and accumulates it, so a primitive never handles broadcasting or fan-out itself.

``needs_input_grad`` tells ``backward`` which inputs want a gradient, so that expensive ones
(the input side of a matmul, the exponent side of a power) are skipped when not needed; a skipped
gradient is returned as None.

The families: :mod:`.arithmetic`, :mod:`.elementwise`, :mod:`.reductions`, :mod:`.shape`; the
stable numeric forms (every exponential, sigmoid, softplus, log-sum-exp, softmax) in
:mod:`.stable`; the dense layer's fused primitive in :mod:`.affine` and the softmax cross-entropy
in :mod:`.softmax_cross_entropy`, each with its compiled kernels; convolution (and its transpose)
in :mod:`.convolution` and pooling in :mod:`.pooling`; batch normalization (with its
moving statistics' update) in :mod:`.normalization`; randomness in :mod:`.random`; the recurrent layers' time loops in :mod:`.recurrent`; an
embedding's lookup and the sequence masks in :mod:`.lookup`; resampling
images at given (or randomly drawn) coordinates, for the augmentation layers, in :mod:`.resample`.

Every subclass is registered in :data:`REGISTRY`; the test suite refuses a primitive that has no
gradient-check case.
"""

from .affine import Affine
from .arithmetic import Add, Div, MatMul, Mul, Neg, Pow, Sub
from .base import REGISTRY, Function
from .elementwise import (
    Abs,
    Cast,
    Clip,
    Exp,
    Log,
    Maximum,
    Minimum,
    ReLU,
    Sqrt,
    Step,
    Tanh,
    Where,
)
from .convolution import Convolution, ConvolutionTranspose, padding_amounts
from .normalization import BatchNorm
from .pooling import AveragePool, MaxPool
from .random import Dropout
from .lookup import NotEqual, Take
from .gru import GRUSequence
from .lstm import LSTMSequence
from .recurrent import SimpleRNNSequence
from .reductions import Max, Mean, Min, Sum, SumOfSquares
from .resample import Resample
from .shape import Concatenate, GetItem, Pad, Reshape, Stack, StopGradient, Transpose
from .softmax_cross_entropy import SoftmaxCrossEntropy
from .stable import (
    FlooredExp,
    LogSoftmax,
    LogSumExp,
    Sigmoid,
    SigmoidCrossEntropy,
    Softmax,
    Softplus,
)

__all__ = [
    "REGISTRY", "Function",
    "Add", "Sub", "Mul", "Div", "Pow", "Neg", "MatMul",
    "Sum", "Mean", "Max", "Min", "SumOfSquares",
    "Reshape", "Transpose", "GetItem", "Pad", "Concatenate", "Stack", "StopGradient",
    "Cast", "Exp", "Log", "Sqrt", "Abs", "Clip", "Maximum", "Minimum", "Where", "ReLU", "Tanh",
    "Step",
    "FlooredExp", "Sigmoid", "Softplus", "SigmoidCrossEntropy", "LogSumExp", "Softmax",
    "LogSoftmax", "SoftmaxCrossEntropy",
    "Affine", "BatchNorm", "Dropout", "Resample",
    "Convolution", "ConvolutionTranspose", "padding_amounts", "MaxPool", "AveragePool",
    "SimpleRNNSequence", "LSTMSequence", "GRUSequence", "Take", "NotEqual",
]

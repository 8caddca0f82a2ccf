"""Layers: lazily built, configurable, serialisable building blocks of models."""

from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .base import Layer, deserialize, get, serialize
from .core import Activation, Dense, Flatten
from .input_layer import Input, InputLayer
from .lambda_layer import Lambda
from .merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .normalization import BatchNormalization
from .operations import TensorOperation
from .preprocessing import Normalization, Rescaling
from .registry import LAYERS, REGISTRY
from .regularization import Dropout
from .reshaping import Permute, RepeatVector, Reshape
from .residual import Residual

__all__ = [
    "Layer",
    "LAYERS",
    "REGISTRY",
    "deserialize",
    "get",
    "serialize",
    "Input",
    "InputLayer",
    "Dense",
    "Activation",
    "Flatten",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "Dropout",
    "BatchNormalization",
    "Residual",
    "ReLU",
    "Softmax",
    "Normalization",
    "Rescaling",
    "Reshape",
    "Permute",
    "RepeatVector",
    "Lambda",
    "TensorOperation",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
    "add",
    "subtract",
    "multiply",
    "average",
    "maximum",
    "minimum",
    "concatenate",
    "dot",
]

"""Layers: lazily built, configurable, serialisable building blocks of models."""

from .activation_layers import ELU, LeakyReLU, PReLU
from .base import LAYERS, REGISTRY, Layer, deserialize, get, serialize
from .core import Activation, Dense, Flatten, Input
from .normalization import BatchNormalization
from .regularization import Dropout
from .residual import Residual

__all__ = [
    "Layer",
    "LAYERS",
    "REGISTRY",
    "deserialize",
    "get",
    "serialize",
    "Input",
    "Dense",
    "Activation",
    "Flatten",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "Dropout",
    "BatchNormalization",
    "Residual",
]

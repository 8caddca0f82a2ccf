"""Layers: lazily built, configurable, serialisable building blocks of models."""

from .base import REGISTRY, Layer, deserialize, serialize

__all__ = ["Layer", "REGISTRY", "deserialize", "serialize"]

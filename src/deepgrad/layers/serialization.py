"""A layer as a config dict and back: :func:`serialize`, :func:`deserialize` and :func:`get`,
which look classes up in the layer registry (:data:`~deepgrad.layers.registry.LAYERS`) only."""

from __future__ import annotations

from .base import Layer
from .registry import LAYERS

__all__ = ["deserialize", "get", "serialize"]


def serialize(layer: Layer) -> dict:
    """``{"class_name": ..., "config": ...}`` for a layer."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(spec: dict) -> Layer:
    """Rebuild a layer from :func:`serialize` output, looking the class up in :data:`LAYERS`."""
    cls, config = LAYERS.from_config(spec)
    return cls.from_config(config)


def get(identifier) -> Layer:
    """A layer from an instance (returned unchanged), a config dict (see :func:`deserialize`)
    or the name, in any spelling, of a layer class that needs no arguments.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones), or the name of a layer that
        needs arguments, such as ``Dense`` (pass a config dict or an instance).
    TypeError
        For anything else.

    Examples
    --------
    >>> type(get("Flatten")).__name__, get({"class_name": "Dense", "config": {"units": 3}}).units
    ('Flatten', 3)
    >>> get("dense")
    Traceback (most recent call last):
    ...
    ValueError: Dense needs arguments (units), so a name is not enough; pass {'class_name': 'dense',
    'config': {...}} or an instance
    """
    if isinstance(identifier, Layer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return LAYERS.instance(identifier)
    raise TypeError(
        f"a layer must be a Layer, a config dict or a name; got {type(identifier).__name__}"
    )

"""The layer registry: every Layer subclass under its snake_case class name (``dense``,
``batch_normalization``), looked up by any spelling (``"Dense"``, ``"BatchNormalization"``).

It is the only place a model file's or a JSON architecture's class names are looked up, so
loading never imports anything by a name read from a file.
"""

from __future__ import annotations

from ..common.registry import Registry

__all__ = ["LAYERS", "REGISTRY"]

#: Every Layer subclass under its snake_case class name.
LAYERS = Registry("layer")
#: The same classes by class name (``Dense``): a live view of :data:`LAYERS`.
REGISTRY = LAYERS.by_class_name()

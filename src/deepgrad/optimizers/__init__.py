"""Optimizers: the update rules that turn gradients into new weights.

Every optimizer follows Keras 3's formulas, names and defaults (see each class), keeps its state
in one flat buffer per kind for all parameters, and offers ``step(params)``, ``zero_grad``,
``apply_gradients``, ``state_dict``/``load_state_dict`` and ``get_config``/``from_config``.
Learning-rate schedules live in :mod:`deepgrad.schedules`.
"""

from __future__ import annotations

from .. import schedules  # keras.optimizers.schedules
from ..common.checks import describe
from ..common.registry import Registry
from .adam import Adam, AdamW, Nadam
from .adaptive import Adadelta, Adagrad, RMSprop
from .base import NonFiniteGradientError, Optimizer
from .ewma import ewma
from .sgd import SGD

#: Canonical snake_case name → class, looked up by any spelling (``"Adam"``, ``"RMSprop"``);
#: the only place optimizer names are resolved.
REGISTRY = Registry("optimizer")
REGISTRY.register("sgd", SGD, aliases=["gradient_descent"])
REGISTRY.register("adagrad", Adagrad)
REGISTRY.register("adadelta", Adadelta)
REGISTRY.register("rmsprop", RMSprop, aliases=["rms_prop"])
REGISTRY.register("adam", Adam)
REGISTRY.register("adamw", AdamW, aliases=["adam_w"])
REGISTRY.register("nadam", Nadam)
#: Other accepted names → canonical name (a live read-only view of the registry's aliases).
ALIASES = REGISTRY.aliases


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": ..., "config": ...}`` (the Keras layout) for an optimizer."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(spec: dict) -> Optimizer:
    """Rebuild an optimizer from :func:`serialize` output; classes come only from
    :data:`REGISTRY`."""
    cls, config = REGISTRY.from_config(spec)
    return cls.from_config(config)


def get(identifier) -> Optimizer:
    """An optimizer from a name (with default settings), a config dict or an instance.

    Names are looked up in any case, with or without underscores (``"adam"``, ``"Adam"``,
    ``"RMSprop"``, ``"rms_prop"``).

    Examples
    --------
    >>> from deepgrad import optimizers
    >>> optimizers.get("adam")
    Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07, amsgrad=False)
    >>> optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.1, "momentum": 0.9}})
    SGD(learning_rate=0.1, momentum=0.9, nesterov=False)
    >>> optimizers.get("adan")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown optimizer 'adan'. Did you mean 'adam'? Valid names: adadelta, adagrad, ...
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return REGISTRY.instance(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise TypeError(
        "optimizer must be a name (such as 'adam'), a config dict or an Optimizer; "
        f"got {describe(identifier)}"
    )


__all__ = [
    "ALIASES",
    "REGISTRY",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Nadam",
    "NonFiniteGradientError",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "schedules",
    "ewma",
    "get",
    "serialize",
]

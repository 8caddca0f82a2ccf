"""Optimizers: the update rules that turn gradients into new weights.

Every optimizer follows Keras 3's formulas, names and defaults (see each class), keeps its state
in one flat buffer per kind for all parameters, and offers ``step(params)``, ``zero_grad``,
``apply_gradients``, ``state_dict``/``load_state_dict`` and ``get_config``/``from_config``.
Learning-rate schedules live in :mod:`deepgrad.schedules`.
"""

from __future__ import annotations

from .adam import Adam, AdamW, Nadam
from .adaptive import Adadelta, Adagrad, RMSprop
from .base import NonFiniteGradientError, Optimizer
from .ewma import ewma
from .sgd import SGD

#: Canonical snake_case names (and explicit aliases) → class. The only place names are resolved.
REGISTRY: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
    "nadam": Nadam,
}
ALIASES: dict[str, str] = {"gradient_descent": "sgd", "rms_prop": "rmsprop", "adam_w": "adamw"}


def _lookup(name: str) -> type[Optimizer]:
    key = name.lower()
    key = ALIASES.get(key, key)
    if key not in REGISTRY:
        raise ValueError(
            f"unknown optimizer {name!r}; valid names: {', '.join(REGISTRY)} "
            f"(aliases: {', '.join(f'{a}={c}' for a, c in ALIASES.items())})"
        )
    return REGISTRY[key]


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": ..., "config": ...}`` (the Keras layout) for an optimizer."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(spec: dict) -> Optimizer:
    """Rebuild an optimizer from :func:`serialize` output; classes come only from
    :data:`REGISTRY`."""
    if not isinstance(spec, dict) or not isinstance(spec.get("class_name"), str):
        raise ValueError(
            f"an optimizer spec must be a dict with 'class_name' and 'config'; got {spec!r}"
        )
    return _lookup(spec["class_name"]).from_config(dict(spec.get("config") or {}))


def get(identifier) -> Optimizer:
    """An optimizer from a name (with default settings), a config dict or an instance.

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
    ValueError: unknown optimizer 'adan'; valid names: sgd, adagrad, adadelta, rmsprop, adam, ...
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise TypeError(
        "an optimizer identifier must be a name, a config dict or an Optimizer; "
        f"got {type(identifier).__name__}"
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
    "ewma",
    "get",
    "serialize",
]

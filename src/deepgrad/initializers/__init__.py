"""Weight initializers: functions of ``(shape, rng, dtype)`` that return a NumPy array.

Every initializer exists twice, with the same numbers:

* a snake_case function, e.g. ``glorot_uniform(shape, rng, dtype)``, drawing from the
  ``np.random.Generator`` it is given;
* a Keras-style class, e.g. ``GlorotUniform(seed=None)``, whose instances are called the same way
  and carry a ``get_config()``. An instance built with an integer ``seed`` ignores the generator it
  is called with and draws from that seed, so it gives the same values on every call.

Fan sizes follow Keras (:func:`compute_fans`): a 2-D kernel ``(in, out)`` has ``fan_in = in`` and
``fan_out = out``; a convolution kernel ``(*receptive_field, in_channels, out_channels)``
multiplies both by the receptive-field size.

The variance-scaling family targets a variance of ``scale / n``: Glorot (Xavier) uses
``n = (fan_in + fan_out) / 2`` and scale 1, He (Kaiming) ``n = fan_in`` and scale 2, LeCun
``n = fan_in`` and scale 1. The uniform members draw from ``U(-limit, limit)`` with
``limit = sqrt(3 · scale / n)`` — ``sqrt(6 / (fan_in + fan_out))``, ``sqrt(6 / fan_in)``,
``sqrt(3 / fan_in)``. The normal members use Keras 3 semantics: a normal truncated at two standard
deviations (values beyond are redrawn) whose standard deviation before truncation is
``sqrt(scale / n) / 0.87962566103423978``. That constant is the standard deviation of a unit normal
truncated to ``[-2, 2]``, so the draws end up with exactly the target standard deviation
``sqrt(scale / n)``: ``sqrt(2 / (fan_in + fan_out))``, ``sqrt(2 / fan_in)``, ``sqrt(1 / fan_in)``.
"""

from __future__ import annotations

from ._classes import (
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Initializer,
    LecunNormal,
    LecunUniform,
    Ones,
    RandomNormal,
    RandomUniform,
    Zeros,
    constant,
)
from ._functions import (
    TRUNCATED_STD,
    compute_fans,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    lecun_normal,
    lecun_uniform,
    ones,
    random_normal,
    random_uniform,
    zeros,
)

__all__ = [
    "compute_fans", "zeros", "ones", "constant", "random_normal", "random_uniform",
    "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "lecun_normal", "lecun_uniform", "Initializer", "Zeros", "Ones", "Constant", "RandomNormal",
    "RandomUniform", "GlorotNormal", "GlorotUniform",
    "HeNormal", "HeUniform", "LecunNormal", "LecunUniform", "get", "serialize",
]

# --------------------------------------------------------------------------- lookup

_FUNCTIONS = {
    fn.__name__: fn
    for fn in (zeros, ones, random_normal, random_uniform, glorot_normal, glorot_uniform,
               he_normal, he_uniform, lecun_normal, lecun_uniform)
}
_ALIASES = {
    "zero": "zeros", "one": "ones", "normal": "random_normal", "uniform": "random_uniform",
    "xavier_normal": "glorot_normal", "xavier_uniform": "glorot_uniform",
    "kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform",
}
_CLASSES = {
    cls.__name__: cls
    for cls in (Zeros, Ones, Constant, RandomNormal, RandomUniform,
                GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal,
                LecunUniform)
}


def _valid_names() -> str:
    return ", ".join(sorted(_FUNCTIONS) + ["constant"] + sorted(_ALIASES) + sorted(_CLASSES))


def get(identifier):
    """Resolve ``identifier`` to an initializer callable ``(shape, rng, dtype) -> ndarray``.

    Accepts a name (``"glorot_uniform"``, aliases such as ``"xavier_uniform"`` or
    ``"kaiming_normal"``, or a class name such as ``"HeNormal"``), a config dict
    ``{"class_name": ..., "config": {...}}`` as :func:`serialize` writes it, an
    :class:`Initializer` instance or any callable (returned unchanged).

    >>> get("xavier_uniform") is glorot_uniform
    True
    >>> get({"class_name": "Constant", "config": {"value": 2.0}})((1,))
    array([2.], dtype=float32)
    """
    if isinstance(identifier, str):
        key = _ALIASES.get(identifier, identifier)
        if key in _FUNCTIONS:
            return _FUNCTIONS[key]
        if key == "constant":
            return Constant()
        if key in _CLASSES:
            return _CLASSES[key]()
        raise ValueError(f"unknown initializer {identifier!r}; valid names: {_valid_names()}")
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _CLASSES.get(name)
        if cls is None:
            raise ValueError(
                f"unknown initializer class {name!r} in config {identifier!r}; valid classes: "
                f"{', '.join(sorted(_CLASSES))}"
            )
        return cls.from_config(dict(identifier.get("config", {})))
    if callable(identifier):
        return identifier
    raise TypeError(
        "an initializer must be a name, a config dict or a callable; "
        f"got {type(identifier).__name__}"
    )


def serialize(initializer):
    """A JSON-serialisable form that :func:`get` turns back into the same initializer.

    Built-in functions become their name, :class:`Initializer` instances a
    ``{"class_name", "config"}`` dict.

    >>> serialize(glorot_uniform), serialize(Constant(3.0))
    ('glorot_uniform', {'class_name': 'Constant', 'config': {'value': 3.0}})
    """
    if isinstance(initializer, str):
        return serialize(get(initializer))
    for name, fn in _FUNCTIONS.items():
        if initializer is fn:
            return name
    if isinstance(initializer, Initializer) and type(initializer).__name__ in _CLASSES:
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    raise TypeError(
        f"cannot serialize initializer {initializer!r}: only deepgrad's named initializers and "
        f"Initializer instances have a config"
    )

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

from ..common.checks import describe
from ..common.registry import Registry
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
    Orthogonal,
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
    orthogonal,
    random_normal,
    random_uniform,
    zeros,
)

__all__ = [
    "compute_fans", "zeros", "ones", "constant", "random_normal", "random_uniform",
    "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "lecun_normal", "lecun_uniform", "orthogonal", "Initializer", "Zeros", "Ones", "Constant", "RandomNormal",
    "RandomUniform", "GlorotNormal", "GlorotUniform",
    "HeNormal", "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "REGISTRY", "get", "serialize",
]

# --------------------------------------------------------------------------- lookup

#: Canonical snake_case name → initializer class, looked up by any spelling (``"GlorotUniform"``,
#: ``"glorot_uniform"``, ``"xavier_uniform"``).
REGISTRY = Registry("initializer")
REGISTRY.register("zeros", Zeros, aliases=["zero"])
REGISTRY.register("ones", Ones, aliases=["one"])
REGISTRY.register("constant", Constant)
REGISTRY.register("random_normal", RandomNormal, aliases=["normal"])
REGISTRY.register("random_uniform", RandomUniform, aliases=["uniform"])
REGISTRY.register("glorot_normal", GlorotNormal, aliases=["xavier_normal"])
REGISTRY.register("glorot_uniform", GlorotUniform, aliases=["xavier_uniform"])
REGISTRY.register("he_normal", HeNormal, aliases=["kaiming_normal"])
REGISTRY.register("he_uniform", HeUniform, aliases=["kaiming_uniform"])
REGISTRY.register("lecun_normal", LecunNormal)
REGISTRY.register("lecun_uniform", LecunUniform)
REGISTRY.register("orthogonal", Orthogonal)

# The function behind each class that has one, by the same canonical name.
_FUNCTIONS = {
    fn.__name__: fn
    for fn in (zeros, ones, random_normal, random_uniform, glorot_normal, glorot_uniform,
               he_normal, he_uniform, lecun_normal, lecun_uniform, orthogonal)
}


def get(identifier):
    """Resolve ``identifier`` to an initializer callable ``(shape, rng, dtype) -> ndarray``.

    Accepts a name (``"glorot_uniform"``, aliases such as ``"xavier_uniform"`` or
    ``"kaiming_normal"``, in any case, with or without underscores), a config dict
    ``{"class_name": ..., "config": {...}}`` as :func:`serialize` writes it, an
    :class:`Initializer` instance or any callable (returned unchanged). A name gives the
    function of that name, except a class name spelled exactly as Keras does (``"HeNormal"``)
    and ``"constant"``, which give an instance with default settings; both draw the same
    numbers from the generator they are called with.

    >>> get("xavier_uniform") is glorot_uniform
    True
    >>> get({"class_name": "Constant", "config": {"value": 2.0}})((1,))
    array([2.], dtype=float32)
    """
    if isinstance(identifier, str):
        name = REGISTRY.canonical(identifier)
        if name in _FUNCTIONS and identifier != REGISTRY[name].__name__:
            return _FUNCTIONS[name]
        return REGISTRY.instance(name)
    if isinstance(identifier, dict):
        cls, config = REGISTRY.from_config(identifier)
        return cls.from_config(config)
    if callable(identifier):
        return identifier
    raise TypeError(
        f"an initializer must be a name, a config dict or a callable; got {describe(identifier)}"
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
    if isinstance(initializer, Initializer) and REGISTRY.name_of(type(initializer)) is not None:
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    raise TypeError(
        f"cannot serialize initializer {initializer!r}: only deepgrad's named initializers and "
        f"Initializer instances have a config"
    )

"""Keras's ``register_keras_serializable``: in deepgrad, classes register themselves.

A subclass of :class:`~deepgrad.layers.Layer` (models included), of
:class:`~deepgrad.losses.Loss` or of a metric is entered in its family's registry when its
``class`` statement runs, so a model file or ``model_from_json`` can name it. The decorator is
kept so Keras scripts run unchanged; it returns what it is given.
"""

from __future__ import annotations

__all__ = ["register_keras_serializable"]


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """A decorator that returns the class (or function) unchanged: deepgrad's families register
    their subclasses by class name when they are defined.

    Parameters
    ----------
    package, name : str
        Keras's registration key, checked and otherwise unused.

    Examples
    --------
    >>> from deepgrad.layers import Layer
    >>> @register_keras_serializable(package="demo")
    ... class Doubling(Layer):
    ...     def call(self, inputs):
    ...         return inputs * 2
    >>> from deepgrad.layers import LAYERS
    >>> LAYERS.lookup("Doubling") is Doubling
    True
    """
    if not isinstance(package, str):
        raise TypeError(f"package must be a string; got {type(package).__name__} {package!r}")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string or None; got {type(name).__name__} {name!r}")

    def decorator(obj):
        if not callable(obj):
            raise TypeError(f"register_keras_serializable decorates a class or a function; got "
                            f"{type(obj).__name__}")
        return obj

    return decorator

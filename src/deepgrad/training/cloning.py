"""``clone_model``: the same architecture with new weights, as Keras's ``clone_model``."""

from __future__ import annotations

from ..layers.base import Layer
from ..layers.serialization import deserialize, serialize
from .model import Model
from .sequential import Sequential

__all__ = ["clone_model"]


def _fresh(layer: Layer) -> Layer:
    return deserialize(serialize(layer))


def clone_model(model, input_tensors=None, clone_function=None, **kwargs):
    """A new model of ``model``'s architecture: every layer made again from its config, so the
    weights are new (freshly initialized), the names the same.

    Parameters
    ----------
    model : Model
    input_tensors : None
        Keras builds the clone on other inputs; in deepgrad call the clone (or the model) on
        them instead: ``Model(inputs, clone(inputs))``.
    clone_function : callable, optional
        For a Sequential model, ``layer -> new layer``, called on each layer (by default a
        layer made from the old one's config).

    Examples
    --------
    >>> from deepgrad import Input, Sequential
    >>> from deepgrad.layers import Dense
    >>> model = Sequential([Input((4,)), Dense(3, name="hidden"), Dense(1)])
    >>> clone = clone_model(model)
    >>> clone is model, clone.count_params(), clone.get_layer("hidden") is model.get_layer("hidden")
    (False, 19, False)
    """
    if not isinstance(model, Model):
        raise TypeError(f"clone_model takes a model; got {type(model).__name__}")
    if input_tensors is not None:
        raise ValueError("clone_model(input_tensors=...) is not supported: call the clone on the "
                         "new inputs instead, Model(inputs, clone_model(model)(inputs))")
    unknown = set(kwargs) - {"call_function", "recursive"}
    if unknown:
        raise TypeError(f"clone_model got unexpected keyword argument(s) {sorted(unknown)}")
    if clone_function is None:
        return _fresh(model)
    if not callable(clone_function):
        raise TypeError(f"clone_function must be callable; got {type(clone_function).__name__}")
    if type(model) is not Sequential:
        raise ValueError("clone_function works on Sequential models; clone a functional or "
                         "subclassed model without it")
    layers = [clone_function(layer) for layer in model._layers]
    clone = Sequential(layers, name=model.name)
    if model.built and not clone.built:
        clone.build(model._input_shapes[0])
    return clone

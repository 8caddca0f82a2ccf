"""A model's architecture as JSON, without weights: ``model.to_json()`` and
:func:`model_from_json`.

The text is read with :func:`json.loads` and every class it names is looked up in deepgrad's
layer registry (deepgrad's layers and models, and the subclasses defined in this process):
nothing in it is evaluated or imported.
"""

from __future__ import annotations

import json

from ..layers.serialization import deserialize
from ..layers.registry import LAYERS
from .save_load import _model_classes

__all__ = ["model_from_json"]


def model_from_json(json_string, custom_objects=None):
    """The model whose architecture ``json_string`` (from ``model.to_json()``) describes, with
    fresh weights.

    Parameters
    ----------
    json_string : str
    custom_objects : dict, optional
        Keras's way to name classes a file may use. deepgrad's layer classes (your own
        included) register themselves when they are defined, so this only checks that the
        classes given are registered.

    Raises
    ------
    ValueError
        For text that is not JSON, or does not describe one of the models; the message says
        what is wrong.

    Examples
    --------
    >>> from deepgrad import Sequential
    >>> from deepgrad.layers import Dense, Input
    >>> model = Sequential([Input((3,)), Dense(2, name="out")])
    >>> copy = model_from_json(model.to_json())
    >>> type(copy).__name__, [layer.name for layer in copy.layers], copy.count_params()
    ('Sequential', ['out'], 8)
    """
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise TypeError(f"model_from_json takes the JSON text from model.to_json(); got "
                        f"{type(json_string).__name__}")
    for name, cls in dict(custom_objects or {}).items():
        if not isinstance(cls, type) or LAYERS.lookup(cls.__name__) is not cls:
            raise ValueError(f"custom_objects[{name!r}] is not a registered layer or model class: "
                             f"define it as a subclass of deepgrad.layers.Layer or deepgrad.Model")
    try:
        spec = json.loads(json_string)
    except ValueError as error:
        raise ValueError(f"model_from_json: the text is not JSON ({error})") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("class_name"), str) \
            or not isinstance(spec.get("config"), dict):
        raise ValueError("model_from_json: the JSON must be an object with 'class_name' and "
                         "'config', as model.to_json() writes it")
    classes = _model_classes()
    if spec["class_name"] not in classes:
        raise ValueError(f"model_from_json: {spec['class_name']!r} is not one of the models "
                         f"({', '.join(sorted(classes))})")
    return deserialize({"class_name": spec["class_name"], "config": spec["config"]})

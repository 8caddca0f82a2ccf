"""The converters, by layer class: how each layer is written as ONNX nodes.

A converter is ``fn(ctx, layer, x)``: ``x`` is the input :class:`~deepgrad.onnx.builder.Value`
(a list of them for a layer of several inputs); it adds nodes through ``ctx.g`` (the
:class:`~deepgrad.onnx.builder.GraphBuilder`) and returns the output's name (or a list of
names, or Values). Converters are looked up by the layer's exact class, so a subclass that
overrides ``call`` is never exported as its parent.
"""

from __future__ import annotations

__all__ = ["CONVERTERS", "UnsupportedLayerError", "converter", "lookup", "register_converter"]

#: layer class -> converter function
CONVERTERS: dict = {}


class UnsupportedLayerError(TypeError):
    """A layer (or a call of one) that cannot be written as ONNX; the message names the layer
    and its class."""


def converter(*classes):
    """Decorator: register the function as the converter of ``classes``."""
    def register(fn):
        for cls in classes:
            CONVERTERS[cls] = fn
        return fn
    return register


def register_converter(layer_class, fn) -> None:
    """Export the layers of ``layer_class`` (a user's own Layer subclass) with ``fn(ctx, layer,
    x)``, which adds ONNX nodes with ``ctx.g.node(op_type, inputs, **attributes)`` and returns the
    output's name.

    Examples
    --------
    >>> from deepgrad.layers import Layer
    >>> class Double(Layer):
    ...     def call(self, x, training=False):
    ...         return x * 2.0
    >>> register_converter(Double, lambda ctx, layer, x: ctx.g.node(
    ...     "Mul", [x.name, ctx.g.constant(2.0)], name=layer.name))
    >>> Double in CONVERTERS
    True
    """
    if not isinstance(layer_class, type):
        raise TypeError(f"register_converter takes a layer class; got {layer_class!r}")
    if not callable(fn):
        raise TypeError(f"register_converter takes a function fn(ctx, layer, x); got {fn!r}")
    CONVERTERS[layer_class] = fn


def lookup(layer):
    """The converter of ``layer``'s class; raises :class:`UnsupportedLayerError` naming the
    layer when there is none."""
    fn = CONVERTERS.get(type(layer))
    if fn is not None:
        return fn
    kind = type(layer).__name__
    if kind == "Lambda":
        raise UnsupportedLayerError(
            f"Lambda {layer.name!r} holds Python code and cannot be exported to ONNX; write a "
            f"Layer subclass instead and give it a converter with "
            f"deepgrad.onnx.register_converter")
    raise UnsupportedLayerError(
        f"{kind} {layer.name!r} cannot be exported to ONNX: deepgrad.onnx has no converter for "
        f"the class {type(layer).__module__}.{type(layer).__qualname__}; register one with "
        f"deepgrad.onnx.register_converter({kind}, fn)")

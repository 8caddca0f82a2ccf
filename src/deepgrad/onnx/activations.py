"""Activations as ONNX nodes: every function of :mod:`deepgrad.activations` (with its settings)
and the activation layers ``Activation``, ``ReLU``, ``LeakyReLU``, ``PReLU``, ``ELU`` and
``Softmax``."""

from __future__ import annotations

import functools

import numpy as np

from .. import activations
from ..layers import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax
from .registry import UnsupportedLayerError, converter

__all__ = ["activation"]


def _relu(g, x, name, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's ReLU: ``x`` where ``x > threshold`` else 0, clipped to ``max_value``, minus
    ``negative_slope · max(threshold − x, 0)``."""
    if threshold == 0:
        out = g.node("Relu", [x], name=name)
    else:
        above = g.node("Greater", [x, g.constant(threshold)], name=f"{name}/above")
        out = g.node("Where", [above, x, g.constant(0.0)], name=name)
    if max_value is not None:
        out = g.node("Clip", [out, g.constant(0.0), g.constant(max_value)], name=f"{name}/clip")
    if negative_slope != 0:
        gap = g.node("Sub", [g.constant(threshold), x], name=f"{name}/t_minus_x")
        below = g.node("Relu", [gap], name=f"{name}/below")
        slope = g.node("Mul", [below, g.constant(negative_slope)], name=f"{name}/slope")
        out = g.node("Sub", [out, slope], name=f"{name}/leaky")
    return out


def _elu(g, x, name, alpha=1.0):
    """``relu(x) + alpha · (e^min(x, 0) − 1)``, as deepgrad computes it (and in float64 too,
    where onnxruntime has no Elu kernel)."""
    negative = g.node("Min", [x, g.constant(0.0)], name=f"{name}/negative")
    exp = g.node("Exp", [negative], name=f"{name}/exp")
    below = g.node("Mul", [g.node("Sub", [exp, g.constant(1.0)], name=f"{name}/expm1"),
                           g.constant(alpha)], name=f"{name}/below")
    return g.node("Add", [g.node("Relu", [x], name=f"{name}/relu"), below], name=name)


def _selu(g, x, name):
    return g.node("Mul", [_elu(g, x, f"{name}/elu", activations.SELU_ALPHA),
                          g.constant(activations.SELU_SCALE)], name=name)


def _step(g, x, name):
    at_least = g.node("GreaterOrEqual", [x, g.constant(0.0)], name=f"{name}/at_least")
    return g.node("Cast", [at_least], name=name, to=1 if g.dtype == np.float32 else 11)


def _swish(g, x, name):
    return g.node("Mul", [x, g.node("Sigmoid", [x], name=f"{name}/sigmoid")], name=name)


def _softmax(g, x, name, axis=-1):
    return g.node("Softmax", [x], name=name, axis=int(axis))


#: deepgrad activation function -> fn(builder, input name, node name, **settings)
_ACTIVATIONS = {
    activations.linear: lambda g, x, name: x,
    activations.relu: _relu,
    activations.sigmoid: lambda g, x, name: g.node("Sigmoid", [x], name=name),
    activations.tanh: lambda g, x, name: g.node("Tanh", [x], name=name),
    activations.softmax: _softmax,
    activations.elu: _elu,
    activations.selu: _selu,
    activations.leaky_relu: lambda g, x, name, negative_slope=0.01: g.node(
        "LeakyRelu", [x], name=name, alpha=float(negative_slope)),
    activations.swish: _swish,
    activations.step: _step,
}


def activation(ctx, fn, x: str, name: str) -> str:
    """The output of the activation ``fn`` (a function of :mod:`deepgrad.activations`, or a
    ``functools.partial`` of one with settings) applied to ``x``."""
    settings = {}
    if isinstance(fn, functools.partial) and not fn.args:
        fn, settings = fn.func, dict(fn.keywords)
    write = _ACTIVATIONS.get(fn)
    if write is None:
        label = getattr(fn, "__name__", type(fn).__name__)
        raise UnsupportedLayerError(
            f"the activation {label!r} of {name!r} cannot be exported to ONNX: only deepgrad's "
            f"built-in activations can ({', '.join(sorted(activations.ACTIVATIONS))})")
    return write(ctx.g, x, name, **settings)


@converter(Activation)
def _activation_layer(ctx, layer, x):
    return activation(ctx, layer.activation, x.name, layer.name)


@converter(ReLU)
def _relu_layer(ctx, layer, x):
    return _relu(ctx.g, x.name, layer.name, layer.negative_slope, layer.max_value,
                 layer.threshold)


@converter(LeakyReLU)
def _leaky_relu_layer(ctx, layer, x):
    return ctx.g.node("LeakyRelu", [x.name], name=layer.name, alpha=float(layer.negative_slope))


@converter(ELU)
def _elu_layer(ctx, layer, x):
    return _elu(ctx.g, x.name, layer.name, layer.alpha)


@converter(PReLU)
def _prelu_layer(ctx, layer, x):
    # alpha (one sample's shape, 1 along shared axes) broadcasts against (batch, ...)
    slope = ctx.g.weight(layer.alpha)
    return ctx.g.node("PRelu", [x.name, slope], name=layer.name)


@converter(Softmax)
def _softmax_layer(ctx, layer, x):
    g = ctx.g
    if not isinstance(layer.axis, list):
        return _softmax(g, x.name, layer.name, layer.axis)
    # several axes normalized together: shifted by their maximum, as deepgrad's softmax
    name = layer.name
    peak = g.reduce("ReduceMax", x.name, layer.axis, True, name=f"{name}/max")
    exp = g.node("Exp", [g.node("Sub", [x.name, peak], name=f"{name}/shifted")], name=f"{name}/exp")
    total = g.reduce("ReduceSum", exp, layer.axis, True, name=f"{name}/sum")
    return g.node("Div", [exp, total], name=name)

"""Normalization layers as ONNX nodes, at inference: ``BatchNormalization`` (moving statistics,
any feature axis), ``Normalization`` and ``Rescaling``: elementwise arithmetic with constants
broadcast along the feature axes, in the order deepgrad computes it."""

from __future__ import annotations

import numpy as np

from ..layers import BatchNormalization, Normalization, Rescaling
from ..layers.preprocessing import EPSILON
from .registry import converter

__all__ = []


@converter(BatchNormalization)
def _batch_normalization(ctx, layer, x):
    """``(x − mean) / sqrt(variance + epsilon) · gamma + beta`` with the moving statistics."""
    g, name = ctx.g, layer.name
    ndim = len(x.shape)
    axis = layer._feature_axis(ndim)
    shape = (-1,) + (1,) * (ndim - 1 - axis)  # (features, 1, ...): broadcast along ``axis``

    def per_feature(array, form):
        return g.weight(array, lambda a: a.reshape(shape), form)

    variance = layer.moving_variance.data
    std = np.sqrt(variance + np.asarray(layer.epsilon, variance.dtype))
    out = g.node("Sub", [x.name, per_feature(layer.moving_mean, "feature_axis")],
                 name=f"{name}/centered")
    out = g.node("Div", [out, g.constant(std.reshape(shape), name=f"{name}/std")],
                 name=f"{name}/normalized")
    if layer.gamma is not None:
        out = g.node("Mul", [out, per_feature(layer.gamma, "feature_axis")], name=f"{name}/scaled")
    if layer.beta is not None:
        out = g.node("Add", [out, per_feature(layer.beta, "feature_axis")], name=f"{name}/shifted")
    return out


@converter(Normalization)
def _normalization(ctx, layer, x):
    """``(x − mean) / max(√variance, 1e-7)``, or ``mean + x · that`` when inverted."""
    g, name = ctx.g, layer.name
    mean, variance = layer.mean, layer.variance  # in the inputs' broadcast shape
    dtype = mean.dtype
    scale = np.maximum(np.sqrt(variance.astype(dtype)), np.asarray(EPSILON, dtype))
    mean_name = g.constant(mean, name=f"{name}/mean")
    scale_name = g.constant(scale, name=f"{name}/scale")
    if layer.invert:
        scaled = g.node("Mul", [x.name, scale_name], name=f"{name}/scaled")
        return g.node("Add", [mean_name, scaled], name=name)
    centered = g.node("Sub", [x.name, mean_name], name=f"{name}/centered")
    return g.node("Div", [centered, scale_name], name=name)


@converter(Rescaling)
def _rescaling(ctx, layer, x):
    g, name = ctx.g, layer.name
    scaled = g.node("Mul", [x.name, g.constant(layer.scale, name=f"{name}/scale")],
                    name=f"{name}/scaled")
    return g.node("Add", [scaled, g.constant(layer.offset, name=f"{name}/offset")], name=name)

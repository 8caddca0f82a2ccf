"""Pooling and resizing layers as ONNX nodes: ``MaxPooling1D/2D``, ``AveragePooling1D/2D``
(padding left out of the mean: ``count_include_pad=0``), the global poolings (``ReduceMax`` /
``ReduceMean``), ``UpSampling1D/2D`` (``Resize``), ``ZeroPadding1D/2D`` (``Pad``),
``Cropping1D/2D`` (``Slice``) and ``RandomCrop`` at inference (its centred window cut by
``Slice`` and resized by ``Resize``)."""

from __future__ import annotations

from ..layers import (
    AveragePooling1D,
    AveragePooling2D,
    Cropping1D,
    Cropping2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
    RandomCrop,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from .convolution import padding_attributes
from .registry import UnsupportedLayerError, converter

__all__ = []


@converter(MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D)
def _pooling(ctx, layer, x):
    g, name, ndim = ctx.g, layer.name, len(x.shape)
    average = isinstance(layer, (AveragePooling1D, AveragePooling2D))
    attributes = padding_attributes(layer.padding, x.shape[1:-1], layer.pool_size, layer.strides,
                                    (1,) * layer.rank)
    if average:
        attributes["count_include_pad"] = 0
    first = g.to_channels_first(x.name, ndim, name=f"{name}/channels_first")
    out = g.node("AveragePool" if average else "MaxPool", [first], name=f"{name}/pool",
                 kernel_shape=list(layer.pool_size), strides=list(layer.strides), **attributes)
    return g.to_channels_last(out, ndim, name=name)


@converter(GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D)
def _global_pooling(ctx, layer, x):
    maximum = isinstance(layer, (GlobalMaxPooling1D, GlobalMaxPooling2D))
    op = "ReduceMax" if maximum else "ReduceMean"
    return ctx.g.reduce(op, x.name, range(1, layer.rank + 1), layer.keepdims, name=layer.name)


@converter(UpSampling1D)
def _up_sampling_1d(ctx, layer, x):
    """Each step repeated: nearest neighbour at ``floor(i / size)``."""
    g = ctx.g
    scales = g.constant([1.0, float(layer.size), 1.0], name=f"{layer.name}/scales", dtype="float32")
    return g.node("Resize", [x.name, "", scales], name=layer.name, mode="nearest",
                  coordinate_transformation_mode="asymmetric", nearest_mode="floor")


@converter(UpSampling2D)
def _up_sampling_2d(ctx, layer, x):
    """Nearest: rows and columns repeated. Bilinear: half-pixel centres clamped to the edges,
    as deepgrad's interpolation matrices (``coordinate_transformation_mode="half_pixel"``)."""
    g, name = ctx.g, layer.name
    down, across = (float(s) for s in layer.size)
    if layer.interpolation == "nearest":
        scales = g.constant([1.0, down, across, 1.0], name=f"{name}/scales", dtype="float32")
        return g.node("Resize", [x.name, "", scales], name=name, mode="nearest",
                      coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    first = g.to_channels_first(x.name, 4, name=f"{name}/channels_first")
    scales = g.constant([1.0, 1.0, down, across], name=f"{name}/scales", dtype="float32")
    out = g.node("Resize", [first, "", scales], name=f"{name}/resize", mode="linear",
                 coordinate_transformation_mode="half_pixel")
    return g.to_channels_last(out, 4, name=name)


@converter(ZeroPadding1D, ZeroPadding2D)
def _zero_padding(ctx, layer, x):
    g = ctx.g
    befores = [0] + [before for before, _ in layer.sides] + [0]
    afters = [0] + [after for _, after in layer.sides] + [0]
    return g.node("Pad", [x.name, g.ints(befores + afters, "pads")], name=layer.name,
                  mode="constant")


@converter(Cropping1D, Cropping2D)
def _cropping(ctx, layer, x):
    g = ctx.g
    axes = list(range(1, layer.rank + 1))
    starts = [before for before, _ in layer.sides]
    ends = [-after if after else 2**63 - 1 for _, after in layer.sides]
    return g.node("Slice", [x.name, g.ints(starts), g.ints(ends), g.ints(axes)], name=layer.name)


@converter(RandomCrop)
def _random_crop(ctx, layer, x):
    """At inference: the largest centred window of the target's aspect ratio (``Slice``),
    resized to ``height × width`` with half-pixel centres clamped to the window (``Resize``)."""
    g, name = ctx.g, layer.name
    if len(x.shape) != 4 or any(n is None for n in x.shape[1:3]):
        raise UnsupportedLayerError(
            f"RandomCrop {name!r} needs images of shape (batch, height, width, channels) with a "
            f"fixed height and width to be exported to ONNX; got inputs of shape {x.shape}")
    height, width = x.shape[1:3]
    window_height = max(min(height, int(width * layer.height / layer.width)), 1)
    window_width = max(min(width, int(height * layer.width / layer.height)), 1)
    top, left = (height - window_height) // 2, (width - window_width) // 2
    out = x.name
    if (window_height, window_width) != (height, width):
        out = g.node("Slice", [out, g.ints([top, left]),
                               g.ints([top + window_height, left + window_width]), g.ints([1, 2])],
                     name=f"{name}/window")
    if (window_height, window_width) == (layer.height, layer.width):
        return out if out != x.name else g.node("Identity", [out], name=name)
    first = g.to_channels_first(out, 4, name=f"{name}/channels_first")
    shape = g.node("Shape", [first], name=f"{name}/shape")
    batch_and_channels = g.node("Slice", [shape, g.ints([0]), g.ints([2])], name=f"{name}/nc")
    sizes = g.node("Concat", [batch_and_channels, g.ints([layer.height, layer.width], "hw")],
                   name=f"{name}/sizes", axis=0)
    out = g.node("Resize", [first, "", "", sizes], name=f"{name}/resize", mode="linear",
                 coordinate_transformation_mode="half_pixel")
    return g.to_channels_last(out, 4, name=name)

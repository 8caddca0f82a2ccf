"""Convolution layers as ONNX nodes: ``Conv1D`` (causal too), ``Conv2D``, ``Conv2DTranspose``,
``DepthwiseConv2D`` and ``SeparableConv2D``.

deepgrad is channels last and ONNX's ``Conv`` channels first, so each layer is a ``Transpose``
in, the convolution, and a ``Transpose`` out (onnxruntime folds the pairs between consecutive
convolutions). Kernels are rearranged once, into initializers: ``(kh, kw, in/groups, out)``
becomes ``(out, in/groups, kh, kw)``. The padding is written out as deepgrad computes it
(:func:`deepgrad.ops.padding_amounts`: "same" puts the odd one after, as TensorFlow), or, for a
spatial size not fixed in the model, as ``auto_pad="SAME_UPPER"``, which is the same rule.
"""

from __future__ import annotations

import numpy as np

from ..layers import Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D
from ..ops import padding_amounts
from .activations import activation
from .registry import UnsupportedLayerError, converter

__all__ = ["padding_attributes"]


def padding_attributes(padding: str, lengths, kernel, strides, dilation) -> dict:
    """ONNX's ``pads`` (all befores, then all afters) or ``auto_pad`` for Keras's padding."""
    if padding == "same" and any(n is None for n in lengths):
        return {"auto_pad": "SAME_UPPER"}
    amounts = [padding_amounts(padding, n, k, s, d)
               for n, k, s, d in zip(lengths, kernel, strides, dilation)]
    return {"pads": [before for before, _ in amounts] + [after for _, after in amounts]}


def _channels_first_kernel(kernel: np.ndarray) -> np.ndarray:
    """``(*spatial, in, out)`` → ``(out, in, *spatial)``."""
    rank = kernel.ndim - 2
    return kernel.transpose(rank + 1, rank, *range(rank))


def _conv(ctx, layer, x, kernel: str, bias, groups: int, *, strides, dilation, padding,
          name: str) -> str:
    """One ``Conv`` on the channels-first ``x`` (a name), of a Value's ``lengths``."""
    attributes = padding_attributes(padding, x.shape[1:-1], layer.kernel_size, strides, dilation)
    inputs = [x.name, kernel] + ([bias] if bias is not None else [])
    return ctx.g.node("Conv", inputs, name=name, strides=list(strides), dilations=list(dilation),
                      group=int(groups), kernel_shape=list(layer.kernel_size), **attributes)


def _conv_layer(ctx, layer, x, kernel, bias, groups):
    """Transpose in, convolve, transpose out, then the activation."""
    g, name, ndim = ctx.g, layer.name, len(x.shape)
    first = type(x)(g.to_channels_first(x.name, ndim, name=f"{name}/channels_first"), x.shape)
    out = _conv(ctx, layer, first, kernel, bias, groups, strides=layer.strides,
                dilation=layer.dilation_rate, padding=layer.padding, name=f"{name}/conv")
    out = g.to_channels_last(out, ndim, name=f"{name}/channels_last")
    return activation(ctx, layer.activation, out, name)


@converter(Conv1D, Conv2D)
def _convolution(ctx, layer, x):
    g = ctx.g
    kernel = g.weight(layer.kernel, _channels_first_kernel, "channels_first")
    bias = None if layer.bias is None else g.weight(layer.bias)
    return _conv_layer(ctx, layer, x, kernel, bias, layer.groups)


@converter(DepthwiseConv2D)
def _depthwise(ctx, layer, x):
    g = ctx.g
    kh, kw, channels, multiplier = layer.kernel.shape
    kernel = g.weight(layer.kernel, lambda k: _channels_first_kernel(
        k.reshape(kh, kw, 1, channels * multiplier)), "channels_first")
    bias = None if layer.bias is None else g.weight(layer.bias)
    return _conv_layer(ctx, layer, x, kernel, bias, channels)


@converter(SeparableConv2D)
def _separable(ctx, layer, x):
    g, name, ndim = ctx.g, layer.name, len(x.shape)
    kh, kw, channels, multiplier = layer.depthwise_kernel.shape
    depthwise = g.weight(layer.depthwise_kernel, lambda k: _channels_first_kernel(
        k.reshape(kh, kw, 1, channels * multiplier)), "channels_first")
    pointwise = g.weight(layer.pointwise_kernel, _channels_first_kernel, "channels_first")
    bias = None if layer.bias is None else g.weight(layer.bias)
    first = type(x)(g.to_channels_first(x.name, ndim, name=f"{name}/channels_first"), x.shape)
    spread = _conv(ctx, layer, first, depthwise, None, channels, strides=layer.strides,
                   dilation=layer.dilation_rate, padding=layer.padding, name=f"{name}/depthwise")
    out = g.node("Conv", [spread, pointwise] + ([bias] if bias is not None else []),
                 name=f"{name}/pointwise", kernel_shape=[1, 1])
    out = g.to_channels_last(out, ndim, name=f"{name}/channels_last")
    return activation(ctx, layer.activation, out, name)


@converter(Conv2DTranspose)
def _convolution_transpose(ctx, layer, x):
    """deepgrad scatters into a full ``(h − 1)·s + span + extra`` grid and cuts ``pads``; ONNX's
    ``ConvTranspose`` cuts ``pads`` from ``(h − 1)·s + span`` and adds ``output_padding`` at the
    end: the extra rows come from lowering the end pad, or else from ``output_padding``."""
    g, name = ctx.g, layer.name
    if any(n is None for n in x.shape[1:3]):
        raise UnsupportedLayerError(
            f"Conv2DTranspose {name!r} needs a fixed height and width to be exported to ONNX; "
            f"got inputs of shape {x.shape}")
    begins, ends, output_padding = [], [], []
    for axis, n in enumerate(x.shape[1:3]):
        out, (before, after) = layer._geometry(n, axis)
        k, s, d = layer.kernel_size[axis], layer.strides[axis], layer.dilation_rate[axis]
        extra = (out + before + after) - ((n - 1) * s + d * (k - 1) + 1)
        begins.append(before)
        ends.append(max(after - extra, 0))
        output_padding.append(max(extra - after, 0))
    kernel = g.weight(layer.kernel, lambda k: k.transpose(3, 2, 0, 1), "channels_first")
    inputs = [g.to_channels_first(x.name, 4, name=f"{name}/channels_first"), kernel]
    if layer.bias is not None:
        inputs.append(g.weight(layer.bias))
    out = g.node("ConvTranspose", inputs, name=f"{name}/conv_transpose",
                 kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
                 dilations=list(layer.dilation_rate), pads=begins + ends,
                 output_padding=output_padding)
    out = g.to_channels_last(out, 4, name=f"{name}/channels_last")
    return activation(ctx, layer.activation, out, name)

"""What the convolution pictures draw, found in a model: its convolution layers and their
kernels as arrays, and the layers whose feature maps a sample makes."""

from __future__ import annotations

import numpy as np

from ..common.checks import describe
from ..layers import (
    AveragePooling1D,
    AveragePooling2D,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    DepthwiseConv2D,
    InputLayer,
    Layer,
    MaxPooling1D,
    MaxPooling2D,
    Residual,
    SeparableConv2D,
)
from ..training import Model

__all__ = ["CONVOLUTIONS", "POOLINGS", "chosen_layers", "convolution", "filter_kernels",
           "one_sample"]

CONVOLUTIONS = (Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D)
POOLINGS = (MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D)
_NAMES = "Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D or SeparableConv2D"


def _walk(layers):
    """``layers`` in order, with the layers of nested models and residual branches after each."""
    for layer in layers:
        yield layer
        inner = layer.layers if isinstance(layer, (Model, Residual)) else ()
        yield from _walk(inner)


def convolution(model_or_layer, layer):
    """The convolution layer to draw: ``model_or_layer`` itself, or the one ``layer`` names in
    the model (a name, an index into ``model.layers`` or the layer), by default the first."""
    if isinstance(model_or_layer, Model):
        model = model_or_layer
        found = [item for item in _walk(model.layers) if isinstance(item, CONVOLUTIONS)]
        if not found:
            raise ValueError(f"model {model.name!r} has no convolution layer ({_NAMES}); its "
                             f"layers are {[item.name for item in model.layers]}")
        if layer is None:
            chosen = found[0]
        elif isinstance(layer, str):
            chosen = next((item for item in _walk(model.layers) if item.name == layer), None)
            if chosen is None:
                raise ValueError(f"model {model.name!r} has no layer named {layer!r}; its "
                                 f"convolution layers are {[item.name for item in found]}")
        elif isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
            chosen = model.get_layer(index=int(layer))
        elif isinstance(layer, Layer):
            chosen = layer
        else:
            raise TypeError(f"layer must be a layer's name, its index in model.layers or the "
                            f"layer; got {describe(layer)}")
        if not isinstance(chosen, CONVOLUTIONS):  # a wrong choice, not a wrong argument
            raise ValueError(  # noqa: TRY004
                f"layer {chosen.name!r} ({type(chosen).__name__}) is not a convolution layer; the "
                f"model's are {[item.name for item in found]}")
    elif isinstance(model_or_layer, CONVOLUTIONS):
        if layer is not None:
            raise ValueError("layer= picks a layer of a model; pass a model with it, or the "
                             "convolution layer alone")
        chosen = model_or_layer
    else:
        raise TypeError(f"model_or_layer must be a deepgrad model or a convolution layer "
                        f"({_NAMES}); got {describe(model_or_layer)}")
    if not chosen.built:
        raise ValueError(f"layer {chosen.name!r} has no weights yet: build it first (call it "
                         f"on data, or give the model an Input)")
    return chosen


def filter_kernels(layer) -> np.ndarray:
    """The layer's kernels as ``(filters, height, width, input channels)`` (a Conv1D's as
    ``(filters, 1, length, channels)``; a depthwise kernel's filters see one channel each)."""
    if isinstance(layer, (DepthwiseConv2D, SeparableConv2D)):
        kernel = layer.kernel if isinstance(layer, DepthwiseConv2D) else layer.depthwise_kernel
        kh, kw, channels, multiplier = kernel.shape
        flat = np.asarray(kernel.data).reshape(kh, kw, 1, channels * multiplier)
        return flat.transpose(3, 0, 1, 2)
    kernel = np.asarray(layer.kernel.data)
    if isinstance(layer, Conv1D):
        return kernel.transpose(2, 0, 1)[:, None]
    if isinstance(layer, Conv2DTranspose):  # (kh, kw, filters, channels)
        return kernel.transpose(2, 0, 1, 3)
    return kernel.transpose(3, 0, 1, 2)


def one_sample(model, x) -> np.ndarray:
    """``x`` as a batch of one sample of the model's input shape."""
    shapes = model.input_sample_shapes
    if shapes is None:
        raise ValueError(f"model {model.name!r} is not built: give it an Input or call it on "
                         f"data first")
    if len(shapes) != 1:
        raise ValueError(f"feature_maps draws a model of one input; model {model.name!r} has "
                         f"{len(shapes)}")
    try:
        sample = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"x must be an array (one sample); got {describe(x)}") from None
    expected = tuple(shapes[0])

    def fits(shape) -> bool:
        return len(shape) == len(expected) and all(
            e is None or e == s for e, s in zip(expected, shape))

    if fits(sample.shape):
        sample = sample[None]
    elif sample.ndim == len(expected) + 1 and fits(sample.shape[1:]):
        if len(sample) != 1:
            raise ValueError(f"x holds {len(sample)} samples; feature_maps draws one: pass "
                             f"x[i] (or x[i:i + 1])")
    else:
        raise ValueError(f"x must be one sample of shape {expected} (or a batch of one); got "
                         f"shape {sample.shape}")
    if not np.isfinite(sample).all():
        raise ValueError("x must be finite")
    return sample


def chosen_layers(model, layers) -> list:
    """The model's own layers that ``layers`` names (names, indices into ``model.layers`` or
    the layers), by default its convolutions, windowed poolings and residual blocks."""
    top = [layer for layer in model.layers if not isinstance(layer, InputLayer)]
    if layers is None:
        kinds = CONVOLUTIONS + POOLINGS + (Residual,)
        chosen = [layer for layer in top if isinstance(layer, kinds)]
        if not chosen:
            raise ValueError(f"model {model.name!r} has no convolution or pooling layer; its "
                             f"layers are {[layer.name for layer in top]} (name the layers to "
                             f"draw with layers=)")
        return chosen
    items = [layers] if isinstance(layers, (str, int, Layer)) else list(layers)
    if not items:
        raise ValueError("layers must name at least one layer")
    chosen = []
    for item in items:
        if isinstance(item, Layer):
            if not any(item is layer for layer in top):
                raise ValueError(f"layer {item.name!r} is not one of model {model.name!r}'s own "
                                 f"layers (feature maps are observed at those): "
                                 f"{[layer.name for layer in top]}")
            chosen.append(item)
        elif isinstance(item, str):
            chosen.append(model.get_layer(name=item))
        else:
            chosen.append(model.get_layer(index=item))
    return chosen

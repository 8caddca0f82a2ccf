"""Convolution layers, channels last, with Keras 3's names, arguments, defaults and weight
layouts: ``Conv1D``, ``Conv2D``, ``Conv2DTranspose``, ``DepthwiseConv2D``, ``SeparableConv2D``.

Each is one call of :func:`deepgrad.functional.conv` (or ``conv_transpose``) — the primitive
:class:`deepgrad.ops.Convolution`, with the bias and a ReLU, sigmoid or tanh fused — so the
graph, ``predict`` and ``fit``'s recorded steps all run the same definition.
"""

from __future__ import annotations

from .. import activations, functional, initializers, regularizers
from ..autograd.tensor import Tensor
from ..common.checks import check_bool, check_choice, check_positive_int, check_seed
from ..common.rng import as_generator
from ..ops import padding_amounts
from ..ops.convolution import output_length
from .base import Layer
from .channels_last import check_data_format, spatial_tuple
from .core import _FUSED_ACTIVATIONS, _NOT_FUSED, cast_to, seed_config

__all__ = ["Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D"]


class _Conv:
    """What the convolution layers share (mixed into :class:`Layer`): geometry, activation,
    bias, the kernel's initializer and regularizer, and the output shape."""

    rank = 2
    paddings = ("valid", "same")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = None if filters is None else check_positive_int(filters, "filters")
        self.kernel_size = spatial_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = spatial_tuple(strides, self.rank, "strides")
        self.padding = check_choice(padding.lower() if isinstance(padding, str) else padding,
                                    "padding", self.paddings)
        self.data_format = check_data_format(data_format)
        self.dilation_rate = spatial_tuple(dilation_rate, self.rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"strides > 1 and dilation_rate > 1 cannot be combined (as in Keras); "
                             f"got strides={self.strides}, dilation_rate={self.dilation_rate}")
        self.groups = check_positive_int(groups, "groups")
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(f"filters ({self.filters}) must be a multiple of groups ({self.groups})")
        self.activation = activations.get(activation)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.seed = check_seed(seed)
        self.kernel = None
        self.bias = None

    # ------------------------------------------------------------------ shapes
    def _channels(self, input_shape) -> int:
        name = type(self).__name__
        if len(input_shape) != self.rank + 2 or input_shape[-1] is None:
            raise ValueError(f"{name} {self.name!r} needs inputs of shape (batch, "
                             f"{'length' if self.rank == 1 else 'height, width'}, channels) with a "
                             f"known number of channels; got input shape {tuple(input_shape)}")
        return int(input_shape[-1])

    def _spatial_out(self, input_shape) -> tuple:
        out = []
        for length, k, s, d in zip(input_shape[1:-1], self.kernel_size, self.strides,
                                   self.dilation_rate):
            if length is None:
                out.append(None)
                continue
            before, after = padding_amounts(self.padding, length, k, s, d)
            out.append(output_length(length, k, s, d, before + after))
        return tuple(out)

    def _check_fits(self, x: Tensor) -> None:
        for length, out in zip(x.shape[1:-1], self._spatial_out(x.shape)):
            if out < 1:
                raise ValueError(f"{type(self).__name__} {self.name!r}: an input of shape "
                                 f"{x.shape} is smaller than the kernel {self.kernel_size} "
                                 f"(dilation {self.dilation_rate}) with padding {self.padding!r}")

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], *self._spatial_out(input_shape), self._out_channels(input_shape))

    def _out_channels(self, input_shape) -> int:
        return self.filters

    # ------------------------------------------------------------------ computing
    def _fused(self):
        return _FUSED_ACTIVATIONS.get(self.activation, _NOT_FUSED)

    def _conv(self, x: Tensor, kernel, bias, groups: int) -> Tensor:
        fused = self._fused()
        out = functional.conv(x, kernel, bias, strides=self.strides, dilation=self.dilation_rate,
                              padding=self.padding, groups=groups,
                              activation=None if fused is _NOT_FUSED else fused)
        return out if fused is not _NOT_FUSED else self.activation(out)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self._check_fits(x)
        x = cast_to(x, self.kernel.dtype)
        return self._conv(x, self.kernel, self.bias, self.groups)

    def build(self, input_shape: tuple) -> None:
        channels = self._channels(input_shape)
        if channels % self.groups:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {channels} input channels "
                             f"are not a multiple of groups ({self.groups})")
        rng = as_generator(self.seed)
        self.kernel = self.add_weight("kernel", self._kernel_shape(channels),
                                      self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, seed=rng)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self._out_channels(input_shape),),
                                        self.bias_initializer, regularizer=self.bias_regularizer,
                                        seed=rng)
        self.built = True

    def _kernel_shape(self, channels: int) -> tuple:
        return (*self.kernel_size, channels // self.groups, self.filters)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
            padding=self.padding, data_format=self.data_format,
            dilation_rate=self.dilation_rate, groups=self.groups,
            activation=activations.serialize(self.activation), use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            seed=seed_config(self.seed),
        )
        return config


class Conv2D(_Conv, Layer):
    """2-D convolution over ``(batch, height, width, channels)``: ``filters`` kernels of
    ``kernel_size``, stepped by ``strides``, spread by ``dilation_rate``; ``padding="same"``
    keeps ``ceil(size / stride)`` positions. ``groups`` splits the channels into groups each
    with its own filters.

    Weights: ``kernel`` ``(kh, kw, channels / groups, filters)``, ``bias`` ``(filters,)``.

    >>> import numpy as np
    >>> layer = Conv2D(8, 3, activation="relu", padding="same")
    >>> layer(np.zeros((2, 28, 28, 1), "float32")).shape, layer.count_params()
    ((2, 28, 28, 8), 80)
    """


class Conv1D(_Conv, Layer):
    """1-D convolution over ``(batch, length, channels)``; ``padding`` may also be
    ``"causal"`` (no output sees a later input), for sequences.

    Weights: ``kernel`` ``(k, channels / groups, filters)``, ``bias`` ``(filters,)``.

    >>> import numpy as np
    >>> layer = Conv1D(4, 3, padding="causal", dilation_rate=2)
    >>> layer(np.zeros((2, 10, 3), "float32")).shape, layer.count_params()
    ((2, 10, 4), 40)
    """

    rank = 1
    paddings = ("valid", "same", "causal")


class Conv2DTranspose(_Conv, Layer):
    """The transpose of a 2-D convolution (sometimes called deconvolution): each input position
    spreads a ``kernel_size`` patch into an output ``strides`` times larger — up-sampling in
    decoders and GAN generators. ``output_padding`` adds that many rows and columns at the end.

    Weights: ``kernel`` ``(kh, kw, filters, channels)`` (as Keras keeps it), ``bias``
    ``(filters,)``.

    >>> import numpy as np
    >>> layer = Conv2DTranspose(3, 3, strides=2, padding="same")
    >>> layer(np.zeros((1, 7, 7, 8), "float32")).shape, layer.count_params()
    ((1, 14, 14, 3), 219)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        if "groups" in kwargs:
            raise TypeError("Conv2DTranspose has no groups argument (as in Keras)")
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation=activation, use_bias=use_bias, **kwargs)
        self.output_padding = None if output_padding is None else spatial_tuple(
            output_padding, 2, "output_padding", minimum=0)
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"output_padding {self.output_padding} must be smaller than strides "
                             f"{self.strides}")

    def _geometry(self, length: int, axis: int) -> tuple[int, tuple[int, int]]:
        """The output length and the padding cut from the full scatter, as Keras computes."""
        k, s, d = self.kernel_size[axis], self.strides[axis], self.dilation_rate[axis]
        span = d * (k - 1) + 1
        if self.output_padding is None:
            out = length * s + max(span - s, 0) if self.padding == "valid" else length * s
            pads = padding_amounts(self.padding, out, k, s, d)
        else:
            pad = span // 2 if self.padding == "same" else 0
            out = (length - 1) * s + span - 2 * pad + self.output_padding[axis]
            pads = (pad, pad + self.output_padding[axis])
        return out, pads

    def _spatial_out(self, input_shape) -> tuple:
        return tuple(None if n is None else self._geometry(n, i)[0]
                     for i, n in enumerate(input_shape[1:-1]))

    def _kernel_shape(self, channels: int) -> tuple:
        return (*self.kernel_size, self.filters, channels)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        x = cast_to(x, self.kernel.dtype)
        geometry = [self._geometry(n, i) for i, n in enumerate(x.shape[1:3])]
        pads = tuple(p for _, p in geometry)
        full = tuple(out + p[0] + p[1] for out, p in geometry)
        out = functional.conv_transpose(x, self.kernel, self.bias, strides=self.strides,
                                        dilation=self.dilation_rate, pads=pads, full_size=full)
        return self.activation(out)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config


class DepthwiseConv2D(_Conv, Layer):
    """Each channel convolved with its own ``depth_multiplier`` kernels (no mixing across
    channels): the first half of a separable convolution, MobileNet's building block.

    Weights: ``kernel`` ``(kh, kw, channels, depth_multiplier)``, ``bias``
    ``(channels · depth_multiplier,)``.

    >>> import numpy as np
    >>> layer = DepthwiseConv2D(3, depth_multiplier=2)
    >>> layer(np.zeros((1, 5, 5, 4), "float32")).shape, layer.count_params()
    ((1, 3, 3, 8), 80)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(None, kernel_size, strides, padding, data_format, dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, **kwargs)
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier")

    def _out_channels(self, input_shape) -> int:
        return int(input_shape[-1]) * self.depth_multiplier

    def _kernel_shape(self, channels: int) -> tuple:
        return (*self.kernel_size, channels, self.depth_multiplier)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self._check_fits(x)
        x = cast_to(x, self.kernel.dtype)
        kh, kw, channels, multiplier = self.kernel.shape
        kernel = self.kernel.reshape(kh, kw, 1, channels * multiplier)
        return self._conv(x, kernel, self.bias, channels)

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("filters", "groups"):
            config.pop(key)
        config["depth_multiplier"] = self.depth_multiplier
        config["depthwise_initializer"] = config.pop("kernel_initializer")
        config["depthwise_regularizer"] = config.pop("kernel_regularizer")
        return config


class SeparableConv2D(_Conv, Layer):
    """A depthwise convolution (each channel on its own) followed by a 1×1 convolution mixing
    the channels into ``filters``: far fewer weights than a Conv2D of the same reach.

    Weights: ``depthwise_kernel`` ``(kh, kw, channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, 1, channels · depth_multiplier, filters)``, ``bias``
    ``(filters,)``.

    >>> import numpy as np
    >>> layer = SeparableConv2D(16, 3, padding="same")
    >>> layer(np.zeros((1, 8, 8, 4), "float32")).shape, layer.count_params()
    ((1, 8, 8, 16), 116)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, **kwargs)
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier")
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_kernel = None
        self.pointwise_kernel = None

    def build(self, input_shape: tuple) -> None:
        channels = self._channels(input_shape)
        rng = as_generator(self.seed)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", (*self.kernel_size, channels, self.depth_multiplier),
            self.kernel_initializer, regularizer=self.kernel_regularizer, seed=rng)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1, 1, channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, regularizer=self.pointwise_regularizer, seed=rng)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                        regularizer=self.bias_regularizer, seed=rng)
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self._check_fits(x)
        x = cast_to(x, self.depthwise_kernel.dtype)
        kh, kw, channels, multiplier = self.depthwise_kernel.shape
        depthwise = self.depthwise_kernel.reshape(kh, kw, 1, channels * multiplier)
        spread = functional.conv(x, depthwise, strides=self.strides, dilation=self.dilation_rate,
                                 padding=self.padding, groups=channels)
        fused = self._fused()
        out = functional.conv(spread, self.pointwise_kernel, self.bias,
                              activation=None if fused is _NOT_FUSED else fused)
        return out if fused is not _NOT_FUSED else self.activation(out)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("groups")
        config["depth_multiplier"] = self.depth_multiplier
        config["depthwise_initializer"] = config.pop("kernel_initializer")
        config["depthwise_regularizer"] = config.pop("kernel_regularizer")
        config["pointwise_initializer"] = initializers.serialize(self.pointwise_initializer)
        config["pointwise_regularizer"] = regularizers.serialize(self.pointwise_regularizer)
        return config


"""Pooling layers, channels last, with Keras 3's names, arguments and defaults: ``MaxPooling1D``,
``MaxPooling2D``, ``AveragePooling1D``, ``AveragePooling2D`` and the global poolings
``GlobalMaxPooling1D``, ``GlobalMaxPooling2D``, ``GlobalAveragePooling1D``,
``GlobalAveragePooling2D``.

The windowed poolings are one call of :func:`deepgrad.functional.max_pool` or
:func:`~deepgrad.functional.average_pool` (the primitives :class:`deepgrad.ops.MaxPool` and
:class:`~deepgrad.ops.AveragePool`): ``"same"`` pads as TensorFlow and Keras do (the odd one
after), the average leaves the padding out of each window's count, and the maximum's gradient
goes to the first maximum of a window. The global poolings are a mean or a maximum over the
spatial axes.

Inputs are ``(batch, steps, channels)`` (1-D) or ``(batch, height, width, channels)`` (2-D);
``data_format="channels_first"`` is refused (deepgrad's convolution layers are channels last).
"""

from __future__ import annotations

import numpy as np

from .. import functional
from ..autograd.tensor import Tensor
from ..common.checks import check_bool, check_choice
from .base import Layer
from .channels_last import check_data_format, check_input_rank, spatial_tuple

__all__ = ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D"]


class _Pooling:
    """What the windowed poolings share: the arguments, the output shape and the call.

    A mixin, not a Layer: it is no layer of its own (and so not registered)."""

    rank = 2
    _pool = None  # functional.max_pool or functional.average_pool

    def __init__(self, pool_size, strides, padding, data_format, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = spatial_tuple(pool_size, self.rank, "pool_size")
        self.strides = (self.pool_size if strides is None
                        else spatial_tuple(strides, self.rank, "strides"))
        self.padding = check_choice(padding.lower() if isinstance(padding, str) else padding,
                                    "padding", ("valid", "same"))
        self.data_format = check_data_format(data_format)

    def _spatial_out(self, input_shape) -> tuple:
        check_input_rank(self, input_shape)
        sizes = []
        for axis, (length, k, s) in enumerate(zip(input_shape[1:-1], self.pool_size, self.strides)):
            if length is None:
                sizes.append(None)
            elif self.padding == "same":
                sizes.append(-(-length // s))
            elif length < k:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r} with pool_size={self.pool_size} and "
                    f"padding='valid' needs inputs of at least {k} along axis {axis + 1}; got "
                    f"inputs of shape {tuple(input_shape)}")
            else:
                sizes.append((length - k) // s + 1)
        return tuple(sizes)

    def build(self, input_shape: tuple) -> None:
        self._spatial_out(input_shape)
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self._spatial_out(x.shape)  # the shape, not the values: fails before the primitive
        return self._pool(x, self.pool_size, self.strides, self.padding)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0],) + self._spatial_out(input_shape) + (input_shape[-1],)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(pool_size=list(self.pool_size), strides=list(self.strides),
                      padding=self.padding, data_format=self.data_format)
        return config


class MaxPooling1D(_Pooling, Layer):
    """The largest value of each window along the steps, per channel.

    Parameters
    ----------
    pool_size : int or tuple of 1 int, default 2
        The window's length.
    strides : int or tuple of 1 int, optional
        How far the window moves; by default ``pool_size`` (windows side by side).
    padding : {"valid", "same"}, default "valid"
        "valid": whole windows only, ``floor((steps - pool_size) / strides) + 1`` outputs.
        "same": ``ceil(steps / strides)`` outputs, the input padded evenly (the odd one after);
        padded positions never win.
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.

    Input ``(batch, steps, channels)``; output ``(batch, pooled_steps, channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 3.0, 2.0, 5.0, 4.0]).reshape(1, 5, 1)
    >>> MaxPooling1D()(x).numpy().ravel()
    array([3., 5.])
    >>> MaxPooling1D(2, 1, padding="same")(x).numpy().ravel()
    array([3., 3., 5., 5., 4.])
    >>> MaxPooling1D(3, 2).compute_output_shape((None, 9, 4))
    (None, 4, 4)
    """

    rank = 1
    _pool = staticmethod(functional.max_pool)

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling, Layer):
    """The largest value of each ``pool_size`` window over height and width, per channel.

    Parameters
    ----------
    pool_size : int or tuple of 2 int, default (2, 2)
        The window's height and width (an int: both).
    strides : int or tuple of 2 int, optional
        How far the window moves down and across; by default ``pool_size``.
    padding : {"valid", "same"}, default "valid"
        "valid": whole windows only, ``floor((n - pool) / stride) + 1`` outputs per axis.
        "same": ``ceil(n / stride)`` outputs per axis, the input padded evenly (the odd one
        after); padded positions never win.
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.

    Input ``(batch, height, width, channels)``; output ``(batch, pooled_height, pooled_width,
    channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> MaxPooling2D()(x).numpy()[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    >>> MaxPooling2D(3, strides=2, padding="same").compute_output_shape((None, 5, None, 8))
    (None, 3, None, 8)
    """

    rank = 2
    _pool = staticmethod(functional.max_pool)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling, Layer):
    """The mean of each window along the steps, per channel.

    Parameters
    ----------
    pool_size : int or tuple of 1 int, default 2
    strides : int or tuple of 1 int, optional
        By default ``pool_size``.
    padding : {"valid", "same"}, default "valid"
        As :class:`MaxPooling1D`; with "same", padded positions are not counted in a window's
        mean (as Keras).
    data_format : {"channels_last"}, optional

    Input ``(batch, steps, channels)``; output ``(batch, pooled_steps, channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 3.0, 2.0, 6.0, 4.0]).reshape(1, 5, 1)
    >>> AveragePooling1D()(x).numpy().ravel()
    array([2., 4.])
    >>> AveragePooling1D(padding="same")(x).numpy().ravel()  # the last window holds 4.0 alone
    array([2., 4., 4.])
    """

    rank = 1
    _pool = staticmethod(functional.average_pool)

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling, Layer):
    """The mean of each ``pool_size`` window over height and width, per channel.

    Parameters
    ----------
    pool_size : int or tuple of 2 int, default (2, 2)
    strides : int or tuple of 2 int, optional
        By default ``pool_size``.
    padding : {"valid", "same"}, default "valid"
        As :class:`MaxPooling2D`; with "same", padded positions are not counted in a window's
        mean (as Keras).
    data_format : {"channels_last"}, optional

    Input ``(batch, height, width, channels)``; output ``(batch, pooled_height, pooled_width,
    channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> AveragePooling2D()(x).numpy()[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """

    rank = 2
    _pool = staticmethod(functional.average_pool)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling:
    """What the global poolings share: the arguments, the axes and the output shape.

    A mixin, not a Layer: it is no layer of its own (and so not registered)."""

    rank = 2
    _reduce = None  # Tensor.max or Tensor.mean

    def __init__(self, data_format=None, *, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format)
        self.keepdims = check_bool(keepdims, "keepdims")

    def build(self, input_shape: tuple) -> None:
        check_input_rank(self, input_shape)
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        check_input_rank(self, x.shape)
        return self._reduce(x, axis=tuple(range(1, self.rank + 1)), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_input_rank(self, input_shape)
        spatial = (1,) * self.rank if self.keepdims else ()
        return (input_shape[0],) + spatial + (input_shape[-1],)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalMaxPooling1D(_GlobalPooling, Layer):
    """The largest value of each channel over the steps: ``(batch, steps, channels)``
    becomes ``(batch, channels)``.

    Parameters
    ----------
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.
    keepdims : bool, default False
        Keep the pooled axes, of size 1: ``(batch, 1, channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1.0, -2.0], [3.0, -1.0], [2.0, -5.0]]])
    >>> GlobalMaxPooling1D()(x).numpy()
    array([[ 3., -1.]])
    >>> GlobalMaxPooling1D(keepdims=True).compute_output_shape((None, None, 2))
    (None, 1, 2)
    """

    rank = 1
    _reduce = staticmethod(Tensor.max)


class GlobalMaxPooling2D(_GlobalPooling, Layer):
    """The largest value of each channel over height and width: ``(batch, height,
    width, channels)`` becomes ``(batch, channels)``.

    Parameters
    ----------
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.
    keepdims : bool, default False
        Keep the pooled axes, of size 1: ``(batch, 1, 1, channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> GlobalMaxPooling2D()(np.arange(12.0).reshape(1, 2, 2, 3)).numpy()
    array([[ 9., 10., 11.]])
    """

    rank = 2
    _reduce = staticmethod(Tensor.max)


class GlobalAveragePooling1D(_GlobalPooling, Layer):
    """The mean of each channel over the steps: ``(batch, steps, channels)`` becomes
    ``(batch, channels)``.

    Parameters
    ----------
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.
    keepdims : bool, default False
        Keep the pooled axes, of size 1: ``(batch, 1, channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1.0, -2.0], [3.0, -1.0], [2.0, -6.0]]])
    >>> GlobalAveragePooling1D()(x).numpy()
    array([[ 2., -3.]])
    """

    rank = 1
    _reduce = staticmethod(Tensor.mean)
    supports_masking = True  # the mean of the unmasked steps, as Keras (and no mask after)

    def call(self, x: Tensor, training: bool = False, mask=None) -> Tensor:
        if mask is None:
            return super().call(x, training)
        check_input_rank(self, x.shape)
        mask = mask if isinstance(mask, Tensor) else Tensor(np.asarray(mask, bool))
        keep = mask.astype(x.dtype)[:, :, None]
        return ((x * keep).sum(axis=1, keepdims=self.keepdims)
                / keep.sum(axis=1, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling, Layer):
    """The mean of each channel over height and width: ``(batch, height, width,
    channels)`` becomes ``(batch, channels)`` (before a classifier's ``Dense``, in place of
    ``Flatten``).

    Parameters
    ----------
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.
    keepdims : bool, default False
        Keep the pooled axes, of size 1: ``(batch, 1, 1, channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(12.0).reshape(1, 2, 2, 3)
    >>> GlobalAveragePooling2D()(x).numpy()
    array([[4.5, 5.5, 6.5]])
    >>> GlobalAveragePooling2D(keepdims=True)(x).shape
    (1, 1, 1, 3)
    """

    rank = 2
    _reduce = staticmethod(Tensor.mean)

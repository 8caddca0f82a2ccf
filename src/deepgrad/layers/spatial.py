"""Layers that resize the steps or the height and width of channels-last samples, with Keras 3's
names, arguments and defaults: ``UpSampling1D``, ``UpSampling2D``, ``ZeroPadding1D``,
``ZeroPadding2D``, ``Cropping1D`` and ``Cropping2D``.

Each is written with Tensor operations: padding is the primitive :class:`deepgrad.ops.Pad`,
cropping a slice, nearest up-sampling a product with ones broadcast over new axes (exact copies,
whose gradients are summed), bilinear up-sampling two products with constant interpolation
matrices (one per axis). Inputs are ``(batch, steps, channels)`` (1-D) or ``(batch, height,
width, channels)`` (2-D); ``data_format="channels_first"`` is refused, as in the pooling layers.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..autograd.tensor import Tensor, _apply
from ..common.checks import check_choice, check_positive_int, describe
from .base import Layer
from .channels_last import check_data_format, check_input_rank, is_int, spatial_tuple

__all__ = ["UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D",
           "Cropping2D"]

_SIDES = {
    1: "an int >= 0 or a tuple of 2 ints >= 0 (before, after)",
    2: "an int >= 0, a tuple of 2 ints >= 0 (height, width) or a tuple of 2 pairs of ints >= 0 "
       "((top, bottom), (left, right))",
}


def _sides(value, rank: int, name: str) -> tuple:
    """``value`` as one ``(before, after)`` pair of ints >= 0 per spatial axis: an int is the
    same on every side; in 2-D each of two entries is an int (both sides) or a pair."""
    expected = f"{name} must be {_SIDES[rank]}"
    if is_int(value):
        entries = [value] * (2 * rank)
    elif not isinstance(value, (tuple, list)):
        raise TypeError(f"{expected}; got {describe(value)}")
    elif rank == 2 and len(value) != 2:
        entries = None
    else:
        entries = []
        for side in [value] if rank == 1 else value:
            pair = [side, side] if is_int(side) and rank == 2 else side
            if not isinstance(pair, (tuple, list)):
                raise TypeError(f"{expected}; got {describe(value)}")
            if len(pair) != 2:
                entries = None
                break
            entries.extend(pair)
    if entries is not None and not all(is_int(v) for v in entries):
        raise TypeError(f"{expected}; got {describe(value)}")
    if entries is None or any(v < 0 for v in entries):
        raise ValueError(f"{expected}; got {value!r}")
    return tuple((int(entries[2 * i]), int(entries[2 * i + 1])) for i in range(rank))


class _Resize:
    """What the padding and cropping layers share: the sides, the checks and the config.

    A mixin, not a Layer: it is no layer of its own (and so not registered)."""

    rank = 2
    sign = 1  # +1 pads, -1 crops
    argument = "padding"
    takes_data_format = True  # Cropping1D takes none (as in Keras)

    def __init__(self, sides, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.sides = _sides(sides, self.rank, self.argument)
        self.data_format = check_data_format(data_format)

    def _spatial_out(self, input_shape) -> tuple:
        check_input_rank(self, input_shape)
        sizes = []
        for axis, (length, (before, after)) in enumerate(zip(input_shape[1:-1], self.sides)):
            if length is not None and self.sign < 0 and before + after >= length:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r} cannot crop {before} + {after} of "
                    f"{length} along axis {axis + 1} (inputs of shape {tuple(input_shape)}): "
                    f"cropping must leave at least one")
            sizes.append(None if length is None else length + self.sign * (before + after))
        return tuple(sizes)

    def build(self, input_shape: tuple) -> None:
        self._spatial_out(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0],) + self._spatial_out(input_shape) + (input_shape[-1],)

    def get_config(self) -> dict:
        config = super().get_config()
        sides = [list(pair) for pair in self.sides]
        config[self.argument] = sides[0] if self.rank == 1 else sides
        if self.takes_data_format:
            config["data_format"] = self.data_format
        return config


class _ZeroPadding(_Resize):
    """Zeros around the steps, or around height and width (:class:`deepgrad.ops.Pad`)."""

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self._spatial_out(x.shape)
        return _apply(ops.Pad(((0, 0),) + self.sides + ((0, 0),)), x)


class _Cropping(_Resize):
    """The middle of the steps, or of height and width (a slice)."""

    sign = -1
    argument = "cropping"

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self._spatial_out(x.shape)
        kept = tuple(slice(before, length - after)
                     for length, (before, after) in zip(x.shape[1:-1], self.sides))
        return x[(slice(None),) + kept]


class ZeroPadding1D(_ZeroPadding, Layer):
    """Adds zeros before and after the steps: ``(batch, steps, channels)`` becomes ``(batch,
    before + steps + after, channels)``.

    Parameters
    ----------
    padding : int or tuple of 2 int, default 1
        Zeros before and after (an int: as many on both sides).
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.

    Examples
    --------
    >>> import numpy as np
    >>> ZeroPadding1D((1, 2))(np.array([[[1.0], [2.0]]])).numpy().ravel()
    array([0., 1., 2., 0., 0.])
    """

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)

    @property
    def padding(self) -> tuple:
        """``(before, after)``."""
        return self.sides[0]


class ZeroPadding2D(_ZeroPadding, Layer):
    """Adds rows of zeros above and below, and columns of zeros left and right, of
    ``(batch, height, width, channels)``.

    Parameters
    ----------
    padding : int, tuple of 2 int, or tuple of 2 tuples of 2 int, default (1, 1)
        An int: the same on all four sides; ``(h, w)``: ``h`` rows above and below, ``w``
        columns left and right; ``((top, bottom), (left, right))``.
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.

    Examples
    --------
    >>> import numpy as np
    >>> ZeroPadding2D(((1, 0), (0, 2)))(np.ones((1, 2, 2, 1))).numpy()[0, :, :, 0]
    array([[0., 0., 0., 0.],
           [1., 1., 0., 0.],
           [1., 1., 0., 0.]])
    >>> ZeroPadding2D().compute_output_shape((None, 28, None, 3))
    (None, 30, None, 3)
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)

    @property
    def padding(self) -> tuple:
        """``((top, bottom), (left, right))``."""
        return self.sides


class Cropping1D(_Cropping, Layer):
    """Removes steps at the start and the end: ``(batch, steps, channels)`` becomes ``(batch,
    steps - start - end, channels)``.

    Parameters
    ----------
    cropping : int or tuple of 2 int, default (1, 1)
        Steps removed at the start and at the end (an int: as many at both).

    Examples
    --------
    >>> import numpy as np
    >>> Cropping1D((1, 2))(np.arange(5.0).reshape(1, 5, 1)).numpy().ravel()
    array([1., 2.])
    """

    rank = 1
    takes_data_format = False

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)

    @property
    def cropping(self) -> tuple:
        """``(start, end)``."""
        return self.sides[0]


class Cropping2D(_Cropping, Layer):
    """Removes rows at the top and bottom, and columns at the left and right, of ``(batch,
    height, width, channels)``.

    Parameters
    ----------
    cropping : int, tuple of 2 int, or tuple of 2 tuples of 2 int, default ((0, 0), (0, 0))
        As ``ZeroPadding2D``'s ``padding``: ``((top, bottom), (left, right))`` in full.
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> Cropping2D(((1, 0), (1, 2)))(x).numpy()[0, :, :, 0]
    array([[ 5.],
           [ 9.],
           [13.]])
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)

    @property
    def cropping(self) -> tuple:
        """``((top, bottom), (left, right))``."""
        return self.sides


def _repeated(x: Tensor, sizes: tuple) -> Tensor:
    """Each step (or row, and column) of ``x`` repeated ``sizes`` times in a row, as
    ``np.repeat`` does: one product with ones over a new axis after each spatial axis, so the
    values are exact copies and the gradient is their sum."""
    batch, *spatial, channels = x.shape
    spread = x.reshape((batch,) + sum(((n, 1) for n in spatial), ()) + (channels,))
    ones = np.ones((1,) + sum(((1, size) for size in sizes), ()) + (1,), x.dtype)
    grown = tuple(n * size for n, size in zip(spatial, sizes))
    return (spread * ones).reshape((batch,) + grown + (channels,))


def _linear_matrix(length: int, factor: int, dtype) -> np.ndarray:
    """``(1, length·factor, length)``: output ``i`` is the linear interpolation of the input at
    ``(i + 0.5) / factor − 0.5`` (half-pixel centers), clamped to the edges — what Keras's
    ``"bilinear"`` resize (and PyTorch's with ``align_corners=False``) does along one axis."""
    out = np.arange(length * factor)
    source = np.clip((out + 0.5) / factor - 0.5, 0, length - 1)
    low = np.floor(source).astype(np.intp)
    high = np.minimum(low + 1, length - 1)
    matrix = np.zeros((length * factor, length))
    np.add.at(matrix, (out, low), 1.0 - (source - low))
    np.add.at(matrix, (out, high), source - low)
    return matrix.astype(dtype)[None]  # a leading 1, not a batch-long constant


class UpSampling1D(Layer):
    """Repeats each step ``size`` times: ``(batch, steps, channels)`` becomes ``(batch, steps ·
    size, channels)``.

    Parameters
    ----------
    size : int >= 1, default 2

    Examples
    --------
    >>> import numpy as np
    >>> UpSampling1D(3)(np.array([[[1.0], [2.0]]])).numpy().ravel()
    array([1., 1., 1., 2., 2., 2.])
    """

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = check_positive_int(size, "size")

    def build(self, input_shape: tuple) -> None:
        check_input_rank(self, input_shape)
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        check_input_rank(self, x.shape)
        return _repeated(x, (self.size,))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_input_rank(self, input_shape)
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps * self.size, input_shape[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size}


_NOT_IMPLEMENTED = ("bicubic", "lanczos3", "lanczos5", "area")


class UpSampling2D(Layer):
    """Enlarges height and width by whole factors: ``(batch, height, width, channels)`` becomes
    ``(batch, height · size[0], width · size[1], channels)``.

    Parameters
    ----------
    size : int or tuple of 2 int, default (2, 2)
        The factors for rows and columns (an int: both).
    data_format : {"channels_last"}, optional
        ``"channels_first"`` raises ``ValueError``: deepgrad is channels last.
    interpolation : {"nearest", "bilinear"}, default "nearest"
        "nearest" repeats rows and columns; "bilinear" interpolates linearly along each axis
        between pixel centers, the edges clamped, as Keras 3 (``keras.ops.image.resize``) and
        PyTorch (``align_corners=False``) do. Keras's other methods are refused.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    >>> UpSampling2D((1, 2))(x).numpy()[0, :, :, 0]
    array([[1., 1., 2., 2.],
           [3., 3., 4., 4.]])
    >>> UpSampling2D((1, 2), interpolation="bilinear")(x).numpy()[0, :, :, 0]
    array([[1.  , 1.25, 1.75, 2.  ],
           [3.  , 3.25, 3.75, 4.  ]])
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = spatial_tuple(size, 2, "size")
        self.data_format = check_data_format(data_format)
        if isinstance(interpolation, str) and interpolation.lower() in _NOT_IMPLEMENTED:
            raise ValueError(f"interpolation must be 'nearest' or 'bilinear' (deepgrad does not "
                             f"implement Keras's {interpolation.lower()!r}); got "
                             f"{interpolation!r}")
        self.interpolation = check_choice(
            interpolation.lower() if isinstance(interpolation, str) else interpolation,
            "interpolation", ("nearest", "bilinear"))

    def build(self, input_shape: tuple) -> None:
        check_input_rank(self, input_shape)
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        check_input_rank(self, x.shape)
        if self.interpolation == "nearest":
            return _repeated(x, self.size)
        (batch, height, width, channels), (down, across) = x.shape, self.size
        if down > 1:  # every column at once: (height·down, height) @ (height, width·channels)
            rows = Tensor(_linear_matrix(height, down, x.dtype))
            x = (rows @ x.reshape(batch, height, width * channels)).reshape(
                batch, height * down, width, channels)
        if across > 1:  # every row at once: (width·across, width) @ (width, channels)
            columns = Tensor(_linear_matrix(width, across, x.dtype))
            x = (columns @ x.reshape(batch * x.shape[1], width, channels)).reshape(
                batch, x.shape[1], width * across, channels)
        return x

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_input_rank(self, input_shape)
        height, width = (None if n is None else n * factor
                         for n, factor in zip(input_shape[1:3], self.size))
        return (input_shape[0], height, width, input_shape[3])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(size=list(self.size), data_format=self.data_format,
                      interpolation=self.interpolation)
        return config

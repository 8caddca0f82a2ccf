"""Image augmentation layers with Keras 3's names, arguments and defaults: ``RandomFlip``,
``RandomRotation`` (by quarter turns), ``RandomTranslation``, ``RandomZoom`` and ``RandomCrop``.

They transform the images, each on its own draw, while a model trains (``training=True``, as
``fit`` calls them) and pass them unchanged at inference (the default, as ``predict`` calls them;
``RandomCrop`` then resizes its centered window). Inputs are channels last: ``(batch, height,
width, channels)`` or one image ``(height, width, channels)``. ``RandomCrop`` is in
:mod:`deepgrad.layers.random_crop`. Every transform is the primitive
:class:`deepgrad.ops.Resample`, which draws its coordinates in its forward pass: recorded steps
(:mod:`deepgrad.compile`) draw afresh for every batch, and gradients reach the input, as in Keras.
Each layer keeps one generator, made from ``seed`` on first use (as ``Dropout``).
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from ..autograd.tensor import Tensor, _apply
from ..common.checks import (
    check_choice,
    check_number,
    check_seed,
    describe,
)
from ..common.rng import as_generator
from ..ops.resample import FILL_MODES, INTERPOLATIONS
from .base import Layer
from .channels_last import check_data_format
from .core import seed_config

__all__ = ["RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom"]


def _factor(value, name: str, *, low: float = -1.0, low_open: bool = False) -> tuple:
    """Keras's factor: a number ``f`` (the range ``[-|f|, |f|]``) or a pair ``(lower, upper)``
    (in either order), each bound in ``[low, 1]``, as ``(lower, upper)`` floats."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be a number or a pair (lower, upper); got {value!r}")
        bounds = [check_number(v, name, low=low, high=1.0, low_open=low_open) for v in value]
        return tuple(sorted(bounds))
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a pair (lower, upper); got {describe(value)}")
    magnitude = abs(check_number(value, name, low=-1.0, high=1.0))
    check_number(-magnitude, name, low=low, low_open=low_open)
    return -magnitude, magnitude


def _factor_config(value):
    """A factor as given, in a form that survives JSON (a pair becomes a list)."""
    return [float(v) for v in value] if isinstance(value, (tuple, list)) else float(value)


class _Augmentation:
    """What the augmentation layers share: the seed and its generator, the input checks, the
    batch axis added to a single image, and the Resample primitive in training.

    A mixin, not a Layer: it is no layer of its own (and so not registered)."""

    _untracked_attributes = Layer._untracked_attributes | {"_generator"}
    interpolation, fill_mode, fill_value = "nearest", "constant", 0.0
    #: whether inference changes the images too (RandomCrop), else it is the identity
    changes_at_inference = False

    def _init_augmentation(self, seed, data_format) -> None:
        self.seed, self._generator = check_seed(seed), None  # the generator: on first use
        self.data_format = check_data_format(data_format)

    def generator(self) -> np.random.Generator:
        """The layer's random generator, made from ``seed`` on first use."""
        if self._generator is None:
            self._generator = as_generator(self.seed)
        return self._generator

    def _check_shape(self, shape) -> None:
        if len(shape) not in (3, 4):
            raise ValueError(f"{type(self).__name__} {self.name!r} needs images of shape "
                             f"(batch, height, width, channels) or (height, width, channels); "
                             f"got {tuple(shape)}")

    def build(self, input_shape: tuple) -> None:
        self._check_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        self._check_shape(input_shape)
        return tuple(input_shape)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self._check_shape(x.shape)
        if not training and not self.changes_at_inference:
            return x
        batch = x if x.ndim == 4 else x.reshape((1,) + x.shape)
        coordinates = self._coordinates if training else self._inference_coordinates
        out = _apply(ops.Resample(coordinates, self.interpolation, self.fill_mode,
                                  self.fill_value), batch)
        return out if x.ndim == 4 else out.reshape(out.shape[1:])

    def _grid(self, shape):
        """Row and column indices of an image, shaped to broadcast to (batch, height, width)."""
        return np.arange(shape[1]).reshape(1, -1, 1), np.arange(shape[2]).reshape(1, 1, -1)

    def get_config(self) -> dict:
        return {**Layer.get_config(self), "seed": seed_config(self.seed),
                "data_format": self.data_format}


class _Warp(_Augmentation):
    """The interpolation and fill settings of the layers that move pixels by fractions."""

    def _init_warp(self, fill_mode, interpolation, fill_value) -> None:
        self.fill_mode = check_choice(fill_mode, "fill_mode", FILL_MODES)
        self.interpolation = check_choice(interpolation, "interpolation", INTERPOLATIONS)
        self.fill_value = check_number(fill_value, "fill_value")

    def get_config(self) -> dict:
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


class RandomFlip(_Augmentation, Layer):
    """Flips each image left-right and/or top-bottom at random while training.

    With ``mode="horizontal_and_vertical"`` each image is flipped left-right with probability
    1/2 and, independently, top-bottom with probability 1/2 (so all four orientations are
    equally likely), as tf.keras did; Keras 3 draws one coin per image for both flips (an image
    is flipped both ways or not at all). Inference (``training=False``) is the identity.

    Parameters
    ----------
    mode : {"horizontal_and_vertical", "horizontal", "vertical"}
        ``"horizontal"`` flips left-right (the width axis), ``"vertical"`` top-bottom.
    seed : int or numpy.random.Generator, optional
    data_format : {"channels_last"}, optional

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(4.0).reshape(1, 2, 2, 1)
    >>> layer = RandomFlip("horizontal", seed=3)
    >>> layer(image)[0, :, :, 0].numpy()  # inference: unchanged
    array([[0., 1.],
           [2., 3.]])
    >>> layer(image, training=True)[0, :, :, 0].numpy()  # this draw flips left-right
    array([[1., 0.],
           [3., 2.]])
    """

    MODES = ("horizontal_and_vertical", "horizontal", "vertical")

    def __init__(self, mode="horizontal_and_vertical", *, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.mode = check_choice(mode, "mode", self.MODES)
        self._init_augmentation(seed, data_format)

    def _coordinates(self, shape):
        rows, cols = self._grid(shape)
        batch, height, width, _ = shape
        rng = self.generator()
        if self.mode != "vertical":
            flip = rng.random(batch).reshape(-1, 1, 1) < 0.5
            cols = np.where(flip, width - 1 - cols, cols)
        if self.mode != "horizontal":
            flip = rng.random(batch).reshape(-1, 1, 1) < 0.5
            rows = np.where(flip, height - 1 - rows, rows)
        return rows, cols

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}


class RandomRotation(_Warp, Layer):
    """Rotates each image by a random number of quarter turns (multiples of 90°) while training.

    How this differs from Keras: Keras's ``RandomRotation`` turns by any angle drawn uniformly
    from ``factor`` (a fraction of a full turn) and interpolates; this one only by whole quarter
    turns, which move pixels exactly: each image takes one of the distinct rotations by ``k ·
    90°`` with ``k`` a whole number in ``[4 · lower, 4 · upper]``, all equally likely. So the
    bounds of ``factor`` must be multiples of 0.25 (``0.25`` allows -90°, 0° and 90°;
    ``(0, 0.75)`` or ``0.5`` all four orientations); other values are refused. Quarter turns
    need square images (others are refused); a half turn, ``factor=(0.5, 0.5)``, fits any.
    Positive angles turn counter-clockwise (as ``np.rot90``), as in Keras. Inference is the
    identity.

    Parameters
    ----------
    factor : float or (float, float)
        Fraction of a full turn: ``f`` means ``[-f, f]``; a multiple of 0.25 in ``[-1, 1]``.
    fill_mode, interpolation, fill_value
        Keras's arguments, checked and kept in the config; quarter turns never need them.
    seed : int or numpy.random.Generator, optional
    data_format : {"channels_last"}, optional

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(4.0).reshape(1, 2, 2, 1)
    >>> RandomRotation((0.25, 0.25))(image, training=True)[0, :, :, 0].numpy()  # 90° always
    array([[1., 3.],
           [0., 2.]])
    >>> RandomRotation(0.1)
    Traceback (most recent call last):
    ...
    ValueError: RandomRotation turns by multiples of 90° only: factor must be a multiple of 0.25 \
(a quarter turn) or a pair of them; got 0.1 (36°)
    """

    def __init__(self, factor, *, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(**kwargs)
        lower, upper = _factor(factor, "factor")
        for bound in (lower, upper):
            if abs(4 * bound - round(4 * bound)) > 1e-9:
                raise ValueError(
                    "RandomRotation turns by multiples of 90° only: factor must be a multiple "
                    f"of 0.25 (a quarter turn) or a pair of them; got {factor!r} "
                    f"({abs(bound) * 360:g}°)")
        self.factor = factor
        #: the distinct quarter turns allowed, counter-clockwise, each in 0..3
        self.turns = sorted({k % 4 for k in range(round(4 * lower), round(4 * upper) + 1)})
        self._init_warp(fill_mode, interpolation, fill_value)
        self._init_augmentation(seed, data_format)

    def _check_shape(self, shape) -> None:
        super()._check_shape(shape)
        height, width = shape[-3:-1]
        if height != width and None not in (height, width) and {1, 3} & set(self.turns):
            raise ValueError(
                f"RandomRotation {self.name!r} turns by 90° (factor={self.factor!r}), which "
                f"needs square images; got height {height} and width {width}. Crop or pad the "
                "images square, or use factor=(0.5, 0.5): a half turn, which fits any shape")

    def _coordinates(self, shape):
        rows, cols = self._grid(shape)
        last = shape[1] - 1
        rows, cols = np.broadcast_arrays(rows, cols)  # indices of turns 0 .. 3 (square for 1, 3)
        grids = {0: (rows, cols), 1: (cols, last - rows), 2: (last - rows, shape[2] - 1 - cols),
                 3: (shape[2] - 1 - cols, rows)}
        turns = self.generator().choice(self.turns, size=shape[0])
        return (np.stack([grids[k][0] for k in turns])[:, 0],
                np.stack([grids[k][1] for k in turns])[:, 0])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": _factor_config(self.factor)}


class RandomTranslation(_Warp, Layer):
    """Shifts each image by a random fraction of its height and width while training.

    Keras's semantics: the vertical shift is drawn uniformly from ``height_factor`` times the
    height (positive moves the image down), the horizontal one from ``width_factor`` times the
    width (positive moves it right), per image; the shift may be fractional, and the pixels are
    read with ``interpolation`` (``"bilinear"``: weighted between neighbours; ``"nearest"``:
    whole-pixel shifts). The region shifted in is filled by ``fill_mode``. For the same shifts
    the output is that of Keras 3 (on JAX). Inference is the identity.

    Parameters
    ----------
    height_factor, width_factor : float or (float, float)
        ``f`` means ``[-f, f]``; a pair is ``(lower, upper)``; each in ``[-1, 1]``.
    fill_mode : {"reflect", "wrap", "constant", "nearest"}, default "reflect"
        Outside the image: ``(d c b a | a b c d | d c b a)``, ``(a b c d | a b c d)``,
        ``(k k k k | a b c d)`` with ``k = fill_value``, or ``(a a a a | a b c d)``.
    interpolation : {"bilinear", "nearest"}, default "bilinear"
    seed : int or numpy.random.Generator, optional
    fill_value : float, default 0.0
    data_format : {"channels_last"}, optional

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(1.0, 5.0).reshape(1, 1, 4, 1)
    >>> shift = RandomTranslation(0.0, (0.25, 0.25), fill_mode="constant")  # one pixel right
    >>> shift(image, training=True)[0, 0, :, 0].numpy()
    array([0., 1., 2., 3.])
    """

    def __init__(self, height_factor, width_factor, *, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.height_range = _factor(height_factor, "height_factor")
        self.width_range = _factor(width_factor, "width_factor")
        self.height_factor, self.width_factor = height_factor, width_factor
        self._init_warp(fill_mode, interpolation, fill_value)
        self._init_augmentation(seed, data_format)

    def _coordinates(self, shape):
        rows, cols = self._grid(shape)
        batch, height, width, _ = shape
        rng = self.generator()
        down = rng.uniform(*self.height_range, size=batch).reshape(-1, 1, 1) * height
        right = rng.uniform(*self.width_range, size=batch).reshape(-1, 1, 1) * width
        return rows - down, cols - right

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": _factor_config(self.height_factor),
                "width_factor": _factor_config(self.width_factor)}


class RandomZoom(_Warp, Layer):
    """Zooms each image in or out by a random amount while training, about its center.

    Keras's semantics: the vertical zoom is ``1 + z`` with ``z`` drawn uniformly from
    ``height_factor`` (positive zooms out: the image shrinks and ``fill_mode`` fills around it;
    negative zooms in), the horizontal one from ``width_factor``, or the same as the vertical
    one when ``width_factor`` is None (keeping the aspect ratio). For the same zooms the output
    is that of Keras 3 (on JAX); ``interpolation="nearest"`` gives a nearest-neighbour zoom.
    Inference is the identity.

    Parameters
    ----------
    height_factor : float or (float, float)
        ``f`` means ``[-f, f]``; a pair is ``(lower, upper)``; each in ``(-1, 1]``.
    width_factor : float or (float, float), optional
    fill_mode : {"reflect", "wrap", "constant", "nearest"}, default "reflect"
    interpolation : {"bilinear", "nearest"}, default "bilinear"
    seed : int or numpy.random.Generator, optional
    fill_value : float, default 0.0
    data_format : {"channels_last"}, optional

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(1.0, 6.0).reshape(1, 1, 5, 1)
    >>> zoom = RandomZoom(0.0, (-0.5, -0.5))  # in, twice as large: the middle 3 pixels fill 5
    >>> zoom(image, training=True)[0, 0, :, 0].numpy()
    array([2. , 2.5, 3. , 3.5, 4. ])
    """

    def __init__(self, height_factor, width_factor=None, *, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.height_range = _factor(height_factor, "height_factor", low_open=True)
        self.width_range = (None if width_factor is None
                            else _factor(width_factor, "width_factor", low_open=True))
        self.height_factor, self.width_factor = height_factor, width_factor
        self._init_warp(fill_mode, interpolation, fill_value)
        self._init_augmentation(seed, data_format)

    def _coordinates(self, shape):
        rows, cols = self._grid(shape)
        batch, height, width, _ = shape
        rng = self.generator()
        zoom_rows = 1.0 + rng.uniform(*self.height_range, size=batch).reshape(-1, 1, 1)
        zoom_cols = (zoom_rows if self.width_range is None else
                     1.0 + rng.uniform(*self.width_range, size=batch).reshape(-1, 1, 1))
        return (zoom_rows * rows + (height - 1) / 2 * (1.0 - zoom_rows),
                zoom_cols * cols + (width - 1) / 2 * (1.0 - zoom_cols))

    def get_config(self) -> dict:
        width = None if self.width_factor is None else _factor_config(self.width_factor)
        return {**super().get_config(), "height_factor": _factor_config(self.height_factor),
                "width_factor": width}

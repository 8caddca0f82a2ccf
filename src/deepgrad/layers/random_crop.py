"""``RandomCrop``: a random window of the images while training; at inference the largest
centred window of the target's proportions, resized to it (as Keras documents). Built on the
augmentation layers' base (:mod:`deepgrad.layers.augmentation`) and the ``Resample`` primitive.
"""

from __future__ import annotations

import numpy as np

from ..common.checks import check_positive_int
from .augmentation import _Augmentation
from .base import Layer

__all__ = ["RandomCrop"]


class RandomCrop(_Augmentation, Layer):
    """Crops a random ``height × width`` window while training; at inference, resizes the
    centered window of the target's aspect ratio.

    In training, when the images are at least ``height × width``, one window position is drawn
    uniformly per batch (all images of a batch are cropped at the same place, as in Keras).
    At inference, and in training when the images are smaller than the target, the largest
    centered window with the target's aspect ratio is cut out and resized to ``height ×
    width`` (bilinear, half-pixel centers, no antialiasing: Keras's ``image.resize``), as
    Keras documents (and tf.keras did): a 32×32 image becomes its 28×28 reduction, not its
    center. Keras 3.15's code leaves images unchanged at inference, against its documentation
    and its own output shape (keras-team/keras#21868); deepgrad follows the documentation.

    Parameters
    ----------
    height, width : int
        The output size.
    seed : int or numpy.random.Generator, optional
    data_format : {"channels_last"}, optional

    Examples
    --------
    >>> import numpy as np
    >>> images = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> crop = RandomCrop(2, 2, seed=0)
    >>> crop(images, training=True).shape
    (1, 2, 2, 1)
    >>> crop(images)[0, :, :, 0].numpy()  # inference: the whole image, resized
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """

    changes_at_inference = True
    interpolation, fill_mode = "bilinear", "nearest"

    def __init__(self, height, width, *, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = check_positive_int(height, "height")
        self.width = check_positive_int(width, "width")
        self._init_augmentation(seed, data_format)

    def _coordinates(self, shape):
        _, height, width, _ = shape
        if height < self.height or width < self.width:
            return self._inference_coordinates(shape)
        rng = self.generator()
        top = rng.integers(0, height - self.height + 1)
        left = rng.integers(0, width - self.width + 1)
        return (top + np.arange(self.height).reshape(1, -1, 1),
                left + np.arange(self.width).reshape(1, 1, -1))

    def _inference_coordinates(self, shape):
        """The centered window of the target's aspect ratio, resized to the target."""
        _, height, width, _ = shape
        window_height = max(min(height, int(width * self.height / self.width)), 1)
        window_width = max(min(width, int(height * self.width / self.height)), 1)
        top, left = (height - window_height) // 2, (width - window_width) // 2
        return (_resized(top, window_height, self.height).reshape(1, -1, 1),
                _resized(left, window_width, self.width).reshape(1, 1, -1))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        self._check_shape(input_shape)
        return (*input_shape[:-3], self.height, self.width, input_shape[-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width}


def _resized(start: int, size: int, target: int) -> np.ndarray:
    """Where each of ``target`` pixels reads the window ``[start, start + size)`` resized to
    ``target`` pixels: whole pixels when the sizes agree, else half-pixel centers clamped to the
    window (which is the edge handling of ``jax.image.resize``)."""
    if size == target:
        return start + np.arange(target)
    centers = (np.arange(target) + 0.5) * (size / target) - 0.5
    return start + np.clip(centers, 0.0, size - 1.0)

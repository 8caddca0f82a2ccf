"""Preprocessing layers: ``Normalization`` (statistics learned by ``adapt``) and ``Rescaling``."""

from __future__ import annotations

import itertools
import math
from numbers import Integral, Real

import numpy as np

from .. import functional
from ..autograd.tensor import Tensor
from ..common.checks import check_bool, check_positive_int, describe
from .base import Layer
from .core import cast_to

__all__ = ["Normalization", "Rescaling"]

#: The smallest standard deviation ``Normalization`` divides by (Keras's ``backend.epsilon()``).
EPSILON = 1e-7


def _check_axes(axis) -> tuple:
    """Normalization's ``axis`` as a tuple of ints (``()`` for None)."""
    if axis is None:
        return ()
    items = [axis] if isinstance(axis, Integral) and not isinstance(axis, bool) else axis
    if (not isinstance(items, (list, tuple))
            or not all(isinstance(a, Integral) and not isinstance(a, bool) for a in items)):
        raise TypeError(f"axis must be an int, a list of ints or None; got {describe(axis)}")
    if len(set(items)) != len(items):
        raise ValueError(f"axis must not repeat an axis; got {axis!r}")
    return tuple(int(a) for a in items)


def _check_values(value, name: str, *, low=None) -> np.ndarray:
    """A number or an array of finite numbers (>= ``low``) as a float64 array."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers; got "
                        f"{describe(value)}") from None
    if isinstance(value, (str, bytes, bool)) or np.asarray(value).dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a number or an array of numbers; got {describe(value)}")
    bad = ~np.isfinite(array) if low is None else ~(np.isfinite(array) & (array >= low))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        expected = "finite" if low is None else f"finite and >= {low:g}"
        raise ValueError(f"{name} must be {expected}; got {float(array[index])!r}"
                         + (f" at index {index}" if index else ""))
    return array


def _batch_of(item) -> np.ndarray:
    """The inputs of one batch of an iterable given to ``adapt``: ``x`` of ``(x, y[, w])``."""
    if isinstance(item, tuple):
        item = item[0]
    if isinstance(item, Tensor):
        return item.data
    if not hasattr(item, "shape"):
        raise TypeError(f"adapt needs an array, a Tensor or an iterable of batches (arrays, or "
                        f"(x, y) tuples); one batch was {describe(item)}")
    return np.asarray(item)


class Normalization(Layer):
    """``(x − mean) / max(√variance, 1e-7)``, with one mean and variance per index of ``axis``.

    The statistics come from ``mean=``/``variance=``, or from the data by :meth:`adapt`, which
    stores them as non-trainable weights (``mean``, ``variance`` and ``count``, as in Keras 3)
    that are saved with the model. Before ``adapt`` the layer is the identity (mean 0,
    variance 1).

    Parameters
    ----------
    axis : int, list of int or None, default -1
        The axes that keep separate statistics (the others, the batch axis among them, are
        averaged over): -1 is one mean and variance per feature of ``(n_samples, n_features)``
        inputs; None is a single mean and variance for all values.
    mean, variance : float or array_like, optional
        Fixed statistics, given together; broadcast to the kept axes (aligned from the last).
        The layer then has no weights and ``adapt`` is not available.
    invert : bool, default False
        Map normalized values back: ``x · max(√variance, 1e-7) + mean``.

    Attributes
    ----------
    adapt_mean, adapt_variance : Parameter of the kept axes' shape, non-trainable
        The statistics ``adapt`` computes (None with ``mean=``/``variance=``).
    count : Parameter of shape (), non-trainable
        How many values each statistic was computed from (Keras 3 keeps this weight for its
        older files and leaves it 0; here ``adapt`` records the count).

    Examples
    --------
    >>> import numpy as np
    >>> layer = Normalization()
    >>> layer.adapt(np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0]]))
    >>> layer.adapt_mean.numpy(), layer.adapt_variance.numpy()
    (array([1., 8., 5.], dtype=float32), array([1., 1., 1.], dtype=float32))
    >>> layer(np.array([[0.0, 7.0, 4.0]], dtype="float32")).numpy()
    array([[-1., -1., -1.]], dtype=float32)
    >>> Normalization(axis=None, mean=3.0, variance=4.0)(np.array([[1.0], [5.0]])).numpy()
    array([[-1.],
           [ 1.]])
    """

    def __init__(self, axis=-1, *, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axes(axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization needs mean and variance together, or neither (then "
                             f"adapt() computes them); got mean={mean!r} and variance={variance!r}")
        self.input_mean = None if mean is None else _check_values(mean, "mean")
        self.input_variance = None if variance is None else _check_values(variance, "variance", low=0)
        if mean is not None:
            if self.input_mean.shape != self.input_variance.shape:
                raise ValueError(f"mean and variance must have the same shape; got "
                                 f"{self.input_mean.shape} and {self.input_variance.shape}")
            if self.input_mean.ndim > len(self.axis):
                raise ValueError(f"mean and variance can have at most one axis per kept axis "
                                 f"(axis={self.axis!r}); got shape {self.input_mean.shape}")
        self.invert = check_bool(invert, "invert")
        self.adapt_mean = self.adapt_variance = self.count = None

    # ------------------------------------------------------------------ build
    def build(self, input_shape: tuple) -> None:
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"Normalization {self.name!r}: axis {self.axis} does not fit inputs "
                             f"of shape {tuple(input_shape)} (axes -{ndim} to {ndim - 1})")
        keep = tuple(sorted(a % ndim for a in self.axis))
        unknown = [a for a in keep if a == 0 or input_shape[a] is None]
        if unknown:
            raise ValueError(
                f"Normalization {self.name!r} keeps statistics along axis {unknown[0]} of inputs "
                f"of shape {tuple(input_shape)}, whose size is not known"
                + (" (it is the batch axis); for scalar samples use axis=None" if unknown[0] == 0
                   else ""))
        self._built_shape = tuple(input_shape)
        self._keep = keep
        self._reduce = tuple(d for d in range(ndim) if d not in keep)
        self._stats_shape = tuple(input_shape[d] for d in keep)
        self._broadcast_shape = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", self._stats_shape, "zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", self._stats_shape, "ones",
                                                  trainable=False)
            self.count = self.add_weight("count", (), "zeros", trainable=False)
        else:
            dtype = self._weight_dtype()
            self._mean = Tensor(self._broadcast(self.input_mean), dtype=dtype)
            self._variance = Tensor(self._broadcast(self.input_variance), dtype=dtype)
        self.built = True

    def _broadcast(self, value: np.ndarray) -> np.ndarray:
        """A given mean or variance in the inputs' broadcast shape: its axes are aligned with
        the kept axes from the last one."""
        expanded = [1] * len(self._broadcast_shape)
        for i, size in enumerate(value.shape[::-1]):
            expanded[self._keep[-1 - i]] = size
        try:
            return np.broadcast_to(value.reshape(expanded), self._broadcast_shape)
        except ValueError:
            raise ValueError(
                f"Normalization {self.name!r}: mean and variance of shape {value.shape} do not "
                f"broadcast to the kept axes' shape {self._stats_shape}") from None

    @property
    def mean(self) -> np.ndarray | None:
        """The mean used, in the inputs' broadcast shape (``(1, features)`` for axis=-1), as
        Keras shows it; None before the layer is built."""
        return self._statistic(self.adapt_mean, "_mean")

    @property
    def variance(self) -> np.ndarray | None:
        """The variance used, in the inputs' broadcast shape."""
        return self._statistic(self.adapt_variance, "_variance")

    def _statistic(self, weight, given: str):
        if not self.built:
            return None
        if weight is not None:
            return weight.data.reshape(self._broadcast_shape).copy()
        return getattr(self, given).data.copy()

    # ------------------------------------------------------------------ adapt
    def adapt(self, data, batch_size=None, *, steps=None) -> None:
        """Compute the mean and variance of ``data`` (in float64) and store them as weights.

        Parameters
        ----------
        data : array_like, Tensor or iterable of batches
            An array of samples, or an iterable of batches (arrays, or ``(x, y)`` tuples whose
            ``x`` is used), such as a list of arrays or a generator.
        batch_size : int, optional
            For an array: read it this many samples at a time (memory stays bounded, e.g. for a
            memmap). An iterable is already batched and takes no batch_size.
        steps : int, optional
            Read at most this many batches.

        The variance is the biased one (divided by the count), as Keras computes it; batches
        are combined exactly (Chan et al.'s pairwise update).
        """
        if batch_size is not None:
            check_positive_int(batch_size, "batch_size")
        if steps is not None:
            check_positive_int(steps, "steps")
        if self.input_mean is not None:
            raise ValueError(f"Normalization {self.name!r} was given mean and variance; adapt() "
                             f"would replace them. Create it without them to adapt it")
        if isinstance(data, Tensor):
            data = data.data
        if isinstance(data, np.ndarray):
            if data.ndim == 0 or len(data) == 0:
                raise ValueError(f"adapt needs at least one sample; got an array of shape "
                                 f"{data.shape}")
            size = len(data) if batch_size is None else batch_size
            batches = (data[i:i + size] for i in range(0, len(data), size))
        elif isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
            raise TypeError(f"adapt needs an array, a Tensor or an iterable of batches; got "
                            f"{describe(data)}")
        elif batch_size is not None:
            raise ValueError("batch_size is for array data; an iterable of batches is already "
                             f"batched; got batch_size={batch_size}")
        else:
            batches = (_batch_of(item) for item in data)
        mean = variance = None
        count = rows = 0
        for batch in itertools.islice(batches, steps):
            batch = self._adapt_batch(batch, rows)
            rows += len(batch)
            n = math.prod(batch.shape[d] for d in self._reduce)
            if n == 0:
                continue
            batch_mean = batch.mean(axis=self._reduce)
            batch_variance = batch.var(axis=self._reduce)
            if mean is None:
                mean, variance, count = batch_mean, batch_variance, n
                continue
            total = count + n
            delta = batch_mean - mean
            mean = mean + delta * (n / total)
            variance = (variance * count + batch_variance * n + delta**2 * (count * n / total)) / total
            count = total
        if mean is None:
            raise ValueError("adapt needs at least one sample; the data had none")
        self.adapt_mean.assign(mean)
        self.adapt_variance.assign(variance)
        self.count.assign(count)

    def _adapt_batch(self, batch: np.ndarray, rows: int) -> np.ndarray:
        """One batch of ``adapt``'s data (after ``rows`` samples), checked, as float64; builds
        the layer on the first."""
        if batch.dtype.kind not in "biuf":
            raise TypeError(f"adapt needs numbers; got a batch of {batch.dtype}")
        if batch.ndim == 0:
            raise ValueError("adapt needs batches of samples (batch axis first); got a scalar")
        if not self.built:
            self._ensure_built((None,) + tuple(batch.shape[1:]))
        built = self._built_shape
        if batch.ndim != len(built) or any(batch.shape[d] != built[d] for d in self._keep):
            raise ValueError(
                f"Normalization {self.name!r} was built for inputs of shape {built} (statistics "
                f"along axes {self._keep}); adapt got a batch of shape {batch.shape}")
        batch = np.asarray(batch, dtype=np.float64)
        finite = np.isfinite(batch)
        if not finite.all():
            first = tuple(int(i) for i in np.argwhere(~finite)[0])
            raise ValueError(f"adapt needs finite data; got {float(batch[first])!r} at index "
                             f"{(rows + first[0],) + first[1:]}")
        return batch

    # ------------------------------------------------------------------ call
    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if self.input_mean is None:
            dtype = self.adapt_mean.dtype
            mean = self.adapt_mean.reshape(self._broadcast_shape)
            variance = self.adapt_variance.reshape(self._broadcast_shape)
        else:
            dtype = self._mean.dtype
            mean, variance = self._mean, self._variance
        x = cast_to(x, dtype)
        scale = functional.maximum(variance.sqrt(), EPSILON)
        if self.invert:
            return mean + x * scale
        return (x - mean) / scale

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            axis=list(self.axis) if self.axis else None,
            mean=None if self.input_mean is None else self.input_mean.tolist(),
            variance=None if self.input_variance is None else self.input_variance.tolist(),
            invert=self.invert,
        )
        return config


def _check_factor(value, name: str):
    """Rescaling's ``scale`` or ``offset``: a finite number (a float) or an array of them (a
    tuple of floats, per channel: broadcast against the last axes)."""
    if isinstance(value, Real) and not isinstance(value, bool):
        return float(_check_values(value, name))
    array = _check_values(value, name)
    return float(array) if array.ndim == 0 else array


class Rescaling(Layer):
    """``x · scale + offset``, e.g. pixels from [0, 255] to [0, 1] (``scale=1/255``).

    Parameters
    ----------
    scale : float or array_like
        A number, or one per channel (broadcast against the last axes).
    offset : float or array_like, default 0.0

    Examples
    --------
    >>> import numpy as np
    >>> Rescaling(1 / 127.5, offset=-1.0)(np.array([[0.0, 127.5, 255.0]])).numpy()
    array([[-1.,  0.,  1.]])
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _check_factor(scale, "scale")
        self.offset = _check_factor(offset, "offset")

    @staticmethod
    def _constant(value, dtype):
        return value if isinstance(value, float) else value.astype(dtype)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return x * self._constant(self.scale, x.dtype) + self._constant(self.offset, x.dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            scale=self.scale if isinstance(self.scale, float) else self.scale.tolist(),
            offset=self.offset if isinstance(self.offset, float) else self.offset.tolist(),
        )
        return config

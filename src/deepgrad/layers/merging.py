"""Layers that merge a list of tensors: ``Add``, ``Subtract``, ``Multiply``, ``Average``,
``Maximum``, ``Minimum``, ``Concatenate`` and ``Dot``, and Keras's functions that make one and call
it (``add([a, b])`` is ``Add()([a, b])``).

The elementwise merges follow Keras 3's broadcasting: the samples' shapes are aligned from their
last axis, and a size of 1 stretches to the other's; an input of fewer axes gets new axes of size
1 after its batch axis. The batch sizes must be equal. Inputs of different float dtypes are cast
to the first input's dtype.
"""

from __future__ import annotations

from numbers import Integral

from .. import functional
from ..autograd.tensor import Tensor
from ..common.checks import check_bool, describe
from .base import Layer
from .core import cast_to
from .preprocessing import EPSILON

__all__ = [
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
]


def _shapes(layer: Layer, input_shape, exactly: int | None = None) -> list:
    """The list of input shapes a merge layer was built with, checked for number."""
    kind = type(layer).__name__
    wanted = "at least 1" if exactly is None else f"exactly {exactly}"
    if not isinstance(input_shape, list):
        raise ValueError(f"{kind} {layer.name!r} merges a list of tensors ({wanted}); got one "
                         f"tensor of shape {tuple(input_shape)}")
    if not input_shape or (exactly is not None and len(input_shape) != exactly):
        raise ValueError(f"{kind} {layer.name!r} merges {wanted} tensors; got {len(input_shape)} "
                         f"of shapes {[tuple(s) for s in input_shape]}")
    return [tuple(s) for s in input_shape]


def _inputs(layer: Layer, inputs) -> list:
    """A merge layer's list of tensors in one dtype, with equal batch sizes."""
    if isinstance(inputs, Tensor):
        _shapes(layer, (None,) + inputs.shape[1:])  # raises: one tensor
    sizes = {len(t) for t in inputs if t.ndim}
    if len(sizes) > 1:
        raise ValueError(f"{type(layer).__name__} {layer.name!r} needs equal batch sizes; got "
                         f"tensors of shapes {[t.shape for t in inputs]}")
    return [cast_to(t, inputs[0].dtype) for t in inputs]


def _broadcast(layer: Layer, shapes: list) -> tuple:
    """The shape of an elementwise merge of ``shapes`` (batch axis first), as Keras 3 works it
    out: sample shapes aligned from the last axis, 1 stretching, None for an unknown size."""
    samples = [s[1:] for s in shapes]
    out = []
    for k in range(1, max(map(len, samples)) + 1):
        sizes = [s[-k] for s in samples if len(s) >= k]
        if None in sizes:
            out.append(None)
            continue
        stretched = {size for size in sizes if size != 1}
        if len(stretched) > 1:
            raise ValueError(
                f"{type(layer).__name__} {layer.name!r} merges elementwise: the samples' sizes "
                f"must be equal or 1 along each axis (aligned from the last); got inputs of shapes "
                f"{shapes}")
        out.append(stretched.pop() if stretched else 1)
    return (shapes[0][0],) + tuple(reversed(out))


class _Elementwise:
    """What the elementwise merges share: the shape checks, the alignment of inputs of fewer
    axes, and the output shape; each merge combines the aligned tensors in ``_merge``.

    A mixin, not a Layer: it is no layer of its own (and so not registered)."""

    exactly = None  # the number of inputs, where one is required

    def build(self, input_shape) -> None:
        _broadcast(self, _shapes(self, input_shape, exactly=self.exactly))
        self.built = True

    def call(self, inputs) -> Tensor:
        inputs = _inputs(self, inputs)
        ndim = max(t.ndim for t in inputs)
        inputs = [t if t.ndim == ndim else t.reshape(t.shape[:1] + (1,) * (ndim - t.ndim)
                                                     + t.shape[1:]) for t in inputs]
        return self._merge(inputs)

    def compute_output_shape(self, input_shape) -> tuple:
        return _broadcast(self, _shapes(self, input_shape, exactly=self.exactly))


class Add(_Elementwise, Layer):
    """The sum of a list of tensors (elementwise, broadcast as Keras 3).

    Examples
    --------
    >>> import numpy as np
    >>> Add()([np.array([[1.0, 2.0]]), np.array([[10.0, 20.0]])]).numpy()
    array([[11., 22.]])
    """

    def _merge(self, inputs: list) -> Tensor:
        out = inputs[0]
        for t in inputs[1:]:
            out = out + t
        return out


class Subtract(_Elementwise, Layer):
    """``a − b`` for a list of exactly two tensors ``[a, b]``.

    Examples
    --------
    >>> import numpy as np
    >>> Subtract()([np.array([[5.0, 5.0]]), np.array([[1.0, 2.0]])]).numpy()
    array([[4., 3.]])
    """

    exactly = 2

    def _merge(self, inputs: list) -> Tensor:
        return inputs[0] - inputs[1]


class Multiply(_Elementwise, Layer):
    """The elementwise product of a list of tensors.

    Examples
    --------
    >>> import numpy as np
    >>> Multiply()([np.array([[2.0, 3.0]]), np.array([[4.0, 5.0]])]).numpy()
    array([[ 8., 15.]])
    """

    def _merge(self, inputs: list) -> Tensor:
        out = inputs[0]
        for t in inputs[1:]:
            out = out * t
        return out


class Average(_Elementwise, Layer):
    """The elementwise mean of a list of tensors: their sum divided by their number.

    Examples
    --------
    >>> import numpy as np
    >>> Average()([np.array([[1.0, 2.0]]), np.array([[3.0, 6.0]])]).numpy()
    array([[2., 4.]])
    """

    def _merge(self, inputs: list) -> Tensor:
        out = inputs[0]
        for t in inputs[1:]:
            out = out + t
        return out / float(len(inputs))


class Maximum(_Elementwise, Layer):
    """The elementwise maximum of a list of tensors (where two tie, they share the gradient).

    Examples
    --------
    >>> import numpy as np
    >>> Maximum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).numpy()
    array([[3., 5.]])
    """

    def _merge(self, inputs: list) -> Tensor:
        out = inputs[0]
        for t in inputs[1:]:
            out = functional.maximum(out, t)
        return out


class Minimum(_Elementwise, Layer):
    """The elementwise minimum of a list of tensors (where two tie, they share the gradient).

    Examples
    --------
    >>> import numpy as np
    >>> Minimum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).numpy()
    array([[1., 2.]])
    """

    def _merge(self, inputs: list) -> Tensor:
        out = inputs[0]
        for t in inputs[1:]:
            out = functional.minimum(out, t)
        return out


def _check_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int; got {describe(value)}")
    return int(value)


class Concatenate(Layer):
    """Joins a list of tensors along ``axis``; their other sizes must be equal.

    Parameters
    ----------
    axis : int, default -1
        Any axis but the batch axis (0).

    Examples
    --------
    >>> import numpy as np
    >>> Concatenate()([np.zeros((2, 3)), np.ones((2, 1))]).shape
    (2, 4)
    >>> Concatenate(axis=1)([np.zeros((2, 2, 5)), np.ones((2, 1, 5))]).shape
    (2, 3, 5)
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_int(axis, "axis")

    def _output_shape(self, shapes: list) -> tuple:
        ndim = len(shapes[0])
        if any(len(s) != ndim for s in shapes) or not -ndim < self.axis < ndim or self.axis == 0:
            problem = ("inputs of as many axes" if any(len(s) != ndim for s in shapes) else
                       f"axis={self.axis} to be an axis of the inputs other than the batch axis")
            raise ValueError(f"Concatenate {self.name!r} needs {problem}; got inputs of shapes "
                             f"{shapes}")
        axis = self.axis % ndim
        out = []
        for k in range(ndim):
            sizes = [s[k] for s in shapes]
            if k == axis:
                out.append(None if None in sizes else sum(sizes))
                continue
            known = {size for size in sizes if size is not None}
            if len(known) > 1 and k > 0:
                raise ValueError(
                    f"Concatenate {self.name!r} joins along axis {self.axis}: the other sizes must "
                    f"be equal, but axis {k} has sizes {sizes}; got inputs of shapes {shapes}")
            out.append(known.pop() if len(known) == 1 else None)
        return tuple(out)

    def build(self, input_shape) -> None:
        self._output_shape(_shapes(self, input_shape))
        self.built = True

    def call(self, inputs) -> Tensor:
        return functional.concatenate(_inputs(self, inputs), axis=self.axis)

    def compute_output_shape(self, input_shape) -> tuple:
        return self._output_shape(_shapes(self, input_shape))

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(Layer):
    """Dot products of the samples of two tensors along one axis of each.

    For inputs of shapes ``(batch, *a)`` and ``(batch, *b)`` summed along ``axes = (i, j)``, the
    output has shape ``(batch, *a without axis i, *b without axis j)``, and ``(batch, 1)`` when
    nothing else is left (two vectors per sample).

    Parameters
    ----------
    axes : int or tuple of two ints
        The axis of the first input and of the second (one int: the same axis for both;
        negative counts from the last). The batch axis cannot be one.
    normalize : bool, default False
        L2-normalize the samples along those axes first (dividing by ``max(norm, 1e-7)``): the
        products are then cosine similarities.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.array([[1.0, 2.0, 3.0]]), np.array([[3.0, -1.0, 2.0]])
    >>> Dot(axes=1)([a, b]).numpy()
    array([[7.]])
    >>> Dot(axes=1, normalize=True)([a, b]).numpy().round(6)
    array([[0.5]])
    >>> Dot(axes=(1, 2))([np.ones((4, 5, 2)), np.ones((4, 3, 5))]).shape
    (4, 2, 3)
    """

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        expected = "an int or a pair of ints (an axis of each input)"
        items = axes if isinstance(axes, (tuple, list)) else [axes]
        if not all(isinstance(a, Integral) and not isinstance(a, bool) for a in items):
            raise TypeError(f"axes must be {expected}; got {describe(axes)}")
        if len(items) != (2 if isinstance(axes, (tuple, list)) else 1):
            raise ValueError(f"axes must be {expected}; got {axes!r}")
        self.axes = [int(a) for a in axes] if isinstance(axes, (tuple, list)) else int(axes)
        self.normalize = check_bool(normalize, "normalize")

    def _axes(self, shapes: list) -> tuple:
        """The two summed axes (non-negative) for inputs of ``shapes``, checked."""
        pair = self.axes if isinstance(self.axes, list) else [self.axes] * 2
        axes = []
        for axis, shape in zip(pair, shapes):
            if len(shape) < 2 or not -len(shape) < axis < len(shape) or axis == 0:
                raise ValueError(
                    f"Dot {self.name!r}: axes must name an axis of each input other than the batch "
                    f"axis (1 to ndim - 1, or negative from the last); got axes={self.axes!r} for "
                    f"inputs of shapes {shapes}")
            axes.append(axis % len(shape))
        i, j = axes
        if None not in (shapes[0][i], shapes[1][j]) and shapes[0][i] != shapes[1][j]:
            raise ValueError(
                f"Dot {self.name!r} sums axis {i} of the first input against axis {j} of the "
                f"second; their sizes differ ({shapes[0][i]} and {shapes[1][j]}) in inputs of "
                f"shapes {shapes}")
        return i, j

    def build(self, input_shape) -> None:
        self._axes(_shapes(self, input_shape, exactly=2))
        self.built = True

    @staticmethod
    def _unit(x: Tensor, axis: int) -> Tensor:
        """``x / max(‖x‖, 1e-7)`` along ``axis`` (a zero sample stays zero, with gradients)."""
        return x / (x * x).sum(axis=axis, keepdims=True).clip(min=EPSILON**2).sqrt()

    def call(self, inputs) -> Tensor:
        x, y = _inputs(self, inputs)
        _shapes(self, [x.shape, y.shape], exactly=2)
        i, j = self._axes([x.shape, y.shape])
        if self.normalize:
            x, y = self._unit(x, i), self._unit(y, j)
        # x to (batch, rows, k), y to (batch, k, columns); one batched matrix product
        x_rest = [d for d in range(1, x.ndim) if d != i]
        y_rest = [d for d in range(1, y.ndim) if d != j]
        if i != x.ndim - 1:
            x = x.transpose([0] + x_rest + [i])
        if j != 1:
            y = y.transpose([0, j] + y_rest)
        rows, columns = x.shape[1:-1], y.shape[2:]
        out = x.reshape(len(x), -1, x.shape[-1]) @ y.reshape(len(y), y.shape[1], -1)
        return out.reshape((len(out),) + (rows + columns or (1,)))

    def compute_output_shape(self, input_shape) -> tuple:
        shapes = _shapes(self, input_shape, exactly=2)
        i, j = self._axes(shapes)
        rest = [s for d, s in enumerate(shapes[0]) if d not in (0, i)]
        rest += [s for d, s in enumerate(shapes[1]) if d not in (0, j)]
        return (shapes[0][0],) + (tuple(rest) or (1,))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axes=self.axes, normalize=self.normalize)
        return config


# ---------------------------------------------------------------------- Keras's functions


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``: the sum of a list of tensors."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``: ``a − b`` of ``[a, b]``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``: the elementwise product of a list of tensors."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``: the elementwise mean of a list of tensors."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``: the elementwise maximum of a list of tensors."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``: the elementwise minimum of a list of tensors."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    """``Concatenate(axis, **kwargs)(inputs)``: a list of tensors joined along ``axis``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize: bool = False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``: the dot products of two tensors' samples
    (``axes=-1``, their last axes, by default, as Keras's ``dot``)."""
    return Dot(axes, normalize, **kwargs)(inputs)

"""Where a model's data comes in: ``Input`` (a symbolic tensor) and its ``InputLayer``."""

from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from ..common.checks import check_positive_int
from .base import Layer
from .registry import LAYERS
from .symbolic import Node, SymbolicTensor

__all__ = ["Input", "InputLayer"]


def _sample_shape(shape, batch_shape, who: str) -> tuple:
    if shape is None and batch_shape is None:
        raise ValueError(f"{who} needs shape=, the shape of one sample (without the batch axis), "
                         "e.g. Input(shape=(4,))")
    if shape is not None and batch_shape is not None:
        raise ValueError(f"give {who} either shape= (one sample) or batch_shape= (with the batch "
                         "axis first), not both")
    given, name = (shape, "shape") if shape is not None else (batch_shape, "batch_shape")
    if isinstance(given, (int, np.integer)) and not isinstance(given, bool):
        given = (given,)
    if not isinstance(given, (tuple, list)):
        raise TypeError(f"{who} {name} must be a tuple of ints (None for a free size); "
                        f"got {type(given).__name__} {given!r}")
    sizes = tuple(given) if name == "shape" else tuple(given)[1:]
    for size in sizes:
        if size is not None:
            check_positive_int(size, f"every size in {who} {name}")
    return tuple(None if s is None else int(s) for s in sizes)


class InputLayer(Layer):
    """The layer behind :func:`Input`: declares the shape of one sample and passes batches on.

    A Sequential model whose first layer is an ``InputLayer`` builds all its layers as soon as
    it is created instead of waiting for the first batch.

    Parameters
    ----------
    shape : tuple of int
        Shape of one sample, without the batch dimension (``None`` for a free size).
    batch_shape : tuple, optional
        The shape with the batch dimension first, instead of ``shape``.
    dtype : {"float32", "float64"} or an integer dtype, optional
        An integer dtype (``"int32"``, as Keras scripts give for token ids) declares integer
        inputs, such as an :class:`~deepgrad.layers.Embedding` takes; the model computes in
        its float dtype.

    Attributes
    ----------
    output : SymbolicTensor
        The tensor models are defined from (what :func:`Input` returns).

    Examples
    --------
    >>> import numpy as np
    >>> layer = InputLayer((4,))
    >>> layer.batch_shape, layer(np.ones((2, 4))).shape
    ((None, 4), (2, 4))
    """

    def __init__(self, shape=None, *, batch_shape=None, input_shape=None, batch_size=None,
                 dtype=None, **kwargs):
        shape = input_shape if shape is None else shape
        sample = _sample_shape(shape, batch_shape, "InputLayer")
        #: integer or boolean inputs (token ids for an Embedding, as Keras's Input(dtype="int32"))
        self.input_dtype = _integer_dtype(dtype)
        super().__init__(input_shape=sample, dtype=None if self.input_dtype else dtype, **kwargs)
        self.built = True  # nothing to build: it has no weights
        Node(self, [], [((None,) + sample, self.input_dtype or self.dtype or np.dtype(np.float32))])

    @property
    def shape(self) -> tuple:
        """Shape of one sample."""
        return self.input_shape

    @property
    def batch_shape(self) -> tuple:
        """Shape of a batch: ``(None, *shape)``."""
        return (None,) + self.input_shape

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        got = tuple(x.shape[1:])
        if len(got) != len(self.shape) or any(
            want is not None and want != size for want, size in zip(self.shape, got)
        ):
            raise ValueError(
                f"Input {self.name!r} expects samples of shape {self.shape}; got a batch of shape "
                f"{tuple(x.shape)} (samples of shape {got})"
            )
        return x

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["shape"] = list(config.pop("input_shape"))
        if self.input_dtype is not None:
            config["dtype"] = self.input_dtype.name
        return config


def _integer_dtype(dtype):
    """``dtype`` as a NumPy dtype when it names integers or booleans, else None."""
    try:
        found = None if dtype is None else np.dtype(dtype)
    except TypeError:
        return None
    return found if found is not None and found.kind in "iub" else None


# files written before InputLayer had its Keras name call it "Input"
LAYERS.register("input_layer", InputLayer, aliases=["input"])


def Input(shape=None, batch_size=None, dtype=None, name=None, *, batch_shape=None,
          tensor=None) -> SymbolicTensor:  # noqa: N802 (Keras's name)
    """A symbolic batch with samples of ``shape``: where a functional model starts.

    Parameters
    ----------
    shape : tuple of int
        Shape of one sample, without the batch dimension (``None`` for a free size).
    batch_size : int, optional
        Accepted for Keras's signature; batches of any size are taken.
    dtype : {"float32", "float64"} or an integer dtype, optional
        An integer dtype (``"int32"``, as Keras scripts give for token ids) declares integer
        inputs, such as an :class:`~deepgrad.layers.Embedding` takes; the model computes in
        its float dtype.
        By default the weights' dtype (float32).
    name : str, optional
        The input's name: the key of its array when ``fit`` or ``predict`` gets a dict.
    batch_shape : tuple, optional
        The shape with the batch dimension first, instead of ``shape``.

    Returns
    -------
    SymbolicTensor

    Examples
    --------
    >>> from deepgrad import Model
    >>> from deepgrad.layers import Dense
    >>> inputs = Input(shape=(4,), name="features")
    >>> inputs.shape, inputs.name
    ((None, 4), 'features')
    >>> model = Model(inputs, Dense(1)(inputs))
    >>> model.count_params()
    5
    """
    if tensor is not None:
        raise ValueError("Input(tensor=...) wraps a backend tensor in Keras; deepgrad has none to "
                         "wrap: pass shape= and feed the array to fit or predict")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size")
    _sample_shape(shape, batch_shape, "Input")
    layer = InputLayer(shape, batch_shape=batch_shape, dtype=dtype, name=name)
    return layer.output

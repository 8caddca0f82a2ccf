"""``Lambda``: a layer that runs a Python function of tensors (and is never saved to a file)."""

from __future__ import annotations

import inspect
from numbers import Integral

from ..autograd.tensor import Tensor
from ..common.checks import describe
from .arguments import is_shape_list
from .base import Layer
from .symbolic import flatten

__all__ = ["Lambda"]


def _not_serialisable(layer_name: str) -> TypeError:
    return TypeError(
        f"Lambda layer {layer_name!r} holds arbitrary Python code (its function), which deepgrad "
        f"never saves to or loads from a file: loading a model file never runs code. Write a "
        f"Layer subclass whose call does the same instead; it registers itself by its class "
        f"name, so a model that uses it saves and loads")


def _check_output_shape(output_shape):
    """None, a callable, or one sample's shape (ints >= 1 or None) as a tuple."""
    if output_shape is None or callable(output_shape):
        return output_shape
    if isinstance(output_shape, (tuple, list)) and all(
            s is None or (isinstance(s, Integral) and not isinstance(s, bool) and s > 0)
            for s in output_shape):
        return tuple(None if s is None else int(s) for s in output_shape)
    raise TypeError(f"output_shape must be None, a function of the input shape, or the shape of "
                    f"one output sample (a tuple of positive ints or None); got "
                    f"{describe(output_shape)}")


class Lambda(Layer):
    """Runs ``function(inputs, **arguments)``: a computation without a layer class of its own.

    ``function`` takes the layer's input (a Tensor, or a list of them) and returns a Tensor
    (or a list) computed with Tensor operations, so that gradients flow through it and ``fit``
    and ``predict`` can record and replay it as any layer's ``call``. If it takes a
    ``training`` argument, it gets the call's.

    A Lambda layer is not saved with a model: its function is Python code, and deepgrad's
    model files never hold code (``get_config`` raises ``TypeError``, so saving a model that
    contains one fails). For a model to save, write a Layer subclass whose ``call`` does the
    same.

    Parameters
    ----------
    function : callable
        ``function(inputs, **arguments)`` → Tensor or list of Tensor.
    output_shape : tuple, callable or None, optional
        The shape of one output sample (without the batch axis), or a function from the input
        shape (batch axis included) to the output shape. By default it is found by running
        ``function`` on one sample of zeros.
    arguments : dict, optional
        Keyword arguments passed to ``function`` at every call.

    Attributes
    ----------
    replayable : bool, default True
        The function is assumed to keep to the layer contract (Tensor operations only). One
        that reads its input's values in Python (``if x.numpy().max() > 1``), makes arrays from
        them or changes state outside operations would be replayed wrongly: set
        ``layer.replayable = False`` on such a layer, and models containing it train and
        predict through the graph.

    Examples
    --------
    >>> import numpy as np
    >>> square = Lambda(lambda x: x * x)
    >>> square(np.array([[1.0, -2.0, 3.0]])).numpy()
    array([[1., 4., 9.]])
    >>> scaled = Lambda(lambda x, factor: x * factor, arguments={"factor": 10.0})
    >>> scaled(np.array([[1.0, 2.0]])).numpy(), scaled.compute_output_shape((None, 2))
    (array([[10., 20.]]), (None, 2))
    """

    def __init__(self, function, output_shape=None, *, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda needs a function of tensors; got {describe(function)}")
        if arguments is not None and (not isinstance(arguments, dict)
                                      or not all(isinstance(k, str) for k in arguments)):
            raise TypeError(f"arguments must be a dict of keyword arguments for the function; got "
                            f"{describe(arguments)}")
        self.function = function
        self.output_shape = _check_output_shape(output_shape)
        self.arguments = dict(arguments or {})
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):  # some builtins have no signature
            parameters = {}
        self._passes_training = "training" in parameters

    def call(self, inputs, training: bool = False):
        kwargs = dict(self.arguments)
        if self._passes_training:
            kwargs["training"] = training
        out = self.function(inputs, **kwargs)
        if not all(isinstance(t, Tensor) for t in flatten(out)):
            got = sorted({type(t).__name__ for t in flatten(out) if not isinstance(t, Tensor)})
            raise TypeError(
                f"Lambda {self.name!r}: the function must return a Tensor (or a list of them) "
                f"computed with Tensor operations; it returned {', '.join(got)}")
        return out

    def compute_output_shape(self, input_shape):
        if self.output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self.output_shape):
            return self.output_shape(input_shape)
        batch = input_shape[0][0] if is_shape_list(input_shape) else input_shape[0]
        return (batch,) + self.output_shape

    def compute_output_spec(self, input_shape, input_dtypes, **kwargs) -> list:
        if self.output_shape is None:  # shapes and dtypes from a call, as for any layer
            return self._run_on_zeros(input_shape, input_dtypes, kwargs)
        return super().compute_output_spec(input_shape, input_dtypes, **kwargs)

    def get_config(self) -> dict:
        raise _not_serialisable(self.name)

    @classmethod
    def from_config(cls, config: dict) -> Lambda:
        raise _not_serialisable(config.get("name", "lambda") if isinstance(config, dict) else "lambda")

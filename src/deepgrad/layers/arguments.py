"""The arguments every layer takes, checked: its name, dtype and declared input shape, the
arguments of ``add_weight``, and the aligned storage of new weights."""

from __future__ import annotations

import numpy as np

from ..common.checks import check_float_dtype

__all__ = ["aligned", "check_dtype", "check_name", "declared_input_shape", "is_shape_list",
           "unsupported_arguments_message", "weight_arguments"]

#: Keras layer arguments deepgrad does not have, and what to do instead.
_INSTEAD = {
    "activity_regularizer": "penalize the weights with kernel_regularizer= / bias_regularizer=, "
                            "or add a penalty on the layer's output to the loss in a hand-written "
                            "training loop",
    "kernel_constraint": "clip or project the weights in a callback's on_train_batch_end",
    "bias_constraint": "clip or project the weights in a callback's on_train_batch_end",
    "input_length": "declare the input with Input(shape=...) or input_shape=",
}

#: Keras's ``add_weight`` options that have nothing to do here.
_IGNORED_WEIGHT_OPTIONS = {"autocast", "aggregation", "overwrite_with_gradient", "synchronization",
                           "use_resource", "experimental_autocast"}


def aligned(value: np.ndarray, alignment: int = 64) -> np.ndarray:
    """A C-contiguous copy of ``value`` whose data starts on an ``alignment``-byte boundary.

    New weights are stored this way because BLAS kernels read them faster when their vector
    loads never straddle a cache line: at batch size 1, a 784 × 256 float32 ``x @ kernel`` takes
    about a quarter less time with the kernel on a 32-byte boundary than on the 16-byte one
    NumPy guarantees. ``set_weights`` and ``load_weights`` copy into this storage in place.

    >>> aligned(np.arange(3.0)).ctypes.data % 64
    0
    """
    buffer = np.empty(value.nbytes + alignment, dtype=np.uint8)
    start = -buffer.ctypes.data % alignment
    out = buffer[start : start + value.nbytes].view(value.dtype).reshape(value.shape)
    np.copyto(out, value)
    return out


def is_shape_list(shape) -> bool:
    """Whether ``shape`` is a list of shapes (the inputs of a layer of several inputs)."""
    return isinstance(shape, list) or (isinstance(shape, tuple) and len(shape) > 0
                                       and isinstance(shape[0], (tuple, list)))


def check_name(name):
    """A layer's ``name``: None (a name is made up) or a non-empty string without ``/`` (the
    separator of weight names)."""
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string; got {type(name).__name__} {name!r}")
    if name is not None and (not name or "/" in name):
        raise ValueError(f"name must be a non-empty string without '/'; got {name!r}")
    return name


def check_dtype(dtype) -> np.dtype:
    """A layer's or a weight's ``dtype``: a NumPy float dtype."""
    return np.dtype(check_float_dtype(dtype, "dtype"))


def declared_input_shape(input_shape, input_dim, batch_input_shape):
    """The sample shape a layer's ``input_shape=``, ``input_dim=`` or ``batch_input_shape=``
    declares (Keras accepts all three), or None."""
    given = [(k, v) for k, v in (("input_shape", input_shape), ("input_dim", input_dim),
                                  ("batch_input_shape", batch_input_shape)) if v is not None]
    if len(given) > 1:
        raise ValueError(f"give one of input_shape, input_dim and batch_input_shape; got "
                         f"{' and '.join(k for k, _ in given)}")
    if not given:
        return None
    key, value = given[0]
    if key == "input_dim":
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"input_dim must be a positive int (the number of input features); "
                             f"got {value!r}")
        return (int(value),)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not all(
            s is None or (isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0)
            for s in value):
        raise ValueError(f"{key} must be a tuple of positive ints (None for a free size); "
                         f"got {value!r}")
    shape = tuple(None if s is None else int(s) for s in value)
    return shape[1:] if key == "batch_input_shape" else shape


def unsupported_arguments_message(layer: str, unknown: dict) -> str:
    """The error for keyword arguments a layer does not take: what deepgrad does instead where
    the argument is Keras's, else where to find the layer's arguments.

    >>> unsupported_arguments_message("Dense", {"kernel_constraint": "max_norm"})
    "Dense does not take kernel_constraint: clip or project the weights in a callback's on_train_batch_end"
    """
    known = [name for name in unknown if name in _INSTEAD]
    if known:
        return f"{layer} does not take {known[0]}: {_INSTEAD[known[0]]}"
    return (f"{layer} got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; see "
            f"help(deepgrad.layers.{layer}) for its arguments")


def weight_arguments(args: tuple, *, name, shape, initializer, dtype, trainable, constraint,
                     keras_options: dict) -> tuple:
    """``(name, shape, initializer, dtype, trainable)`` of an ``add_weight`` call, whose
    positional arguments follow deepgrad's order ``(name, shape, initializer)`` when the first
    is a string and Keras 3's ``(shape, initializer, dtype, trainable)`` otherwise."""
    if args and isinstance(args[0], str):
        order = ("name", "shape", "initializer")
    else:
        order = ("shape", "initializer", "dtype", "trainable")
    if len(args) > len(order):
        raise TypeError(f"add_weight({', '.join(order)}) takes the rest by keyword")
    by_keyword = {"name": name, "shape": shape, "initializer": initializer, "dtype": dtype}
    given = dict(zip(order, args))
    for key in given:
        if by_keyword.get(key) is not None:
            raise TypeError(f"add_weight got {key} twice (positionally and by keyword)")
    unknown = set(keras_options) - _IGNORED_WEIGHT_OPTIONS
    if unknown:
        raise TypeError(f"add_weight got unexpected keyword argument(s) {sorted(unknown)}")
    if constraint is not None:
        raise ValueError("weight constraints are not supported; clip or project the weights "
                         "in a callback's on_train_batch_end instead")
    shape = given.get("shape", shape)
    shape = () if shape is None else (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in shape):
        raise ValueError(f"add_weight shape must be a tuple of ints >= 0; got {shape!r}")
    return (given.get("name", name), shape, given.get("initializer", initializer),
            given.get("dtype", dtype), given.get("trainable", trainable))

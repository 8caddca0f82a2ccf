"""The seam between deepgrad and the array library it computes with.

NumPy is the default and the only dependency. The engine is written so that another library
with NumPy's interface — CuPy on a GPU is the one in view — can run the same code:

* Tensors hold whatever array they are given: a ``numpy.ndarray`` or an array of a registered
  backend (see :func:`register`). CuPy is registered here by name and imported only when one of
  its arrays is met, so deepgrad never imports it otherwise.
* Elementwise work and reductions call NumPy's functions on the arrays they receive; through
  NumPy's dispatch protocols (``__array_ufunc__``, ``__array_function__``) those calls run in
  the arrays' own library.
* The few places that create arrays from nothing (a zero gradient to scatter into, an index
  range) ask :func:`namespace` for the library of the array at hand instead of calling
  ``numpy`` directly; a test runs every primitive on a stand-in device array to keep it so.
* Data enters through ``Tensor(...)``/``fit`` as host arrays; moving batches to a device and
  initializing weights there are the parts a GPU backend adds on top of this seam.
"""

from __future__ import annotations

from types import ModuleType
from typing import Callable

import numpy as np

from ..common.names import reset_names

__all__ = ["FLOAT_DTYPES", "as_float_array", "backend", "check_float_dtype", "clear_session",
           "epsilon", "floatx", "image_data_format", "namespace", "register", "is_backend_array",
           "to_numpy"]

#: The dtypes a Tensor holds.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

_LOADERS: dict[str, Callable[[], ModuleType]] = {}
_LOADED: dict[str, ModuleType] = {"numpy": np}


def register(module_name: str, load: Callable[[], ModuleType]) -> None:
    """Register an array library: arrays whose type comes from the top-level module
    ``module_name`` are computed with the namespace ``load()`` returns (called once, lazily)."""
    _LOADERS[module_name] = load
    _LOADED.pop(module_name, None)


def _import_cupy() -> ModuleType:
    import cupy  # noqa: PLC0415 - optional, imported only when a CuPy array is met

    return cupy


register("cupy", _import_cupy)


def _library(array) -> str:
    return type(array).__module__.split(".", 1)[0]


def is_backend_array(obj) -> bool:
    """True for arrays of a registered non-NumPy backend (NumPy arrays are plain arrays)."""
    return _library(obj) in _LOADERS


def namespace(*arrays) -> ModuleType:
    """The array library (``numpy`` or a registered one) of the first non-NumPy array given."""
    for array in arrays:
        name = _library(array)
        if name in _LOADERS:
            if name not in _LOADED:
                _LOADED[name] = _LOADERS[name]()
            return _LOADED[name]
    return np


def to_numpy(array) -> np.ndarray:
    """A NumPy copy of a backend array (``.get()`` as CuPy spells it); NumPy arrays unchanged."""
    if isinstance(array, np.ndarray) and type(array) is np.ndarray:
        return array
    getter = getattr(array, "get", None)
    return np.asarray(getter() if callable(getter) else array)


def check_float_dtype(dtype) -> np.dtype:
    """``dtype`` as a NumPy dtype, which must be float32 or float64."""
    dtype = np.dtype(dtype)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64; got {dtype}")
    return dtype


def _numeric_kind_error(what: str, dtype) -> TypeError:
    strings = " (strings)" if dtype.kind in "US" else ""
    return TypeError(f"Tensor data must be numeric (float, int or bool); got {what}{strings}")


def as_float_array(data, dtype=None):
    """Validate ``data`` and return it as a float32 or float64 array (no copy when possible).

    Arrays (NumPy's or a registered backend's) keep float64 and float32; everything else becomes
    float32 unless ``dtype`` says otherwise. Strings, objects and complex numbers are refused.
    """
    if dtype is not None:
        dtype = check_float_dtype(dtype)
    if isinstance(data, (np.floating, np.integer, np.bool_)):
        data = np.asarray(data)
    if isinstance(data, np.ndarray) or is_backend_array(data):
        if data.dtype.kind not in "fiub":
            raise _numeric_kind_error(f"an array of dtype {data.dtype}", data.dtype)
        if dtype is None:
            dtype = data.dtype if data.dtype in FLOAT_DTYPES else np.dtype(np.float32)
        return data if data.dtype == dtype else data.astype(dtype)
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise TypeError(f"Tensor data must be array-like and numeric; {error}") from None
    if array.dtype.kind not in "fiub":
        raise _numeric_kind_error(f"{type(data).__name__} that becomes dtype {array.dtype}", array.dtype)
    return array.astype(dtype or np.float32, copy=False)


# ---------------------------------------------------------------------- Keras's backend functions


def backend() -> str:
    """The name of the array library deepgrad computes with by default, as ``keras.backend.backend()``."""
    return "numpy"


def floatx() -> str:
    """The default float dtype of weights and data: ``"float32"``."""
    return "float32"


def epsilon() -> float:
    """The small constant that keeps divisions and logarithms finite (Keras's ``1e-7``)."""
    return 1e-7


def image_data_format() -> str:
    """Images are ``(height, width, channels)``: ``"channels_last"``, as in Keras."""
    return "channels_last"


def clear_session(free_memory: bool = True) -> None:
    """Start layer and model names afresh (``dense``, ``dense_1``, ... again), as Keras's
    ``clear_session`` does; models already made are untouched.

    >>> from deepgrad.layers import Dense
    >>> clear_session()
    >>> Dense(1).name
    'dense'
    """
    reset_names()

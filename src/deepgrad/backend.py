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

__all__ = ["namespace", "register", "is_backend_array", "to_numpy"]

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

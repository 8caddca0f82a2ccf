"""Compiled kernels: optional one-pass versions of the loops NumPy runs as many passes.

An Adam step in NumPy is a dozen elementwise passes over the parameters, each reading and writing
whole buffers; for a network of a few hundred thousand parameters that traffic, not arithmetic,
sets the speed. With `numba <https://numba.pydata.org>`_ installed (``pip install
"deepgrad[fast]"``), the optimizers run one compiled loop instead, which keeps each element in
registers from the first operation to the last.

The compiled loops do the same floating-point operations in the same order as the NumPy code
they replace (no fused multiply-add, no reassociation), so both give bitwise the same weights:
the choice changes the speed, never the numbers. The tests check this for every kernel.

Modes:

``"auto"`` (the default)
    Compiled when numba can be imported and a buffer has at least :data:`MIN_COMPILED_SIZE`
    elements. Below that NumPy's passes stay in cache and are as fast, and a small model never
    pays numba's import (about 0.3 s, once per process).
``"numpy"``
    Never compiled.
``"compiled"``
    Always compiled; an error if numba is not installed.

The environment variable ``DEEPGRAD_KERNELS`` sets the mode at import; :func:`set_mode` changes
it and :func:`using` changes it for a ``with`` block.

Examples
--------
>>> import deepgrad as dg
>>> with dg.kernels.using("numpy"):
...     dg.kernels.get_mode()
'numpy'
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

__all__ = ["MIN_COMPILED_SIZE", "MODES", "available", "compiled", "get_mode", "set_mode", "using"]

MODES = ("auto", "numpy", "compiled")

#: Smallest buffer (in elements) that ``"auto"`` hands to a compiled kernel.
MIN_COMPILED_SIZE = 16_384


def _check_mode(mode) -> str:
    if mode not in MODES:
        raise ValueError(f"the kernel mode must be one of {MODES}; got {mode!r}")
    return mode


_mode = _check_mode(os.environ.get("DEEPGRAD_KERNELS", "auto"))
_module = None  # deepgrad._numba_kernels once imported; False when numba cannot be imported


def get_mode() -> str:
    """The current mode: ``"auto"``, ``"numpy"`` or ``"compiled"``."""
    return _mode


def set_mode(mode: str) -> str:
    """Set the mode (see the module's documentation); returns the previous one."""
    global _mode
    previous, _mode = _mode, _check_mode(mode)
    if mode == "compiled" and not available():
        _mode = previous
        raise ImportError('the "compiled" kernel mode needs numba: pip install "deepgrad[fast]"')
    return previous


@contextlib.contextmanager
def using(mode: str) -> Iterator[None]:
    """Run a ``with`` block in another mode, restoring the previous one afterwards."""
    previous = set_mode(mode)
    try:
        yield
    finally:
        set_mode(previous)


def _load():
    global _module
    if _module is None:
        try:
            from . import _numba_kernels
        except ImportError:
            _module = False
        else:
            _module = _numba_kernels
    return _module


def available() -> bool:
    """Whether the compiled kernels can be used (numba imports); imports numba on first call."""
    return bool(_load())


def compiled(name: str, size: int) -> Callable | None:
    """The compiled kernel ``name`` for a buffer of ``size`` elements, or None for NumPy's path."""
    if _mode == "numpy" or (_mode == "auto" and size < MIN_COMPILED_SIZE):
        return None
    module = _load()
    return getattr(module, name) if module else None

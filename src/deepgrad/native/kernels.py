"""Compiled kernels: one-pass versions of the loops NumPy runs as many passes.

An Adam step in NumPy is a dozen elementwise passes over the parameters, each reading and writing
whole buffers; for a network of a few hundred thousand parameters that memory traffic, not the
arithmetic, sets the speed. deepgrad's installation compiles a small C extension
(``deepgrad.native._optimizer_updates``, from ``optimizer_updates.c``) in which each optimizer update is one loop that keeps every element in
registers from the first operation to the last. A second one (``_dense_layer``, from ``dense_layer.c``) does the
elementwise work around a dense layer's matrix products in one pass each: the bias and ReLU of
the forward pass, and the ReLU mask and bias gradient of the backward pass. A third
(``_softmax_cross_entropy``, from ``softmax_cross_entropy.c``) does a softmax cross-entropy's value and gradient with integer labels in
two passes around NumPy's own ``exp``, row sums and ``log``; a fourth (``_batch_norm``) batch
normalization's statistics, scaling and gradients in one pass each; a fifth (``_validation``) the
finiteness test of the input checks; a sixth (``_windows``, from ``windows.c``) walks the windows of
an image once where NumPy walks them offset by offset: max pooling's maximum with its position, and
its gradient, and a convolution's *col2im*; a seventh (``_recurrent``, from ``recurrent.c``) a
SimpleRNN, LSTM or GRU layer's whole call — the input projection, the time loop with one pass
over the gates per step, and backward the loop and the weights' gradients — with the batch's
rows cut into blocks that run on threads of their own. Without a C compiler at install time the
extensions are skipped and the NumPy passes run instead.

The compiled loops do the same floating-point operations in the same order as the NumPy code
they replace (no fused multiply-add, no reassociation), so both give bitwise the same weights:
the choice changes the speed, never the numbers. The tests check this for every kernel. The one
exception is the recurrent calls: they compute their sigmoids and tanh from an exponential of
their own (within one unit in the last place of NumPy's, so that the step vectorizes) and their
matrix products with their own small GEMM (``small_gemm.h``: the recurrent kernel packed once per
call and kept in cache across the steps, sums in another order than NumPy's BLAS), and agree
with the NumPy path to rounding — the tests bound the difference.

Modes:

``"auto"`` (the default)
    Compiled when the extension was built, else NumPy.
``"numpy"``
    Never compiled (the reference path, written as the formulas read).
``"compiled"``
    Always compiled; an error if the extension was not built.

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

__all__ = ["EXTENSIONS", "MODES", "available", "compiled", "get_mode", "set_mode", "using"]

MODES = ("auto", "numpy", "compiled")


def _check_mode(mode) -> str:
    if mode not in MODES:
        raise ValueError(f"the kernel mode must be one of {MODES}; got {mode!r}")
    return mode


_mode = _check_mode(os.environ.get("DEEPGRAD_KERNELS", "auto"))
_functions = None  # name -> function of every compiled kernel, once the extensions are imported
_active = None  # the kernels the current mode uses, by name (None: not looked up yet)


def get_mode() -> str:
    """The current mode: ``"auto"``, ``"numpy"`` or ``"compiled"``."""
    return _mode


def set_mode(mode: str) -> str:
    """Set the mode (see the module's documentation); returns the previous one."""
    global _mode, _active
    previous, _mode = _mode, _check_mode(mode)
    _active = None
    if mode == "compiled" and not available():
        _mode = previous
        raise ImportError(
            'the "compiled" kernel mode needs deepgrad\'s C extension, which was not built: '
            "reinstall deepgrad with a C compiler available (e.g. gcc)"
        )
    return previous


@contextlib.contextmanager
def using(mode: str) -> Iterator[None]:
    """Run a ``with`` block in another mode, restoring the previous one afterwards."""
    previous = set_mode(mode)
    try:
        yield
    finally:
        set_mode(previous)


#: The extension modules ``setup.py`` builds, each with kernels of its own names.
EXTENSIONS = ("_optimizer_updates", "_dense_layer", "_softmax_cross_entropy", "_batch_norm",
              "_validation", "_windows", "_recurrent")
_built: list = []  # the extensions that imported


def _imported_extensions() -> list:
    """The built extensions among :data:`EXTENSIONS`, imported by their fixed names."""
    modules = []
    try:
        from . import _optimizer_updates

        modules.append(_optimizer_updates)
    except ImportError:
        pass
    try:
        from . import _dense_layer

        modules.append(_dense_layer)
    except ImportError:
        pass
    try:
        from . import _softmax_cross_entropy

        modules.append(_softmax_cross_entropy)
    except ImportError:
        pass
    try:
        from . import _batch_norm

        modules.append(_batch_norm)
    except ImportError:
        pass
    try:
        from . import _validation

        modules.append(_validation)
    except ImportError:
        pass
    try:
        from . import _windows

        modules.append(_windows)
    except ImportError:
        pass
    try:
        from . import _recurrent

        modules.append(_recurrent)
    except ImportError:
        pass
    return modules


def _load() -> dict:
    global _functions
    if _functions is None:
        functions: dict = {}
        for extension in _imported_extensions():
            kernels = {k: v for k, v in vars(extension).items() if callable(v)}
            assert not kernels.keys() & functions.keys(), f"{extension.__name__} repeats a kernel name"
            functions.update(kernels)
            _built.append(extension.__name__.rpartition(".")[2])
        _functions = functions
    return _functions


def available() -> bool:
    """Whether all the compiled kernels were built with this installation."""
    return bool(_load()) and len(_built) == len(EXTENSIONS)


def compiled(name: str) -> Callable | None:
    """The compiled kernel ``name`` in the current mode, or None for the NumPy path."""
    global _active
    active = _active
    if active is None:  # first use in this mode
        active = _active = {} if _mode == "numpy" else _load()
    return active.get(name)

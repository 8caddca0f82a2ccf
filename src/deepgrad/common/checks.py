"""Argument checks: one set of helpers and one message shape for every argument deepgrad takes.

Each check returns the value as a plain Python ``int``, ``float`` or ``bool``, or raises with the
argument's name, what was expected and what came::

    TypeError: units must be an int >= 1; got str '8'
    ValueError: units must be an int >= 1; got 0
    ValueError: rate must be a finite number in [0, 1); got 1.5

A wrong type raises ``TypeError``, a value out of range ``ValueError``. Booleans are neither ints
nor numbers here (``Dense(True)`` is a mistake, not one unit).

Beside numbers and flags: :func:`check_str` (a name, a log key), :func:`check_choice` (one of a
few strings), :func:`check_callable`, :func:`check_path` (a file or folder name),
:func:`check_seed` (what :func:`deepgrad.common.rng.as_generator` accepts) and
:func:`check_float_dtype`.

Examples
--------
>>> check_int(3, "units", minimum=1), check_number(0.5, "rate", low=0, high=1, high_open=True)
(3, 0.5)
>>> check_number(float("nan"), "momentum", low=0)
Traceback (most recent call last):
...
ValueError: momentum must be a finite number >= 0; got nan
"""

from __future__ import annotations

import math
import os
from numbers import Integral, Real

import numpy as np

__all__ = ["check_bool", "check_callable", "check_choice", "check_float_dtype", "check_int",
           "check_number", "check_path", "check_positive_int", "check_seed", "check_str",
           "describe", "optional_positive"]


def describe(value) -> str:
    """What came, for a message: its type and its value (``str '8'``, ``float 2.5``)."""
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _span(low, high, low_open: bool, high_open: bool) -> str:
    """`` >= 0``, `` > 0``, `` in [0, 1)``, or nothing without bounds."""
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high:g}"
    return ""


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an ``int`` in ``[minimum, maximum]`` (either bound may be None)."""
    expected = f"an int{_span(minimum, maximum, False, False)}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be {expected}; got {describe(value)}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {expected}; got {value}")
    return int(value)


def check_positive_int(value, name: str) -> int:
    """``value`` as an ``int`` >= 1 (a count: units, epochs, a batch size)."""
    return check_int(value, name, minimum=1)


def check_number(value, name: str, *, low=None, high=None, low_open: bool = False,
                 high_open: bool = False) -> float:
    """``value`` as a finite ``float`` in the range the bounds give (``*_open``: the bound itself
    is excluded)."""
    expected = f"a finite number{_span(low, high, low_open, high_open)}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be {expected}; got {describe(value)}")
    number = float(value)
    if (not math.isfinite(number)
            or (low is not None and (number <= low if low_open else number < low))
            or (high is not None and (number >= high if high_open else number > high))):
        raise ValueError(f"{name} must be {expected}; got {number!r}")
    return number


def optional_positive(value, name: str) -> float | None:
    """None, or ``value`` as a finite number > 0 (optional settings such as ``clipnorm``)."""
    return None if value is None else check_number(value, name, low=0, low_open=True)


def check_bool(value, name: str) -> bool:
    """``value`` as a ``bool``: True or False (NumPy's booleans too), nothing else."""
    if type(value).__name__ not in ("bool", "bool_"):
        raise TypeError(f"{name} must be True or False; got {describe(value)}")
    return bool(value)


def check_str(value, name: str) -> str:
    """``value`` as a non-empty ``str`` (a name, a log key).

    >>> check_str("val_loss", "monitor")
    'val_loss'
    >>> check_str(3, "monitor")
    Traceback (most recent call last):
    ...
    TypeError: monitor must be a non-empty string; got int 3
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a non-empty string; got {describe(value)}")
    if not value:
        raise ValueError(f"{name} must be a non-empty string; got ''")
    return value


def _listing(choices) -> str:
    """``'a', 'b' or 'c'``."""
    shown = [repr(c) for c in choices]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def check_choice(value, name: str, choices) -> str:
    """``value``, one of the strings ``choices`` (a wrong type is a ``TypeError``, another string
    a ``ValueError``).

    >>> check_choice("min", "mode", ("auto", "min", "max"))
    'min'
    >>> check_choice("best", "mode", ("auto", "min", "max"))
    Traceback (most recent call last):
    ...
    ValueError: mode must be 'auto', 'min' or 'max'; got 'best'
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be {_listing(choices)}; got {describe(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be {_listing(choices)}; got {value!r}")
    return value


def check_callable(value, name: str):
    """``value`` if it can be called (a function, a lambda, an object with ``__call__``).

    >>> check_callable(len, "schedule") is len
    True
    >>> check_callable(0.1, "schedule")
    Traceback (most recent call last):
    ...
    TypeError: schedule must be callable (a function); got float 0.1
    """
    if not callable(value):
        raise TypeError(f"{name} must be callable (a function); got {describe(value)}")
    return value


def check_path(value, name: str) -> str:
    """``value``, a ``str`` or ``os.PathLike`` naming a file or folder, as a non-empty ``str``.

    >>> from pathlib import Path
    >>> check_path(Path("logs") / "run.csv", "filename")
    'logs/run.csv'
    >>> check_path(3, "filename")
    Traceback (most recent call last):
    ...
    TypeError: filename must be a path (a str or os.PathLike); got int 3
    """
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (a str or os.PathLike); got {describe(value)}")
    path = os.fspath(value)
    if not isinstance(path, str):
        raise TypeError(f"{name} must be a path (a str or os.PathLike); got {describe(value)}")
    if not path:
        raise ValueError(f"{name} must be a non-empty path; got ''")
    return path


def check_seed(value, name: str = "seed"):
    """``value`` if :func:`~deepgrad.common.rng.as_generator` takes it: None, an int >= 0, a
    ``numpy.random.Generator``, ``SeedSequence`` or ``RandomState``. Nothing is drawn.

    >>> check_seed(0, "random_state"), check_seed(None, "seed")
    (0, None)
    >>> check_seed("0", "random_state")
    Traceback (most recent call last):
    ...
    TypeError: random_state must be None, an int >= 0 or a numpy.random.Generator; got str '0'
    """
    expected = "None, an int >= 0 or a numpy.random.Generator"
    if value is None or isinstance(value, (np.random.Generator, np.random.SeedSequence,
                                           np.random.RandomState)):
        return value
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be {expected}; got {describe(value)}")
    if value < 0:
        raise ValueError(f"{name} must be {expected}; got {value}")
    return value


def check_float_dtype(value, name: str = "dtype") -> str:
    """The name of a NumPy floating-point dtype (``"float32"``) given as a string, a NumPy dtype
    or type, or anything with such a ``.name``. Any other dtype is a ``TypeError``, as for the
    layers' ``dtype``.

    >>> check_float_dtype("float64"), check_float_dtype(np.float32)
    ('float64', 'float32')
    >>> check_float_dtype("int32")
    Traceback (most recent call last):
    ...
    TypeError: dtype must be a floating-point dtype such as 'float32'; got int32
    """
    expected = "a floating-point dtype such as 'float32'"
    if isinstance(value, bool) or value is None:
        raise TypeError(f"{name} must be {expected}; got {describe(value)}")
    try:
        dtype = np.dtype(getattr(value, "name", value) if not isinstance(value, type) else value)
    except TypeError:
        raise TypeError(f"{name} must be {expected}; got {describe(value)}") from None
    if dtype.kind != "f":
        raise TypeError(f"{name} must be {expected}; got {dtype.name}")
    return dtype.name

"""Argument checks: one set of helpers and one message shape for every argument deepgrad takes.

Each check returns the value as a plain Python ``int``, ``float`` or ``bool``, or raises with the
argument's name, what was expected and what came::

    TypeError: units must be an int >= 1; got str '8'
    ValueError: units must be an int >= 1; got 0
    ValueError: rate must be a finite number in [0, 1); got 1.5

A wrong type raises ``TypeError``, a value out of range ``ValueError``. Booleans are neither ints
nor numbers here (``Dense(True)`` is a mistake, not one unit).

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
from numbers import Integral, Real

__all__ = ["check_bool", "check_int", "check_number", "check_positive_int", "describe",
           "optional_positive"]


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

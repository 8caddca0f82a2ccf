"""Argument checks with messages that name the argument, the expected range and the value."""

from __future__ import annotations

import math
from numbers import Real


def check_number(name: str, value, low=None, high=None, low_open=False, high_open=False) -> float:
    """``float(value)`` after checking it is a real number in the stated range (for messages)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number; got {value!r} ({type(value).__name__})")
    value = float(value)
    bad = (
        math.isnan(value)
        or (low is not None and (value <= low if low_open else value < low))
        or (high is not None and (value >= high if high_open else value > high))
    )
    if bad:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        span = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise ValueError(f"{name} must be in {span}; got {value}")
    return value

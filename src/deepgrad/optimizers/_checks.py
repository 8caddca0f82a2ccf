"""Argument checks with messages that name the argument, the expected range and the value."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np


def parameter_name(param) -> str:
    return getattr(param, "name", None) or "unnamed"


def check_gradients(params: list, grads: list) -> list:
    """``grads`` as arrays (None stays None) after checking there are parameters, at least one
    gradient, and that every gradient has its parameter's shape."""
    if not params:
        raise ValueError("the optimizer got no trainable parameters")
    grads = [None if g is None else np.asarray(g) for g in grads]
    if all(g is None for g in grads):
        raise ValueError(
            "no parameter has a gradient (all .grad are None): call loss.backward() before step()"
        )
    for i, (p, g) in enumerate(zip(params, grads)):
        if g is not None and g.shape != p.data.shape:
            raise ValueError(
                f"the gradient of parameter {i} ({parameter_name(p)}) has shape {g.shape}; "
                f"expected the parameter's shape {p.data.shape}"
            )
    return grads


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


def positive_or_none(name: str, value):
    """None, or ``value`` checked to be a number > 0 (for optional settings such as clipnorm)."""
    return None if value is None else check_number(name, value, low=0.0, low_open=True)

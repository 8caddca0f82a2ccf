"""Primitives that update state in place: :class:`MovingAverageUpdate`.

A layer's running statistics (batch normalization's moving mean and variance) change as a side
effect of a training forward pass. As a primitive, the update is part of the recorded step, so a
replayed step updates them exactly as the graph does.
"""

from __future__ import annotations

import numpy as np

from .base import Function

__all__ = ["MovingAverageUpdate"]


class MovingAverageUpdate(Function):
    """``moving ← moving · momentum + value · (1 − momentum)``, in place on ``moving`` (inputs
    ``(moving, value)``, ``value`` flattened to ``moving``'s shape). Returns ``moving``; it has
    no gradient."""

    __slots__ = ("momentum",)

    def __init__(self, momentum: float):
        self.momentum = momentum

    def forward(self, moving, value):
        m = self.momentum
        np.copyto(moving, moving * m + value.reshape(moving.shape) * (1.0 - m), casting="same_kind")
        return moving

    def backward(self, grad):
        return None, None

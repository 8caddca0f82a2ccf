"""The :class:`Function` base class and the registry of primitives."""

from __future__ import annotations

REGISTRY: dict[str, type[Function]] = {}


class Function:
    """Base class of the differentiable primitives."""

    __slots__ = ("inputs", "needs_input_grad")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        REGISTRY[cls.__name__] = cls

    def forward(self, *arrays):  # pragma: no cover - documented interface
        raise NotImplementedError

    def backward(self, grad):  # pragma: no cover - documented interface
        raise NotImplementedError

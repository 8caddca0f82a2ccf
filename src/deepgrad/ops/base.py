"""The :class:`Function` base class and the registry of primitives."""

from __future__ import annotations

REGISTRY: dict[str, type[Function]] = {}


class Function:
    """Base class of the differentiable primitives.

    A subclass defines ``forward(*arrays) -> array``, keeping on ``self`` what its derivative
    needs, and ``backward(grad) -> tuple`` with one gradient (or None) per input. The engine
    sets, on an instance that joins the graph:

    ``inputs``
        The input tensors.
    ``needs_input_grad``
        Per input, whether a gradient is wanted; ``backward`` may skip the others (None).
    ``sequence``
        A number that grows with every recorded primitive: the backward sweep runs the
        primitives in decreasing ``sequence``, so gradients are summed in one fixed order
        however the graph is traversed (see :mod:`deepgrad.autograd.engine`).

    A replayed step (:mod:`deepgrad.compile`) may also give ``grad_into``: per input, an array
    where that input's whole gradient belongs (a view of the optimizer's flat gradient buffer),
    or None. :meth:`gradient_out` hands it to ``backward``, which may write the gradient there
    with ``out=`` and return that array; the values are the same either way.
    """

    __slots__ = ("inputs", "needs_input_grad", "sequence", "grad_into")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):  # a private base shared by primitives is not one
            REGISTRY[cls.__name__] = cls

    def forward(self, *arrays):  # pragma: no cover - documented interface
        raise NotImplementedError

    def backward(self, grad):  # pragma: no cover - documented interface
        raise NotImplementedError

    def gradient_out(self, index: int):
        """Where the gradient of input ``index`` may be written, or None (a new array)."""
        into = getattr(self, "grad_into", None)
        return None if into is None else into[index]

"""What the engine keeps of the operations it runs: the graph (unless :class:`no_grad`), and,
inside :func:`recording`, a list of every primitive applied (what :mod:`deepgrad.compile`
replays)."""

from __future__ import annotations

import contextlib
import functools
import itertools

__all__ = ["is_grad_enabled", "no_grad", "not_recording", "recording"]

grad_enabled = True
sequence = itertools.count()  # numbers the primitives that join the graph, in order
records: list | None = None  # the list recording() fills, while it is active


class no_grad:
    """Context manager (and decorator) that records no graph: results never require grad.

    >>> import deepgrad as dg
    >>> w = dg.Tensor([1.0, 2.0], requires_grad=True)
    >>> with dg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    def __enter__(self):
        global grad_enabled
        self._previous, grad_enabled = grad_enabled, False
        return self

    def __exit__(self, *exc):
        global grad_enabled
        grad_enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)

        return wrapper


def is_grad_enabled() -> bool:
    """Whether operations currently record the graph."""
    return grad_enabled


@contextlib.contextmanager
def recording():
    """List every primitive applied inside the block as ``(function, inputs, result)``, in the
    order they ran (``Tensor.detach`` included, as the identity ``ops.StopGradient``).

    >>> import deepgrad as dg
    >>> w = dg.Tensor([1.0, 2.0], requires_grad=True)
    >>> with recording() as steps:
    ...     y = (w * 2).sum()
    >>> [type(fn).__name__ for fn, inputs, result in steps]
    ['Mul', 'Sum']
    """
    global records
    previous, records = records, []
    try:
        yield records
    finally:
        records = previous


@contextlib.contextmanager
def not_recording():
    """Leave the primitives applied inside the block out of an active :func:`recording` (work
    that belongs to no step, such as inferring a layer's output shape)."""
    global records
    previous, records = records, None
    try:
        yield
    finally:
        records = previous



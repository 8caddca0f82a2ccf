"""Limits on what a model being loaded from a file may allocate, checked before allocating.

A file's config says how big its layers are (``units``, ``filters``, the input shape), and a
crafted file can say ``units=10**8`` in a few kilobytes. While :func:`limited` is active (the
model file loader turns it on), ``Layer.add_weight`` compares each weight it is asked to make
with the tensor the file holds for it — shape and dtype, read from the file's header; a weight whose path the file does not know
takes a stored tensor of its shape and dtype not yet taken — and the
shape inference that runs a layer on one sample of zeros refuses samples larger than the
limit, so a file is refused in milliseconds, before anything big exists.

>>> with limited({"dense/kernel": ((4, 5), "float32", "weights/dense/kernel")}, 100):
...     check_weight("dense/kernel", (4, 5), "float32")
...     check_weight("dense/kernel", (4, 10**8), "float32")
Traceback (most recent call last):
...
deepgrad.common.allocation.AllocationRefused: weight 'dense/kernel' would be float32 of shape (4, 100000000), but the file's tensor 'weights/dense/kernel' is float32 of shape (4, 5)
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import math

__all__ = ["AllocationRefused", "check_sample", "check_weight", "limited"]


class AllocationRefused(ValueError):
    """What a file describes does not fit the tensors it holds (raised while loading)."""


_limits: contextvars.ContextVar = contextvars.ContextVar("deepgrad_allocation_limits",
                                                         default=None)


@contextlib.contextmanager
def limited(weights: dict, sample_elements: int):
    """Within the block, weights may only be made as ``weights`` lists them (``{path: (shape,
    dtype name, the file's tensor key)}``; each stored tensor once), and a sample run for shape inference may hold at most ``sample_elements``
    numbers."""
    unclaimed = collections.Counter((tuple(shape), dtype) for shape, dtype, _ in weights.values())
    token = _limits.set((dict(weights), int(sample_elements), unclaimed))
    try:
        yield
    finally:
        _limits.reset(token)


def check_weight(path, shape, dtype) -> None:
    """Refuse a weight the active limits do not list with this shape and dtype (no-op when no
    limits are active)."""
    limits = _limits.get()
    if limits is None:
        return
    shape, dtype = tuple(int(s) for s in shape), str(dtype)
    expected, unclaimed = limits[0].get(path), limits[2]
    if expected is not None and (tuple(expected[0]), expected[1]) == (shape, dtype):
        unclaimed[shape, dtype] -= 1  # may go below 0: see below
        return
    if unclaimed[shape, dtype] > 0:
        # A weight the file has no tensor for, by its path, takes one stored tensor of its
        # shape and dtype that no weight has taken yet: a subclassed model's layers are named
        # afresh when it is rebuilt (whether the weights fit is decided when they are
        # assigned). Every weight made is then as large as a distinct stored tensor, or as its
        # own: the model holds at most twice what the file does.
        unclaimed[shape, dtype] -= 1
        return
    if expected is None:
        raise AllocationRefused(f"the file holds no tensor for the model's weight {path!r} "
                                f"({dtype} of shape {shape})")
    if tuple(expected[0]) != shape or expected[1] != dtype:
        raise AllocationRefused(f"weight {path!r} would be {dtype} of shape {shape}, but the "
                                f"file's tensor {expected[2]!r} is {expected[1]} of shape "
                                f"{tuple(expected[0])}")


def check_sample(shape) -> None:
    """Refuse a sample of ``shape`` (no ``None``) larger than the active limit."""
    limits = _limits.get()
    if limits is None:
        return
    elements = math.prod(int(s) for s in shape)
    if elements > limits[1]:
        raise AllocationRefused(f"an input sample of shape {tuple(shape)} ({elements} numbers) "
                                f"is larger than a file of this size may ask for (at most "
                                f"{limits[1]})")

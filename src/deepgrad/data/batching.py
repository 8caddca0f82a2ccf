"""Mini-batches: index sets over arrays, and streams of ready batches."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..common.checks import check_positive_int

__all__ = ["BatchStream", "batches", "is_stream"]


def batches(n_samples: int, batch_size: int, *, shuffle: bool = False, rng=None) -> Iterator:
    """Index sets of successive mini-batches: slices in order, or a seeded permutation's chunks."""
    if shuffle:
        order = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            yield order[start : start + batch_size]
    else:
        for start in range(0, n_samples, batch_size):
            yield slice(start, min(start + batch_size, n_samples))


def is_stream(x, y) -> bool:
    """True when ``x`` is a source of batches rather than an array: a generator or iterator, a
    function returning one, or a re-iterable object that is not array-like (``y`` must be None)."""
    if y is not None or x is None or isinstance(x, (np.ndarray, list, tuple)) or hasattr(x, "__array__"):
        return False
    return callable(x) or isinstance(x, Iterator) or hasattr(x, "__iter__")


class BatchStream:
    """Batches ``(x, y)`` or ``(x, y, sample_weight)`` drawn from a stream, ``steps`` per epoch.

    ``source`` is a function returning a fresh iterable each epoch, a re-iterable (iterated once
    per epoch), or a single-use iterator, from which ``steps_per_epoch`` batches make an epoch.
    Nothing is read ahead, so a data set of any size trains in constant memory.
    """

    def __init__(self, source, steps_per_epoch=None):
        if steps_per_epoch is not None:
            steps_per_epoch = check_positive_int(steps_per_epoch, "steps_per_epoch")
        if isinstance(source, Iterator) and steps_per_epoch is None:
            raise ValueError(
                "x is a generator, which can be iterated only once: pass steps_per_epoch, or pass "
                "a function that returns a fresh generator for each epoch"
            )
        self.source, self.steps = source, steps_per_epoch
        self._iterator = source if isinstance(source, Iterator) else None

    def epoch(self):
        """The batches of one epoch, as ``(x, y, sample_weight or None)`` tuples."""
        if self._iterator is None or not isinstance(self.source, Iterator):
            self._iterator = iter(self.source() if callable(self.source) else self.source)
        for step, batch in enumerate(self._iterator, start=0):
            if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
                raise ValueError(
                    f"each batch must be a tuple (x, y) or (x, y, sample_weight); batch {step} is "
                    f"{type(batch).__name__}" + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
                )
            yield batch[0], batch[1], batch[2] if len(batch) == 3 else None
            if self.steps is not None and step + 1 >= self.steps:
                return

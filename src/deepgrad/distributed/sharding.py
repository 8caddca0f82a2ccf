"""Which part of a global batch each process trains on, and how much its part weighs.

Every process walks the same batches in the same (shuffled) order; a batch of ``n`` samples
is cut into ``world_size`` contiguous parts whose sizes differ by at most one (the first
``n % world_size`` parts have one sample more, as ``numpy.array_split`` cuts), and rank ``r``
takes part ``r``. A part may be empty when ``n < world_size`` (a short last batch).

The loss ``fit`` minimises is a mean over the batch, ``L = (1/n) Σᵢ wᵢ·lossᵢ`` (plus the
penalties). Rank ``r`` computes the mean over its part, ``L_r = (1/n_r) Σ_{i in r} wᵢ·lossᵢ``
(plus the same penalties), so weighing each part by its share ``n_r/n`` and summing gives the
loss and the gradient of the whole batch exactly, whatever the part sizes::

    Σ_r (n_r/n)·L_r = (1/n) Σᵢ wᵢ·lossᵢ + penalties · Σ_r n_r/n = L
"""

from __future__ import annotations

__all__ = ["shard_bounds", "shard_share"]


def shard_bounds(n_samples: int, world_size: int, rank: int) -> tuple[int, int]:
    """``(start, stop)``: the rows of a batch of ``n_samples`` that process ``rank`` of
    ``world_size`` trains on.

    Examples
    --------
    >>> [shard_bounds(7, 2, r) for r in range(2)]
    [(0, 4), (4, 7)]
    >>> [shard_bounds(1, 2, r) for r in range(2)]   # a short last batch: rank 1 has no rows
    [(0, 1), (1, 1)]
    """
    base, extra = divmod(n_samples, world_size)
    start = rank * base + min(rank, extra)
    return start, start + base + (rank < extra)


def shard_share(n_samples: int, world_size: int, rank: int) -> float:
    """The weight ``n_r / n`` of process ``rank``'s part in the mean over the whole batch.

    >>> shard_share(7, 2, 0), shard_share(7, 2, 1)
    (0.5714285714285714, 0.42857142857142855)
    """
    start, stop = shard_bounds(n_samples, world_size, rank)
    return (stop - start) / n_samples

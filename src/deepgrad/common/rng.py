"""One place where seeds become generators.

Everything random in deepgrad takes ``seed=`` (an int, a ``np.random.Generator`` or None) and
turns it into a generator with :func:`as_generator`. Global NumPy random state is never used:
``seed=None`` draws a fresh child from deepgrad's own root generator, which :func:`set_seed`
makes reproducible.
"""

from __future__ import annotations

import numpy as np

from .checks import check_seed

_root = np.random.default_rng()


def set_seed(seed: int) -> None:
    """Make every later ``seed=None`` draw in deepgrad reproducible.

    >>> set_seed(0); a = as_generator().random()
    >>> set_seed(0); b = as_generator().random()
    >>> a == b
    True
    """
    global _root
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int; got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed}")
    _root = np.random.default_rng(int(seed))


def as_generator(seed=None, name: str = "seed") -> np.random.Generator:
    """Return a ``np.random.Generator`` for ``seed``.

    ``seed`` may be None (a child of deepgrad's root generator), an int, a ``SeedSequence``,
    a legacy ``RandomState`` (a child seeded from it), or a ``Generator`` (returned unchanged,
    so state is shared with the caller). Anything else is refused by
    :func:`~deepgrad.common.checks.check_seed`, naming the argument ``name``.
    """
    check_seed(seed, name)
    if seed is None:
        return np.random.default_rng(_root.integers(0, 2**63 - 1))
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.RandomState):  # scikit-learn users pass these
        return np.random.default_rng(seed.randint(0, 2**31 - 1))
    return np.random.default_rng(int(seed))

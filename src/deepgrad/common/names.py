"""Default names: ``dense``, ``dense_1``, ``dense_2``, ... as Keras names its layers and models."""

from __future__ import annotations

import itertools
from collections import defaultdict

__all__ = ["reset_names", "unique_name"]

_counters: dict[str, itertools.count] = defaultdict(itertools.count)


def unique_name(base: str) -> str:
    """``base`` the first time, then ``base_1``, ``base_2``, ...

    >>> reset_names()
    >>> unique_name("dense"), unique_name("dense"), unique_name("dropout")
    ('dense', 'dense_1', 'dropout')
    """
    n = next(_counters[base])
    return base if n == 0 else f"{base}_{n}"


def reset_names() -> None:
    """Start every counter afresh (``deepgrad.backend.clear_session()``)."""
    _counters.clear()

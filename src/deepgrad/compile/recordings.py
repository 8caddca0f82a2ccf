"""Which recordings are still good: tapes kept per input signature, dropped when layers change.

A tape is exact for the layers as they were recorded. Any attribute assigned on a layer (a new
activation, a dropout rate, ``trainable``, a layer added to a model...) calls
:func:`layers_changed`, and every :class:`Recordings` then starts afresh: the next call records
again through the graph.
"""

from __future__ import annotations

__all__ = ["Recordings", "layers_changed"]

_version = 0


def layers_changed() -> None:
    """Make every kept recording stale (called when a layer's attribute is assigned)."""
    global _version
    _version += 1


class Recordings:
    """Tapes by key (an input signature), at most ``limit`` of them, the oldest dropped first.

    >>> kept = Recordings()
    >>> kept.put(((2, 3), "float32"), "tape")
    >>> kept.get(((2, 3), "float32"))
    'tape'
    >>> layers_changed()
    >>> kept.get(((2, 3), "float32")) is None
    True
    """

    def __init__(self, limit: int = 8):
        self.limit = limit
        self._tapes: dict = {}
        self._version = _version

    def get(self, key):
        """The tape kept for ``key``, or None (none yet, or the layers changed since)."""
        if self._version != _version:
            self.clear()
        return self._tapes.get(key)

    def put(self, key, tape) -> None:
        if self._version != _version:
            self.clear()
        if len(self._tapes) >= self.limit:
            del self._tapes[next(iter(self._tapes))]
        self._tapes[key] = tape

    def clear(self) -> None:
        self._tapes.clear()
        self._version = _version

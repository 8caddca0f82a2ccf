"""Recorded steps: a call recorded once per input signature and replayed without a graph.

See :mod:`.tape` for how a recorded call is replayed, bitwise the graph's, and
:mod:`.recordings` for when a recording goes stale.
"""

from .recordings import Recordings, layers_changed
from .tape import Tape

__all__ = ["Recordings", "Tape", "layers_changed"]

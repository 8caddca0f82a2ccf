"""Models and their training: Sequential, the fit / evaluate / predict loops, the summary."""

from .sequential import Sequential

__all__ = ["Sequential"]

"""Models and their training: ``Model`` (functional and subclassed), ``Sequential``, the fit /
evaluate / predict loops, the summary."""

from .model import Functional, Model
from .sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]

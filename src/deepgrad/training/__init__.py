"""Models and their training: ``Model`` (functional and subclassed), ``Sequential``, the fit /
evaluate / predict loops, the summary."""

from .cloning import clone_model
from .functional import Functional
from .model import Model
from .sequential import Sequential

__all__ = ["Functional", "Model", "Sequential", "clone_model"]

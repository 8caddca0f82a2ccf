"""Models, as Keras names the module: ``from deepgrad.models import Sequential, load_model``."""

from .saving import load_model
from .training import Sequential

__all__ = ["Sequential", "load_model"]

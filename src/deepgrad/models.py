"""Models, as Keras names the module: ``from deepgrad.models import Model, Sequential``."""

from .saving import load_model, model_from_json
from .training import Functional, Model, Sequential

__all__ = ["Functional", "Model", "Sequential", "load_model", "model_from_json"]

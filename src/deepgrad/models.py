"""Models, as Keras names the module: ``from deepgrad.models import Model, Sequential``."""

from .saving import load_model, model_from_json
from .training import Functional, Model, Sequential, clone_model

__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json"]

"""Model files: safetensors with the architecture and optimizer state, written atomically."""

from .architecture import model_from_json
from .custom_objects import register_keras_serializable
from .model_file import ModelFileError
from .save_load import (
    load_model,
    load_weights,
    register_model,
    restore_training_state,
    save_model,
    save_weights,
)

__all__ = ["ModelFileError", "load_model", "load_weights", "model_from_json",
           "register_keras_serializable", "register_model", "restore_training_state",
           "save_model", "save_weights"]

"""Keras-style callbacks: objects whose hooks ``fit`` calls during training.

See :class:`Callback` for the hooks and the order in which ``fit`` calls them. Each callback
lives in a small module; this package re-exports them all.
"""

from .backup import BackupAndRestore
from .base import HOOKS, Callback, LambdaCallback
from .callback_list import CallbackList
from .checkpoint import ModelCheckpoint
from .early_stopping import EarlyStopping
from .history import CSVLogger, History
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .progbar import ProgbarLogger
from .terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "HOOKS",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]

"""Data handling for training: input validation and batching.

The data sets themselves are in :mod:`deepgrad.datasets`.
"""

from .batching import BatchStream, batches, is_stream
from .validation import (
    as_features,
    as_targets,
    check_finite,
    check_positive_int,
    check_sample_weight,
    class_weights_to_sample_weights,
    one_hot,
)

__all__ = [
    "BatchStream",
    "as_features",
    "as_targets",
    "batches",
    "check_finite",
    "check_positive_int",
    "check_sample_weight",
    "class_weights_to_sample_weights",
    "is_stream",
    "one_hot",
]

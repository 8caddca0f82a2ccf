"""Seeing inside training: what the lecture notes check by hand, measured and said in words.

- :func:`gradient_report` — per layer, the norms of the weights, their gradients and the
  optimizer's update, the units that never fire or sit saturated, and the findings (vanishing
  or exploding gradients, dying ReLUs, saturated units...) with the notes' remedies;
- :class:`GradientMonitor` — the same figures every epoch, into the History, and each finding
  said the epoch it first appears;
- :func:`lr_find` — the learning-rate range test, leaving the model as it was.
"""

from .findings import THRESHOLDS, Finding
from .health import LayerHealth
from .lr_finder import LearningRateRange, lr_find
from .monitor import GradientMonitor
from .report import GradientReport, gradient_report

__all__ = ["THRESHOLDS", "Finding", "GradientMonitor", "GradientReport", "LayerHealth",
           "LearningRateRange", "gradient_report", "lr_find"]

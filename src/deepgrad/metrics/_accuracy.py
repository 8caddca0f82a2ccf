"""Accuracy metrics: binary, categorical, sparse categorical and exact-match."""

from __future__ import annotations

import numpy as np

from ..common.checks import check_number, describe
from ._base import (
    MeanMetricWrapper,
    Metric,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
)


# ------------------------------------------------------------------ accuracy means
class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the label ``y_true >= 0.5``.

    Parameters
    ----------
    threshold : float, default 0.5
        Decision threshold on ``y_pred``; use 0.0 for logits or hinge scores. (Keras's first
        argument is ``name``; here the name is keyword-only: ``BinaryAccuracy(name="acc")``.)
    name : str, optional
    dtype : str or numpy dtype, optional
        See :class:`Metric`.

    Examples
    --------
    >>> m = BinaryAccuracy()
    >>> m.update_state([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.7])
    >>> m.result()
    0.5
    """

    def __init__(self, threshold: float = 0.5, *, name: str | None = None, dtype=None):
        if isinstance(threshold, str):
            raise TypeError(f"threshold must be a finite number; got {describe(threshold)}. "
                            f"BinaryAccuracy's name is keyword-only: "
                            f"BinaryAccuracy(name={threshold!r})")
        threshold = check_number(threshold, "threshold")
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` matches the one-hot ``y_true``.

    >>> CategoricalAccuracy()([[0, 1], [1, 0]], [[0.1, 0.9], [0.2, 0.8]])
    0.5
    """

    def __init__(self, name: str | None = None, dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` matches the integer label ``y_true``.

    >>> SparseCategoricalAccuracy()([1, 1, 0], [[0.1, 0.9], [0.6, 0.4], [0.7, 0.3]])
    0.6666666666666666
    """

    def __init__(self, name: str | None = None, dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly (predictions already as labels).

    >>> Accuracy()([1, 2, 3, 4], [1, 2, 0, 4])
    0.75
    """

    def __init__(self, name: str | None = None, dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class _ShapeInferredAccuracy(Metric):
    """Accuracy whose kind (binary, categorical, sparse) is read from the first batch's shapes."""

    def reset_state(self) -> None:
        self._metric = getattr(self, "_metric", None)
        if self._metric is not None:
            self._metric.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if self._metric is None:
            shape_true, shape_pred = np.shape(y_true), np.shape(y_pred)
            if len(shape_pred) <= 1 or shape_pred[-1] == 1:
                self._metric = BinaryAccuracy(name=self.name)
            elif len(shape_true) < len(shape_pred) or shape_true[-1] == 1:
                self._metric = SparseCategoricalAccuracy(name=self.name)
            else:
                self._metric = CategoricalAccuracy(name=self.name)
        self._metric.update_state(y_true, y_pred, sample_weight)

    def result(self) -> float:
        return 0.0 if self._metric is None else self._metric.result()

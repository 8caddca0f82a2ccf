"""Metrics that are the mean of a loss: Keras's ``BinaryCrossentropy``,
``CategoricalCrossentropy``, ``SparseCategoricalCrossentropy``, ``KLDivergence`` and ``Hinge``
metrics (``metrics=["binary_crossentropy"]``), each the running mean of the per-sample values
of the loss function of the same name in :mod:`deepgrad.losses`, which defines them once.
"""

from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from ..common.registry import snake_case
from ._base import MeanMetricWrapper

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "Hinge", "KLDivergence",
           "SparseCategoricalCrossentropy"]


class _LossMean(MeanMetricWrapper):
    """The weighted mean of the per-sample values of the loss function ``loss_function`` (its
    name in :mod:`deepgrad.losses`), called with the metric's settings."""

    loss_function = ""

    def __init__(self, name: str | None = None, dtype=None, **settings):
        super().__init__(self._values, name=snake_case(type(self).__name__) if name is None else name,
                         dtype=dtype, **settings)

    def _values(self, y_true, y_pred, **settings) -> np.ndarray:
        from .. import losses

        y_pred = np.asarray(y_pred, dtype=np.float64)
        return getattr(losses, self.loss_function)(y_true, Tensor(y_pred), **settings).data


class BinaryCrossentropy(_LossMean):
    """Mean binary cross-entropy, as the loss of the same name computes it.

    >>> BinaryCrossentropy()([1.0, 0.0], [0.9, 0.2])  # (−log 0.9 − log 0.8) / 2
    0.164252033486018
    """

    loss_function = "binary_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0.0):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_LossMean):
    """Mean categorical cross-entropy of one-hot targets.

    >>> round(CategoricalCrossentropy()([[0.0, 1.0]], [[0.25, 0.75]]), 6)  # −log 0.75
    0.287682
    """

    loss_function = "categorical_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0.0, axis=-1):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(_LossMean):
    """Mean categorical cross-entropy of integer labels.

    >>> round(SparseCategoricalCrossentropy()([1], [[0.25, 0.75]]), 6)
    0.287682
    """

    loss_function = "sparse_categorical_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, axis=-1):
        if axis != -1:
            raise ValueError(f"SparseCategoricalCrossentropy reads the classes along the last "
                             f"axis; axis must be -1; got {axis!r}")
        super().__init__(name, dtype, from_logits=from_logits)


class KLDivergence(_LossMean):
    """Mean Kullback–Leibler divergence of the predictions from the targets.

    >>> round(KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]]), 6)
    0.143841
    """

    loss_function = "kl_divergence"

    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)


class Hinge(_LossMean):
    """Mean hinge loss, ``max(0, 1 − y·ŷ)`` with labels −1/1 (0/1 are mapped to −1/1).

    >>> Hinge()([1.0, -1.0], [0.5, -2.0])
    0.25
    """

    loss_function = "hinge"

    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)

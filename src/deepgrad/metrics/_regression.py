"""Regression metrics: mean absolute error, (root) mean squared error and R²."""

from __future__ import annotations

import numpy as np

from ._base import (
    MeanMetricWrapper,
    Metric,
    _align,
    _safe_divide,
    _weights_like,
    mean_absolute_error,
    mean_squared_error,
)


# ------------------------------------------------------------------ regression means
class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of ``|y_true - y_pred|`` (alias ``"mae"``).

    >>> MeanAbsoluteError()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]])
    0.5
    """

    def __init__(self, *, name: str | None = None):
        super().__init__(mean_absolute_error, name=name)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of ``(y_true - y_pred)**2`` (alias ``"mse"``).

    >>> MeanSquaredError()([0.0, 1.0, 2.0], [0.0, 3.0, 2.0])
    1.3333333333333333
    """

    def __init__(self, *, name: str | None = None):
        super().__init__(mean_squared_error, name=name)


class RootMeanSquaredError(MeanSquaredError):
    """Square root of the mean squared error over everything seen (alias ``"rmse"``).

    >>> RootMeanSquaredError()([0.0, 1.0, 2.0, 3.0], [0.0, 3.0, 2.0, 3.0])
    1.0
    """

    def __init__(self, *, name: str | None = None):
        super().__init__(name=name or "root_mean_squared_error")

    def result(self) -> float:
        return float(np.sqrt(super().result()))


# ------------------------------------------------------------------ coefficient of determination
class R2Score(Metric):
    """Coefficient of determination ``1 - SS_res / SS_tot``, streamed over batches.

    Keeps per output the weighted count, mean and sum of squared deviations of ``y_true``
    (merged batch by batch with Chan's update, so large offsets lose no precision) and the
    residual sum of squares. An output with constant targets scores 1.0 if predicted exactly,
    else 0.0, as in scikit-learn.

    Parameters
    ----------
    multioutput : {"uniform_average", "variance_weighted"}, default "uniform_average"
        How to combine the scores of several outputs (columns of ``y_true``).
    name : str, optional

    Examples
    --------
    >>> m = R2Score()
    >>> m.update_state([1.0, 2.0], [1.0, 2.5]); m.update_state([3.0, 4.0], [3.0, 4.0])
    >>> m.result()
    0.95
    """

    def __init__(self, multioutput: str = "uniform_average", *, name: str | None = None):
        if multioutput not in ("uniform_average", "variance_weighted"):
            raise ValueError(
                f"multioutput must be 'uniform_average' or 'variance_weighted'; got {multioutput!r}"
            )
        self.multioutput = multioutput
        super().__init__(name=name)

    def reset_state(self) -> None:
        self.weight_sum = self.target_mean = self.target_sq_dev = self.residual_sq = None

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _align(y_true, y_pred)
        y_true, y_pred = y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1)
        weight = np.ones(y_true.shape) if sample_weight is None else (
            _weights_like(sample_weight, y_true.shape))
        if self.weight_sum is None:
            n_outputs = y_true.shape[1]
            self.weight_sum, self.target_mean = np.zeros(n_outputs), np.zeros(n_outputs)
            self.target_sq_dev, self.residual_sq = np.zeros(n_outputs), np.zeros(n_outputs)
        elif y_true.shape[1] != self.weight_sum.shape[0]:
            raise ValueError(
                f"R2Score saw {self.weight_sum.shape[0]} outputs before; this batch has "
                f"{y_true.shape[1]}"
            )
        batch_weight = weight.sum(axis=0)
        batch_mean = _safe_divide((weight * y_true).sum(axis=0), batch_weight)
        batch_sq_dev = (weight * (y_true - batch_mean) ** 2).sum(axis=0)
        total = self.weight_sum + batch_weight
        delta = batch_mean - self.target_mean
        self.target_mean = self.target_mean + delta * _safe_divide(batch_weight, total)
        self.target_sq_dev = self.target_sq_dev + batch_sq_dev + delta**2 * _safe_divide(
            self.weight_sum * batch_weight, total)
        self.weight_sum = total
        self.residual_sq = self.residual_sq + (weight * (y_true - y_pred) ** 2).sum(axis=0)

    def result(self) -> float:
        if self.weight_sum is None:
            return 0.0
        ss_res, ss_tot = self.residual_sq, self.target_sq_dev
        constant = ss_tot == 0
        scores = np.where(constant, (ss_res == 0).astype(float), 1.0 - _safe_divide(ss_res, ss_tot))
        if self.multioutput == "variance_weighted" and ss_tot.sum() > 0:
            return float(np.sum(scores * ss_tot) / ss_tot.sum())
        return float(scores.mean())

    def get_config(self) -> dict:
        return {**super().get_config(), "multioutput": self.multioutput}

"""Regression metrics: mean absolute error, (root) mean squared error and R²."""

from __future__ import annotations

import warnings

import numpy as np

from ..common.checks import check_choice, check_int
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

    def __init__(self, name: str | None = None, dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of ``(y_true - y_pred)**2`` (alias ``"mse"``).

    >>> MeanSquaredError()([0.0, 1.0, 2.0], [0.0, 3.0, 2.0])
    1.3333333333333333
    """

    def __init__(self, name: str | None = None, dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class RootMeanSquaredError(MeanSquaredError):
    """Square root of the mean squared error over everything seen (alias ``"rmse"``).

    >>> RootMeanSquaredError()([0.0, 1.0, 2.0, 3.0], [0.0, 3.0, 2.0, 3.0])
    1.0
    """

    def __init__(self, name: str | None = None, dtype=None):
        super().__init__(name="root_mean_squared_error" if name is None else name, dtype=dtype)

    def result(self) -> float:
        return float(np.sqrt(super().result()))


# ------------------------------------------------------------------ coefficient of determination
_AGGREGATIONS = {"uniform_average": "uniform_average", "variance_weighted": "variance_weighted",
                 "variance_weighted_average": "variance_weighted"}


class R2Score(Metric):
    """Coefficient of determination ``1 - SS_res / SS_tot``, streamed over batches.

    Keeps per output the weighted count, mean and sum of squared deviations of ``y_true``
    (merged batch by batch with Chan's update, so large offsets lose no precision) and the
    residual sum of squares. An output with constant targets scores 1.0 if predicted exactly,
    else 0.0, as in scikit-learn.

    Parameters
    ----------
    class_aggregation : {"uniform_average", "variance_weighted_average"}, default "uniform_average"
        How to combine the scores of several outputs (columns of ``y_true``): their mean, or
        their mean weighted by each output's variance. Keras's name and spellings;
        ``"variance_weighted"`` (scikit-learn's) works too. Keras's None (one score per output)
        is not available: ``fit`` logs one number per metric.
    num_regressors : int, default 0
        With ``p > 0`` regressors, the adjusted score ``1 - (1 - R²)(n - 1)/(n - p - 1)`` over
        the ``n`` samples seen, as in Keras (which falls back to R², with a warning, when
        ``n - p - 1 <= 0``; so does this). Keras counts every element of ``y_true`` as a sample;
        with several outputs deepgrad counts the rows.
    name : str, optional
    dtype : str or numpy dtype, optional
        See :class:`Metric`.
    multioutput : {"uniform_average", "variance_weighted"}, optional
        deepgrad's earlier name for ``class_aggregation`` (scikit-learn's); give one of the two.

    Examples
    --------
    >>> m = R2Score()
    >>> m.update_state([1.0, 2.0], [1.0, 2.5]); m.update_state([3.0, 4.0], [3.0, 4.0])
    >>> m.result()
    0.95
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors: int = 0,
                 name: str | None = None, dtype=None, *, multioutput=None):
        if multioutput is not None and class_aggregation != "uniform_average":
            raise ValueError(
                f"give one of class_aggregation (Keras's name) and multioutput; got "
                f"class_aggregation={class_aggregation!r} and multioutput={multioutput!r}"
            )
        key, value = (("multioutput", multioutput) if multioutput is not None
                      else ("class_aggregation", class_aggregation))
        if value is None:
            raise ValueError(
                f"{key}=None (one score per output) is not available: fit logs one number per "
                "metric. Use one R2Score per output column, or 'uniform_average'"
            )
        self.multioutput = _AGGREGATIONS[check_choice(value, key, tuple(_AGGREGATIONS))]
        self.num_regressors = check_int(num_regressors, "num_regressors", minimum=0)
        super().__init__(name=name, dtype=dtype)

    @property
    def class_aggregation(self) -> str:
        """Keras's spelling of :attr:`multioutput`."""
        return "uniform_average" if self.multioutput == "uniform_average" else (
            "variance_weighted_average")

    def reset_state(self) -> None:
        self.weight_sum = self.target_mean = self.target_sq_dev = self.residual_sq = None
        self.num_samples = 0

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
        self.num_samples += len(y_true)

    def result(self) -> float:
        if self.weight_sum is None:
            return 0.0
        ss_res, ss_tot = self.residual_sq, self.target_sq_dev
        constant = ss_tot == 0
        scores = np.where(constant, (ss_res == 0).astype(float), 1.0 - _safe_divide(ss_res, ss_tot))
        if self.multioutput == "variance_weighted" and ss_tot.sum() > 0:
            score = float(np.sum(scores * ss_tot) / ss_tot.sum())
        else:
            score = float(scores.mean())
        n, p = self.num_samples, self.num_regressors
        if p == 0:
            return score
        if n - p - 1 <= 0:
            warnings.warn(f"R2Score: the adjusted score needs more samples than num_regressors + 1 "
                          f"(got {n} samples and num_regressors={p}); returning the plain R2 "
                          "score", stacklevel=2)
            return score
        return 1.0 - (1.0 - score) * (n - 1) / (n - p - 1)

    def get_config(self) -> dict:
        config = {**super().get_config(), "multioutput": self.multioutput}
        if self.num_regressors:
            config["num_regressors"] = self.num_regressors
        return config

"""Confusion-count metrics of binary predictions: precision, recall and the area under a curve."""

from __future__ import annotations

import numpy as np

from ._base import Metric, _align, _safe_divide, _weights_like


# ------------------------------------------------------------------ confusion-count metrics
class _ThresholdedCounts(Metric):
    """Weighted true/false positive/negative counts of ``y_pred > threshold`` over all elements."""

    def __init__(self, threshold: float = 0.5, *, name: str | None = None):
        self.threshold = float(threshold)
        super().__init__(name=name)

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = self.false_negatives = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _align(y_true, y_pred)
        weight = 1.0 if sample_weight is None else _weights_like(sample_weight, y_true.shape)
        weight = np.broadcast_to(weight, y_true.shape)
        positive, predicted = y_true >= 0.5, y_pred > self.threshold
        self.true_positives += float(weight[positive & predicted].sum())
        self.false_positives += float(weight[~positive & predicted].sum())
        self.false_negatives += float(weight[positive & ~predicted].sum())

    def get_config(self) -> dict:
        return {**super().get_config(), "threshold": self.threshold}


class Precision(_ThresholdedCounts):
    """``tp / (tp + fp)``: the fraction of predicted positives that are positive (0 if none).

    Parameters
    ----------
    threshold : float, default 0.5
        ``y_pred > threshold`` is a positive prediction.
    name : str, optional

    Examples
    --------
    >>> Precision()([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1])
    0.5
    """

    def result(self) -> float:
        return float(_safe_divide(self.true_positives, self.true_positives + self.false_positives))


class Recall(_ThresholdedCounts):
    """``tp / (tp + fn)``: the fraction of positives predicted positive (0 if none).

    Parameters
    ----------
    threshold : float, default 0.5
        ``y_pred > threshold`` is a positive prediction.
    name : str, optional

    Examples
    --------
    >>> Recall()([1, 1, 1, 0], [0.9, 0.8, 0.3, 0.1])
    0.6666666666666666
    """

    def result(self) -> float:
        return float(_safe_divide(self.true_positives, self.true_positives + self.false_negatives))


class AUC(Metric):
    """Area under the ROC (or precision-recall) curve of binary scores, as Keras computes it.

    Predictions are counted against ``num_thresholds`` evenly spaced thresholds in [0, 1] (the
    ends moved just outside by 1e-7); the area is then integrated from those confusion counts:
    the trapezoid rule for ROC, and for PR the exact integral of precision when true positives
    grow linearly with predicted positives between thresholds (Davis & Goadrich). Multi-column
    inputs are flattened; with no positives (or no negatives) the ROC area is 0.

    Parameters
    ----------
    num_thresholds : int, default 200
        More thresholds approach the exact (rank-based) area more closely.
    curve : {"ROC", "PR"}, default "ROC"
    name : str, optional

    Examples
    --------
    >>> m = AUC()
    >>> m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> m.result()
    0.75
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", *, name: str | None = None):
        if int(num_thresholds) < 2:
            raise ValueError(f"num_thresholds must be at least 2; got {num_thresholds}")
        if str(curve).upper() not in ("ROC", "PR"):
            raise ValueError(f"curve must be 'ROC' or 'PR'; got {curve!r}")
        self.num_thresholds, self.curve = int(num_thresholds), str(curve).upper()
        inner = np.arange(1, self.num_thresholds - 1) / (self.num_thresholds - 1)
        self.thresholds = np.concatenate([[-1e-7], inner, [1.0 + 1e-7]])
        super().__init__(name=name)

    def reset_state(self) -> None:
        zeros = np.zeros(self.num_thresholds)
        self.true_positives, self.false_positives = zeros.copy(), zeros.copy()
        self.true_negatives, self.false_negatives = zeros.copy(), zeros.copy()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _align(y_true, y_pred)
        weight = np.ones(y_true.shape) if sample_weight is None else (
            _weights_like(sample_weight, y_true.shape))
        positive, weight = (y_true >= 0.5).ravel(), weight.ravel()
        # y_pred > thresholds[j] exactly for j < bucket; counts above threshold j: reversed cumsum.
        y_pred = y_pred.ravel()
        bucket = np.searchsorted(self.thresholds, y_pred, side="left")
        bucket[np.isnan(y_pred)] = 0  # NaN > threshold is False: never a positive prediction
        size = self.num_thresholds + 1
        pos_hist = np.bincount(bucket[positive], weight[positive], minlength=size)
        neg_hist = np.bincount(bucket[~positive], weight[~positive], minlength=size)
        pos_above = np.cumsum(pos_hist[::-1])[::-1][1:]
        neg_above = np.cumsum(neg_hist[::-1])[::-1][1:]
        self.true_positives += pos_above
        self.false_positives += neg_above
        self.false_negatives += pos_hist.sum() - pos_above
        self.true_negatives += neg_hist.sum() - neg_above

    def result(self) -> float:
        tp, fp, tn, fn = (self.true_positives, self.false_positives,
                          self.true_negatives, self.false_negatives)
        if self.curve == "ROC":
            recall, fall_out = _safe_divide(tp, tp + fn), _safe_divide(fp, fp + tn)
            return float(np.sum((fall_out[:-1] - fall_out[1:]) * (recall[:-1] + recall[1:]) / 2))
        # PR: between thresholds tp = intercept + slope * p, with p = tp + fp predicted positives.
        predicted = tp + fp
        d_tp, d_predicted = tp[:-1] - tp[1:], predicted[:-1] - predicted[1:]
        slope = _safe_divide(d_tp, np.maximum(d_predicted, 0))
        intercept = tp[1:] - slope * predicted[1:]
        both_positive = (predicted[:-1] > 0) & (predicted[1:] > 0)
        ratio = np.ones_like(d_tp)
        np.divide(predicted[:-1], predicted[1:], out=ratio, where=both_positive)
        pieces = slope * (d_tp + intercept * np.log(ratio))
        return float(np.sum(_safe_divide(pieces, np.maximum(tp[1:] + fn[1:], 0))))

    def get_config(self) -> dict:
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve}

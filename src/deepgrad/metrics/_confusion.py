"""Confusion-count metrics of binary predictions: precision, recall and the area under a curve."""

from __future__ import annotations

import math

import numpy as np

from ..common.checks import check_bool, check_choice, check_int, check_number, describe
from ._base import Metric, _align, _safe_divide, _weights_like


# ------------------------------------------------------------------ confusion-count metrics
def _one_threshold(thresholds, threshold, top_k, owner: str) -> float:
    """The decision threshold from Keras's ``thresholds`` or deepgrad's ``threshold`` (at most
    one of them): 0.5 by default, and with ``top_k`` -inf (the top ``k`` scores are positive)."""
    if thresholds is not None and threshold is not None:
        raise ValueError(f"give one of thresholds (Keras's name) and threshold; got "
                         f"thresholds={thresholds!r} and threshold={threshold!r}")
    key, value = ("thresholds", thresholds) if thresholds is not None else ("threshold", threshold)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) != 1:
            raise ValueError(
                f"{owner} takes one threshold in deepgrad; got {key}={value!r}. For several, "
                f"make one metric per threshold: [{owner}(thresholds=t, name=f'{owner.lower()}_"
                f"{{t}}') for t in {list(value)!r}]"
            )
        return check_number(value[0], f"{key}[0]")
    if value is None:
        return 0.5 if top_k is None else -math.inf
    return check_number(value, key)


class _ThresholdedCounts(Metric):
    """Weighted true/false positive/negative counts of ``y_pred > threshold`` over all elements
    (optionally of the top-k scores of each sample only, or of one class's column)."""

    def __init__(self, thresholds=None, *, top_k=None, class_id=None, name: str | None = None,
                 dtype=None, threshold=None):
        self.top_k = None if top_k is None else check_int(top_k, "top_k", minimum=1)
        self.class_id = None if class_id is None else check_int(class_id, "class_id", minimum=0)
        self.threshold = _one_threshold(thresholds, threshold, self.top_k, type(self).__name__)
        super().__init__(name=name, dtype=dtype)

    @property
    def thresholds(self) -> float:
        """Keras's name for :attr:`threshold`."""
        return self.threshold

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = self.false_negatives = 0.0

    def _select(self, y_true: np.ndarray, y_pred: np.ndarray):
        """Keep each sample's ``top_k`` scores (the others can never be positive), then take
        column ``class_id``; in that order, as Keras does."""
        if (self.top_k is not None or self.class_id is not None) and y_pred.ndim < 2:
            setting = "top_k" if self.top_k is not None else "class_id"
            raise ValueError(f"{setting} needs y_pred of shape (n_samples, n_classes); got shape "
                             f"{y_pred.shape}")
        if self.top_k is not None:
            top = np.argsort(-y_pred, axis=-1, kind="stable")[..., : self.top_k]
            kept = np.zeros(y_pred.shape, dtype=bool)
            np.put_along_axis(kept, top, True, axis=-1)
            y_pred = np.where(kept, y_pred, -np.inf)
        if self.class_id is not None:
            n_classes = y_pred.shape[-1]
            if self.class_id >= n_classes:
                raise ValueError(f"class_id={self.class_id} is out of range for y_pred with "
                                 f"{n_classes} classes (shape {y_pred.shape})")
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
        return y_true, y_pred

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = self._select(*_align(y_true, y_pred))
        weight = 1.0 if sample_weight is None else _weights_like(sample_weight, y_true.shape)
        weight = np.broadcast_to(weight, y_true.shape)
        positive, predicted = y_true >= 0.5, y_pred > self.threshold
        self.true_positives += float(weight[positive & predicted].sum())
        self.false_positives += float(weight[~positive & predicted].sum())
        self.false_negatives += float(weight[positive & ~predicted].sum())

    def get_config(self) -> dict:
        config = {**super().get_config(),
                  "threshold": None if math.isinf(self.threshold) else self.threshold}
        config.update({key: getattr(self, key) for key in ("top_k", "class_id")
                       if getattr(self, key) is not None})
        return config


class Precision(_ThresholdedCounts):
    """``tp / (tp + fp)``: the fraction of predicted positives that are positive (0 if none).

    Parameters
    ----------
    thresholds : float, default 0.5
        ``y_pred > thresholds`` is a positive prediction (Keras's name; a one-element list works
        too, several thresholds need one metric each). With ``top_k`` the default is -inf: the
        top ``k`` scores of each sample are the positive predictions.
    top_k : int, optional
        Only each sample's ``top_k`` highest scores can be positive predictions.
    class_id : int, optional
        Count only this column of ``(n_samples, n_classes)`` inputs (after ``top_k``).
    name : str, optional
    dtype : str or numpy dtype, optional
        See :class:`Metric`.
    threshold : float, optional
        deepgrad's earlier name for ``thresholds``; give one of the two.

    Examples
    --------
    >>> Precision()([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1])
    0.5
    >>> Precision(top_k=1)([[0, 1, 1], [1, 0, 0]], [[0.2, 0.7, 0.1], [0.3, 0.6, 0.1]])
    0.5
    """

    def result(self) -> float:
        return float(_safe_divide(self.true_positives, self.true_positives + self.false_positives))


class Recall(_ThresholdedCounts):
    """``tp / (tp + fn)``: the fraction of positives predicted positive (0 if none).

    Parameters
    ----------
    thresholds : float, default 0.5
        ``y_pred > thresholds`` is a positive prediction (Keras's name; a one-element list works
        too, several thresholds need one metric each). With ``top_k`` the default is -inf: the
        top ``k`` scores of each sample are the positive predictions.
    top_k : int, optional
        Only each sample's ``top_k`` highest scores can be positive predictions.
    class_id : int, optional
        Count only this column of ``(n_samples, n_classes)`` inputs (after ``top_k``).
    name : str, optional
    dtype : str or numpy dtype, optional
        See :class:`Metric`.
    threshold : float, optional
        deepgrad's earlier name for ``thresholds``; give one of the two.

    Examples
    --------
    >>> Recall()([1, 1, 1, 0], [0.9, 0.8, 0.3, 0.1])
    0.6666666666666666
    >>> Recall(class_id=0)([[1, 0], [1, 1]], [[0.9, 0.8], [0.3, 0.4]])
    0.5
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
        In any case (``"roc"``).
    summation_method : {"interpolation"}, default "interpolation"
        Keras's setting; its other methods (``"minoring"``, ``"majoring"``) are not
        implemented.
    name : str, optional
    dtype : str or numpy dtype, optional
        See :class:`Metric`.
    thresholds : list of float in [0, 1], optional
        The thresholds themselves instead of evenly spaced ones (``num_thresholds`` is then
        ignored); -1e-7 and 1 + 1e-7 are added, as in Keras.
    multi_label : bool, default False
        Keras's setting; deepgrad flattens every label into one curve (``False``). For one AUC
        per label, update one AUC per column.
    num_labels, label_weights : None
        Keras's settings for ``multi_label=True``.
    from_logits : bool, default False
        ``y_pred`` holds logits: the sigmoid is applied first.

    Examples
    --------
    >>> m = AUC()
    >>> m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> m.result()
    0.75
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", *,
                 summation_method: str = "interpolation", name: str | None = None, dtype=None,
                 thresholds=None, multi_label: bool = False, num_labels=None, label_weights=None,
                 from_logits: bool = False):
        self.num_thresholds = check_int(num_thresholds, "num_thresholds", minimum=2)
        if not isinstance(curve, str):
            raise TypeError(f"curve must be 'ROC' or 'PR'; got {describe(curve)}")
        self.curve = check_choice(curve.upper(), "curve", ("ROC", "PR"))
        if check_choice(summation_method, "summation_method",
                        ("interpolation", "minoring", "majoring")) != "interpolation":
            raise ValueError(f"deepgrad's AUC integrates by interpolation only (Keras's default); "
                             f"got summation_method={summation_method!r}")
        if check_bool(multi_label, "multi_label"):
            raise ValueError("deepgrad's AUC puts every label into one curve (multi_label=False); "
                             "for one AUC per label, update one AUC per column "
                             "(auc.update_state(y_true[:, k], y_pred[:, k]))")
        for key, value in (("num_labels", num_labels), ("label_weights", label_weights)):
            if value is not None:
                raise ValueError(f"{key} only applies with multi_label=True, which deepgrad's AUC "
                                 f"does not implement; got {key}={value!r}")
        self.from_logits = check_bool(from_logits, "from_logits")
        self.summation_method = summation_method
        if thresholds is None:
            self._given_thresholds = None
            inner = np.arange(1, self.num_thresholds - 1) / (self.num_thresholds - 1)
        else:
            if not isinstance(thresholds, (list, tuple, np.ndarray)) or len(thresholds) == 0:
                raise TypeError(f"thresholds must be a list of numbers in [0, 1]; got "
                                f"{describe(thresholds)}")
            inner = np.sort([check_number(t, f"thresholds[{i}]", low=0, high=1)
                             for i, t in enumerate(thresholds)])
            self._given_thresholds = inner.tolist()
            self.num_thresholds = len(inner) + 2
        self.thresholds = np.concatenate([[-1e-7], inner, [1.0 + 1e-7]])
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        zeros = np.zeros(self.num_thresholds)
        self.true_positives, self.false_positives = zeros.copy(), zeros.copy()
        self.true_negatives, self.false_negatives = zeros.copy(), zeros.copy()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _align(y_true, y_pred)
        if self.from_logits:
            y_pred = np.exp(-np.logaddexp(0.0, -y_pred))  # the sigmoid, without overflow
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
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve}
        if self._given_thresholds is not None:
            config["thresholds"] = self._given_thresholds
        if self.from_logits:
            config["from_logits"] = True
        return config

"""Tests for deepgrad.metrics: hand-computed values, scikit-learn agreement, batch streaming, get()."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from deepgrad import metrics

# ------------------------------------------------------------------ data


def _binary_data(seed=0, n=500):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, size=n)
    logits = 1.5 * (2 * y_true - 1) + rng.normal(size=n)
    return y_true.astype(float), 1 / (1 + np.exp(-logits))


def _categorical_data(seed=0, n=300, k=4):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, size=n)
    scores = rng.normal(size=(n, k))
    scores[np.arange(n), labels] += 1.0
    probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return labels, np.eye(k)[labels], probabilities


def _regression_data(seed=0, n=400, outputs=None):
    rng = np.random.default_rng(seed)
    shape = (n,) if outputs is None else (n, outputs)
    y_true = rng.normal(loc=3.0, scale=2.0, size=shape)
    return y_true, y_true + rng.normal(scale=0.8, size=shape)


def _weights(seed=1, n=500):
    return np.random.default_rng(seed).uniform(0.1, 3.0, size=n)


# ------------------------------------------------------------------ values by hand


def test_functions_give_one_value_per_sample():
    np.testing.assert_array_equal(metrics.binary_accuracy([[1, 0], [1, 1]], [[0.7, 0.6], [0.2, 0.9]]),
                                  [0.5, 0.5])
    np.testing.assert_array_equal(metrics.categorical_accuracy([[0, 0, 1]], [[0.2, 0.1, 0.7]]), [1.0])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy([[2], [0]], [[0, 0, 1], [0, 1, 0]]),
                                  [1.0, 0.0])
    np.testing.assert_array_equal(metrics.accuracy([[1, 2], [3, 4]], [[1, 2], [3, 5]]), [1.0, 0.5])
    np.testing.assert_array_equal(metrics.mean_absolute_error([1.0, 2.0], [2.0, 4.0]), [1.0, 2.0])
    np.testing.assert_array_equal(metrics.mean_squared_error([[1.0, 2.0]], [[2.0, 4.0]]), [2.5])


def test_column_targets_do_not_broadcast_against_flat_predictions():
    y_true, y_pred = np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 5.0])
    assert metrics.MeanSquaredError()(y_true, y_pred) == pytest.approx(4 / 3)
    assert metrics.MeanSquaredError()(y_pred, y_true) == pytest.approx(4 / 3)


def test_mismatched_shapes_raise_with_both_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        metrics.MeanAbsoluteError()(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.MeanAbsoluteError()(np.zeros(3), np.zeros(3), sample_weight=np.ones(4))


def test_binary_labels_may_be_minus_one_and_one():
    assert metrics.BinaryAccuracy(threshold=0.0)([-1, 1, 1, -1], [-0.3, 2.0, -0.1, 0.4]) == 0.5


def test_precision_recall_by_hand():
    y_true, y_pred = [1, 1, 0, 0, 1], [0.9, 0.4, 0.6, 0.1, 0.51]
    assert metrics.Precision()(y_true, y_pred) == pytest.approx(2 / 3)
    assert metrics.Recall()(y_true, y_pred) == pytest.approx(2 / 3)
    assert metrics.Precision(threshold=0.7)(y_true, y_pred) == 1.0
    assert metrics.Recall(threshold=0.7)(y_true, y_pred) == pytest.approx(1 / 3)


def test_empty_denominators_give_zero_without_warnings():
    assert metrics.Precision()([1, 0], [0.1, 0.2]) == 0.0
    assert metrics.Recall()([0, 0], [0.9, 0.2]) == 0.0
    assert metrics.AUC()([1, 1], [0.9, 0.2]) == 0.0
    for cls in (metrics.BinaryAccuracy, metrics.AUC, metrics.R2Score, metrics.Precision,
                metrics.RootMeanSquaredError, metrics.Mean):
        assert cls().result() == 0.0


def test_mean_weights_values():
    mean = metrics.Mean()
    mean.update_state([1.0, 3.0])
    mean.update_state(10.0, sample_weight=2)
    assert mean.result() == pytest.approx(24 / 4)
    mean.reset_state()
    assert mean.result() == 0.0


def test_calling_a_metric_accumulates():
    acc = metrics.Accuracy()
    assert acc([1, 2], [1, 0]) == 0.5
    assert acc([3, 4], [3, 4]) == 0.75


# ------------------------------------------------------------------ agreement with scikit-learn


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_metrics_match_sklearn(weighted):
    y_true, y_prob = _binary_data()
    weight = _weights() if weighted else None
    labels = (y_prob > 0.5).astype(int)
    expected = {
        metrics.BinaryAccuracy(): skm.accuracy_score(y_true, labels, sample_weight=weight),
        metrics.Precision(): skm.precision_score(y_true, labels, sample_weight=weight),
        metrics.Recall(): skm.recall_score(y_true, labels, sample_weight=weight),
        metrics.Accuracy(): skm.accuracy_score(y_true, labels, sample_weight=weight),
    }
    for metric, value in expected.items():
        y_pred = labels if isinstance(metric, metrics.Accuracy) else y_prob
        metric.update_state(y_true, y_pred, sample_weight=weight)
        assert metric.result() == pytest.approx(value, abs=1e-12), metric.name


@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_accuracies_match_sklearn(weighted):
    labels, one_hot, probabilities = _categorical_data()
    weight = _weights(n=len(labels)) if weighted else None
    expected = skm.accuracy_score(labels, probabilities.argmax(axis=1), sample_weight=weight)
    assert metrics.CategoricalAccuracy()(one_hot, probabilities, weight) == pytest.approx(expected)
    assert metrics.SparseCategoricalAccuracy()(labels, probabilities, weight) == pytest.approx(expected)
    assert metrics.SparseCategoricalAccuracy()(labels[:, None], probabilities, weight) == pytest.approx(
        expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_auc_is_close_to_sklearn(seed, weighted):
    y_true, y_prob = _binary_data(seed, n=2000)
    weight = _weights(seed + 10, n=2000) if weighted else None
    auc = metrics.AUC()(y_true, y_prob, weight)
    assert auc == pytest.approx(skm.roc_auc_score(y_true, y_prob, sample_weight=weight), abs=1e-2)


def test_roc_auc_is_exact_for_separated_and_reversed_scores():
    rng = np.random.default_rng(3)
    y_true = np.repeat([0.0, 1.0], 50)
    scores = np.concatenate([rng.uniform(0.0, 0.45, 50), rng.uniform(0.55, 1.0, 50)])
    assert metrics.AUC()(y_true, scores) == 1.0
    assert metrics.AUC()(y_true, 1.0 - scores) == 0.0
    assert metrics.AUC(curve="PR")(y_true, scores) == pytest.approx(1.0)


def test_pr_auc_is_close_to_average_precision():
    y_true, y_prob = _binary_data(4, n=3000)
    pr_auc = metrics.AUC(curve="PR")(y_true, y_prob)
    assert pr_auc == pytest.approx(skm.average_precision_score(y_true, y_prob), abs=2e-2)


@pytest.mark.parametrize("outputs", [None, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics_match_sklearn(outputs, weighted):
    y_true, y_pred = _regression_data(outputs=outputs)
    weight = _weights(n=len(y_true)) if weighted else None
    mse = skm.mean_squared_error(y_true, y_pred, sample_weight=weight)
    checks = [
        (metrics.MeanAbsoluteError(), skm.mean_absolute_error(y_true, y_pred, sample_weight=weight)),
        (metrics.MeanSquaredError(), mse),
        (metrics.RootMeanSquaredError(), np.sqrt(mse)),
        (metrics.R2Score(), skm.r2_score(y_true, y_pred, sample_weight=weight)),
        (metrics.R2Score("variance_weighted"),
         skm.r2_score(y_true, y_pred, sample_weight=weight, multioutput="variance_weighted")),
    ]
    for metric, expected in checks:
        assert metric(y_true, y_pred, weight) == pytest.approx(expected, rel=1e-12), metric.name


def test_r2_constant_targets_follow_sklearn():
    y_true = np.array([[2.0, 1.0], [2.0, 3.0], [2.0, 5.0]])
    y_pred = np.array([[2.0, 1.5], [2.0, 3.0], [2.0, 4.0]])
    assert metrics.R2Score()(y_true, y_pred) == pytest.approx(skm.r2_score(y_true, y_pred))
    assert metrics.R2Score()(y_true[:, 0], y_pred[:, 0] + 1) == 0.0


def test_r2_keeps_precision_with_a_large_offset():
    y_true, y_pred = _regression_data(5)
    expected = skm.r2_score(y_true, y_pred)
    r2 = metrics.R2Score()
    for start in range(0, len(y_true), 7):
        r2.update_state(y_true[start:start + 7] + 1e9, y_pred[start:start + 7] + 1e9)
    assert r2.result() == pytest.approx(expected, abs=1e-6)


def test_r2_rejects_a_change_in_the_number_of_outputs():
    r2 = metrics.R2Score()
    r2.update_state(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="outputs"):
        r2.update_state(np.zeros((2, 3)), np.zeros((2, 3)))


# ------------------------------------------------------------------ streaming over batches


def _every_metric_with_inputs():
    y_bin, p_bin = _binary_data(7, n=257)
    labels, one_hot, p_cat = _categorical_data(7, n=257)
    y_reg, p_reg = _regression_data(7, n=257, outputs=2)
    return [
        (metrics.BinaryAccuracy(), y_bin, p_bin),
        (metrics.Accuracy(), y_bin, (p_bin > 0.5).astype(float)),
        (metrics.Precision(), y_bin, p_bin),
        (metrics.Recall(), y_bin, p_bin),
        (metrics.AUC(), y_bin, p_bin),
        (metrics.AUC(curve="PR"), y_bin, p_bin),
        (metrics.CategoricalAccuracy(), one_hot, p_cat),
        (metrics.SparseCategoricalAccuracy(), labels, p_cat),
        (metrics.MeanAbsoluteError(), y_reg, p_reg),
        (metrics.MeanSquaredError(), y_reg, p_reg),
        (metrics.RootMeanSquaredError(), y_reg, p_reg),
        (metrics.R2Score(), y_reg, p_reg),
    ]


@pytest.mark.parametrize("batch_size", [1, 32, 100, 256])
@pytest.mark.parametrize("weighted", [False, True])
def test_batches_accumulate_to_the_full_data_value(batch_size, weighted):
    weight = _weights(8, n=257) if weighted else None
    for metric, y_true, y_pred in _every_metric_with_inputs():
        full = metric(y_true, y_pred, weight)
        metric.reset_state()
        for start in range(0, len(y_true), batch_size):
            part = slice(start, start + batch_size)
            metric.update_state(y_true[part], y_pred[part], None if weight is None else weight[part])
        assert metric.result() == pytest.approx(full, rel=1e-12, abs=1e-15), metric.name


def test_counting_metrics_accumulate_exactly():
    y_true, y_prob = _binary_data(9, n=100)
    for metric in (metrics.BinaryAccuracy(), metrics.Precision(), metrics.Recall(), metrics.AUC()):
        full = metric(y_true, y_prob)
        metric.reset_state()
        for start in range(0, 100, 16):
            metric.update_state(y_true[start:start + 16], y_prob[start:start + 16])
        assert metric.result() == full, metric.name


def test_reset_state_forgets_everything():
    for metric, y_true, y_pred in _every_metric_with_inputs():
        first = metric(y_true, y_pred)
        metric.update_state(y_true[:10], 1.0 - y_pred[:10] if y_pred.ndim == 1 else y_pred[:10])
        metric.reset_state()
        assert metric(y_true, y_pred) == first, metric.name


# ------------------------------------------------------------------ configuration and get()


def test_config_round_trip():
    for metric, y_true, y_pred in _every_metric_with_inputs():
        clone = type(metric).from_config(metric.get_config())
        assert clone.get_config() == metric.get_config()
        assert clone(y_true, y_pred) == metric(y_true, y_pred)
    rebuilt = metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.3, "name": "ba"}})
    assert rebuilt.get_config()["threshold"] == 0.3
    assert rebuilt.name == "ba"
    wrapper = metrics.MeanMetricWrapper(metrics.mean_absolute_error, name="my_mae")
    assert metrics.MeanMetricWrapper.from_config(wrapper.get_config())([1.0], [3.0]) == 2.0


class BinaryCrossentropy:
    from_logits = False


class LossWithName:
    name = "sparse_categorical_crossentropy"


class CategoricalCrossentropy:
    def __init__(self, from_logits=False):
        self.from_logits = from_logits


def binary_crossentropy(y_true, y_pred):
    return y_true


@pytest.mark.parametrize(
    ("loss", "expected", "threshold"),
    [
        ("binary_crossentropy", metrics.BinaryAccuracy, 0.5),
        ("bce", metrics.BinaryAccuracy, 0.5),
        ("hinge", metrics.BinaryAccuracy, 0.0),
        ("squared_hinge", metrics.BinaryAccuracy, 0.0),
        ("categorical_crossentropy", metrics.CategoricalAccuracy, None),
        ("sparse_categorical_crossentropy", metrics.SparseCategoricalAccuracy, None),
        (BinaryCrossentropy(), metrics.BinaryAccuracy, 0.5),
        (type("BinaryCrossentropy", (), {"from_logits": True})(), metrics.BinaryAccuracy, 0.0),
        (CategoricalCrossentropy(from_logits=True), metrics.CategoricalAccuracy, None),
        (LossWithName(), metrics.SparseCategoricalAccuracy, None),
        (binary_crossentropy, metrics.BinaryAccuracy, 0.5),
    ],
)
def test_accuracy_is_inferred_from_the_loss(loss, expected, threshold):
    for alias in ("accuracy", "acc"):
        metric = metrics.get(alias, loss=loss)
        assert type(metric) is expected
        assert metric.name == alias
        if threshold is not None:
            assert metric.get_config()["threshold"] == threshold


def test_accuracy_is_inferred_from_the_output_shape_then_the_data():
    assert type(metrics.get("accuracy", loss="mse", output_shape=(None, 1))) is metrics.BinaryAccuracy
    labels, one_hot, probabilities = _categorical_data(n=20)
    sparse = metrics.get("accuracy", loss="mse", output_shape=(None, 4))
    categorical = metrics.get("accuracy")
    assert sparse(labels, probabilities) == categorical(one_hot, probabilities)
    assert sparse.name == categorical.name == "accuracy"
    y_true, y_prob = _binary_data(n=20)
    assert metrics.get("accuracy")(y_true, y_prob) == metrics.BinaryAccuracy()(y_true, y_prob)


@pytest.mark.parametrize(
    ("name", "cls"),
    [("mae", metrics.MeanAbsoluteError), ("mse", metrics.MeanSquaredError),
     ("rmse", metrics.RootMeanSquaredError), ("r2", metrics.R2Score), ("precision", metrics.Precision),
     ("recall", metrics.Recall), ("auc", metrics.AUC), ("binary_accuracy", metrics.BinaryAccuracy),
     ("mean_squared_error", metrics.MeanSquaredError), ("R2Score", metrics.R2Score)],
)
def test_get_names_metrics_by_the_requested_string(name, cls):
    metric = metrics.get(name)
    assert type(metric) is cls
    assert metric.name == name


def test_get_passes_instances_and_wraps_functions():
    auc = metrics.AUC(num_thresholds=50)
    assert metrics.get(auc) is auc
    assert metrics.get(None) is None

    def absolute_error(y_true, y_pred):
        return np.abs(np.asarray(y_true) - np.asarray(y_pred))

    wrapped = metrics.get(absolute_error)
    assert isinstance(wrapped, metrics.Metric) and wrapped.name == "absolute_error"
    assert wrapped([1.0, 2.0], [2.0, 4.0], sample_weight=[1.0, 3.0]) == pytest.approx(7 / 4)


def test_unknown_metric_lists_valid_names():
    with pytest.raises(ValueError, match="Valid names:.*auc.*mae"):
        metrics.get("f1_scor")
    with pytest.raises(ValueError, match="Valid names"):
        metrics.get({"class_name": "Nope"})
    with pytest.raises(TypeError):
        metrics.get(3)


def test_serialize_round_trips_through_get():
    for metric, y_true, y_pred in _every_metric_with_inputs():
        spec = metrics.serialize(metric)
        assert spec["class_name"] == type(metric).__name__
        assert metrics.get(spec)(y_true, y_pred) == metric(y_true, y_pred)
    builtin = metrics.MeanMetricWrapper(metrics.mean_squared_error, name="m")
    assert metrics.get(metrics.serialize(builtin))([0.0], [2.0]) == 4.0
    with pytest.raises(ValueError, match="custom metric 'absolute_error'"):
        metrics.serialize(metrics.get(lambda_free_absolute_error))


def lambda_free_absolute_error(y_true, y_pred):
    return np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float))


lambda_free_absolute_error.__name__ = "absolute_error"


def test_every_metric_get_returns_can_be_cloned_from_its_config():
    labels, one_hot, probabilities = _categorical_data(n=30)
    requested = [metrics.get("accuracy"), metrics.get("acc", loss="mse", output_shape=(None, 4)),
                 metrics.get(lambda_free_absolute_error), metrics.get("auc"), metrics.get("r2")]
    for metric in requested:
        clone = type(metric).from_config(metric.get_config())
        assert clone.name == metric.name
        y_true = labels if metric.name == "acc" else one_hot
        assert clone(y_true, probabilities) == metric(y_true, probabilities)


# ------------------------------------------------------------------ argument checks
# Every constructor and function argument, checked before any work with its name, what was
# expected and what came; Keras's arguments deepgrad does not implement say what to do instead.

ARGUMENTS = [
    # Metric (every metric): name and dtype
    (lambda: metrics.Mean(name=3), TypeError, "name must be a non-empty string; got int 3"),
    (lambda: metrics.Accuracy(name=""), ValueError, "name must be a non-empty string"),
    (lambda: metrics.MeanAbsoluteError(dtype="int32"), TypeError,
     "dtype must be a floating-point dtype such as 'float32'; got int32"),
    (lambda: metrics.RootMeanSquaredError(dtype="bogus"), TypeError, "dtype must be a floating-point dtype"),
    (lambda: metrics.AUC(name=["auc"]), TypeError, "name must be a non-empty string; got list"),
    # MeanMetricWrapper
    (lambda: metrics.MeanMetricWrapper("mae"), TypeError, r"fn must be callable \(a function\); got str 'mae'"),
    # BinaryAccuracy
    (lambda: metrics.BinaryAccuracy(threshold="x"), TypeError, "threshold must be a finite number; got str 'x'"),
    (lambda: metrics.BinaryAccuracy("acc"), TypeError,
     r"got str 'acc'. BinaryAccuracy's name is keyword-only: BinaryAccuracy\(name='acc'\)"),
    (lambda: metrics.BinaryAccuracy(threshold=float("nan")), ValueError, "threshold must be a finite number; got nan"),
    # Precision / Recall
    (lambda: metrics.Precision(thresholds="0.3"), TypeError, "thresholds must be a finite number; got str '0.3'"),
    (lambda: metrics.Precision(threshold=None, thresholds=[0.2, 0.8]), ValueError,
     (r"Precision takes one threshold in deepgrad; got thresholds=\[0.2, 0.8\]. For several, make one "
      r"metric per threshold: \[Precision\(thresholds=t")),
    (lambda: metrics.Recall(thresholds=[None]), TypeError, r"thresholds\[0\] must be a finite number"),
    (lambda: metrics.Recall(thresholds=0.3, threshold=0.5), ValueError,
     "give one of thresholds .* and threshold; got thresholds=0.3 and threshold=0.5"),
    (lambda: metrics.Recall(threshold=float("inf")), ValueError, "threshold must be a finite number; got inf"),
    (lambda: metrics.Precision(top_k=0), ValueError, "top_k must be an int >= 1; got 0"),
    (lambda: metrics.Precision(top_k=1.5), TypeError, "top_k must be an int >= 1; got float 1.5"),
    (lambda: metrics.Recall(class_id=-1), ValueError, "class_id must be an int >= 0; got -1"),
    (lambda: metrics.Recall(class_id="cat"), TypeError, "class_id must be an int >= 0; got str 'cat'"),
    (lambda: metrics.Precision(name=0.5), TypeError, "name must be a non-empty string; got float 0.5"),
    # AUC
    (lambda: metrics.AUC(num_thresholds=1), ValueError, "num_thresholds must be an int >= 2; got 1"),
    (lambda: metrics.AUC(num_thresholds=200.0), TypeError, "num_thresholds must be an int >= 2; got float 200.0"),
    (lambda: metrics.AUC(curve="PRGAIN"), ValueError, "curve must be 'ROC' or 'PR'; got 'PRGAIN'"),
    (lambda: metrics.AUC(curve=1), TypeError, "curve must be 'ROC' or 'PR'; got int 1"),
    (lambda: metrics.AUC(summation_method="minoring"), ValueError,
     "deepgrad's AUC integrates by interpolation only .*; got summation_method='minoring'"),
    (lambda: metrics.AUC(summation_method="trapezoid"), ValueError,
     "summation_method must be 'interpolation', 'minoring' or 'majoring'"),
    (lambda: metrics.AUC(thresholds=0.5), TypeError, r"thresholds must be a list of numbers in \[0, 1\]; got float"),
    (lambda: metrics.AUC(thresholds=[0.2, 1.5]), ValueError, r"thresholds\[1\] must be a finite number in \[0, 1\]; got 1.5"),
    (lambda: metrics.AUC(multi_label=True), ValueError,
     r"puts every label into one curve .* update one AUC per column \(auc.update_state\(y_true\[:, k\]"),
    (lambda: metrics.AUC(multi_label="no"), TypeError, "multi_label must be True or False"),
    (lambda: metrics.AUC(num_labels=3), ValueError, "num_labels only applies with multi_label=True"),
    (lambda: metrics.AUC(label_weights=[1, 2]), ValueError, "label_weights only applies with multi_label=True"),
    (lambda: metrics.AUC(from_logits="yes"), TypeError, "from_logits must be True or False; got str 'yes'"),
    # R2Score
    (lambda: metrics.R2Score("median"), ValueError,
     "class_aggregation must be 'uniform_average', 'variance_weighted' or 'variance_weighted_average'; got 'median'"),
    (lambda: metrics.R2Score(class_aggregation=None), ValueError,
     r"class_aggregation=None \(one score per output\) is not available: fit logs one number per metric"),
    (lambda: metrics.R2Score(multioutput=2), TypeError, "multioutput must be .*; got int 2"),
    (lambda: metrics.R2Score("variance_weighted_average", multioutput="uniform_average"), ValueError,
     "give one of class_aggregation .* and multioutput"),
    (lambda: metrics.R2Score(num_regressors=-1), ValueError, "num_regressors must be an int >= 0; got -1"),
    (lambda: metrics.R2Score(num_regressors="2"), TypeError, "num_regressors must be an int >= 0; got str '2'"),
    # per-sample functions and update_state: arrays of numbers
    (lambda: metrics.binary_accuracy([1, 0], [0.2, 0.7], threshold="half"), TypeError,
     "threshold must be a finite number; got str 'half'"),
    (lambda: metrics.accuracy(["a", "b"], [1, 2]), TypeError, r"y_true must be an array of numbers; got list \['a', 'b'\]"),
    (lambda: metrics.mean_squared_error([1.0], None), TypeError, "y_pred must be an array of numbers; got None"),
    (lambda: metrics.mean_absolute_error([1.0], [object()]), TypeError, "y_pred must be an array of numbers"),
    (lambda: metrics.sparse_categorical_accuracy([1], 0.5), ValueError,
     r"y_pred must have shape \(n_samples, n_classes\); got a scalar"),
    (lambda: metrics.categorical_accuracy("ab", [[0.1, 0.9]]), TypeError, "y_true must be an array of numbers"),
    (lambda: metrics.Mean().update_state("loss"), TypeError, "values must be an array of numbers; got str 'loss'"),
    (lambda: metrics.MeanSquaredError().update_state([1.0], [1.0], sample_weight="w"), TypeError,
     "sample_weight must be an array of numbers; got str 'w'"),
    (lambda: metrics.Precision(top_k=1).update_state([1, 0], [0.2, 0.9]), ValueError,
     r"top_k needs y_pred of shape \(n_samples, n_classes\); got shape \(2,\)"),
    (lambda: metrics.Recall(class_id=2).update_state([[1, 0]], [[0.2, 0.9]]), ValueError,
     r"class_id=2 is out of range for y_pred with 2 classes"),
]


@pytest.mark.parametrize("call, error, message", ARGUMENTS, ids=[str(i) for i in range(len(ARGUMENTS))])
def test_bad_metric_arguments_are_named_before_any_work(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_keras_argument_spellings_are_accepted():
    """Keras's names and positional order: Precision(thresholds=...), Mean("loss"), dtype=..."""
    assert metrics.Precision(thresholds=0.3).threshold == 0.3 == metrics.Precision(threshold=0.3).threshold
    assert metrics.Recall(thresholds=[0.7]).thresholds == 0.7
    assert metrics.Mean("loss", "float32").get_config() == {"name": "loss", "dtype": "float32"}
    assert metrics.CategoricalAccuracy("acc").name == "acc"
    assert metrics.BinaryAccuracy(0.3, name="acc", dtype=np.float64).get_config() == {
        "name": "acc", "dtype": "float64", "threshold": 0.3}
    r2 = metrics.R2Score(class_aggregation="variance_weighted_average")
    assert r2.multioutput == "variance_weighted" and r2.class_aggregation == "variance_weighted_average"
    assert metrics.R2Score("variance_weighted").multioutput == "variance_weighted"  # deepgrad's spelling
    auc = metrics.AUC(summation_method="interpolation", multi_label=False, name="auc")
    assert auc.get_config() == {"name": "auc", "num_thresholds": 200, "curve": "ROC"}
    for metric in (metrics.Precision(top_k=2, class_id=1, thresholds=0.4, dtype="float32"),
                   metrics.AUC(thresholds=[0.7, 0.2], from_logits=True), metrics.R2Score(num_regressors=3)):
        rebuilt = type(metric).from_config(metric.get_config())
        assert rebuilt.get_config() == metric.get_config()


# Values from Keras 3.15 (JAX) on the same inputs: keras.metrics.Precision(**settings) etc.
_MULTI_TRUE = np.array([[1.0, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
_MULTI_PRED = np.array([[0.9, 0.8, 0.1], [0.2, 0.7, 0.6], [0.4, 0.3, 0.9], [0.6, 0.1, 0.55]])


@pytest.mark.parametrize("settings, precision, recall", [
    ({"top_k": 1}, 0.5, 1 / 3),
    ({"top_k": 2}, 0.5, 2 / 3),
    ({"class_id": 1}, 0.5, 0.5),
    ({"top_k": 2, "class_id": 2}, 1 / 3, 0.5),
    ({"thresholds": 0.3, "top_k": 2}, 0.5, 2 / 3),
    ({"thresholds": [0.5]}, 3 / 7, 0.5),
])
def test_precision_and_recall_top_k_and_class_id_match_keras(settings, precision, recall):
    for cls, expected in ((metrics.Precision, precision), (metrics.Recall, recall)):
        metric = cls(**settings)
        metric.update_state(_MULTI_TRUE, _MULTI_PRED)
        assert metric.result() == pytest.approx(expected)


def test_auc_thresholds_and_logits_and_adjusted_r2_match_keras():
    auc = metrics.AUC(from_logits=True)
    auc.update_state([0, 0, 1, 1], [-2.0, 0.5, 0.3, 3.0])
    assert auc.result() == pytest.approx(0.75)
    for curve, expected in (("ROC", 0.875), ("PR", 0.8873265)):
        auc = metrics.AUC(thresholds=[0.2, 0.5, 0.7], curve=curve)
        auc.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        assert auc.num_thresholds == 5 and auc.result() == pytest.approx(expected, abs=1e-6)
    y_true = np.arange(1.0, 7.0)[:, None]
    y_pred = np.array([[1.1], [2.2], [2.7], [4.1], [5.3], [5.8]])
    for weights, expected in ((None, 0.9733333), ([1.0, 2, 1, 2, 1, 3], 0.9778857)):
        r2 = metrics.R2Score(num_regressors=2)
        r2.update_state(y_true, y_pred, sample_weight=weights)
        assert r2.result() == pytest.approx(expected, abs=1e-6)
    few = metrics.R2Score(num_regressors=5)
    few.update_state(y_true, y_pred)
    plain = metrics.R2Score()
    plain.update_state(y_true, y_pred)
    with pytest.warns(UserWarning, match="returning the plain R2 score"):
        assert few.result() == plain.result()


@pytest.mark.parametrize("name, settings, kind", [
    ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logits"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "one_hot"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    ("KLDivergence", {}, "one_hot"),
    ("Hinge", {}, "binary"),
])
def test_loss_metrics_equal_keras(name, settings, kind):
    """The metrics that are the mean of a loss give Keras 3's values, weighted too."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    if kind in ("binary", "logits"):
        y, p = rng.integers(0, 2, (8, 1)).astype(float), rng.uniform(0.05, 0.95, (8, 1))
        p = np.log(p / (1 - p)) if kind == "logits" else p
    else:
        p = rng.dirichlet(np.ones(4), 8)
        labels = rng.integers(0, 4, 8)
        y = labels if kind == "sparse_logits" else np.eye(4)[labels]
        p = np.log(p) if kind == "sparse_logits" else p
    weights = rng.uniform(0, 2, 8)
    ours, theirs = getattr(metrics, name)(**settings), getattr(keras.metrics, name)(**settings)
    for metric in (ours, theirs):
        metric.update_state(y, p.astype(np.float32))
        metric.update_state(y, p.astype(np.float32), sample_weight=weights)
    assert float(ours.result()) == pytest.approx(float(theirs.result()), rel=1e-5)
    assert ours.name == theirs.name

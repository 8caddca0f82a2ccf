"""Keras-style metrics: stateful objects that accumulate over batches, on NumPy arrays.

A :class:`Metric` keeps sums (never per-batch averages), so feeding the data in batches gives the
full-data value: ``update_state`` on every batch, then ``result()``. Inputs are array-likes with
the batch dimension first; they are read in float64. Binary metrics read ``y_true`` as a label
with ``y_true >= 0.5`` meaning positive, so both 0/1 and -1/1 (hinge) labels work, and compare
``y_pred > threshold``.

:func:`get` turns a name (``"accuracy"``, ``"mae"``, ``"auc"``...), a config dict, an instance
or a plain function into a metric; ``"accuracy"`` is resolved from the loss as Keras does.
"""

from __future__ import annotations

from ..common.checks import describe
from ..common.registry import Registry, normalize
from ._accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    _ShapeInferredAccuracy,
)
from ._base import (
    Mean,
    MeanMetricWrapper,
    Metric,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_accuracy,
)
from ._confusion import AUC, Precision, Recall
from ._probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Hinge,
    KLDivergence,
    SparseCategoricalCrossentropy,
)
from ._regression import (
    MeanAbsoluteError,
    MeanSquaredError,
    R2Score,
    RootMeanSquaredError,
)

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
    "CategoricalCrossentropy", "Hinge", "KLDivergence", "SparseCategoricalCrossentropy",
    "Mean", "MeanAbsoluteError",
    "MeanMetricWrapper", "MeanSquaredError", "Metric", "Precision", "R2Score", "REGISTRY",
    "Recall", "RootMeanSquaredError", "SparseCategoricalAccuracy", "accuracy", "binary_accuracy",
    "categorical_accuracy", "get", "mean_absolute_error", "mean_squared_error", "serialize",
    "sparse_categorical_accuracy",
]

# ------------------------------------------------------------------ lookup
#: Canonical snake_case name → metric class, looked up by any spelling (``"R2Score"``, ``"r2"``).
#: :func:`get` resolves the name ``"accuracy"`` (``"acc"``) from the loss; a config dict with
#: ``"class_name": "Accuracy"`` gives the class (exact equality of labels and predictions).
REGISTRY = Registry("metric")
REGISTRY.register("accuracy", Accuracy, aliases=["acc"])
REGISTRY.register("auc", AUC)
REGISTRY.register("binary_accuracy", BinaryAccuracy)
REGISTRY.register("binary_crossentropy", BinaryCrossentropy)
REGISTRY.register("categorical_crossentropy", CategoricalCrossentropy)
REGISTRY.register("hinge", Hinge)
REGISTRY.register("kl_divergence", KLDivergence, aliases=["kld"])
REGISTRY.register("sparse_categorical_crossentropy", SparseCategoricalCrossentropy)
REGISTRY.register("categorical_accuracy", CategoricalAccuracy)
REGISTRY.register("mean", Mean)
REGISTRY.register("mean_absolute_error", MeanAbsoluteError, aliases=["mae"])
REGISTRY.register("mean_metric_wrapper", MeanMetricWrapper)
REGISTRY.register("mean_squared_error", MeanSquaredError, aliases=["mse"])
REGISTRY.register("precision", Precision)
REGISTRY.register("r2_score", R2Score, aliases=["r2"])
REGISTRY.register("recall", Recall)
REGISTRY.register("root_mean_squared_error", RootMeanSquaredError, aliases=["rmse"])
REGISTRY.register("sparse_categorical_accuracy", SparseCategoricalAccuracy)

# Loss names with underscores removed, so "binary_crossentropy", "BinaryCrossEntropy" and
# "binary_cross_entropy" all match. Hinge losses score raw margins: their threshold is 0.
_BINARY_LOSSES = {"binarycrossentropy", "bce", "binaryfocalcrossentropy", "logloss"}
_MARGIN_LOSSES = {"hinge", "squaredhinge"}
_CATEGORICAL_LOSSES = {"categoricalcrossentropy", "cce", "categoricalfocalcrossentropy",
                       "categoricalhinge", "kldivergence", "kld", "kullbackleiblerdivergence"}
_SPARSE_LOSSES = {"sparsecategoricalcrossentropy", "scce"}


def _loss_key(loss) -> str:
    """Normalised name of a loss given as a string, function or object."""
    if isinstance(loss, str):
        name = loss
    elif isinstance(getattr(loss, "name", None), str):
        name = loss.name
    elif hasattr(loss, "__name__"):
        name = loss.__name__
    else:
        name = type(loss).__name__
    return normalize(name)


def _accuracy_for(name: str, loss, output_shape) -> Metric:
    if loss is not None:
        key = _loss_key(loss)
        from_logits = bool(getattr(loss, "from_logits", False))
        if key in _BINARY_LOSSES | _MARGIN_LOSSES:
            threshold = 0.0 if from_logits or key in _MARGIN_LOSSES else 0.5
            return BinaryAccuracy(threshold, name=name)
        if key in _CATEGORICAL_LOSSES:
            return CategoricalAccuracy(name=name)
        if key in _SPARSE_LOSSES:
            return SparseCategoricalAccuracy(name=name)
    if output_shape is not None and (len(output_shape) == 0 or output_shape[-1] == 1):
        return BinaryAccuracy(name=name)
    return _ShapeInferredAccuracy(name=name)


def serialize(metric: Metric) -> dict:
    """``{"class_name": ..., "config": ...}``, which :func:`get` turns back into the metric.

    >>> serialize(BinaryAccuracy(threshold=0.3))
    {'class_name': 'BinaryAccuracy', 'config': {'name': 'binary_accuracy', 'threshold': 0.3}}
    """
    config = metric.get_config()
    if REGISTRY.name_of(type(metric)) is None or callable(config.get("fn")):
        raise ValueError(
            f"cannot serialize the custom metric {metric.name!r}: a model file only names deepgrad's "
            "own metrics; pass it again to compile() after loading"
        )
    return {"class_name": type(metric).__name__, "config": config}


def get(identifier, loss=None, output_shape=None) -> Metric | None:
    """Return a metric for ``identifier``.

    Parameters
    ----------
    identifier : str, dict, Metric, callable or None
        A name or alias (``"accuracy"``/``"acc"``, ``"binary_accuracy"``, ``"precision"``,
        ``"recall"``, ``"auc"``, ``"mae"``, ``"mse"``, ``"rmse"``, ``"r2"``...) in any case, with
        or without underscores (so Keras's class names, ``"R2Score"``, work too), a
        config dict ``{"class_name": ..., "config": {...}}``, a :class:`Metric` (returned as is),
        or a function ``fn(y_true, y_pred) -> per-sample array`` (wrapped in a
        :class:`MeanMetricWrapper`). A metric made from a string is named by that string, so
        ``"accuracy"`` is logged as ``accuracy`` and ``val_accuracy``.
    loss : str, callable or object, optional
        The model's loss, used to choose the kind of ``"accuracy"`` as Keras does: binary
        cross-entropy and hinge losses give :class:`BinaryAccuracy` (threshold 0 for hinge losses
        and losses with ``from_logits=True``), categorical ones :class:`CategoricalAccuracy`,
        sparse categorical ones :class:`SparseCategoricalAccuracy`.
    output_shape : tuple of int, optional
        Model output shape, used when the loss does not decide: a last dimension of 1 means
        binary. Otherwise the kind is read from the shapes of the first batch.

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones.

    Examples
    --------
    >>> get("accuracy", loss="binary_crossentropy")
    <BinaryAccuracy name='accuracy' result=0>
    >>> get("mae").name
    'mae'
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        cls, config = REGISTRY.from_config(identifier)
        return cls.from_config(config)
    if isinstance(identifier, str):
        if REGISTRY.canonical(identifier) == "accuracy":
            return _accuracy_for(identifier, loss, output_shape)
        return REGISTRY.instance(identifier, name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(f"a metric must be a name (such as 'accuracy'), a config dict, a Metric or a "
                    f"function; got {describe(identifier)}")

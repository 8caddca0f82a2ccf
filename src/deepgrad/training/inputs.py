"""What fit, evaluate and predict check before the first batch: the data against the model and
its loss, and the validation data."""

from __future__ import annotations

import numpy as np

from .. import data

__all__ = ["check_targets_for_loss", "prepare", "split_validation", "unpack_validation"]

_SPARSE_LOSSES = {"SparseCategoricalCrossentropy"}
_ONE_HOT_LOSSES = {"CategoricalCrossentropy", "CategoricalFocalCrossentropy", "KLDivergence"}
_PROBABILITY_LOSSES = {"BinaryCrossentropy", "BinaryFocalCrossentropy"}


def _loss_kind(loss) -> str:
    return type(loss).__name__


def check_targets_for_loss(y: np.ndarray, loss, output_shape: tuple, name: str = "y") -> None:
    """Label checks that depend on the loss: sparse range, one-hot width, binary range."""
    kind = _loss_kind(loss)
    units = output_shape[-1] if len(output_shape) > 1 else 1
    if kind in _SPARSE_LOSSES:
        labels = y.reshape(len(y), -1) if y.ndim > 1 else y
        if labels.ndim > 1 and labels.shape[1] != 1:
            raise ValueError(
                f"{name} must hold one integer label per sample for sparse_categorical_crossentropy; "
                f"got shape {y.shape} (one-hot labels need loss='categorical_crossentropy')"
            )
        labels = labels.reshape(-1)
        not_integer = np.flatnonzero(labels != np.round(labels))
        if len(not_integer):
            i = not_integer[0]
            raise ValueError(f"{name} must hold integer class labels; {name}[{i}] is {labels[i]}")
        out_of_range = np.flatnonzero((labels < 0) | (labels >= units))
        if len(out_of_range):
            i = out_of_range[0]
            raise ValueError(
                f"{name} labels must lie in [0, {units}) for a model with {units} output units; "
                f"{name}[{i}] is {labels[i]:g}"
            )
    elif kind in _ONE_HOT_LOSSES:
        if y.ndim < 2 or y.shape[-1] != units:
            width = y.shape[-1] if y.ndim >= 2 else "none (integer labels)"
            hint = " (integer labels need loss='sparse_categorical_crossentropy')" if y.ndim < 2 else ""
            raise ValueError(
                f"{name} must be one-hot with {units} columns, one per output unit; got shape "
                f"{y.shape}, width {width}{hint}"
            )
    elif kind in _PROBABILITY_LOSSES:
        outside = np.flatnonzero((y.reshape(-1) < 0) | (y.reshape(-1) > 1))
        if len(outside):
            i = np.unravel_index(outside[0], y.shape)
            raise ValueError(
                f"{name} must hold 0/1 labels (or probabilities) for {_loss_kind(loss)}; "
                f"{name}[{', '.join(map(str, i))}] is {y[i]:g}"
            )


def prepare(model, x, y, sample_weight, name_x="x", name_y="y", name_w="sample_weight"):
    """Validate one (x, y, w) triple against the model; build the model if needed."""
    x = data.as_features(x, name_x, dtype=model.weights_dtype, sample_shape=model.input_sample_shape)
    y = data.as_targets(y, name_y, n_samples=len(x))
    if not model.built:
        model.build((None,) + tuple(x.shape[1:]))
    check_targets_for_loss(y, model.loss, model.output_shape, name_y)
    w = None if sample_weight is None else data.check_sample_weight(sample_weight, len(x), name_w)
    return x, y, w


def split_validation(x, y, w, validation_split):
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"validation_split must be in [0, 1); got {validation_split}")
    if validation_split == 0.0:
        return (x, y, w), None
    n_val = int(round(len(x) * validation_split))
    n_train = len(x) - n_val
    if n_val == 0 or n_train == 0:
        raise ValueError(
            f"validation_split={validation_split} leaves {n_train} training and {n_val} validation "
            f"samples out of {len(x)}; both must be at least 1"
        )
    cut = lambda a: None if a is None else (a[:n_train], a[n_train:])  # noqa: E731
    xs, ys, ws = cut(x), cut(y), cut(w)
    return (xs[0], ys[0], ws and ws[0]), (xs[1], ys[1], ws and ws[1])


def unpack_validation(validation_data):
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(
            "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight_val); "
            f"got {type(validation_data).__name__}"
            + (f" of length {len(validation_data)}" if isinstance(validation_data, (tuple, list)) else "")
        )
    x_val, y_val, *rest = validation_data
    return x_val, y_val, rest[0] if rest else None



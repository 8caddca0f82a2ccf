"""What fit, evaluate and predict check before the first batch: the data against the model's
inputs and outputs and their losses, and the validation data.

Checked data travels as three tuples: ``xs`` (one array per model input), ``ys`` (one array per
output) and ``ws`` (one sample-weight array, or None, per output).
"""

from __future__ import annotations

import numpy as np

from .. import data
from ..common.checks import check_number

__all__ = ["check_targets_for_loss", "check_validation_split", "prepare", "prepare_inputs",
           "split_validation", "unpack_validation"]

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
        steps = tuple(output_shape[1:-1])  # a label per time step (or position) of a sequence output
        given = y.shape[1:-1] if y.ndim == len(steps) + 2 and y.shape[-1] == 1 else y.shape[1:]
        if len(given) != len(steps) or any(s is not None and g != s for g, s in zip(given, steps)):
            per = f"per sample and step, shape (n, {', '.join(str(s) for s in steps)})" if steps else "per sample"
            raise ValueError(
                f"{name} must hold one integer label {per} for sparse_categorical_crossentropy; "
                f"got shape {y.shape} (one-hot labels need loss='categorical_crossentropy')"
            )
        labels = y.reshape(-1)
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


def _is_array_list(value) -> bool:
    """A list or tuple of arrays: the data of several inputs (a list of lists is one input)."""
    return (isinstance(value, (list, tuple)) and len(value) > 0
            and all(isinstance(v, np.ndarray) or (hasattr(v, "__array__") and not isinstance(
                v, (list, tuple))) for v in value))


def _spread(value, names: list, what: str, kind: str) -> list:
    """The data of each of ``names`` (inputs or outputs) from ``value``: one array-like for a
    single name, else a list (one per name) or a dict keyed by name."""
    if isinstance(value, dict):
        missing = [n for n in names if n not in value]
        unknown = sorted(set(value) - set(names), key=str)
        if missing or unknown:
            problem = (f"has no entry for {missing[0]!r}" if missing
                       else f"has the key {unknown[0]!r}, which is none of them")
            raise ValueError(f"{what} is a dict keyed by name; the model's names are {names}, "
                             f"and {what} {problem}")
        return [(value[n], f"{what}[{n!r}]") for n in names]
    if len(names) == 1:
        if _is_array_list(value) and len(value) == 1:
            return [(value[0], f"{what}[0]")]
        return [(value, what)]
    if not isinstance(value, (list, tuple)) or len(value) != len(names):
        got = (f"a {type(value).__name__} of {len(value)}" if isinstance(value, (list, tuple))
               else type(value).__name__)
        raise ValueError(f"{what} must be a list of {len(names)} arrays, one per model {kind} "
                         f"({', '.join(names)}), or a dict keyed by those names; got {got}")
    return [(v, f"{what}[{i}]") for i, v in enumerate(value)]


def _same_length(arrays: list, labels: list, n: int | None = None) -> int:
    n = len(arrays[0]) if n is None else n
    for array, label in zip(arrays, labels):
        if len(array) != n:
            raise ValueError(f"every array must have the same number of samples; {label} has "
                             f"{len(array)} and {labels[0]} has {n}")
    return n


def prepare_inputs(model, x, name: str = "x") -> tuple:
    """``x`` as one checked array per model input (the model is built from it if need be)."""
    names = model.input_names
    if names is None:  # a model that learns its inputs from the first data it sees
        names = [f"input_{i + 1}" for i in range(len(x))] if _is_array_list(x) and len(x) > 1 else ["input"]
    shapes = model.input_sample_shapes or [None] * len(names)
    dtypes = model.input_dtypes or [None] * len(names)
    spread = _spread(x, names, name, "input")
    xs = tuple(data.as_features(value, label, dtype=dtype or model.weights_dtype, sample_shape=shape)
               for (value, label), shape, dtype in zip(spread, shapes, dtypes))
    _same_length(xs, [label for _, label in spread])
    if not model.built:
        shapes = [(None,) + tuple(a.shape[1:]) for a in xs]
        model.build(shapes[0] if len(shapes) == 1 else shapes)
    return xs


def prepare(model, x, y, sample_weight, name_x="x", name_y="y", name_w="sample_weight"):
    """Check one ``(x, y, sample_weight)`` against the model and its losses; build the model if
    need be. Returns ``(xs, ys, ws)``."""
    xs = prepare_inputs(model, x, name_x)
    objective = model.objective
    n = len(xs[0])
    names = model.output_names
    spread = _spread(y, names, name_y, "output")
    ys = tuple(data.as_targets(value, label, n_samples=n, x_name=name_x) for value, label in spread)
    for y_i, (_, label), loss, shape in zip(ys, spread, objective.losses, model.output_shapes):
        if loss is not None:
            check_targets_for_loss(y_i, loss, shape, label)
    # an output of steps may take a weight per sample and step
    steps = [shape[1] if shape is not None and len(shape) >= 3 else None
             for shape in (model.output_shapes or [None] * len(names))]
    if sample_weight is None:
        ws = (None,) * len(names)
    elif isinstance(sample_weight, dict) or (len(names) > 1 and isinstance(sample_weight, (list, tuple))
                                             and len(sample_weight) == len(names)
                                             and _is_array_list(sample_weight)):
        ws = tuple(None if value is None else data.check_sample_weight(value, n, label, s)
                   for (value, label), s in zip(_spread(sample_weight, names, name_w, "output"), steps))
    else:  # one weight per sample (and step), for every output
        common = steps[0] if len(set(steps)) == 1 else None
        ws = (data.check_sample_weight(sample_weight, n, name_w, common),) * len(names)
    return xs, ys, ws


def check_validation_split(validation_split) -> float:
    """``validation_split`` as a float in [0, 1)."""
    return check_number(validation_split, "validation_split", low=0, high=1, high_open=True)


def split_validation(arrays: tuple, validation_split) -> tuple:
    """``(train, validation)``: the last ``validation_split`` of every array held out, as Keras
    does (before shuffling); ``validation`` is None for a split of 0."""
    validation_split = check_validation_split(validation_split)
    if validation_split == 0.0:
        return arrays, None
    xs = arrays[0]
    n_val = int(round(len(xs[0]) * validation_split))
    n_train = len(xs[0]) - n_val
    if n_val == 0 or n_train == 0:
        raise ValueError(
            f"validation_split={validation_split} leaves {n_train} training and {n_val} validation "
            f"samples out of {len(xs[0])}; both must be at least 1"
        )
    cut = lambda group, part: tuple(None if a is None else a[part] for a in group)  # noqa: E731
    head, tail = slice(0, n_train), slice(n_train, None)
    return (tuple(cut(g, head) for g in arrays), tuple(cut(g, tail) for g in arrays))


def unpack_validation(validation_data):
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(
            "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight_val); "
            f"got {type(validation_data).__name__}"
            + (f" of length {len(validation_data)}" if isinstance(validation_data, (tuple, list)) else "")
        )
    x_val, y_val, *rest = validation_data
    return x_val, y_val, rest[0] if rest else None

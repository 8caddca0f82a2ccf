"""Input checks shared by ``fit``, ``evaluate`` and ``predict``.

Every check runs before the first batch and fails with the argument's name, what was expected,
what came, and the first offending index. The checks are single vectorised passes (a finiteness
test is one ``sum`` over the array, and only when that sum is not finite are the bad entries
located), so they cost a small fraction of an epoch.
"""

from __future__ import annotations

import numpy as np

from ..native import kernels
from ..common.checks import check_int, check_positive_int

__all__ = [
    "as_features",
    "as_targets",
    "check_finite",
    "check_positive_int",
    "check_sample_weight",
    "class_weights_to_sample_weights",
    "one_hot",
]


def _all_finite(array: np.ndarray) -> bool:
    """Whether every element is finite (False may also come from the sum test of a large array
    whose finite values overflow: the caller looks again)."""
    kernel = kernels.compiled("all_finite")
    if kernel is not None and type(array) is np.ndarray:
        try:
            return kernel(array)  # one pass, no temporary array
        except (ValueError, BufferError):  # another dtype or layout: NumPy's test
            pass
    if array.size <= 4096:  # small (a prediction request): one direct test is cheapest
        return np.count_nonzero(np.isfinite(array)) == array.size
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(array.sum()))


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise if ``array`` holds NaN or ±inf, naming the first offending index."""
    if array.dtype.kind not in "fc" or array.size == 0 or _all_finite(array):
        return
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):  # a finite array whose sum overflowed passes
        index = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{name} must be finite; {name}[{', '.join(map(str, index))}] is {array[index]} "
            f"({len(bad)} non-finite value{'s' if len(bad) > 1 else ''} in all)"
        )


def _ragged(value, name: str) -> str | None:
    """Where nested lists stop being rectangular: ``"x[3] has 2 values where x[0] has 4"``."""
    def walk(v, path):
        if not isinstance(v, (list, tuple)) or not v:
            return None
        nested = [isinstance(c, (list, tuple, np.ndarray)) for c in v]
        if any(nested) and not all(nested):
            i = nested.index(not nested[0])
            what = lambda k: "a sequence" if nested[k] else "a number"  # noqa: E731
            return f"{name}{path}[{i}] is {what(i)} where {name}{path}[0] is {what(0)}"
        if not any(nested):
            return None
        lengths = [len(c) for c in v]
        for i, n in enumerate(lengths):
            if n != lengths[0]:
                return f"{name}{path}[{i}] has {n} values where {name}{path}[0] has {lengths[0]}"
        for i, c in enumerate(v):
            found = walk(c, f"{path}[{i}]")
            if found:
                return found
        return None

    return walk(value, "")


def as_array(value, name: str, dtype=None) -> np.ndarray:
    """``np.asarray(value)``, with a message naming ``name`` when nested lists are ragged or
    hold something that is not a number."""
    try:
        return np.asarray(value) if dtype is None else np.asarray(value, dtype=dtype)
    except (ValueError, TypeError) as error:
        where = _ragged(value, name)
        if where is not None:
            raise ValueError(f"{name} must be a rectangular array, every sample of the same "
                             f"shape; {where}") from None
        raise TypeError(f"{name} must be numeric; {error}") from None


def _describe_kind(array: np.ndarray) -> str:
    if array.dtype.kind in "US":
        return f"strings (dtype {array.dtype})"
    if array.dtype.kind == "O":
        return "Python objects (dtype object)"
    return f"dtype {array.dtype}"


def as_features(x, name: str = "x", *, dtype=np.float32, sample_shape=None) -> np.ndarray:
    """``x`` as a numeric array of ``dtype`` with a sample axis, checked for size and finiteness.

    An ndarray that already has ``dtype`` and the sample shape (the common case: a batch as the
    model takes it, such as a single-sample prediction request) is returned as it is after a
    few attribute tests and the finiteness test.

    Parameters
    ----------
    sample_shape : tuple, optional
        Expected shape of one sample (``None`` entries match anything); checked when given.
    """
    if type(x) is np.ndarray and x.dtype == dtype and x.ndim and len(x) and x.shape[1:] == sample_shape:
        check_finite(x, name)
        return x
    array = x if isinstance(x, np.ndarray) else as_array(getattr(x, "data", x), name)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric; got {_describe_kind(array)}")
    if array.ndim == 0:
        raise ValueError(f"{name} must have shape (n_samples, ...); got a scalar")
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples (shape {array.shape})")
    if sample_shape is not None:
        expected = tuple(sample_shape)
        got = array.shape[1:]
        if len(got) != len(expected) or any(e is not None and e != g for e, g in zip(expected, got)):
            shown = "(n_samples, " + ", ".join("?" if e is None else str(e) for e in expected) + ")"
            raise ValueError(
                f"{name} must have shape {shown} for this model; got shape {array.shape}"
            )
    array = array.astype(dtype, copy=False) if not isinstance(array, np.memmap) else array
    check_finite(array, name)
    return array


def as_targets(y, name: str = "y", *, n_samples: int | None = None, x_name: str = "x") -> np.ndarray:
    """``y`` as a numeric array whose length matches ``n_samples`` (the length of ``x_name``);
    strings are refused."""
    array = y if isinstance(y, np.ndarray) else as_array(getattr(y, "data", y), name)
    if array.dtype.kind not in "fiub":
        example = ""
        if array.size:
            first = array.reshape(-1)[0]
            first = first.item() if isinstance(first, np.generic) else first
            example = f", e.g. {first!r} at index 0"
        raise TypeError(
            f"{name} must be numeric for this loss; got {_describe_kind(array)}{example}. "
            f"Encode the labels as integers first (e.g. with sklearn.preprocessing.LabelEncoder)"
        )
    if array.ndim == 0:
        raise ValueError(f"{name} must have one entry per sample; got a scalar")
    if n_samples is not None and array.shape[0] != n_samples:
        raise ValueError(
            f"{x_name} and {name} must have the same number of samples; got len({x_name}) = "
            f"{n_samples} and len({name}) = {array.shape[0]}"
        )
    check_finite(array, name)
    return array


def check_sample_weight(sample_weight, n_samples: int, name: str = "sample_weight",
                        steps: int | None = None) -> np.ndarray:
    """One finite, non-negative weight per sample — or, for outputs of ``steps`` steps, per
    sample and step (Keras's temporal sample weights, shape ``(n_samples, steps)``)."""
    weights = as_array(sample_weight, name)
    if weights.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric, one weight per sample; got {_describe_kind(weights)}")
    weights = weights.astype(np.float64)
    if weights.ndim == 2 and weights.shape[1] == 1 and steps != 1:
        weights = weights[:, 0]
    if weights.shape != (n_samples,) and (steps is None or weights.shape != (n_samples, steps)):
        per_step = f" or ({n_samples}, {steps}), one per sample and step" if steps else ""
        raise ValueError(f"{name} must have shape ({n_samples},), one weight per sample{per_step}; "
                         f"got {weights.shape}")
    check_finite(weights, name)
    negative = np.flatnonzero(weights < 0)
    if len(negative):
        raise ValueError(f"{name} must be non-negative; {name}[{negative[0]}] is {weights[negative[0]]}")
    return weights


def class_indices(y: np.ndarray) -> np.ndarray:
    """Integer class of each sample from sparse labels, one-hot rows, or 0/1 (binary) targets."""
    if y.ndim >= 2 and y.shape[-1] > 1:
        return np.argmax(y.reshape(len(y), -1), axis=1)
    flat = y.reshape(len(y))
    if flat.dtype.kind == "f" and np.any((flat != 0) & (flat != 1)) and np.any(flat != np.round(flat)):
        return (flat > 0.5).astype(np.int64)
    return flat.astype(np.int64)


def class_weights_to_sample_weights(class_weight: dict, y: np.ndarray) -> np.ndarray:
    """Per-sample weights ``class_weight[class of sample]`` (classes missing from the dict: 1)."""
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict {{class index: weight}}; got {type(class_weight).__name__}")
    classes = class_indices(y)
    weights = np.ones(len(classes), dtype=np.float64)
    for key, value in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise TypeError(f"class_weight keys must be integer class indices; got {key!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"class_weight[{key}] must be a number; got {type(value).__name__} {value!r}")
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"class_weight[{key}] must be a finite non-negative number; got {value}")
        weights[classes == key] = value
    return weights


def one_hot(labels, num_classes: int | None = None, dtype=np.float32, *,
            name: str = "labels") -> np.ndarray:
    """Integer labels as one-hot rows: ``labels.size`` rows of ``num_classes`` columns.

    Labels of any shape are read in C order (``labels.reshape(-1)``);
    :func:`deepgrad.utils.to_categorical` gives the rows the labels' shape.

    Parameters
    ----------
    labels : array-like of int
        Class indices in ``[0, num_classes)``; floats are accepted when they hold whole numbers.
    num_classes : int, optional
        Number of columns; by default the largest label plus one.
    dtype : numpy dtype, default float32
    name : str, default "labels"
        The argument's name in error messages.

    Returns
    -------
    ndarray of shape (labels.size, num_classes)

    Raises
    ------
    TypeError
        If a label is not a whole number (naming the first one).
    ValueError
        If a label lies outside ``[0, num_classes)`` (naming the first one).

    Examples
    --------
    >>> one_hot([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    >>> one_hot([[0], [3]], 3)
    Traceback (most recent call last):
    ...
    ValueError: labels must lie in [0, 3); labels[1, 0] is 3
    """
    if num_classes is not None:
        num_classes = check_int(num_classes, "num_classes", minimum=1)
    array = as_array(labels, name)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be integers; got {_describe_kind(array)}")
    if array.dtype.kind == "f":
        whole = np.isfinite(array) & (array == np.round(array))
        if not whole.all():
            where = _index_text(np.argwhere(~whole)[0])
            raise TypeError(f"{name} must be integers; {name}{where} is {array[~whole][0]}")
    flat = array.astype(np.int64).reshape(-1)
    if num_classes is None:
        num_classes = int(flat.max()) + 1 if flat.size else 0
    bad = np.flatnonzero((flat < 0) | (flat >= num_classes))
    if len(bad):
        where = _index_text(np.unravel_index(bad[0], array.shape)) if array.ndim else ""
        raise ValueError(f"{name} must lie in [0, {num_classes}); {name}{where} is {flat[bad[0]]}")
    out = np.zeros((flat.size, num_classes), dtype=dtype)
    out[np.arange(flat.size), flat] = 1
    return out


def _index_text(index) -> str:
    """``[2, 0]`` for an array index."""
    return "[" + ", ".join(str(int(i)) for i in index) + "]"

"""The lecture notes' small tables, extended to trainable size, and scikit-learn's digits.

The notes show tables of three rows; a classifier needs more. Each loader below returns the notes'
rows verbatim at the top, followed by rows generated from a fixed seed by a stated rule, so that
every call returns the same 200 rows. The rule and the seed are written in each data set's
``description``. The generated rows depend on NumPy's ``Generator`` streams (PCG64 with
``normal``/``uniform``), which NumPy keeps stable in practice; the tests pin a few values so a
change would be noticed.
"""

from __future__ import annotations

import numpy as np

from ..common.checks import check_bool
from ..common.rng import as_generator
from .base import Dataset

__all__ = ["load_digits", "load_house_prices", "load_pass_fail", "load_placement"]

N_ROWS = 200

# Lecture 001 (IQ, study hours -> pass), then lecture 000 (the same table with other rows).
_PASS_FAIL_NOTES_ROWS = np.array(
    [[95, 3, 0], [110, 4, 1], [100, 5, 1], [95, 4, 1], [100, 5, 1], [95, 2, 0]]
)
_PASS_FAIL_SEED = 1
_PASS_THRESHOLD = 12.75

# Lecture 003 (cgpa, iq -> placed: Yes / No / maybe); labels lower-cased, ordered no < maybe < yes.
_PLACEMENT_CLASSES = ("not placed", "placed")
_PLACEMENT_SEED = 3

_HOUSE_PRICES_SEED = 4


def _as_result(dataset: Dataset, return_X_y: bool):
    return (dataset.data, dataset.target) if return_X_y else dataset


def _normal_iq(rng: np.random.Generator, size: int) -> np.ndarray:
    """Whole-number IQ scores: normal, mean 100 and standard deviation 15, clipped to 70–145."""
    return np.clip(np.rint(rng.normal(100.0, 15.0, size)), 70.0, 145.0)


def load_pass_fail(*, return_X_y: bool = False):
    """IQ and hours of study -> pass (1) or fail (0): the notes' perceptron table, 200 rows.

    Rows 1–3 are the table of lecture 001, rows 4–6 the table of lecture 000 (row 5 repeats
    row 3, as in the notes). Rows 7–200 are generated with seed 1: IQ is a whole number drawn
    from a normal distribution (mean 100, standard deviation 15, clipped to 70–145), study hours
    are uniform in 0–6 rounded to one decimal, and the student passes when
    ``0.1 * iq + hours + e >= 12.75`` with ``e`` normal (standard deviation 0.5). The notes' rows
    obey the same rule without noise, so the best straight line is ``0.1 * iq + hours = 12.75``.

    Parameters
    ----------
    return_X_y : bool, default False
        Return ``(data, target)`` instead of a :class:`Dataset`.

    Returns
    -------
    Dataset or tuple
        ``data`` float32 of shape (200, 2) with columns ``iq`` and ``study_hours``; ``target``
        int64 of shape (200,); ``target_names`` ``('fail', 'pass')``.

    Examples
    --------
    >>> dataset = load_pass_fail()
    >>> dataset.data[:3].tolist(), dataset.target[:3].tolist()
    ([[95.0, 3.0], [110.0, 4.0], [100.0, 5.0]], [0, 1, 1])
    >>> X, y = load_pass_fail(return_X_y=True)
    >>> X.shape, y.shape
    ((200, 2), (200,))
    """
    return_X_y = check_bool(return_X_y, "return_X_y")
    rng = as_generator(_PASS_FAIL_SEED)
    n_generated = N_ROWS - len(_PASS_FAIL_NOTES_ROWS)
    iq = _normal_iq(rng, n_generated)
    hours = np.rint(rng.uniform(0.0, 6.0, n_generated) * 10.0) / 10.0
    score = 0.1 * iq + hours + rng.normal(0.0, 0.5, n_generated)
    passed = (score >= _PASS_THRESHOLD).astype(np.int64)
    data = np.vstack([_PASS_FAIL_NOTES_ROWS[:, :2], np.column_stack([iq, hours])])
    target = np.concatenate([_PASS_FAIL_NOTES_ROWS[:, 2], passed])
    description = (
        "Pass/fail of students from IQ and hours of study (200 rows).\n"
        "Rows 1-3: the table of lecture 001; rows 4-6: the table of lecture 000 (row 5 repeats "
        "row 3).\n"
        f"Rows 7-200: generated with seed {_PASS_FAIL_SEED}: iq = round(normal(100, 15)) clipped "
        "to 70-145; study_hours = uniform(0, 6) rounded to 0.1; pass = 1 if "
        f"0.1*iq + study_hours + normal(0, 0.5) >= {_PASS_THRESHOLD} else 0.\n"
        "The notes' rows satisfy the same rule without noise."
    )
    dataset = Dataset(
        data.astype(np.float32),
        target.astype(np.int64),
        ("iq", "study_hours"),
        ("fail", "pass"),
        description,
    )
    return _as_result(dataset, return_X_y)


def load_placement(*, return_X_y: bool = False):
    """CGPA and IQ -> placed (1) or not placed (0): 200 rows, two classes.

    The perceptron lecture (seed 003) draws students by CGPA and IQ as placed or not placed and
    separates them with a line; it gives no rows, so all 200 are generated with seed 3: CGPA is
    normal (mean 7, standard deviation 1) rounded to one decimal and clipped to 4–10, IQ a whole
    number normal (mean 100, standard deviation 15) clipped to 70–145, and a student is placed
    when ``(cgpa - 7) + (iq - 100) / 15 + e >= 0`` with ``e`` normal (standard deviation 0.5) —
    nearly, but not exactly, linearly separable, as real data is.

    Parameters
    ----------
    return_X_y : bool, default False
        Return ``(data, target)`` instead of a :class:`Dataset`.

    Returns
    -------
    Dataset or tuple
        ``data`` float32 of shape (200, 2) with columns ``cgpa`` and ``iq``; ``target`` int64 of
        shape (200,); ``target_names`` ``('not placed', 'placed')``.

    Examples
    --------
    >>> dataset = load_placement()
    >>> dataset.data.shape, dataset.target_names
    ((200, 2), ('not placed', 'placed'))
    """
    return_X_y = check_bool(return_X_y, "return_X_y")
    rng = as_generator(_PLACEMENT_SEED)
    cgpa = np.clip(np.rint(rng.normal(7.0, 1.0, N_ROWS) * 10.0) / 10.0, 4.0, 10.0)
    iq = _normal_iq(rng, N_ROWS)
    score = (cgpa - 7.0) + (iq - 100.0) / 15.0 + rng.normal(0.0, 0.5, N_ROWS)
    placed = (score >= 0.0).astype(np.int64)
    description = (
        "Placement of students (placed / not placed) from CGPA and IQ (200 rows), the perceptron "
        "lecture's problem (seed 003); the notes give no rows, so every row is generated.\n"
        f"Generated with seed {_PLACEMENT_SEED}: cgpa = normal(7, 1) rounded to 0.1 and clipped to "
        "4-10; iq = round(normal(100, 15)) clipped to 70-145; placed = 1 if "
        "(cgpa - 7) + (iq - 100)/15 + normal(0, 0.5) >= 0 else 0."
    )
    dataset = Dataset(
        np.column_stack([cgpa, iq]).astype(np.float32), placed, ("cgpa", "iq"), _PLACEMENT_CLASSES, description
    )
    return _as_result(dataset, return_X_y)


def load_house_prices(*, return_X_y: bool = False):
    """House size in square feet -> price in thousands: a noisy straight line, 200 rows.

    Lecture 004 (lectures 3 + 4) introduces this regression with "a data set of 6 houses" but
    gives no numbers, so there are no notes' rows to include: all 200 rows are generated with
    seed 4. Size is uniform in 500–3500 square feet rounded to 10, and
    ``price = 50 + 0.15 * size + e`` (thousands) with ``e`` normal (standard deviation 25),
    rounded to 0.1.

    Parameters
    ----------
    return_X_y : bool, default False
        Return ``(data, target)`` instead of a :class:`Dataset`.

    Returns
    -------
    Dataset or tuple
        ``data`` float32 of shape (200, 1) with the column ``size_sqft``; ``target`` float32 of
        shape (200,); ``target_names`` None (regression).

    Examples
    --------
    >>> X, y = load_house_prices(return_X_y=True)
    >>> X.shape, y.dtype
    ((200, 1), dtype('float32'))
    >>> slope, intercept = np.polyfit(X[:, 0].astype(float), y.astype(float), 1)
    >>> round(float(slope), 2)  # the rule's slope is 0.15 (thousands per square foot)
    0.15
    """
    return_X_y = check_bool(return_X_y, "return_X_y")
    rng = as_generator(_HOUSE_PRICES_SEED)
    size = np.rint(rng.uniform(500.0, 3500.0, N_ROWS) / 10.0) * 10.0
    price = np.rint((50.0 + 0.15 * size + rng.normal(0.0, 25.0, N_ROWS)) * 10.0) / 10.0
    description = (
        "House price in thousands from size in square feet (200 rows).\n"
        "Lecture 004 describes a six-house size -> price example without numbers, so no row "
        "comes from the notes.\n"
        f"All rows generated with seed {_HOUSE_PRICES_SEED}: size_sqft = uniform(500, 3500) "
        "rounded to 10; price = 50 + 0.15*size_sqft + normal(0, 25), rounded to 0.1."
    )
    dataset = Dataset(
        size[:, None].astype(np.float32), price.astype(np.float32), ("size_sqft",), None,
        description,
    )
    return _as_result(dataset, return_X_y)


def load_digits(*, return_X_y: bool = False, as_images: bool = False):
    """The 8x8 handwritten digits (1797 images) from scikit-learn, scaled to [0, 1].

    Needs scikit-learn (``pip install "deepgrad[sklearn]"``), which ships the data, so nothing
    is downloaded. Pixel values 0–16 are divided by 16, in both layouts.

    Parameters
    ----------
    return_X_y : bool, default False
        Return ``(data, target)`` instead of a :class:`Dataset`.
    as_images : bool, default False
        Give ``data`` as channels-last images of shape (1797, 8, 8, 1), the layout ``Conv2D``
        and the augmentation layers take, instead of one flattened row of 64 pixels per image.
        The values and their order are the same: ``images.reshape(1797, 64)`` is the flat data.

    Returns
    -------
    Dataset or tuple
        ``data`` float32 of shape (1797, 64), one flattened 8x8 image per row (row-major, so
        ``data.reshape(-1, 8, 8)`` gives the images), or (1797, 8, 8, 1) with
        ``as_images=True``; ``target`` int64 of shape (1797,); ``target_names``
        ``('0', ..., '9')``; ``feature_names`` ``pixel_0_0`` ... ``pixel_7_7`` (row, column),
        one per pixel in either layout.

    Raises
    ------
    ImportError
        If scikit-learn is not installed.

    Examples
    --------
    >>> X, y = load_digits(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, float(X.max()), y[:5].tolist()  # doctest: +SKIP
    ((1797, 64), dtype('float32'), 1.0, [0, 1, 2, 3, 4])
    >>> load_digits(as_images=True).data.shape  # doctest: +SKIP
    (1797, 8, 8, 1)
    """
    return_X_y = check_bool(return_X_y, "return_X_y")
    as_images = check_bool(as_images, "as_images")
    try:
        from sklearn import datasets as sklearn_datasets
    except ImportError as error:
        raise ImportError(
            'load_digits needs scikit-learn; install it with: pip install "deepgrad[sklearn]"'
        ) from error
    digits = sklearn_datasets.load_digits()
    data = np.asarray(digits.data, dtype=np.float32) / np.float32(16.0)
    layout = "one flattened row of 64 pixels per image"
    if as_images:
        data = np.ascontiguousarray(data.reshape(len(data), 8, 8, 1))
        layout = "channels-last images of shape (8, 8, 1)"
    dataset = Dataset(
        data,
        np.asarray(digits.target, dtype=np.int64),
        tuple(digits.feature_names),
        tuple(str(name) for name in digits.target_names),
        "Optical recognition of handwritten digits (UCI), as bundled with scikit-learn: 1797 "
        "8x8 images of the digits 0-9, pixel values 0-16 divided by 16 to lie in [0, 1], "
        f"as {layout}.",
    )
    return _as_result(dataset, return_X_y)

"""A seeded, optionally stratified train/test split.

One-hot encoding of labels lives in :func:`deepgrad.data.one_hot`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..common.rng import as_generator

__all__ = ["train_test_split"]


def _test_count(test_size, n_samples: int) -> int:
    """Number of test samples for a fraction in (0, 1) or a count in [1, n_samples - 1]."""
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            "test_size must be a fraction in (0, 1) or a whole number of samples; got "
            f"{test_size!r} ({type(test_size).__name__})"
        )
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    elif 0.0 < test_size < 1.0:
        n_test = math.ceil(test_size * n_samples)
    else:
        raise ValueError(f"test_size must be a fraction in (0, 1) or a count; got {test_size}")
    if not 1 <= n_test <= n_samples - 1:
        raise ValueError(
            f"test_size={test_size!r} gives {n_test} test samples out of {n_samples}; "
            "both the training and the test part need at least one"
        )
    return n_test


def _stratified_test_indices(classes, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Test indices taking from each class its share of ``n_test`` (largest remainders)."""
    values, inverse, counts = np.unique(classes, return_inverse=True, return_counts=True)
    quotas = n_test * counts / len(classes)
    taken = np.floor(quotas).astype(int)
    by_remainder = np.argsort(-(quotas - taken), kind="stable")
    taken[by_remainder[: n_test - taken.sum()]] += 1
    members = [np.flatnonzero(inverse == code) for code in range(len(values))]
    return np.concatenate(
        [rng.permutation(indices)[:count] for indices, count in zip(members, taken)]
    )


def train_test_split(X, y, test_size=0.25, *, seed=None, stratify=None):
    """Shuffle and split ``X`` and ``y`` into a training and a test part.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Features.
    y : array-like of shape (n_samples, ...)
        Targets.
    test_size : float or int, default 0.25
        A fraction in (0, 1) (the test part gets ``ceil(test_size * n_samples)`` samples) or a
        number of test samples.
    seed : None, int or numpy.random.Generator
        Source of randomness.
    stratify : array-like of shape (n_samples,), optional
        Class labels (usually ``y``) whose proportions both parts should keep: each class gives
        the test part its share of the test samples, rounded by largest remainders.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        In shuffled order.

    Examples
    --------
    >>> X, y = np.arange(20).reshape(10, 2), np.array([0] * 6 + [1] * 4)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, 0.5, seed=0, stratify=y)
    >>> X_train.shape, X_test.shape, np.bincount(y_test)
    ((5, 2), (5, 2), array([3, 2]))
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"X and y need the same number of samples; got shapes {X.shape} and {y.shape}"
        )
    n_test = _test_count(test_size, len(X))
    rng = as_generator(seed)
    if stratify is None:
        order = rng.permutation(len(X))
        test, train = order[:n_test], order[n_test:]
    else:
        classes = np.asarray(stratify)
        if classes.shape != (len(X),):
            raise ValueError(
                f"stratify must have shape ({len(X)},), one label per sample; got {classes.shape}"
            )
        test = rng.permutation(_stratified_test_indices(classes, n_test, rng))
        is_test = np.zeros(len(X), dtype=bool)
        is_test[test] = True
        train = rng.permutation(np.flatnonzero(~is_test))
    return X[train], X[test], y[train], y[test]


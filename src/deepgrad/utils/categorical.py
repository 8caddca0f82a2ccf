"""``to_categorical``: class indices as one-hot vectors, shaped as Keras shapes them."""

from __future__ import annotations

import numpy as np

from ..data.validation import one_hot

__all__ = ["to_categorical"]


def to_categorical(x, num_classes=None) -> np.ndarray:
    """Class indices as one-hot vectors (``keras.utils.to_categorical``).

    The result has the shape of ``x`` with one axis of length ``num_classes`` added at the end;
    a trailing axis of length 1 (labels of shape ``(n_samples, 1)``) is replaced rather than
    kept, so such labels give ``(n_samples, num_classes)``. The one-hot rows are computed by
    :func:`deepgrad.data.one_hot`.

    Parameters
    ----------
    x : array-like of int
        Class indices in ``[0, num_classes)``, of any shape; floats holding whole numbers are
        accepted.
    num_classes : int, optional
        Number of classes; by default the largest index in ``x`` plus one.

    Returns
    -------
    ndarray of float64, shape ``x.shape + (num_classes,)`` (trailing 1 dropped)
        As Keras returns for a NumPy input.

    Raises
    ------
    TypeError
        If ``x`` holds something other than whole numbers (naming the first such entry).
    ValueError
        If an index is negative or not below ``num_classes``, naming the first one (Keras
        wraps negative indices around and fails with an IndexError on large ones).

    Examples
    --------
    >>> to_categorical([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    >>> to_categorical([[1], [0]], num_classes=3).shape
    (2, 3)
    >>> to_categorical([[0, 1], [2, 1]]).shape
    (2, 2, 3)
    >>> to_categorical([0, 4], num_classes=3)
    Traceback (most recent call last):
    ...
    ValueError: x must lie in [0, 3); x[1] is 4
    """
    labels = np.asarray(x)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    rows = one_hot(labels, num_classes, dtype=np.float64, name="x")
    return rows.reshape(shape + (rows.shape[1],))

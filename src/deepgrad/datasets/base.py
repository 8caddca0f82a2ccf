"""The :class:`Dataset` record returned by the loaders, and the argument checks they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..common.checks import check_number

__all__ = ["Dataset"]


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A loaded data set: features, targets, and what they mean.

    Loaders return one of these unless called with ``return_X_y=True``, in which case they return
    ``(data, target)``, as scikit-learn's loaders do.

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_features) or (n_samples, height, width, channels)
        The features, one row per sample, or one channels-last image per sample.
    target : ndarray of shape (n_samples,)
        Class indices (int64) for classification, values for regression.
    feature_names : sequence of str
        One name per column of ``data`` (for images: per value of one sample, in the order of
        ``data[0].ravel()``); stored as a tuple.
    target_names : sequence of str or None
        For classification, the name of each class: label ``k`` means ``target_names[k]``.
        None for regression.
    description : str
        Where the data comes from and how it was made.

    Examples
    --------
    >>> import numpy as np
    >>> dataset = Dataset(np.zeros((3, 2)), np.array([0, 1, 1]), ["a", "b"], ["no", "yes"], "demo")
    >>> dataset
    Dataset(data=(3, 2) float64, target=(3,) int64, feature_names=('a', 'b'),
            target_names=('no', 'yes'))
    >>> X, y = dataset.data, dataset.target
    """

    data: np.ndarray
    target: np.ndarray
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...] | None
    description: str

    def __post_init__(self):
        object.__setattr__(self, "feature_names", tuple(self.feature_names))
        if self.target_names is not None:
            object.__setattr__(self, "target_names", tuple(self.target_names))
        if np.ndim(self.data) not in (2, 4):
            raise ValueError(
                "data must be 2-D, (n_samples, n_features), or 4-D images, (n_samples, height, "
                f"width, channels); got shape {np.shape(self.data)}"
            )
        n_rows = np.shape(self.data)[0]
        n_columns = int(np.prod(np.shape(self.data)[1:]))
        if np.shape(self.target)[0] != n_rows:
            raise ValueError(
                f"data has {n_rows} rows but target has {np.shape(self.target)[0]} values"
            )
        if len(self.feature_names) != n_columns:
            what = "columns" if np.ndim(self.data) == 2 else "values per image"
            raise ValueError(
                f"data has {n_columns} {what} but {len(self.feature_names)} feature names"
            )

    def __repr__(self) -> str:
        names = "" if self.target_names is None else f", target_names={self.target_names}"
        return (
            f"Dataset(data={self.data.shape} {self.data.dtype}, "
            f"target={self.target.shape} {self.target.dtype}, "
            f"feature_names={self.feature_names}{names})"
        )


def check_noise(value) -> float:
    """The ``noise=`` argument of the toy generators: a finite number >= 0."""
    return check_number(value, "noise", low=0)

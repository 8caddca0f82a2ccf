"""Seeded two-dimensional toy problems for classification.

Every generator returns ``(X, y)``: ``X`` float32 of shape ``(n_samples, 2)`` and ``y`` int64 of
shape ``(n_samples,)``, in a shuffled order. The same ``seed`` gives the same arrays; ``seed=None``
draws from deepgrad's root generator (see :func:`deepgrad.set_seed`). Samples are shared between
the classes as evenly as possible: the first ``n_samples % n_classes`` classes get one extra.
"""

from __future__ import annotations

import numpy as np

from ..common.checks import check_bool, check_int, check_number, describe
from ..common.rng import as_generator
from .base import check_noise

__all__ = ["make_blobs", "make_circles", "make_moons", "make_spiral", "make_xor"]

#: Distance between neighbouring blob centers when ``make_blobs`` places them itself.
BLOB_CENTER_SPACING = 10.0
#: With ``separable=True`` every blob point stays this fraction of the smallest center distance
#: away from the boundary between its own center and any other.
BLOB_MARGIN_FRACTION = 0.1
_MAX_REDRAW_ROUNDS = 1000


def _class_sizes(n_samples: int, n_classes: int) -> np.ndarray:
    sizes = np.full(n_classes, n_samples // n_classes)
    sizes[: n_samples % n_classes] += 1
    return sizes


def _class_labels(n_samples: int, n_classes: int) -> np.ndarray:
    """``[0, 0, ..., 1, 1, ...]``: each class repeated its share of ``n_samples`` times."""
    return np.repeat(np.arange(n_classes), _class_sizes(n_samples, n_classes))


def _shuffled(points: np.ndarray, labels: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(labels))
    return points[order].astype(np.float32), labels[order].astype(np.int64)


def make_moons(n_samples: int = 100, *, noise: float = 0.1, seed=None):
    """Two interleaving half circles.

    Class 0 lies on the upper unit half circle ``(cos t, sin t)``, class 1 on the lower one
    shifted right and down, ``(1 - cos t, 0.5 - sin t)``, with ``t`` uniform in ``[0, pi]``;
    then Gaussian noise of standard deviation ``noise`` is added to each coordinate.

    Parameters
    ----------
    n_samples : int, default 100
        Total number of points (at least 2).
    noise : float, default 0.1
        Standard deviation of the Gaussian noise on each coordinate.
    seed : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float32
    y : ndarray of shape (n_samples,), int64
        0 or 1.

    Examples
    --------
    >>> X, y = make_moons(200, noise=0.1, seed=0)
    >>> X.shape, X.dtype, y.dtype
    ((200, 2), dtype('float32'), dtype('int64'))
    >>> np.bincount(y)
    array([100, 100])
    """
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    noise = check_noise(noise)
    rng = as_generator(seed)
    labels = _class_labels(n_samples, 2)
    angles = rng.uniform(0.0, np.pi, size=n_samples)
    upper = np.column_stack([np.cos(angles), np.sin(angles)])
    lower = np.column_stack([1.0 - np.cos(angles), 0.5 - np.sin(angles)])
    points = np.where(labels[:, None] == 0, upper, lower)
    points += noise * rng.standard_normal(points.shape)
    return _shuffled(points, labels, rng)


def make_circles(n_samples: int = 100, *, noise: float = 0.05, factor: float = 0.5, seed=None):
    """A small circle inside a large one.

    Class 0 lies on the unit circle, class 1 on a circle of radius ``factor``, at angles uniform
    in ``[0, 2 pi)``; then Gaussian noise of standard deviation ``noise`` is added to each
    coordinate. No straight line separates the classes; ``x1**2 + x2**2`` does.

    Parameters
    ----------
    n_samples : int, default 100
        Total number of points (at least 2).
    noise : float, default 0.05
        Standard deviation of the Gaussian noise on each coordinate.
    factor : float, default 0.5
        Radius of the inner circle relative to the outer one, strictly between 0 and 1.
    seed : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float32
    y : ndarray of shape (n_samples,), int64
        0 (outer) or 1 (inner).

    Examples
    --------
    >>> X, y = make_circles(100, noise=0.0, factor=0.5, seed=0)
    >>> radius = np.hypot(X[:, 0], X[:, 1])
    >>> np.allclose(radius[y == 0], 1.0), np.allclose(radius[y == 1], 0.5)
    (True, True)
    """
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    noise = check_noise(noise)
    factor = check_number(factor, "factor", low=0, high=1, low_open=True, high_open=True)
    rng = as_generator(seed)
    labels = _class_labels(n_samples, 2)
    angles = rng.uniform(0.0, 2.0 * np.pi, size=n_samples)
    radius = np.where(labels == 0, 1.0, factor)
    points = radius[:, None] * np.column_stack([np.cos(angles), np.sin(angles)])
    points += noise * rng.standard_normal(points.shape)
    return _shuffled(points, labels, rng)


def make_spiral(n_samples: int = 300, *, n_classes: int = 3, noise: float = 0.05, seed=None):
    """Interleaved spiral arms, one per class.

    A point of class ``k`` at radius ``r`` (uniform in ``[0, 1]``) sits at angle
    ``2 pi k / n_classes + 2 pi r``: every arm makes one full turn from the center to the rim,
    and the arms are rotated evenly against each other. Gaussian noise of standard deviation
    ``noise`` is then added to each coordinate; along any ray the arms are
    ``1 / n_classes`` apart, so noise of a few hundredths keeps them apart except near the center.

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points (at least ``n_classes``).
    n_classes : int, default 3
        Number of arms, i.e. classes (at least 2).
    noise : float, default 0.05
        Standard deviation of the Gaussian noise on each coordinate.
    seed : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float32
        Inside the unit disc when ``noise=0``.
    y : ndarray of shape (n_samples,), int64
        The arm, ``0 .. n_classes - 1``.

    Examples
    --------
    >>> X, y = make_spiral(300, n_classes=3, seed=0)
    >>> X.shape, np.bincount(y)
    ((300, 2), array([100, 100, 100]))
    """
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    n_samples = check_int(n_samples, "n_samples", minimum=n_classes)
    noise = check_noise(noise)
    rng = as_generator(seed)
    labels = _class_labels(n_samples, n_classes)
    radius = rng.uniform(0.0, 1.0, size=n_samples)
    angles = 2.0 * np.pi * (labels / n_classes + radius)
    points = radius[:, None] * np.column_stack([np.cos(angles), np.sin(angles)])
    points += noise * rng.standard_normal(points.shape)
    return _shuffled(points, labels, rng)


def make_xor(n_samples: int = 200, *, noise: float = 0.3, seed=None):
    """Four clusters, one per quadrant, labelled ``sign(x1) xor sign(x2)``.

    The clusters are centerd on ``(±1, ±1)``. Each coordinate is ``s * |1 + noise * z|`` with
    ``s`` the quadrant's sign and ``z`` standard normal: a normal spread folded at the axis, so
    every point stays in its quadrant and the label is exactly 1 where ``x1 * x2 < 0`` and 0 where
    ``x1 * x2 > 0``. No straight line separates the classes; one hidden layer does.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points (at least 4), shared evenly by the four clusters.
    noise : float, default 0.3
        Spread of each cluster (standard deviation before folding).
    seed : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float32
    y : ndarray of shape (n_samples,), int64
        1 in the second and fourth quadrants, 0 in the first and third.

    Examples
    --------
    >>> X, y = make_xor(200, seed=0)
    >>> bool(np.all(y == ((X[:, 0] > 0) ^ (X[:, 1] > 0))))
    True
    >>> np.bincount(y)
    array([100, 100])
    """
    n_samples = check_int(n_samples, "n_samples", minimum=4)
    noise = check_noise(noise)
    rng = as_generator(seed)
    quadrant_signs = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    quadrants = _class_labels(n_samples, 4)
    signs = quadrant_signs[quadrants]
    points = signs * np.abs(1.0 + noise * rng.standard_normal((n_samples, 2)))
    labels = quadrants % 2  # quadrants 1 and 3 (second and fourth) have mixed signs
    return _shuffled(points, labels, rng)


def _blob_centers(centers, rng: np.random.Generator) -> np.ndarray:
    """The centers as a float64 array of shape ``(n_centers, 2)``, placed on a circle for an int."""
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        n_centers = check_int(centers, "centers", minimum=2)
        # Evenly on a circle, neighbours BLOB_CENTER_SPACING apart, randomly rotated.
        radius = BLOB_CENTER_SPACING / (2.0 * np.sin(np.pi / n_centers))
        angles = rng.uniform(0.0, 2.0 * np.pi) + 2.0 * np.pi * np.arange(n_centers) / n_centers
        return radius * np.column_stack([np.cos(angles), np.sin(angles)])
    try:
        points = np.asarray(centers, dtype=np.float64)
    except (TypeError, ValueError):
        points = None
    if points is None or points.ndim != 2 or points.shape[1] != 2 or len(points) < 2:
        got = f"shape {points.shape}" if points is not None and points.ndim else describe(centers)
        raise ValueError(
            "centers must be an int >= 2 or an array of shape (n_centers, 2) with "
            f"n_centers >= 2; got {got}"
        )
    if not np.all(np.isfinite(points)):
        raise ValueError("centers must be finite; got a NaN or infinite coordinate")
    return points


def _smallest_center_distance(centers: np.ndarray) -> float:
    gaps = np.linalg.norm(centers[:, None, :] - centers[None, :, :], axis=-1)
    return float(gaps[~np.eye(len(centers), dtype=bool)].min())


def _margin_to_other_cells(points, labels, centers) -> np.ndarray:
    """For each point, its smallest signed distance to the bisector between its center and another.

    Positive means the point is on its own center's side of every bisector, i.e. the nearest-center
    rule (a linear classifier) labels it correctly.
    """
    own = centers[labels][:, None, :]
    toward_own = own - centers[None, :, :]  # (n_samples, n_centers, 2)
    lengths = np.linalg.norm(toward_own, axis=-1)
    offsets = ((points[:, None, :] - (own + centers[None, :, :]) / 2.0) * toward_own).sum(-1)
    distances = np.divide(offsets, lengths, out=np.full_like(offsets, np.inf), where=lengths > 0)
    return distances.min(axis=1)


def make_blobs(
    n_samples: int = 100, *, centers=2, cluster_std: float = 1.0, separable: bool = True, seed=None
):
    """Gaussian blobs, one per class, linearly separable by construction when ``separable=True``.

    Each point is drawn from a normal distribution around its class center with standard
    deviation ``cluster_std`` on each coordinate.

    How separability is guaranteed: with ``separable=True``, any point that is not at least
    ``BLOB_MARGIN_FRACTION`` (0.1) times the smallest center distance inside its own center's side
    of the perpendicular bisector to *every* other center is redrawn, until none is left. The
    nearest-center rule ``argmax_k (c_k . x - |c_k|**2 / 2)`` is linear in ``x``, so it then
    classifies every point correctly with that margin: for two classes that is one straight line
    (the bisector), and for more classes a linear multiclass model such as softmax regression or a
    multiclass perceptron reaches 100% training accuracy. Redrawing cuts off the tails of the
    normal distributions; with the default spacing (``BLOB_CENTER_SPACING = 10``) and
    ``cluster_std=1`` a redraw is rare. With ``separable=False`` nothing is redrawn, so blobs
    may overlap when ``cluster_std`` is large.

    Parameters
    ----------
    n_samples : int, default 100
        Total number of points (at least the number of centers).
    centers : int or array-like of shape (n_centers, 2), default 2
        The number of classes, whose centers are then placed evenly on a circle with neighbours
        10 apart (rotated at random), or the centers themselves.
    cluster_std : float, default 1.0
        Standard deviation of each blob, >= 0.
    separable : bool, default True
        Redraw points as described above, so the classes are linearly separable.
    seed : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float32
    y : ndarray of shape (n_samples,), int64
        The index of the center each point was drawn around.

    Raises
    ------
    ValueError
        If an argument is invalid, if ``separable=True`` and two centers coincide, or if the
        blobs overlap so much that redrawing does not finish.

    Examples
    --------
    >>> X, y = make_blobs(100, centers=[[-3.0, 0.0], [3.0, 0.0]], cluster_std=1.0, seed=0)
    >>> bool(np.all((X[:, 0] > 0) == (y == 1)))  # the line x1 = 0 separates the classes
    True
    """
    rng = as_generator(seed)
    center_points = _blob_centers(centers, rng)
    n_centers = len(center_points)
    n_samples = check_int(n_samples, "n_samples", minimum=n_centers)
    cluster_std = check_number(cluster_std, "cluster_std", low=0)
    separable = check_bool(separable, "separable")
    labels = _class_labels(n_samples, n_centers)
    points = center_points[labels] + cluster_std * rng.standard_normal((n_samples, 2))
    if separable:
        smallest_distance = _smallest_center_distance(center_points)
        if smallest_distance == 0.0:
            raise ValueError("separable=True needs distinct centers; two centers coincide")
        margin = BLOB_MARGIN_FRACTION * smallest_distance
        for redraw_round in range(_MAX_REDRAW_ROUNDS + 1):
            too_close = _margin_to_other_cells(points, labels, center_points) < margin
            if not too_close.any():
                break
            if redraw_round == _MAX_REDRAW_ROUNDS:
                raise ValueError(
                    f"could not draw separable blobs: with cluster_std={cluster_std} and "
                    f"centers {smallest_distance:.3g} apart the blobs overlap too much; lower "
                    "cluster_std, move the centers apart or pass separable=False"
                )
            points[too_close] = center_points[labels[too_close]] + cluster_std * (
                rng.standard_normal((int(too_close.sum()), 2))
            )
    return _shuffled(points, labels, rng)

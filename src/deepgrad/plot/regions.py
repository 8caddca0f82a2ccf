"""The decision regions of a classifier of two inputs, and its first hidden layer's units drawn
over the same plane, as in the TensorFlow Playground."""

from __future__ import annotations

import math

import numpy as np

from ..autograd.modes import no_grad
from ..autograd.tensor import Tensor
from ..common.checks import check_bool, check_int, describe
from ..layers import ELU, Activation, InputLayer, LeakyReLU, PReLU, ReLU
from ..training import Model
from ._figures import (
    BLUE,
    ORANGE,
    check_axes,
    check_figsize,
    class_colours,
    new_figure,
    pyplot,
)

__all__ = ["decision_regions", "first_hidden_layer"]

#: Layers that only apply an activation: taken with the weighted layer before them, so that
#: the units drawn are activations, not pre-activations.
_ACTIVATION_LAYERS = (Activation, ReLU, LeakyReLU, ELU, PReLU)


def _has_weights(layer) -> bool:
    """Whether ``layer`` has weights that training changes (a Normalization's statistics and
    a Rescaling do not count)."""
    return any(getattr(w, "trainable", True) for w in layer.weights)


def first_hidden_layer(model) -> list:
    """The layers to run, in order, to reach the activations of the model's first layer with
    trainable weights: the layers before it (input layers left out), it, and the activation
    layers right after it. A model used as a layer is entered.

    Raises
    ------
    ValueError
        If no layer of the model has trainable weights.
    """
    layers = [layer for layer in model.layers if not isinstance(layer, InputLayer)]
    chain = []
    for k, layer in enumerate(layers):
        if isinstance(layer, Model) and _has_weights(layer):
            return chain + first_hidden_layer(layer)
        chain.append(layer)
        if _has_weights(layer):
            for after in layers[k + 1:]:
                if not isinstance(after, _ACTIVATION_LAYERS):
                    break
                chain.append(after)
            return chain
    raise ValueError(f"model {model.name!r} has no layer with trainable weights, so no hidden "
                     f"units to draw; pass hidden_units=False")


def _hidden_activations(model, points: np.ndarray) -> tuple[str, np.ndarray]:
    """``(description, activations of shape (n_points, n_units))`` of the first hidden layer."""
    chain = first_hidden_layer(model)
    weighted = next(layer for layer in reversed(chain) if _has_weights(layer))
    x = Tensor(points, dtype=getattr(model, "weights_dtype", np.float32))
    try:
        with no_grad():
            for layer in chain:
                x = layer(x, training=False)
    except Exception as error:
        raise ValueError(f"could not run the layers of model {model.name!r} up to its first "
                         f"layer with weights ({weighted.name!r}) on points of two features "
                         f"({type(error).__name__}: {error}); pass hidden_units=False") from error
    values = np.asarray(x.data, np.float64).reshape(len(points), -1)
    after = chain[chain.index(weighted) + 1:]
    then = "".join(f", then {layer.name!r}" for layer in after)
    return f"{weighted.name!r} ({type(weighted).__name__}{then})", values


def _labels(y, n: int) -> np.ndarray:
    """Class indices from labels ``(n,)``, ``(n, 1)`` or one-hot ``(n, n_classes)``."""
    try:
        labels = np.asarray(y)
        labels = labels.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"y must be an array of class labels; got {describe(y)}") from None
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = labels.argmax(axis=1).astype(np.float64)
    labels = labels.reshape(-1)
    if len(labels) != n:
        raise ValueError(f"y must hold one label per row of x ({n}); got {len(labels)}")
    bad = np.flatnonzero((labels != np.round(labels)) | (labels < 0) | ~np.isfinite(labels))
    if bad.size:
        raise ValueError(f"y must hold class indices 0, 1, ... (or one-hot rows); y[{bad[0]}] is "
                         f"{float(labels[bad[0]]):g}")
    return labels.astype(np.int64)


def _scores(outputs, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, probabilities)`` from a classifier's outputs: probabilities of class 1,
    shape ``(count,)``, for one output unit (a sigmoid's, or logits, which are squashed), else
    rows of class probabilities (a softmax's, or logits, which are normalized)."""
    if isinstance(outputs, (list, tuple, dict)):  # a model's outputs, not a wrong argument
        raise ValueError(  # noqa: TRY004
            "decision_regions draws a model of one output; this one has several")
    outputs = np.asarray(outputs, np.float64).reshape(count, -1)
    if outputs.shape[1] == 1:
        p = outputs[:, 0]
        if p.min() < 0 or p.max() > 1:  # logits
            p = 0.5 * (1.0 + np.tanh(0.5 * p))
        return (p >= 0.5).astype(np.int64), p
    rows = outputs
    if rows.min() < 0 or not np.allclose(rows.sum(axis=1), 1.0, atol=1e-3):  # logits
        shifted = np.exp(rows - rows.max(axis=1, keepdims=True))
        rows = shifted / shifted.sum(axis=1, keepdims=True)
    return rows.argmax(axis=1), rows


def _playground_map():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("playground", [ORANGE, "#ffffff", BLUE])


def decision_regions(model, x, y, resolution=200, hidden_units=True, *, max_units=16, ax=None,
                     figsize=None):
    """The decision regions of a classifier of two inputs, with the training points, and (as in
    the TensorFlow Playground) a small heat map per unit of its first hidden layer.

    The plane around the points is cut into a ``resolution × resolution`` grid and the model
    predicts every grid point. A model of one sigmoid output (or one logit) shades the
    probability of class 1 from orange (0) to blue (1) with the 0.5 boundary drawn; a model of
    several outputs (softmax or logits) colours each point by its most likely class, paler
    where it is less sure. Training points a model gets wrong have a black edge.

    The heat maps show what each unit of the first layer with trainable weights (with the
    activation layers right after it) computes at each point of the plane: the features the
    later layers combine into the boundary.

    Parameters
    ----------
    model : Model
        A trained classifier (``Sequential``, functional or subclassed) of two input features.
    x : array_like, shape (n_samples, 2)
    y : array_like, shape (n_samples,) or (n_samples, n_classes)
        Class indices, or one-hot rows.
    resolution : int, default 200
        Grid points per axis.
    hidden_units : bool, default True
        Draw the first hidden layer's units beside the regions.
    max_units : int, default 16
        Draw at most this many units (the first ones).
    ax : matplotlib Axes, optional
        Draw the regions in it instead of a new figure (with ``hidden_units=False``).
    figsize : (float, float), optional
        Inches; default 11 × 5 with the units, 5.5 × 5 without.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.regions``: ``{"x0", "x1"`` (the grid's coordinates), ``"classes"`` (shape
        ``(resolution, resolution)``, row ``i`` at ``x1[i]``), ``"probabilities"`` (of class 1,
        or one row per class on the last axis), ``"accuracy"`` (on ``x``, ``y``),
        ``"hidden"`` (shape ``(n_units, resolution, resolution)``, or None),
        ``"hidden_layer"}``.

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "deepgrad[plot]"``).
    ValueError
        If ``x`` is not of two features, ``y`` not class labels, the model has several
        outputs, or ``hidden_units`` is asked for with ``ax`` or a model without weights.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import deepgrad as dg
    >>> from deepgrad import plot
    >>> from deepgrad.datasets import make_moons
    >>> x, y = make_moons(200, noise=0.1, seed=0)
    >>> dg.set_seed(0)
    >>> model = dg.Sequential([dg.Input((2,)), dg.layers.Dense(8, activation="tanh"),
    ...                        dg.layers.Dense(1, activation="sigmoid")])
    >>> model.compile(dg.optimizers.Adam(0.05), "binary_crossentropy")
    >>> _ = model.fit(x, y, epochs=40, verbose=0)
    >>> fig = plot.decision_regions(model, x, y, resolution=40)
    >>> fig.regions["accuracy"] > 0.9, fig.regions["hidden"].shape
    (True, (8, 40, 40))
    >>> plt.close(fig)
    """
    pyplot()
    if not isinstance(model, Model):
        raise TypeError(f"model must be a deepgrad model; got {describe(model)}")
    try:
        points = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"x must be an array of shape (n_samples, 2); got {describe(x)}") from None
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"x must have shape (n_samples, 2): decision regions are drawn for two "
                         f"features; got shape {points.shape}")
    if not np.isfinite(points).all():
        row = int(np.flatnonzero(~np.isfinite(points).all(axis=1))[0])
        raise ValueError(f"x must be finite; row {row} is {points[row]}")
    labels = _labels(y, len(points))
    resolution = check_int(resolution, "resolution", minimum=2)
    hidden_units = check_bool(hidden_units, "hidden_units")
    max_units = check_int(max_units, "max_units", minimum=1)
    if ax is not None:
        check_axes(ax)
        if hidden_units:
            raise ValueError("ax holds the decision regions only: pass hidden_units=False with "
                             "ax, or leave ax out to get the hidden units' panels too")

    low, high = points.min(axis=0), points.max(axis=0)
    margin = np.maximum(0.1 * (high - low), 0.25)
    x0 = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    x1 = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    grid = np.stack(np.meshgrid(x0, x1), axis=-1).reshape(-1, 2)
    classes, probabilities = _scores(model.predict(grid, batch_size=8192), len(grid))
    predicted, _ = _scores(model.predict(points, batch_size=8192), len(points))
    accuracy = float(np.mean(predicted == labels))
    hidden, hidden_layer = None, None
    if hidden_units:
        hidden_layer, values = _hidden_activations(model, grid)
        hidden = values.T.reshape(-1, resolution, resolution)

    if ax is not None:
        figure = ax.figure
    else:
        default = (11.0, 5.0) if hidden_units else (5.5, 5.0)
        figure = new_figure(check_figsize(figsize, default))
        if hidden_units:
            left, right = figure.subfigures(1, 2, width_ratios=[1.0, 1.0])
            ax = left.subplots()
        else:
            ax = figure.add_subplot()
    extent = (x0[0], x0[-1], x1[0], x1[-1])
    shape = (resolution, resolution)
    binary = probabilities.ndim == 1
    n_classes = max(2 if binary else probabilities.shape[1], int(labels.max()) + 1)
    colours = class_colours(n_classes)
    if binary:
        ax.imshow(probabilities.reshape(shape), origin="lower", extent=extent, aspect="auto",
                  cmap=_playground_map(), vmin=0.0, vmax=1.0, alpha=0.85)
        if 0 < classes.sum() < classes.size:
            ax.contour(x0, x1, probabilities.reshape(shape), levels=[0.5], colors="black",
                       linewidths=1.0)
    else:
        from matplotlib.colors import to_rgb

        palette = np.array([to_rgb(c) for c in colours])
        k = probabilities.shape[1]
        sure = (probabilities.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)
        strength = (0.25 + 0.5 * sure)[:, None]
        image = 1.0 - strength * (1.0 - palette[classes])
        ax.imshow(image.reshape(shape + (3,)), origin="lower", extent=extent, aspect="auto")
    wrong = predicted != labels
    ax.scatter(points[:, 0], points[:, 1], c=[colours[label] for label in labels], s=22,
               edgecolors=np.where(wrong, "black", "white").tolist(), linewidths=0.8)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    ax.set_title(f"decision regions (training accuracy {accuracy:.3f})")

    if hidden_units:
        n_units = hidden.shape[0]
        shown = min(n_units, max_units)
        columns = math.ceil(math.sqrt(shown))
        cells = right.subplots(math.ceil(shown / columns), columns, squeeze=False).ravel()
        for j, cell in enumerate(cells):
            if j >= shown:
                cell.remove()
                continue
            limit = max(float(np.abs(hidden[j]).max()), 1e-12)
            cell.imshow(hidden[j], origin="lower", extent=extent, aspect="auto",
                        cmap=_playground_map(), vmin=-limit, vmax=limit)
            cell.set_xticks([])
            cell.set_yticks([])
            cell.set_title(f"unit {j}", fontsize="small")
        more = f", the first {shown} shown" if shown < n_units else ""
        right.suptitle(f"first hidden layer {hidden_layer}: {n_units} units{more}",
                       fontsize="medium")
    figure.regions = {"x0": x0, "x1": x1, "classes": classes.reshape(shape),
                      "probabilities": probabilities.reshape(shape + probabilities.shape[1:]),
                      "accuracy": accuracy, "hidden": hidden, "hidden_layer": hidden_layer}
    return figure

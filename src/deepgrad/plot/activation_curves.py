"""Activation functions beside their derivatives, the derivatives taken by deepgrad's autograd."""

from __future__ import annotations

import contextlib

import numpy as np

from .. import activations as activation_functions
from ..autograd import modes
from ..autograd.tensor import Tensor
from ..common.checks import check_int, check_number, describe
from ._figures import panels

__all__ = ["activations"]

_DEFAULT = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish")


@contextlib.contextmanager
def _graph_recorded():
    """Record the graph inside the block, even within ``no_grad()``."""
    previous, modes.grad_enabled = modes.grad_enabled, True
    try:
        yield
    finally:
        modes.grad_enabled = previous


def _label(name) -> str:
    return name if isinstance(name, str) else getattr(name, "__name__", type(name).__name__)


def curve(fn, label: str, grid: np.ndarray) -> dict:
    """``fn`` on ``grid`` and its derivative, by one backward pass through deepgrad's graph."""
    x = Tensor(grid, requires_grad=True, dtype=np.float64)
    with _graph_recorded():
        y = fn(x)
        if not isinstance(y, Tensor) or y.shape != x.shape:
            raise ValueError(f"activation {label!r} must map a Tensor of shape {x.shape} to one "
                             f"of the same shape (an elementwise function); got {describe(y)}")
        if y.requires_grad:
            y.sum().backward()  # elementwise: d(sum f)/dx_i = f'(x_i)
    derivative = np.zeros_like(grid) if x.grad is None else np.asarray(x.grad, np.float64)
    top = float(derivative.max())
    at_top = np.flatnonzero(np.isclose(derivative, top, rtol=1e-9, atol=1e-12))
    return {"x": grid, "value": np.asarray(y.data, np.float64), "derivative": derivative,
            "max_derivative": top, "argmax": float(grid[at_top[0]]),
            "argmax_last": float(grid[at_top[-1]])}


def activations(names=_DEFAULT, x_range=(-5, 5), *, points=401, axes=None, figsize=None):
    """Each activation function with its derivative; the derivative's maximum is marked.

    The derivatives are not formulas: each comes from one ``backward()`` through deepgrad's
    graph of the activation (float64), so the picture also checks the engine. The dotted line
    at the derivative's maximum shows the sigmoid's ceiling of 0.25 (a chain of sigmoid
    layers shrinks gradients by at least 4 per layer) and tanh's of 1.

    Parameters
    ----------
    names : sequence of (str or callable)
        Names from :data:`deepgrad.activations.ACTIVATIONS` (``"sigmoid"``, ``"tanh"``,
        ``"relu"``, ``"leaky_relu"``, ``"elu"``, ``"selu"``, ``"swish"``...) or functions of a
        Tensor, elementwise (``softmax`` is not).
    x_range : (float, float), default (-5, 5)
        The inputs drawn.
    points : int, default 401
        Inputs evaluated, evenly spaced (401 over (-5, 5) include 0).
    axes : sequence of matplotlib Axes, optional
        One per activation, instead of a new figure.
    figsize : (float, float), optional
        Inches; default 3.6 × 3.0 per panel, three a row.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.curves``: ``{name: {"x", "value", "derivative", "max_derivative",
        "argmax", "argmax_last"}}`` (arrays, and the maximum and the first and last inputs
        where it is reached).

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "deepgrad[plot]"``).
    ValueError
        For an unknown name (listing the valid ones), ``softmax``, or a bad range.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from deepgrad import plot
    >>> fig = plot.activations(["sigmoid", "tanh", "relu"])
    >>> {name: (c["max_derivative"], c["argmax"]) for name, c in fig.curves.items()}
    {'sigmoid': (0.25, 0.0), 'tanh': (1.0, 0.0), 'relu': (1.0, 0.025)}
    >>> plt.close(fig)
    """
    if isinstance(names, str) or callable(names):
        names = [names]
    names = list(names)
    if not names:
        raise ValueError("names must list at least one activation")
    if not isinstance(x_range, (tuple, list)) or len(x_range) != 2:
        raise ValueError(f"x_range must be (low, high); got {describe(x_range)}")
    low = check_number(x_range[0], "x_range[0]")
    high = check_number(x_range[1], "x_range[1]", low=low, low_open=True)
    points = check_int(points, "points", minimum=3)
    functions = []
    for name in names:
        fn = activation_functions.get(name)
        if fn is activation_functions.softmax:
            raise ValueError("softmax is not elementwise (each output depends on every input): "
                             "it has no curve to draw; leave it out of names")
        functions.append((_label(name), fn))
    grid = np.linspace(low, high, points)
    grid[np.isclose(grid, 0.0, rtol=0.0, atol=1e-12 * (high - low))] = 0.0  # exactly 0
    curves = {label: curve(fn, label, grid) for label, fn in functions}
    figure, axes = panels(len(curves), axes, figsize, (3.6, 3.0))
    for ax, (label, c) in zip(axes, curves.items()):
        ax.plot(grid, c["value"], color="C0", label="f(x)")
        ax.plot(grid, c["derivative"], color="C3", linestyle="--", label="f′(x)")
        top, x_top = c["max_derivative"], c["argmax"]
        ax.axhline(top, color="C3", linestyle=":", linewidth=0.8)
        where = (f"x = {x_top:.3g}" if c["argmax_last"] == x_top
                 else f"x ∈ [{x_top:.3g}, {c['argmax_last']:.3g}]")
        ax.plot([x_top], [top], "o", color="C3", markersize=5,
                label=f"max f′ = {top:.4g} at {where}")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.set_title(label)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", loc="best")
    figure.curves = curves
    return figure

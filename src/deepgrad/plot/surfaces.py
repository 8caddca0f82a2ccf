"""Loss surfaces of two weights and the paths deepgrad's optimizers take across them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..autograd.modes import no_grad
from ..autograd.parameter import Parameter
from ..autograd.tensor import Tensor
from ..common.checks import check_int, check_number, describe
from ..optimizers import REGISTRY, SGD, Adam, Optimizer, RMSprop
from ._figures import single_axes

__all__ = ["SURFACES", "optimizer_paths"]


def rosenbrock(x, y):
    """``(1 − x)² + 100·(y − x²)²``: a long curved valley, minimum 0 at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def beale(x, y):
    """``(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²``: flat plateaus and steep
    walls, minimum 0 at (3, 0.5)."""
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


def saddle(x, y):
    """``x² − y²``: a saddle point at (0, 0), where the gradient vanishes without a minimum."""
    return x ** 2 - y ** 2


@dataclass(frozen=True)
class Surface:
    """A loss surface of two weights and how to show it."""

    function: Callable
    start: tuple
    x_range: tuple
    y_range: tuple
    steps: int
    learning_rates: dict
    minimum: tuple | None = None
    log_levels: bool = True


#: The built-in surfaces with their start, window, steps and a learning rate per optimizer
#: that neither crawls nor diverges there.
SURFACES = {
    "rosenbrock": Surface(rosenbrock, (-1.5, 2.0), (-2.0, 2.0), (-1.0, 3.0), 500,
                          {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "rmsprop": 2e-2,
                           "adam": 1e-1}, minimum=(1.0, 1.0)),
    "beale": Surface(beale, (1.0, 1.4), (-1.0, 4.5), (-1.5, 2.0), 300,
                     {"sgd": 1e-2, "momentum": 1e-3, "nesterov": 1e-3, "rmsprop": 1e-2,
                      "adam": 5e-2}, minimum=(3.0, 0.5)),
    "saddle": Surface(saddle, (-1.0, 1e-3), (-1.5, 1.5), (-1.5, 1.5), 60,
                      {"sgd": 2e-2, "momentum": 2e-2, "nesterov": 2e-2, "rmsprop": 1e-2,
                       "adam": 5e-2}, log_levels=False),
}
#: For a function of the user's: a window around the paths, these rates.
_GENERIC = Surface(None, (-1.0, 1.0), None, None, 200,
                   {"sgd": 1e-2, "momentum": 1e-2, "nesterov": 1e-2, "rmsprop": 1e-2,
                    "adam": 5e-2}, log_levels=False)

_FACTORIES = {
    "sgd": lambda lr: SGD(learning_rate=lr),
    "momentum": lambda lr: SGD(learning_rate=lr, momentum=0.9),
    "nesterov": lambda lr: SGD(learning_rate=lr, momentum=0.9, nesterov=True),
    "rmsprop": lambda lr: RMSprop(learning_rate=lr),
    "adam": lambda lr: Adam(learning_rate=lr),
}


def _optimizers(optimizers, surface: Surface, learning_rates) -> dict:
    """``{label: fresh optimizer}``: the five labels, any other registered name (at Adam's
    rate for this surface) or Optimizer objects (labelled by class, used as they are)."""
    if isinstance(optimizers, (str, Optimizer)):
        optimizers = [optimizers]
    if learning_rates is not None and not isinstance(learning_rates, dict):
        raise TypeError(f"learning_rates must be a dict of label to learning rate; got "
                        f"{describe(learning_rates)}")
    rates = {**surface.learning_rates, **(learning_rates or {})}
    made: dict[str, Optimizer] = {}
    for k, spec in enumerate(optimizers):
        if isinstance(spec, Optimizer):
            label = type(spec).__name__
            while label in made:
                label += "'"
            made[label] = spec
            continue
        if not isinstance(spec, str):
            raise TypeError(f"optimizers[{k}] must be a name ('sgd', 'momentum', 'nesterov', "
                            f"'rmsprop', 'adam' or another optimizer's) or an Optimizer; got "
                            f"{describe(spec)}")
        label = spec.lower()
        rate = check_number(rates.get(label, rates["adam"]), f"learning_rates[{label!r}]",
                            low=0.0, low_open=True)
        made[label] = (_FACTORIES[label](rate) if label in _FACTORIES
                       else REGISTRY.instance(spec, learning_rate=rate))
    unknown = sorted(set(learning_rates or {}) - set(made))
    if unknown:
        raise ValueError(f"learning_rates names {unknown[0]!r}, which is not among the "
                         f"optimizers drawn: {', '.join(made)}")
    if not made:
        raise ValueError("optimizers must name at least one optimizer")
    return made


def _descend(function, start, optimizer: Optimizer, steps: int) -> np.ndarray:
    """The points a 2-element Parameter takes under ``optimizer.step`` after ``backward()``,
    the start included; ends early where the loss or a step is no longer finite."""
    weights = Parameter(np.array(start, dtype=np.float64), name="w")
    path = [weights.data.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            optimizer.zero_grad([weights])
            loss = function(weights[0], weights[1])
            if not isinstance(loss, Tensor) or loss.size != 1:
                raise ValueError(f"function must return a scalar Tensor; got {describe(loss)}")
            if not np.isfinite(loss.data).all():
                break
            loss.backward()
            if weights.grad is None or not np.isfinite(weights.grad).all():
                break
            optimizer.step([weights])
            if not np.isfinite(weights.data).all():
                break
            path.append(weights.data.copy())
    return np.array(path)


def _values(function, x, y) -> np.ndarray:
    """``function`` at the points ``(x, y)`` (arrays of one shape), without a graph."""
    with no_grad(), np.errstate(over="ignore", invalid="ignore"):
        z = function(Tensor(x, dtype=np.float64), Tensor(y, dtype=np.float64))
        z = np.asarray(z.data if isinstance(z, Tensor) else z, np.float64)
        if z.shape != np.shape(x):  # not elementwise: one point at a time
            z = np.array([float(function(Tensor(a, dtype=np.float64),
                                         Tensor(b, dtype=np.float64)).data)
                          for a, b in zip(np.ravel(x), np.ravel(y))]).reshape(np.shape(x))
    return z


def _pair(value, name: str) -> tuple:
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        raise ValueError(f"{name} must be two numbers; got {describe(value)}")
    return check_number(value[0], f"{name}[0]"), check_number(value[1], f"{name}[1]")


def _window(paths, start) -> tuple:
    points = np.concatenate([np.array([start])] + list(paths.values()))
    low, high = points.min(axis=0), points.max(axis=0)
    margin = np.maximum(0.2 * (high - low), 0.5)
    return (low[0] - margin[0], high[0] + margin[0]), (low[1] - margin[1], high[1] + margin[1])


def optimizer_paths(function="rosenbrock", optimizers=("sgd", "momentum", "nesterov", "rmsprop",
                                                       "adam"),
                    steps=None, start=None, *, learning_rates=None, x_range=None, y_range=None,
                    resolution=200, ax=None, figsize=None):
    """The contours of a loss of two weights and the paths deepgrad's optimizers take on it.

    Each optimizer starts from the same point and runs the real training step on a
    2-element :class:`~deepgrad.Parameter` ``w``: ``loss = function(w[0], w[1])``,
    ``loss.backward()``, ``optimizer.step([w])``. On the Rosenbrock valley plain SGD crawls
    while momentum overshoots and then runs along the valley; on the saddle, SGD barely leaves
    the ridge while RMSprop and Adam, which rescale each direction, escape.

    Parameters
    ----------
    function : {"rosenbrock", "beale", "saddle"} or callable, default "rosenbrock"
        A built-in surface (:data:`SURFACES`), or a function of two scalar Tensors returning a
        scalar Tensor, written with Tensor operations (elementwise ones let the contours be
        computed in one call).
    optimizers : sequence, default ("sgd", "momentum", "nesterov", "rmsprop", "adam")
        ``"sgd"``, ``"momentum"`` (SGD, momentum 0.9), ``"nesterov"`` (the same, Nesterov),
        ``"rmsprop"``, ``"adam"``, another registered optimizer's name (at Adam's rate), or
        Optimizer objects (used as they are, labelled by class).
    steps : int, optional
        Steps per optimizer (default 500 on Rosenbrock, 300 on Beale, 60 on the saddle, 200 on
        a function of yours).
    start : (float, float), optional
        Default: (−1.5, 2) on Rosenbrock, (1, 1.4) on Beale, (−1, 0.001) on the saddle,
        (−1, 1) on a function of yours.
    learning_rates : dict, optional
        ``{label: learning rate}`` overriding the surface's (``SURFACES[name].learning_rates``).
    x_range, y_range : (float, float), optional
        The window drawn; default the surface's, or around the paths for a function of yours.
    resolution : int, default 200
        Grid points per axis of the contours.
    ax : matplotlib Axes, optional
        Draw in it instead of a new figure.
    figsize : (float, float), optional
        Inches; default 7 × 6.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.paths``: ``{label: array of shape (n_points, 2)}``, the start first (fewer
        than ``steps + 1`` points where a path stopped being finite), and ``fig.losses``:
        ``{label: array of shape (n_points,)}``, the loss at each point.

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "deepgrad[plot]"``).
    ValueError
        For an unknown surface or optimizer name, a rate for an optimizer not drawn, or a
        function that does not return a scalar Tensor.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from deepgrad import plot
    >>> fig = plot.optimizer_paths("rosenbrock", ["sgd", "adam"], steps=50, resolution=50)
    >>> fig.paths["adam"].shape, fig.paths["adam"][0]
    ((51, 2), array([-1.5,  2. ]))
    >>> bool(fig.losses["adam"][-1] < fig.losses["adam"][0])
    True
    >>> plt.close(fig)
    """
    if isinstance(function, str):
        if function not in SURFACES:
            raise ValueError(f"unknown surface {function!r}; valid: {', '.join(SURFACES)} (or a "
                             f"function of two Tensors)")
        surface, name, fn = SURFACES[function], function, SURFACES[function].function
    elif callable(function):
        surface, name, fn = _GENERIC, getattr(function, "__name__", "loss"), function
    else:
        raise TypeError(f"function must be 'rosenbrock', 'beale', 'saddle' or a function of two "
                        f"Tensors; got {describe(function)}")
    steps = surface.steps if steps is None else check_int(steps, "steps", minimum=1)
    start = surface.start if start is None else _pair(start, "start")
    resolution = check_int(resolution, "resolution", minimum=2)
    made = _optimizers(optimizers, surface, learning_rates)
    paths = {label: _descend(fn, start, optimizer, steps) for label, optimizer in made.items()}
    losses = {label: _values(fn, path[:, 0], path[:, 1]) for label, path in paths.items()}
    window = _window(paths, start) if surface.x_range is None else (surface.x_range,
                                                                     surface.y_range)
    x_range = window[0] if x_range is None else _pair(x_range, "x_range")
    y_range = window[1] if y_range is None else _pair(y_range, "y_range")

    figure, ax = single_axes(ax, figsize, (7.0, 6.0))
    grid_x, grid_y = np.meshgrid(np.linspace(*x_range, resolution),
                                 np.linspace(*y_range, resolution))
    z = _values(fn, grid_x, grid_y)
    finite = z[np.isfinite(z)]
    if finite.size and surface.log_levels and finite.min() >= 0:
        levels = np.unique(np.geomspace(max(finite.min(), 1e-3), finite.max(), 25))
        from matplotlib.colors import LogNorm
        norm = LogNorm(levels[0], levels[-1])
    else:  # as many contours in each band of values as there is area
        levels = np.unique(np.quantile(finite, np.linspace(0, 1, 25))) if finite.size else 10
        norm = None
    if np.size(levels) > 1:
        ax.contourf(grid_x, grid_y, z, levels=levels, norm=norm, cmap="Greys_r", alpha=0.45,
                    extend="both")
        ax.contour(grid_x, grid_y, z, levels=levels, norm=norm, colors="grey", linewidths=0.4)
    for k, (label, path) in enumerate(paths.items()):
        stopped = " (diverged)" if len(path) < steps + 1 else ""
        rate = made[label].learning_rate
        ax.plot(path[:, 0], path[:, 1], "-", color=f"C{k}", linewidth=1.6, marker="o",
                markersize=1.8, label=f"{label} (lr {rate:g}): loss {losses[label][-1]:.3g}"
                                      f"{stopped}")
        ax.plot(path[-1:, 0], path[-1:, 1], "o", color=f"C{k}", markersize=6,
                markeredgecolor="black")
    ax.plot([start[0]], [start[1]], marker="*", color="black", markersize=12, linestyle="none",
            label="start")
    if surface.minimum is not None:
        ax.plot([surface.minimum[0]], [surface.minimum[1]], marker="*", color="gold",
                markeredgecolor="black", markersize=14, linestyle="none", label="minimum")
    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    ax.set_xlabel("w[0]")
    ax.set_ylabel("w[1]")
    ax.set_title(f"{name}: {steps} steps from ({start[0]:g}, {start[1]:g})")
    ax.legend(fontsize="small", loc="best")
    figure.paths, figure.losses = paths, losses
    return figure

"""What every picture shares: matplotlib imported on first use, figure sizes, grids of panels.

matplotlib is the optional ``plot`` extra. It is imported here, inside the functions, when a
picture is drawn, never when :mod:`deepgrad` or :mod:`deepgrad.plot` is imported.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from ..common.checks import describe

INSTALL_HINT = 'pip install "deepgrad[plot]"'

#: The TensorFlow Playground's two colours: class 0 orange, class 1 blue.
ORANGE, BLUE = "#f59322", "#0877bd"


def pyplot():
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(f"deepgrad.plot draws with matplotlib, which is not installed: "
                          f"{INSTALL_HINT}") from error
    return plt


def check_figsize(figsize, default) -> tuple:
    """``figsize`` as ``(width, height)`` in inches, both finite and > 0; ``default`` if None."""
    if figsize is None:
        return tuple(float(v) for v in default)
    if (not isinstance(figsize, (tuple, list)) or len(figsize) != 2
            or not all(isinstance(v, Real) and not isinstance(v, bool) for v in figsize)
            or not all(0 < v < math.inf for v in figsize)):
        raise ValueError(f"figsize must be (width, height) in inches, two numbers > 0; got "
                         f"{describe(figsize)}")
    return float(figsize[0]), float(figsize[1])


def new_figure(figsize):
    """A new pyplot figure of ``figsize`` inches with constrained layout."""
    return pyplot().figure(figsize=figsize, layout="constrained")


def check_axes(ax, name: str = "ax"):
    """``ax`` if it is a matplotlib Axes."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes; got {describe(ax)}")
    return ax


def single_axes(ax, figsize, default):
    """``(figure, axes)``: ``ax`` and its figure, or a new figure of one panel."""
    pyplot()
    if ax is not None:
        ax = check_axes(ax)
        return ax.figure, ax
    figure = new_figure(check_figsize(figsize, default))
    return figure, figure.add_subplot()


def panels(count: int, axes, figsize, panel_size, max_columns: int = 3):
    """``(figure, [axes] * count)``: the first ``count`` of ``axes`` (any sequence or array of
    Axes, all in one figure), or a new figure with a grid of ``count`` panels of ``panel_size``
    inches, at most ``max_columns`` wide; the grid's spare cells are removed."""
    pyplot()
    if axes is not None:
        from matplotlib.axes import Axes

        flat = [axes] if isinstance(axes, Axes) else list(np.ravel(np.asarray(axes, dtype=object)))
        for k, ax in enumerate(flat):
            check_axes(ax, f"axes[{k}]")
        if len(flat) < count:
            raise ValueError(f"axes must hold at least {count} Axes (one per panel); got "
                             f"{len(flat)}")
        return flat[0].figure, flat[:count]
    columns = max(1, min(count, max_columns))
    rows = math.ceil(count / columns)
    default = (panel_size[0] * columns, panel_size[1] * rows)
    figure = new_figure(check_figsize(figsize, default))
    grid = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax in grid[count:]:
        ax.remove()
    return figure, list(grid[:count])


def epoch_axis(ax) -> None:
    """Label ``ax``'s x axis "epoch", with whole-number ticks."""
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def class_colours(n_classes: int) -> list:
    """One colour per class: the Playground's orange and blue for two classes, else a
    qualitative palette (tab10, then tab20)."""
    if n_classes <= 2:
        return [ORANGE, BLUE][: max(n_classes, 1)]
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    palette = colormaps["tab10" if n_classes <= 10 else "tab20"]
    return [to_hex(palette(k % palette.N)) for k in range(n_classes)]

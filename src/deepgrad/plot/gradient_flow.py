"""Gradient norms per layer over the epochs (and the update-to-weight ratios), log scale."""

from __future__ import annotations

from ._figures import epoch_axis, panels
from .training_curves import history_logs, series

__all__ = ["gradient_norms"]

_PANELS = (
    ("grad_norm/", "gradient norm per layer", "‖∂L/∂w‖"),
    ("update_ratio/", "update ratio per layer", "update / weight"),
)
#: The rule of thumb for the update ratio (about 1e-3: CS231n, "Neural Networks Part 3").
RATIO_GUIDE = 1e-3


def gradient_norms(history, *, axes=None, figsize=None):
    """Gradient norms per layer over the epochs, on a log scale: vanishing or exploding
    gradients show as lines far below or above the others, or falling away over time.

    Reads the log keys ``"grad_norm/<layer>"`` (one line per layer) and, in a second panel when
    they are there, ``"update_ratio/<layer>"`` (the size of a step relative to the weights; a
    dotted line marks the usual 1e-3). The ``GradientMonitor`` callback records them.

    Parameters
    ----------
    history : History or dict
        What ``fit`` returns, or its ``.history`` dict.
    axes : sequence of matplotlib Axes, optional
        Draw in these (one, or two with update ratios) instead of a new figure.
    figsize : (float, float), optional
        Inches; default 5.5 × 3.8 per panel.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "deepgrad[plot]"``).
    ValueError
        If the history has no ``grad_norm/...`` key.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from deepgrad import plot
    >>> logs = {"loss": [0.7, 0.5, 0.4],
    ...         "grad_norm/dense": [1e-2, 5e-3, 2e-3], "grad_norm/dense_1": [0.3, 0.2, 0.1],
    ...         "update_ratio/dense": [2e-3, 1e-3, 8e-4], "update_ratio/dense_1": [1e-2, 6e-3, 4e-3]}
    >>> fig = plot.gradient_norms(logs)
    >>> [ax.get_title() for ax in fig.axes], fig.axes[0].get_yscale()
    (['gradient norm per layer', 'update ratio per layer'], 'log')
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['dense', 'dense_1']
    >>> plt.close(fig)
    """
    logs, epochs = history_logs(history)
    found = [(prefix, title, label, [k for k in logs if k.startswith(prefix)])
             for prefix, title, label in _PANELS]
    found = [entry for entry in found if entry[3]]
    if not found or found[0][0] != "grad_norm/":
        logged = ", ".join(logs) or "nothing"
        raise ValueError(f"history has no 'grad_norm/<layer>' keys (logged: {logged}); train "
                         f"with the GradientMonitor callback to record them")
    figure, axes = panels(len(found), axes, figsize, (5.5, 3.8), max_columns=2)
    for ax, (prefix, title, label, keys) in zip(axes, found):
        for key in keys:
            points = series(logs, key, epochs)
            if points is not None:
                ax.plot(*points, marker="o" if len(points[1]) <= 30 else None, markersize=3,
                        label=key[len(prefix):])
        ax.set_yscale("log", nonpositive="mask")
        if prefix == "update_ratio/":
            ax.axhline(RATIO_GUIDE, color="grey", linestyle=":", linewidth=1)
        ax.set_title(title)
        epoch_axis(ax)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize="small")
    return figure

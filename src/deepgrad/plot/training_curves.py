"""Training history: one panel per logged quantity, the training curve and its ``val_`` curve."""

from __future__ import annotations

import numpy as np

from ..callbacks.history import History
from ..common.checks import describe
from ._figures import epoch_axis, panels

__all__ = ["history"]



def history_logs(history) -> tuple[dict, list | None]:
    """``(logs, epochs)`` of a :class:`~deepgrad.callbacks.History`, an object with a
    ``history`` dict (a Keras History, ``model.history``) or such a dict itself; ``epochs`` are
    1-based, or None when only the dict is known."""
    if isinstance(history, dict):
        logs, epochs = history, None
    elif isinstance(getattr(history, "history", None), dict):
        logs = history.history
        epochs = [e + 1 for e in history.epoch] if isinstance(history, History) else None
    else:
        raise TypeError(f"history must be a History (what fit returns) or its .history dict; "
                        f"got {describe(history)}")
    for key in logs:
        if not isinstance(key, str):
            raise TypeError(f"history's keys must be str (log names); got {describe(key)}")
    return logs, epochs


def series(logs: dict, key: str, epochs) -> tuple[np.ndarray, np.ndarray] | None:
    """``(epochs, values)`` of one log key as float arrays, or None if its values are not
    numbers. A key logged in fewer epochs than the History recorded (``validation_freq``, a
    callback measuring every few epochs) is drawn at 1, 2, 3... since the History does not
    say which epochs they were."""
    try:
        values = np.asarray(logs[key], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if values.ndim != 1:
        return None
    n = len(values)
    x = np.asarray(epochs) if epochs is not None and len(epochs) == n else np.arange(1, n + 1)
    return x, values


def _quantities(logs: dict) -> list[str]:
    """The quantities logged, by training name in first-seen order (``val_loss`` counts as
    ``loss``)."""
    found: dict[str, None] = {}
    for key in logs:
        found.setdefault(key.removeprefix("val_"))
    return list(found)


def history(history, metrics=None, *, axes=None, figsize=None):
    """Training curves: one panel per quantity (loss, each metric), with its ``val_`` curve.

    Parameters
    ----------
    history : History or dict
        What ``fit`` returns (or ``model.history``), or its ``.history`` dict:
        ``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``, one value per epoch.
    metrics : str or sequence of str, optional
        The quantities to draw, by their training names (``"loss"``, ``"accuracy"``; a
        ``"val_..."`` name means the same panel). Default: every quantity logged, except the
        per-layer keys of ``GradientMonitor`` (``grad_norm/<layer>``, ``update_ratio/<layer>``
        ...: those with a ``/``; see :func:`gradient_norms`).
    axes : sequence of matplotlib Axes, optional
        Draw in these, one per quantity, instead of a new figure.
    figsize : (float, float), optional
        Inches; default 4.2 × 3.2 per panel, at most three panels a row.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "deepgrad[plot]"``).
    ValueError
        If the history is empty, or a quantity asked for was not logged (the message lists
        those that were).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from deepgrad import plot
    >>> logs = {"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5],
    ...         "accuracy": [0.6, 0.8, 0.9], "val_accuracy": [0.55, 0.75, 0.8]}
    >>> fig = plot.history(logs)
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'accuracy']
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['loss', 'val_loss']
    >>> plt.close(fig)
    """
    logs, epochs = history_logs(history)
    available = _quantities(logs)
    if metrics is None:
        wanted = [q for q in available if "/" not in q  # per-layer keys: gradient_norms
                  and any(series(logs, k, epochs) is not None
                          for k in (q, "val_" + q) if k in logs)]
    else:
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        for k, name in enumerate(wanted):
            if not isinstance(name, str):
                raise TypeError(f"metrics[{k}] must be a str (a log name); got {describe(name)}")
        wanted = [name[4:] if name.startswith("val_") and name[4:] in available else name
                  for name in wanted]
        missing = [name for name in wanted if name not in available]
        if missing:
            raise ValueError(f"metrics: {missing[0]!r} was not logged; logged: "
                             f"{', '.join(available) or 'nothing'}")
    if not wanted:
        raise ValueError("history holds no values to draw (train with fit first)")
    figure, axes = panels(len(wanted), axes, figsize, (4.2, 3.2))
    for ax, quantity in zip(axes, wanted):
        for key, style in ((quantity, "-"), ("val_" + quantity, "--")):
            points = series(logs, key, epochs) if key in logs else None
            if points is None:
                continue
            x, values = points
            marker = "o" if len(values) <= 30 else None
            ax.plot(x, values, style, marker=marker, markersize=3, label=key)
        ax.set_title(quantity)
        epoch_axis(ax)
        ax.grid(alpha=0.3)
        if ax.get_lines():
            ax.legend(fontsize="small")
    return figure

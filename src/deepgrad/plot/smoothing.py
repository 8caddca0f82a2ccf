"""Exponentially weighted moving averages of a noisy series, one curve per β."""

from __future__ import annotations

from numbers import Real

import numpy as np

from ..common.checks import check_bool, describe
from ..optimizers.ewma import ewma as moving_average
from ._figures import single_axes

__all__ = ["TEMPERATURES", "ewma", "temperatures"]

#: The lecture notes' daily temperatures (seed 003's EWMA example).
TEMPERATURES = (28.0, 13.0, 17.0, 31.0, 43.0)


def temperatures(days: int = 120) -> np.ndarray:
    """The notes' five temperatures, then ``days - 5`` more of a noisy seasonal series (a
    fixed seed: always the same values), so that even β = 0.98 has enough days to settle.

    >>> temperatures()[:6]
    array([28.  , 13.  , 17.  , 31.  , 43.  , 39.98])
    """
    rng = np.random.default_rng(3)
    t = np.arange(5, days)
    extra = 25.0 + 8.0 * np.sin(2 * np.pi * t / 90.0) + rng.normal(0.0, 6.0, len(t))
    return np.concatenate([TEMPERATURES, np.round(extra, 2)])[:days]


def ewma(values=None, betas=(0.5, 0.9, 0.98), bias_correction=False, *, ax=None, figsize=None):
    """A noisy series with its exponentially weighted moving averages, one curve per β.

    ``v_t = β·v_{t−1} + (1−β)·θ_t`` from ``v_0 = 0`` (:func:`deepgrad.optimizers.ewma`, the
    average behind momentum, RMSprop and Adam) averages roughly the last ``1/(1−β)`` values:
    a larger β gives a smoother curve that lags behind, a smaller one follows the noise.

    Parameters
    ----------
    values : array_like, shape (n_steps,), optional
        The series θ_1, ..., θ_n. Default: the lecture notes' temperatures (28, 13, 17, 31,
        43) extended to 120 days (:func:`temperatures`).
    betas : float or sequence of float, default (0.5, 0.9, 0.98)
        Each in [0, 1).
    bias_correction : bool, default False
        Divide ``v_t`` by ``1 − β^t``, as Adam does, which removes the pull of ``v_0 = 0``
        towards 0 in the first steps; the uncorrected curves are then drawn faint and dotted.
    ax : matplotlib Axes, optional
        Draw in it instead of a new figure.
    figsize : (float, float), optional
        Inches; default 8 × 4.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.averages``: ``{beta: v}``, the curves drawn (bias-corrected if asked).

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "deepgrad[plot]"``).
    ValueError
        If ``values`` is not a non-empty 1-D series of finite numbers, or a β is outside [0, 1).

    Examples
    --------
    The notes' example, computed from the first day (v_1 = 0.9·0 + 0.1·28):

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from deepgrad import plot
    >>> fig = plot.ewma()
    >>> fig.averages[0.9][:3]
    array([2.8  , 3.82 , 5.138])
    >>> plt.close(fig)
    """
    series = temperatures() if values is None else values
    try:
        series = np.asarray(series, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"values must be a 1-D series of numbers; got {describe(values)}") from None
    if series.ndim != 1 or len(series) == 0:
        raise ValueError(f"values must be a non-empty 1-D series; got shape {series.shape}")
    if not np.isfinite(series).all():
        raise ValueError(f"values must be finite; values[{np.flatnonzero(~np.isfinite(series))[0]}]"
                         f" is {series[~np.isfinite(series)][0]}")
    if isinstance(betas, Real) and not isinstance(betas, bool):
        betas = [betas]
    if not isinstance(betas, (tuple, list, np.ndarray)) or len(betas) == 0:
        raise ValueError(f"betas must be a number or a non-empty sequence of numbers; got "
                         f"{describe(betas)}")
    bias_correction = check_bool(bias_correction, "bias_correction")
    averages = {}
    for k, beta in enumerate(betas):
        if isinstance(beta, bool) or not isinstance(beta, Real):
            raise TypeError(f"betas[{k}] must be a number in [0, 1); got {describe(beta)}")
        averages[float(beta)] = moving_average(series, float(beta), bias_correction)
    figure, ax = single_axes(ax, figsize, (8.0, 4.0))
    steps = np.arange(1, len(series) + 1)
    ax.scatter(steps, series, s=10, color="grey", alpha=0.6, label="θ (data)")
    for k, (beta, average) in enumerate(averages.items()):
        span = f"≈ last {1 / (1 - beta):.3g} values" if beta > 0 else "the last value"
        note = ", bias-corrected" if bias_correction else ""
        ax.plot(steps, average, color=f"C{k}", linewidth=1.8, label=f"β = {beta:g} ({span}{note})")
        if bias_correction:
            ax.plot(steps, moving_average(series, beta), color=f"C{k}", linewidth=1,
                    linestyle=":", alpha=0.6)
    ax.set_xlabel("t")
    ax.set_ylabel("value")
    title = "exponentially weighted moving averages, v₀ = 0"
    ax.set_title(title + (" (dotted: without bias correction)" if bias_correction else ""))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    figure.averages = averages
    return figure

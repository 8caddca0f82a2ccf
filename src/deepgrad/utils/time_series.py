"""``timeseries_windows``: a series cut into (input window, target) pairs for forecasting.

>>> import numpy as np
>>> x, y = timeseries_windows(np.arange(10.0), length=3, horizon=1)
>>> x.shape, y.shape
((7, 3, 1), (7, 1))
>>> x[0].ravel(), y[0], x[-1].ravel(), y[-1]
(array([0., 1., 2.]), array([3.]), array([6., 7., 8.]), array([9.]))
"""

from __future__ import annotations

import numpy as np

from ..common.checks import check_int, describe

__all__ = ["timeseries_windows"]


def timeseries_windows(series, length: int, horizon: int = 1, stride: int = 1, *,
                       targets=None):
    """Windows of ``length`` steps over ``series`` and, for each, the value ``horizon`` steps
    after its last step: ``(x, y)`` for training a forecaster.

    Parameters
    ----------
    series : array of shape (steps,) or (steps, features)
        The observations, oldest first. A 1-D series becomes one feature.
    length : int >= 1
        Steps in each input window.
    horizon : int >= 1, default 1
        How far ahead the target is: 1 is the next step.
    stride : int >= 1, default 1
        Steps between the starts of consecutive windows.
    targets : array of shape (steps,) or (steps, k), optional
        What to predict, aligned with ``series`` (default: ``series`` itself).

    Returns
    -------
    x : ndarray (windows, length, features)
    y : ndarray (windows, k): the target at step ``start + length - 1 + horizon``
    """
    values = np.asarray(series)
    if values.ndim not in (1, 2) or not np.issubdtype(values.dtype, np.number):
        raise TypeError(f"series must be numbers of shape (steps,) or (steps, features); got "
                        f"{describe(series)}")
    values = values.reshape(len(values), -1)
    length = check_int(length, "length", minimum=1)
    horizon = check_int(horizon, "horizon", minimum=1)
    stride = check_int(stride, "stride", minimum=1)
    goal = values if targets is None else np.asarray(targets)
    if len(goal) != len(values):
        raise ValueError(f"targets must have one row per step of series ({len(values)}); got "
                         f"{len(goal)}")
    goal = goal.reshape(len(goal), -1)
    count = (len(values) - length - horizon) // stride + 1
    if count < 1:
        raise ValueError(f"series of {len(values)} steps is too short for windows of {length} "
                         f"steps and a horizon of {horizon}")
    starts = np.arange(count) * stride
    x = values[starts[:, None] + np.arange(length)]
    y = goal[starts + length - 1 + horizon]
    return x, y

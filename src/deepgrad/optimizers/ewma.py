"""The exponentially weighted moving average (EWMA) behind momentum, RMSprop and Adam."""

from __future__ import annotations

import numpy as np

from ..common.checks import check_bool, check_number, describe

_BLOCK = 64


def ewma(values, beta: float, bias_correction: bool = False, v0=0.0) -> np.ndarray:
    """Exponentially weighted moving average ``v_t = β·v_{t−1} + (1−β)·θ_t`` for t = 1..n.

    ``v_t`` averages roughly the last 1/(1−β) values: a larger β gives more weight to the past
    (a smoother curve), a smaller β to the newest values.

    Parameters
    ----------
    values : array_like, shape (n_steps,) or (n_steps, ...)
        θ_1, ..., θ_n along the first axis; other axes are independent series.
    beta : float
        In [0, 1).
    bias_correction : bool, default False
        Divide ``v_t`` by ``1 − β^t`` (meant for ``v0 = 0``): removes the pull towards 0 of the
        first values, as Adam does for its moments.
    v0 : float or array_like, default 0.0
        Starting value (broadcast to ``values.shape[1:]``); the notes also mention ``v0 = θ_1``.

    Returns
    -------
    ndarray of float64, shape like ``values``
        ``v_1, ..., v_n``.

    Notes
    -----
    The lecture notes' worked example (seed 003: temperatures 28, 13, 17, 31, 43 with β = 0.9
    and v_0 = 0) starts from the wrong value: it computes v_1 from θ_2 = 13 and gets 1.3. The
    first value is θ_1 = 28, so v_1 = 0.9·0 + 0.1·28 = 2.8, then v_2 = 0.9·2.8 + 0.1·13 = 3.82,
    v_3 = 5.138, v_4 = 7.7242, v_5 = 11.25178.

    The recurrence is evaluated in blocks of 64 steps: within a block as one product with the
    lower-triangular matrix ``(1−β)·β^(i−j)``, between blocks by carrying the last value, so long
    series cost little Python time.

    Examples
    --------
    >>> from deepgrad.optimizers import ewma
    >>> ewma([28, 13, 17, 31, 43], beta=0.9)
    array([ 2.8    ,  3.82   ,  5.138  ,  7.7242 , 11.25178])
    >>> ewma([28, 13], beta=0.9, bias_correction=True)   # 2.8/0.1 and 3.82/0.19
    array([28.        , 20.10526316])
    """
    beta = check_number(beta, "beta", low=0.0, high=1.0, high_open=True)
    bias_correction = check_bool(bias_correction, "bias_correction")
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"values must be an array of numbers; got {describe(values)}") from None
    try:
        start = np.asarray(v0, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"v0 must be a number or an array of numbers; got {describe(v0)}") from None
    if x.ndim == 0:
        raise ValueError("ewma needs a sequence of values (an array with at least one axis)")
    n = x.shape[0]
    out = np.empty(x.shape, np.float64)
    if n == 0:
        return out
    series = x.reshape(n, -1)
    result = out.reshape(n, -1)
    try:
        previous = np.broadcast_to(start, x.shape[1:]).reshape(-1)
    except ValueError:
        raise ValueError(f"v0 must broadcast to the shape of one step, {x.shape[1:]}; got shape "
                         f"{start.shape}") from None
    block = min(n, _BLOCK)
    k = np.arange(block)
    lag = k[:, None] - k[None, :]
    weights = np.where(lag >= 0, (1.0 - beta) * beta ** np.maximum(lag, 0), 0.0)
    carry = (beta ** (k + 1))[:, None]  # contribution of the value before the block
    for start in range(0, n, block):
        stop = min(start + block, n)
        size = stop - start
        chunk = weights[:size, :size] @ series[start:stop] + carry[:size] * previous
        result[start:stop] = chunk
        previous = chunk[-1]
    if bias_correction:
        correction = 1.0 - beta ** np.arange(1, n + 1, dtype=np.float64)
        out /= correction.reshape((n,) + (1,) * (x.ndim - 1))
    return out

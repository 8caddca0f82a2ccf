"""Regression losses: mean squared error, mean absolute error and Huber.

With ``e = y_pred - y_true`` per element, each sample's loss averages over every axis but the
first. The lecture notes write the squared-error cost with a factor ``1/(2n)``, which only halves
the gradient; here (as in Keras) the cost of ``"mean"`` is the plain average ``(1/n) Σ e²``.
"""

from __future__ import annotations

from ..autograd.tensor import Tensor
from ..functional import where
from ..common.checks import check_number
from .base import Loss, as_prediction, per_sample_mean, same_shape_target

__all__ = [
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "Huber",
]


def _check_delta(delta) -> float:
    return check_number(delta, "delta", low=0, low_open=True)


def _error(y_true, y_pred) -> Tensor:
    y_pred = as_prediction(y_pred)
    return y_pred - same_shape_target(y_true, y_pred)


def mean_squared_error(y_true, y_pred) -> Tensor:
    """Per-sample mean of ``(y_pred - y_true)²`` (the L2 loss).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,) or (n_samples, n_outputs)
    y_pred : Tensor of the same shape

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> mean_squared_error([[1.0, 2.0], [0.0, 0.0]], dg.Tensor([[1.5, 1.0], [0.0, 2.0]]))
    Tensor([0.625, 2.   ])
    """
    error = _error(y_true, y_pred)
    return per_sample_mean(error * error)


def mean_absolute_error(y_true, y_pred) -> Tensor:
    """Per-sample mean of ``|y_pred - y_true|`` (the L1 loss, robust to outliers).

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> mean_absolute_error([[1.0, 2.0], [0.0, 0.0]], dg.Tensor([[1.5, 1.0], [0.0, 2.0]]))
    Tensor([0.75, 1.  ])
    """
    return per_sample_mean(_error(y_true, y_pred).abs())


def huber(y_true, y_pred, delta: float = 1.0) -> Tensor:
    """Per-sample mean of the Huber loss: quadratic near zero, linear beyond ``delta``.

    With ``e = y_pred - y_true``, each element contributes ``½e²`` where ``|e| <= delta`` and
    ``delta·|e| - ½delta²`` elsewhere (the notes' formula); the two pieces meet with the same
    value and slope at ``|e| = delta``.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,) or (n_samples, n_outputs)
    y_pred : Tensor of the same shape
    delta : float, default 1.0
        Where the loss turns from quadratic to linear; positive.

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> huber([0.0, 0.0], dg.Tensor([0.5, 3.0]))  # ½·0.25 and 1·3 − ½
    Tensor([0.125, 2.5  ])
    """
    delta = _check_delta(delta)
    error = _error(y_true, y_pred)
    size = error.abs()
    quadratic = 0.5 * error * error
    linear = delta * size - 0.5 * delta * delta
    return per_sample_mean(where(size.data <= delta, quadratic, linear))


class MeanSquaredError(Loss):
    """Mean squared error, reduced over the batch: see :func:`mean_squared_error`.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "mean_squared_error"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> mse = MeanSquaredError()
    >>> y_pred = dg.Tensor([[1.5, 1.0], [0.0, 2.0]], requires_grad=True)
    >>> cost = mse([[1.0, 2.0], [0.0, 0.0]], y_pred)  # (0.625 + 2) / 2
    >>> cost.backward()
    >>> round(cost.item(), 4), y_pred.grad.tolist()  # 2·e / (2 samples · 2 outputs)
    (1.3125, [[0.25, -0.5], [0.0, 1.0]])
    """

    function = staticmethod(mean_squared_error)


class MeanAbsoluteError(Loss):
    """Mean absolute error, reduced over the batch: see :func:`mean_absolute_error`.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "mean_absolute_error"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> mae = MeanAbsoluteError(reduction="sum")
    >>> round(mae([[1.0, 2.0], [0.0, 0.0]], dg.Tensor([[1.5, 1.0], [0.0, 2.0]])).item(), 4)
    1.75
    """

    function = staticmethod(mean_absolute_error)


class Huber(Loss):
    """Huber loss, reduced over the batch: see :func:`huber`.

    Parameters
    ----------
    delta : float, default 1.0
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "huber"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> loss = Huber(delta=2.0)
    >>> round(loss([0.0, 0.0], dg.Tensor([1.0, 3.0])).item(), 4)  # (½·1 + (2·3 − 2)) / 2
    2.25
    """

    function = staticmethod(huber)
    settings = ("delta",)

    def __init__(self, delta: float = 1.0, *, reduction: str = "mean", name: str | None = None,
                 dtype=None):
        super().__init__(reduction, name, dtype)
        self.delta = _check_delta(delta)

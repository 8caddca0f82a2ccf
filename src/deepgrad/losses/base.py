"""The :class:`Loss` base class, reductions, sample weights and input checks shared by all losses.

Every loss is computed in two steps, which are the lecture notes' *loss* and *cost*:

1. a function ``fn(y_true, y_pred)`` gives the **loss** of each sample, a Tensor of shape
   ``(n_samples,)``;
2. a :class:`Loss` object reduces those per-sample losses to the **cost** (``reduction="mean"``,
   the average over the batch), to their sum (``"sum"``), or leaves them alone (``"none"``).

Elementwise losses (squared error, binary cross-entropy, ...) are first averaged over every axis
but the sample axis, as Keras averages over the last axis: a ``(n, k)`` prediction gives ``(n,)``
losses and a ``(n,)`` prediction gives one loss per element.
"""

from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from ..common.checks import (
    check_callable,
    check_choice,
    check_float_dtype,
    check_int,
    check_str,
)
from ..common.registry import Registry, snake_case

__all__ = [
    "Loss", "LossFunctionWrapper", "LOSSES", "REGISTRY", "REDUCTIONS", "EPSILON", "reduce_losses",
]

#: Every :class:`Loss` subclass under its snake_case class name (``mean_squared_error``), with
#: the aliases :mod:`deepgrad.losses` adds (``mse``); the only place a loss is looked up by name.
LOSSES = Registry("loss")
#: The same classes by class name (``MeanSquaredError``): a live view of :data:`LOSSES`.
REGISTRY = LOSSES.by_class_name()

#: Valid values of ``reduction``. Keras's ``"sum_over_batch_size"`` is accepted as ``"mean"``
#: and its None as ``"none"``.
REDUCTIONS = ("mean", "sum", "none")

#: Probabilities are clipped to ``[EPSILON, 1 - EPSILON]`` before their logarithm (Keras's value).
EPSILON = 1e-7



# ---------------------------------------------------------------------- input checks


def as_prediction(value, name: str = "y_pred") -> Tensor:
    """``value`` as a Tensor with a sample axis (Tensors are used as they are, so they keep
    their graph; arrays become constant Tensors)."""
    tensor = value if isinstance(value, Tensor) else Tensor(value)
    if tensor.ndim == 0:
        raise ValueError(
            f"{name} must have a sample axis, shape (n_samples, ...); got a scalar"
        )
    return tensor


def as_target(value, like: Tensor, name: str = "y_true", cast: bool = True) -> np.ndarray:
    """``value`` (array-like or Tensor, used as a constant) as an array with a sample axis.

    With ``cast`` the array takes ``like``'s dtype; the number of samples must match ``like``'s.
    """
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric; got an array of dtype {array.dtype}")
    if array.ndim == 0 or array.shape[0] != like.shape[0]:
        raise ValueError(
            f"{name} and y_pred must have the same number of samples (first dimension); got "
            f"{name} with shape {array.shape} and y_pred with shape {like.shape}"
        )
    return array.astype(like.dtype, copy=False) if cast else array


def same_shape_target(y_true, y_pred: Tensor) -> np.ndarray:
    """``y_true`` as an array of ``y_pred``'s shape and dtype.

    A trailing axis of size 1 may be missing on either side (``(n,)`` labels for a ``(n, 1)``
    prediction, or the reverse); any other difference is an error naming both shapes.
    """
    y_true = as_target(y_true, y_pred)
    if y_true.shape == y_pred.shape:
        return y_true
    if y_true.shape + (1,) == y_pred.shape:
        return y_true[..., None]
    if y_true.shape == y_pred.shape + (1,):
        return y_true[..., 0]
    raise ValueError(
        f"y_true and y_pred must have the same shape; got y_true with shape {y_true.shape} and "
        f"y_pred with shape {y_pred.shape}"
    )


def class_axis(y_pred: Tensor, axis: int, loss_name: str) -> int:
    """The non-negative class axis of ``y_pred``, which needs a sample axis and a class axis."""
    if y_pred.ndim < 2:
        raise ValueError(
            f"{loss_name} needs y_pred of shape (n_samples, n_classes); got shape {y_pred.shape}"
        )
    if not -y_pred.ndim <= axis < y_pred.ndim:
        raise ValueError(f"axis {axis} is out of range for y_pred with shape {y_pred.shape}")
    axis %= y_pred.ndim
    if axis == 0:
        raise ValueError("axis is the class axis; it cannot be 0, the sample axis")
    return axis


def check_axis(axis) -> int:
    """The class axis setting: an int, not 0 (the sample axis)."""
    axis = check_int(axis, "axis")
    if axis == 0:
        raise ValueError("axis is the class axis; it cannot be 0, the sample axis")
    return axis


def check_last_axis(axis, loss_name: str) -> int:
    """Keras's ``axis`` of the losses that average over every axis after the first here: -1."""
    if check_int(axis, "axis") != -1:
        raise ValueError(f"{loss_name} averages over every axis after the first (Keras's axis=-1 "
                         f"for 2-D outputs); axis must be -1; got {axis}")
    return axis


# ---------------------------------------------------------------------- reductions


def per_sample_mean(values: Tensor) -> Tensor:
    """Average over every axis but the first: ``(n, ...)`` → ``(n,)``."""
    return values if values.ndim == 1 else values.mean(axis=tuple(range(1, values.ndim)))


def check_reduction(reduction) -> str:
    """``"mean"``, ``"sum"`` or ``"none"``; Keras's ``"sum_over_batch_size"`` is ``"mean"`` and
    its None ``"none"``."""
    if reduction is None:
        return "none"
    if reduction == "mean_with_sample_weight":
        raise ValueError(
            "reduction='mean_with_sample_weight' (dividing by the sum of the weights) is not "
            "implemented; deepgrad's 'mean' divides by the number of samples, so scale "
            "sample_weight to sum to the batch size for a weighted mean"
        )
    reduction = check_choice(reduction, "reduction", REDUCTIONS + ("sum_over_batch_size",))
    return "mean" if reduction == "sum_over_batch_size" else reduction


def check_sample_weight(sample_weight, n_samples: int, dtype) -> np.ndarray:
    """One finite weight per sample, shape ``(n_samples,)`` (a scalar or ``(n_samples, 1)`` is
    accepted too), as an array of ``dtype``."""
    weights = np.asarray(sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight)
    if weights.dtype.kind not in "fiub":
        raise TypeError(f"sample_weight must be numeric; got an array of dtype {weights.dtype}")
    if weights.ndim == 2 and weights.shape[1] == 1:
        weights = weights[:, 0]
    if weights.ndim != 0 and weights.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must hold one weight per sample, shape ({n_samples},); got shape "
            f"{weights.shape}"
        )
    finite = np.isfinite(weights)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(
            f"sample_weight must be finite; sample_weight{list(index)} is {weights[index]}"
        )
    return weights.astype(dtype, copy=False)


def reduce_losses(losses: Tensor, sample_weight=None, reduction: str = "mean") -> Tensor:
    """Weight per-sample losses and reduce them.

    Parameters
    ----------
    losses : Tensor of shape (n_samples,)
        The per-sample losses (the notes' *loss*).
    sample_weight : array_like of shape (n_samples,), optional
        Multiplies each sample's loss.
    reduction : {"mean", "sum", "none"}
        ``"mean"`` divides the weighted sum by ``n_samples`` (the notes' *cost*; Keras's
        ``"sum_over_batch_size"``), ``"sum"`` returns the weighted sum, ``"none"`` the weighted
        per-sample losses.

    Examples
    --------
    >>> import deepgrad as dg
    >>> losses = dg.Tensor([1.0, 2.0, 3.0])
    >>> reduce_losses(losses).item(), round(reduce_losses(losses, [1.0, 0.0, 1.0]).item(), 4)
    (2.0, 1.3333)
    """
    reduction = check_reduction(reduction)
    if losses.ndim != 1:
        raise ValueError(f"per-sample losses must have shape (n_samples,); got shape {losses.shape}")
    n_samples = losses.shape[0]
    if sample_weight is not None:
        losses = losses * check_sample_weight(sample_weight, n_samples, losses.dtype)
    if reduction == "none":
        return losses
    total = losses.sum()
    return total if reduction == "sum" else total / max(n_samples, 1)


# ---------------------------------------------------------------------- the base class


class Loss:
    """Base class of the losses: per-sample losses from :meth:`call`, then a reduction.

    A subclass names its per-sample function in ``function`` and its settings in ``settings``;
    it checks and stores each setting under that name in ``__init__``. Then ``call`` passes the
    settings to the function by keyword and ``get_config`` lists them. A loss whose per-sample
    losses need more than one function call overrides ``call`` (and ``get_config`` for settings
    of its own).

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
        How :meth:`__call__` combines the per-sample losses: their average (the notes' *cost*),
        their sum, or none (the per-sample losses, the notes' *loss*).
    name : str, optional
        Defaults to the snake_case class name (``mean_squared_error``).
    dtype : str or numpy dtype, optional
        Keras's setting, accepted (a floating-point dtype) and kept in the config: deepgrad
        computes a loss in the dtype of ``y_pred``, the model's output.

    Examples
    --------
    >>> import deepgrad as dg
    >>> class SquaredLogError(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ((y_pred + 1.0).log() - np.log1p(y_true)) ** 2
    >>> loss = SquaredLogError()
    >>> round(loss(np.array([0.0, 1.0]), dg.Tensor([0.0, 1.0])).item(), 6), loss.name
    (0.0, 'squared_log_error')
    """

    def __init_subclass__(cls, register: bool = True, **kwargs):
        super().__init_subclass__(**kwargs)
        if register:
            LOSSES.register_class(cls)

    #: The per-sample loss function ``function(*inputs, **settings)``; None means ``call`` is
    #: written out by the subclass.
    function = None
    #: Names of the constructor settings, stored as attributes and passed to ``function``.
    settings: tuple[str, ...] = ()

    def __init__(self, reduction: str = "mean", name: str | None = None, dtype=None):
        self.reduction = check_reduction(reduction)
        self.name = snake_case(type(self).__name__) if name is None else check_str(name, "name")
        self.dtype = None if dtype is None else check_float_dtype(dtype)

    def _settings(self) -> dict:
        return {key: getattr(self, key) for key in self.settings}

    def call(self, *inputs) -> Tensor:
        """Per-sample losses, shape ``(n_samples,)``."""
        if type(self).function is None:
            raise NotImplementedError(f"{type(self).__name__} must implement call() or set function")
        return type(self).function(*inputs, **self._settings())

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        """The reduced loss of a batch (a scalar Tensor, or ``(n_samples,)`` for ``"none"``).

        Parameters
        ----------
        y_true : array_like or Tensor
            Targets; used as constants.
        y_pred : Tensor
            Predictions (the model output); the result is differentiable with respect to it.
        sample_weight : array_like of shape (n_samples,), optional
        """
        return reduce_losses(self.call(y_true, y_pred), sample_weight, self.reduction)

    def value_and_gradient(self, y_true, y_pred, sample_weight=None) -> tuple[float, np.ndarray]:
        """The reduced loss of a batch and its gradient with respect to ``y_pred``, an array:
        what ``__call__`` and then ``backward()`` give, without keeping a graph.

        ``fit`` calls it on the model's output. By default it runs ``__call__`` on a leaf
        Tensor; losses whose gradient has a closed form (the softmax cross-entropies) compute
        it directly, with bitwise the graph's result.

        Examples
        --------
        >>> from deepgrad.losses import MeanSquaredError
        >>> MeanSquaredError().value_and_gradient([1.0, 2.0], np.array([2.0, 2.0]))
        (0.5, array([1., 0.]))
        """
        if self.reduction == "none":
            raise ValueError(
                "value_and_gradient needs a loss reduced to one number; this one has "
                "reduction='none'"
            )
        leaf = Tensor(y_pred, requires_grad=True)
        loss = self(y_true, leaf, sample_weight=sample_weight)
        loss.backward()
        grad = leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data)
        return float(loss.item()), grad

    def get_config(self) -> dict:
        """JSON-serialisable constructor arguments; ``from_config(get_config())`` rebuilds it."""
        dtype = {} if self.dtype is None else {"dtype": self.dtype}
        return {"reduction": self.reduction, "name": self.name, **dtype, **self._settings()}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        settings = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({settings})"


class LossFunctionWrapper(Loss, register=False):
    """A :class:`Loss` around a plain function ``fn(y_true, y_pred) -> per-sample losses``.

    A result with more than one axis is averaged over every axis but the first. Such a loss works
    everywhere except in a saved model: a file never names Python code to import.

    Examples
    --------
    >>> import deepgrad as dg
    >>> def cubic_error(y_true, y_pred):
    ...     return ((y_pred - y_true) ** 3).abs()
    >>> round(LossFunctionWrapper(cubic_error)([1.0, 2.0], dg.Tensor([2.0, 4.0])).item(), 4)
    4.5
    """

    def __init__(self, fn, reduction: str = "mean", name: str | None = None, dtype=None):
        self.fn = check_callable(fn, "fn")
        super().__init__(reduction, name if name is not None else getattr(fn, "__name__", "loss"),
                         dtype)

    def call(self, y_true, y_pred) -> Tensor:
        losses = self.fn(y_true, y_pred)
        if not isinstance(losses, Tensor) or losses.ndim == 0:
            raise ValueError(
                f"loss function {self.name!r} must return a Tensor of per-sample losses, shape "
                f"(n_samples, ...); got {type(losses).__name__}"
                f"{' of shape ()' if isinstance(losses, Tensor) else ''}"
            )
        return per_sample_mean(losses)

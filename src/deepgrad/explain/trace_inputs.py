"""The arguments of :func:`~deepgrad.explain.trace`, checked before any work: the model (a
Sequential of Dense layers, small enough to read), the sample, the loss, the target and the
optimizer that makes the step (a copy: the model's own is never stepped)."""

from __future__ import annotations

import functools

import numpy as np

from .. import activations as activations_module
from .. import losses as losses_module
from .. import optimizers as optimizers_module
from ..autograd.tensor import Tensor
from ..common.checks import check_int, describe
from ..layers.core import Dense
from ..training.model import Model
from ..training.sequential import Sequential

__all__ = ["MAX_WEIGHTS", "check_digits", "check_loss", "check_model", "check_sample",
           "check_target", "is_plain_sgd", "optimizer_copy"]

#: Beyond this many weights the written-out step stops being readable; ``max_weights=`` raises it.
MAX_WEIGHTS = 200

#: The losses whose formula and derivative :func:`trace` writes out, by class name.
_LOSS_KINDS = {
    "MeanSquaredError": "mse",
    "MeanAbsoluteError": "mae",
    "BinaryCrossentropy": "bce",
    "CategoricalCrossentropy": "cce",
    "SparseCategoricalCrossentropy": "scce",
}

#: Why layers other than Dense cannot be traced, for the common ones.
_WHY_NOT = {
    "Activation": "fold it into the Dense layer before it (Dense(units, activation=...))",
    "Dropout": "it multiplies by a random mask, so one written-out step would show one draw",
    "BatchNormalization": "its z depends on the statistics of a whole batch, not on one sample",
    "Flatten": "trace takes one flat sample (a vector of features); flatten the data instead",
}


def check_digits(digits) -> int:
    return check_int(digits, "digits", minimum=1, maximum=17)


def check_model(model, max_weights: int) -> list:
    """The model's Dense layers, after refusing what trace cannot write out."""
    if not isinstance(model, Model):
        raise TypeError(f"trace takes a Sequential model of Dense layers; got {describe(model)}")
    if not isinstance(model, Sequential):
        raise TypeError(
            f"trace writes out Sequential models of Dense layers; {model.name!r} is a "
            f"{type(model).__name__} model: rebuild its chain of Dense layers as a Sequential")
    for layer in model.layers:  # every layer but the Input
        if type(layer) is Dense:  # a subclass may compute something else
            continue
        kind = type(layer).__name__
        why = _WHY_NOT.get(kind, "a model inside the model: trace a flat Sequential of Dense layers"
                           if isinstance(layer, Model) else
                           "trace writes out only Dense layers (z = Wᵀx + b, a = f(z))")
        raise ValueError(f"layer {layer.name!r} ({kind}) is not supported by trace: {why}")
    layers = model.layers
    if not layers:
        raise ValueError(f"model {model.name!r} has no Dense layer to trace")
    if not model.built or any(layer.kernel is None for layer in layers):
        raise ValueError(f"model {model.name!r} has no weights yet: give it an Input((n_features,)) "
                         f"or call it on data before tracing it")
    for layer in layers:
        if layer.kernel_regularizer is not None or layer.bias_regularizer is not None:
            raise ValueError(
                f"layer {layer.name!r} has a regularizer: trace does not write out penalty terms; "
                f"trace a copy of the model without kernel_regularizer/bias_regularizer")
        if isinstance(layer.activation, functools.partial) and layer.activation.func is \
                activations_module.softmax and layer.activation.keywords.get("axis", -1) != -1:
            raise ValueError(f"layer {layer.name!r}: trace writes softmax over the units only")
    count = sum(layer.kernel.size + (0 if layer.bias is None else layer.bias.size)
                for layer in layers)
    max_weights = check_int(max_weights, "max_weights", minimum=1)
    if count > max_weights:
        raise ValueError(
            f"model {model.name!r} has {count} weights; trace writes every one of them out and "
            f"stops at max_weights={max_weights} to stay readable: pass max_weights={count} to "
            f"trace it anyway")
    return layers


def check_sample(x, n_features: int) -> np.ndarray:
    array = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 2:
        raise ValueError(
            f"trace follows one sample, as the notes do; got {array.shape[0]} samples (x of shape "
            f"{array.shape}): trace one row, e.g. trace(model, x[0], y[0])")
    if array.ndim != 1 or array.shape[0] != n_features:
        raise ValueError(f"x must be one sample of {n_features} features, shape ({n_features},); "
                         f"got shape {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ValueError(f"x must be finite; x[{index}] is {array[index]}")
    return array


def check_loss(model, loss):
    """(Loss object, kind) for the loss to trace: ``loss`` if given, else the compiled one,
    else mean squared error."""
    if loss is None:
        loss = model.loss if model.loss is not None else "mse"
        weights = (model.compile_config or {}).get("loss_weights")
        if weights is not None and list(np.ravel(weights)) != [1.0]:
            raise ValueError(f"model {model.name!r} was compiled with loss_weights={weights}; "
                             f"trace writes out an unweighted loss: pass loss= to choose one")
    if isinstance(loss, (list, tuple)):
        raise TypeError(f"trace takes one loss; got {describe(loss)}")
    loss = losses_module.get(loss)
    kind = _LOSS_KINDS.get(type(loss).__name__)
    if kind is None:
        raise ValueError(
            f"trace writes out the losses mean_squared_error, mean_absolute_error, "
            f"binary_crossentropy, categorical_crossentropy and sparse_categorical_crossentropy; "
            f"got {type(loss).__name__} ({loss.name!r})")
    if getattr(loss, "label_smoothing", 0.0):
        raise ValueError("trace writes out cross-entropies without label smoothing; got "
                         f"label_smoothing={loss.label_smoothing}")
    return loss, kind + ("_logits" if getattr(loss, "from_logits", False) else "")


def check_target(y, kind: str, units: int) -> tuple[np.ndarray, np.ndarray]:
    """(y as the loss is given it, with a sample axis; y as the written formulas read it)."""
    array = np.asarray(y.data if isinstance(y, Tensor) else y, dtype=np.float64)
    if kind.startswith("scce"):
        label = array.reshape(-1)
        if label.size != 1 or not np.isfinite(label[0]) or label[0] != np.floor(label[0]) \
                or not 0 <= label[0] < units:
            raise ValueError(f"y must be one class label in [0, {units - 1}] for "
                             f"sparse_categorical_crossentropy; got {array.tolist()}")
        onehot = np.zeros(units)
        onehot[int(label[0])] = 1.0
        return label.astype(np.int64), onehot
    values = array.reshape(-1)
    if values.size != units:
        raise ValueError(f"y must hold {units} target value(s), one per output unit; got shape "
                         f"{array.shape}" + ("" if units == 1 or values.size != 1 else
                                             "; for a class label use sparse_categorical_crossentropy"))
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(f"y must be finite; y[{int(np.flatnonzero(bad)[0])}] is "
                         f"{values[bad][0]}")
    return values[None, :], values


def optimizer_copy(model, optimizer, learning_rate):
    """A fresh copy of the optimizer that makes the step, with the source's state."""
    source = model.optimizer if optimizer is None else optimizers_module.get(optimizer)
    if source is None:
        copy = optimizers_module.SGD(learning_rate=0.01 if learning_rate is None else learning_rate)
    else:
        copy = optimizers_module.deserialize(optimizers_module.serialize(source))
        try:
            copy.load_state_dict(source.state_dict())
        except ValueError as error:
            raise ValueError(f"the optimizer's state does not fit this model's weights: {error}") \
                from None
    if learning_rate is not None:
        copy.learning_rate = learning_rate
    return copy


def is_plain_sgd(optimizer) -> bool:
    return (type(optimizer) is optimizers_module.SGD and optimizer.momentum == 0
            and not optimizer.weight_decay and not optimizer.clipnorm and not optimizer.clipvalue
            and not optimizer.global_clipnorm)

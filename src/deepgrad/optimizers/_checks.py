"""The optimizer's checks of the gradients it is given, and of the Keras arguments it has no
counterpart for (its own settings use :mod:`deepgrad.common.checks`)."""

from __future__ import annotations

import numpy as np

from ..common.checks import check_bool, check_int, check_number


def parameter_name(param) -> str:
    return getattr(param, "name", None) or "unnamed"


def check_gradients(params: list, grads: list) -> list:
    """``grads`` as arrays (None stays None) after checking there are parameters, at least one
    gradient, and that every gradient has its parameter's shape."""
    if not params:
        raise ValueError("the optimizer got no trainable parameters")
    grads = [None if g is None else np.asarray(g) for g in grads]
    if all(g is None for g in grads):
        raise ValueError(
            "no parameter has a gradient (all .grad are None): call loss.backward() before step()"
        )
    for i, (p, g) in enumerate(zip(params, grads)):
        if g is not None and g.shape != p.data.shape:
            raise ValueError(
                f"the gradient of parameter {i} ({parameter_name(p)}) has shape {g.shape}; "
                f"expected the parameter's shape {p.data.shape}"
            )
    return grads


# Keyword arguments of Keras optimizers that deepgrad's do not take, and what to do instead.
_INSTEAD = {
    "lr": "the learning rate is learning_rate=",
    "decay": "Keras 2's per-step decay lr / (1 + decay * step) is learning_rate="
             "deepgrad.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)",
}


def check_keras_only(use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                     gradient_accumulation_steps) -> None:
    """Keras 3's optimizer features that deepgrad does not have are accepted switched off (their
    defaults, as Keras configs hold them), and refused with what to do instead when on."""
    if use_ema is not None and check_bool(use_ema, "use_ema"):
        raise ValueError("use_ema=True is not implemented: deepgrad optimizers keep no moving "
                         "average of the weights; average model.get_weights() in a callback's "
                         "on_train_batch_end instead")
    check_number(ema_momentum, "ema_momentum", low=0, high=1)  # only used with use_ema
    if ema_overwrite_frequency is not None:
        check_int(ema_overwrite_frequency, "ema_overwrite_frequency", minimum=1)
    if loss_scale_factor is not None:
        check_number(loss_scale_factor, "loss_scale_factor", low=0, low_open=True)
        raise ValueError(f"loss_scale_factor={loss_scale_factor!r} is not implemented: deepgrad "
                         "computes in float32 or float64, where losses need no scaling; leave it "
                         "None")
    if gradient_accumulation_steps is not None:
        check_int(gradient_accumulation_steps, "gradient_accumulation_steps", minimum=2)
        raise ValueError(f"gradient_accumulation_steps={gradient_accumulation_steps} is not "
                         "implemented: every batch updates the weights; use a larger batch_size, "
                         "or sum the gradients of several batches in a hand-written loop")


def unknown_arguments_message(optimizer: str, unknown: dict) -> str:
    """The error for keyword arguments an optimizer does not take: what to do instead where the
    argument is Keras's, else where to find the optimizer's arguments.

    >>> unknown_arguments_message("SGD", {"lr": 0.1})
    'SGD does not take lr=: the learning rate is learning_rate='
    """
    key = next((k for k in unknown if k in _INSTEAD), None)
    if key is not None:
        return f"{optimizer} does not take {key}=: {_INSTEAD[key]}"
    return (f"{optimizer} got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
            f"see help(deepgrad.optimizers.{optimizer}) for its arguments")

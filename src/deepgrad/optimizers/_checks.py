"""The optimizer's checks of the gradients it is given (its settings use
:mod:`deepgrad.common.checks`)."""

from __future__ import annotations

import numpy as np


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


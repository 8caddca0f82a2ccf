"""deepgrad: a small, fast deep-learning library on NumPy.

A visible reverse-mode autograd engine (:class:`Tensor`) under a Keras-style model API
(:class:`Sequential` and :class:`Model` with ``compile`` / ``fit`` / ``evaluate`` /
``predict``).
"""

__version__ = "0.1.0"

import sys as _sys

from . import (  # noqa: E402  (families are reachable as deepgrad.losses, deepgrad.layers, ...)
    activations,
    callbacks,
    data,
    datasets,
    explain,
    functional,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    plot,
    regularizers,
    schedules,
    utils,
)
from .autograd.gradcheck import GradcheckError, gradcheck, numerical_grad  # noqa: E402
from .autograd.parameter import Parameter  # noqa: E402
from .autograd.modes import is_grad_enabled, no_grad  # noqa: E402
from .autograd.tensor import Tensor  # noqa: E402
from .functional import concatenate, maximum, minimum, stack, tensor, where  # noqa: E402
from .native import backend, kernels  # noqa: E402
from .saving.save_load import ModelFileError, load_model  # noqa: E402
from .layers import Input  # noqa: E402
from .training import Model, Sequential  # noqa: E402
from .common.rng import set_seed  # noqa: E402

# The module paths earlier versions documented, for code that imports them.
_sys.modules[f"{__name__}.kernels"] = kernels
_sys.modules[f"{__name__}.backend"] = backend

__all__ = [
    "GradcheckError",
    "Input",
    "Model",
    "ModelFileError",
    "Parameter",
    "Sequential",
    "Tensor",
    "__version__",
    "activations",
    "backend",
    "callbacks",
    "concatenate",
    "datasets",
    "explain",
    "functional",
    "gradcheck",
    "initializers",
    "is_grad_enabled",
    "kernels",
    "layers",
    "load_model",
    "losses",
    "maximum",
    "metrics",
    "minimum",
    "no_grad",
    "numerical_grad",
    "optimizers",
    "plot",
    "regularizers",
    "schedules",
    "set_seed",
    "stack",
    "tensor",
    "utils",
    "where",
]

"""deepgrad: a small, fast deep-learning library on NumPy.

A visible reverse-mode autograd engine (:class:`Tensor`) under a Keras-style model API.
"""

from ._random import set_seed
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .tensor import (
    Parameter,
    Tensor,
    concatenate,
    is_grad_enabled,
    maximum,
    minimum,
    no_grad,
    stack,
    tensor,
    where,
)

__version__ = "0.1.0"

__all__ = [
    "GradcheckError",
    "Parameter",
    "Tensor",
    "__version__",
    "concatenate",
    "gradcheck",
    "is_grad_enabled",
    "maximum",
    "minimum",
    "no_grad",
    "numerical_grad",
    "set_seed",
    "stack",
    "tensor",
    "where",
]

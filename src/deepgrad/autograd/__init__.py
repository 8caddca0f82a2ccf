"""The autograd engine: :class:`Tensor`, the reverse sweep, ``no_grad`` and ``gradcheck``."""

from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .parameter import Parameter
from .tensor import Tensor, is_grad_enabled, no_grad

__all__ = ["GradcheckError", "Parameter", "Tensor", "gradcheck", "is_grad_enabled", "no_grad",
           "numerical_grad"]

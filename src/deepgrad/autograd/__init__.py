"""The autograd engine: :class:`Tensor`, the reverse sweep, what it records (``no_grad``,
``recording``) and ``gradcheck``."""

from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .parameter import Parameter
from .modes import is_grad_enabled, no_grad, not_recording, recording
from .tensor import Tensor

__all__ = ["GradcheckError", "Parameter", "Tensor", "gradcheck", "is_grad_enabled", "no_grad",
           "not_recording", "numerical_grad", "recording"]

"""Parameter: the tensors that layers own and optimizers update."""

from __future__ import annotations

import numpy as np

from .tensor import Tensor, _raw

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A layer weight. Trainable ones require grad and optimizers update them; non-trainable
    ones (such as batch normalization's moving statistics) are state saved with the model.

    >>> import deepgrad as dg
    >>> w = dg.Parameter([[0.5, -0.5]], name="kernel")
    >>> w.requires_grad, w.shape
    (True, (1, 2))
    """

    __slots__ = ("trainable",)

    def __init__(self, data, dtype=None, name: str | None = None, trainable: bool = True):
        super().__init__(data, requires_grad=trainable, dtype=dtype, name=name)
        self.trainable = bool(trainable)

    def assign(self, value) -> None:
        """Overwrite the values in place (shape and dtype are kept)."""
        value = np.asarray(_raw(value))
        if value.shape != self.data.shape:
            raise ValueError(
                f"cannot assign a value of shape {value.shape} to parameter "
                f"{self.name or ''} of shape {self.data.shape}"
            )
        np.copyto(self.data, value, casting="same_kind")

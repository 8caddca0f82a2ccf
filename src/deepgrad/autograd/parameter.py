"""Parameter: the tensors that layers own and optimizers update."""

from __future__ import annotations

import numpy as np

from .tensor import Tensor, _raw

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A layer weight. Trainable ones require grad and optimizers update them; non-trainable
    ones (such as batch normalization's moving statistics) are state saved with the model.

    A layer's weight has a ``name`` (``"kernel"``) and a ``path`` (``"dense/kernel"``: the
    layer's name, then the weight's), as Keras 3 names its variables; files key weights by path.

    >>> import deepgrad as dg
    >>> w = dg.Parameter([[0.5, -0.5]], name="kernel", path="dense/kernel")
    >>> w.requires_grad, w.shape, w.name, w.path
    (True, (1, 2), 'kernel', 'dense/kernel')
    """

    __slots__ = ("trainable", "path")

    def __init__(self, data, dtype=None, name: str | None = None, trainable: bool = True,
                 path: str | None = None):
        super().__init__(data, requires_grad=trainable, dtype=dtype, name=name)
        self.trainable = bool(trainable)
        self.path = name if path is None else path

    def assign(self, value) -> None:
        """Overwrite the values in place (shape and dtype are kept)."""
        value = np.asarray(_raw(value))
        if value.shape != self.data.shape:
            raise ValueError(
                f"cannot assign a value of shape {value.shape} to parameter "
                f"{self.path or ''} of shape {self.data.shape}"
            )
        np.copyto(self.data, value, casting="same_kind")

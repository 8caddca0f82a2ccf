"""Weight penalties added to the loss: ``L1``, ``L2`` and ``L1L2``.

A regularizer is a callable ``reg(weight) -> scalar Tensor``. The formulas are Keras's:
``L1: l1 · Σ|w|``, ``L2: l2 · Σw²`` (no factor ½) and ``L1L2`` the sum of both. The notes' weight
decay ``w ← (1 − ηλ)w − η·∂L/∂w`` is plain gradient descent on the loss plus ``(λ/2)·Σw²``, i.e.
``L2(l2=λ/2)``.

Layers take them as ``kernel_regularizer=`` / ``bias_regularizer=`` and report the penalties in
``layer.regularization_losses()``; the model adds those to the loss.
"""

from __future__ import annotations

from .autograd.tensor import Tensor
from .functional import sum_of_squares
from .common.checks import check_number, describe
from .common.registry import Registry

__all__ = ["Regularizer", "L1", "L2", "L1L2", "REGISTRY", "get", "l1", "l1_l2", "l2", "serialize"]


def _as_tensor(weight) -> Tensor:
    return weight if isinstance(weight, Tensor) else Tensor(weight)


class Regularizer:
    """Base class: a configurable callable ``reg(weight) -> scalar Tensor``.

    >>> import deepgrad as dg
    >>> L2(0.5)(dg.Tensor([1.0, 2.0])).item()
    2.5
    """

    def __call__(self, weight) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1(Regularizer):
    """``l1 · Σ|w|`` (lasso): pushes weights to exactly zero.

    Parameters
    ----------
    l1 : float >= 0, default 0.01
        None means the default, as in Keras.

    Examples
    --------
    >>> import deepgrad as dg
    >>> L1(0.1)(dg.Tensor([1.0, -2.0, 3.0], dtype="float64")).item()
    0.6000000000000001
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = check_number(0.01 if l1 is None else l1, "l1", low=0)

    def __call__(self, weight) -> Tensor:
        return self.l1 * _as_tensor(weight).abs().sum()

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 · Σw²`` (ridge, weight decay) — Keras's form, without a factor ½.

    Parameters
    ----------
    l2 : float >= 0, default 0.01
        None means the default, as in Keras.

    Examples
    --------
    >>> import deepgrad as dg
    >>> L2(0.01)(dg.Tensor([[1.0, 2.0], [3.0, 4.0]], dtype="float64")).item()
    0.3
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = check_number(0.01 if l2 is None else l2, "l2", low=0)

    def __call__(self, weight) -> Tensor:
        return self.l2 * sum_of_squares(_as_tensor(weight))

    def get_config(self) -> dict:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``l1 · Σ|w| + l2 · Σw²`` (elastic net).

    Parameters
    ----------
    l1 : float >= 0, default 0.0
    l2 : float >= 0, default 0.0
        None means 0, as in Keras.

    Examples
    --------
    >>> import deepgrad as dg
    >>> L1L2(l1=0.5, l2=0.25)(dg.Tensor([2.0, -2.0], dtype="float64")).item()
    4.0
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = check_number(0.0 if l1 is None else l1, "l1", low=0)
        self.l2 = check_number(0.0 if l2 is None else l2, "l2", low=0)

    def __call__(self, weight) -> Tensor:
        weight = _as_tensor(weight)
        return self.l1 * weight.abs().sum() + self.l2 * sum_of_squares(weight)

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


#: Keras's lower-case names of the classes (``regularizers.l2(0.01)``).
l1, l2, l1_l2 = L1, L2, L1L2

#: Canonical snake_case name → class, looked up by any spelling (``"L1L2"``, ``"l1_l2"``).
REGISTRY = Registry("regularizer")
REGISTRY.register("l1", L1)
REGISTRY.register("l2", L2)
REGISTRY.register("l1_l2", L1L2)


def get(identifier):
    """Resolve ``identifier`` to a regularizer (or None).

    Accepts None, a name (``"l1"``, ``"l2"``, ``"l1_l2"`` in any case, with or without
    underscores, so the class names ``"L1"`` and ``"L1L2"`` too), a config dict
    ``{"class_name": ..., "config": {...}}`` as :func:`serialize` writes it, a
    :class:`Regularizer` or any callable (returned unchanged). Names give the default factors.

    >>> get("l2")
    L2(l2=0.01)
    >>> get({"class_name": "L1", "config": {"l1": 0.2}})
    L1(l1=0.2)
    >>> get(None) is None
    True
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return REGISTRY.instance(identifier)
    if isinstance(identifier, dict):
        cls, config = REGISTRY.from_config(identifier)
        return cls.from_config(config)
    if callable(identifier):
        return identifier
    raise TypeError(
        f"a regularizer must be None, a name, a config dict or a callable; "
        f"got {describe(identifier)}"
    )


def serialize(regularizer):
    """``{"class_name": ..., "config": ...}`` for a regularizer, None for None.

    >>> serialize(L2(0.1))
    {'class_name': 'L2', 'config': {'l2': 0.1}}
    """
    if regularizer is None:
        return None
    if isinstance(regularizer, (str, dict)):
        regularizer = get(regularizer)
    if isinstance(regularizer, Regularizer) and REGISTRY.name_of(type(regularizer)) is not None:
        return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
    raise TypeError(
        f"cannot serialize regularizer {regularizer!r}: only L1, L2 and L1L2 have a config"
    )

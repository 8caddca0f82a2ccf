"""Arithmetic and indexing written on symbolic tensors: ``x + y``, ``2 * x``, ``x[:, :3]``.

While a functional model is being defined, Python's operators on symbolic tensors (from
:func:`~deepgrad.layers.Input` or a layer's call) make a :class:`TensorOperation` layer and
call it, as Keras 3 records operations on its symbolic tensors. The layer names its operation
from a fixed table and keeps its constant (a number or a list of numbers) and its index as
JSON, so a model that uses them saves and loads like any other.
"""

from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from ..common.names import unique_name
from .base import Layer

__all__ = ["TensorOperation"]

#: The operations, by name: what they compute on Tensors (``a`` first, ``b`` second).
OPERATIONS = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
    "power": lambda a, b: a ** b,
    "matmul": lambda a, b: a @ b,
    "negative": lambda a: -a,
    "absolute": lambda a: abs(a),
}


def _index_to_json(index):
    if isinstance(index, tuple):
        return {"tuple": [_index_to_json(i) for i in index]}
    if isinstance(index, slice):
        return {"slice": [index.start, index.stop, index.step]}
    if index is None:
        return {"newaxis": True}
    if index is Ellipsis:
        return {"ellipsis": True}
    if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
        return int(index)
    raise TypeError(f"a symbolic tensor is indexed with ints, slices, None and ...; got "
                    f"{type(index).__name__} {index!r}")


def _index_from_json(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (kind, content), = value.items()
        if kind == "tuple" and isinstance(content, list):
            return tuple(_index_from_json(v) for v in content)
        if kind == "slice" and isinstance(content, list) and len(content) == 3 and all(
                v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in content):
            return slice(*content)
        if kind == "newaxis" and content is True:
            return None
        if kind == "ellipsis" and content is True:
            return Ellipsis
    raise ValueError(f"not an index written by TensorOperation: {value!r}")


def _constant(value):
    """A constant operand as JSON: a number, or a (nested) list of numbers."""
    array = np.asarray(value)
    if array.dtype.kind not in "fiu" or array.size > 4096:
        raise TypeError(f"a symbolic tensor combines with numbers or small arrays of numbers; "
                        f"got {type(value).__name__}")
    return array.tolist()


class TensorOperation(Layer):
    """One operation of Python's on symbolic tensors, kept as a layer of a functional model.

    Parameters
    ----------
    operation : str
        One of ``add``, ``subtract``, ``multiply``, ``divide``, ``power``, ``matmul``,
        ``negative``, ``absolute``, ``getitem``.
    constant : number or list, optional
        The other operand when it is not a tensor.
    constant_first : bool, default False
        Whether the constant is the left operand (``2 - x``).
    index : optional
        For ``getitem``: the index, as :meth:`index_config` writes it.

    Examples
    --------
    >>> from deepgrad import Input, Model
    >>> x = Input((3,))
    >>> model = Model(x, 1 - x[:, :2] * 2)
    >>> [type(layer).__name__ for layer in model.layers[1:]]
    ['TensorOperation', 'TensorOperation', 'TensorOperation']
    >>> model.predict([[1.0, 2.0, 3.0]]).tolist()
    [[-1.0, -3.0]]
    """

    def __init__(self, operation, *, constant=None, constant_first=False, index=None, **kwargs):
        if operation != "getitem" and operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {sorted(OPERATIONS) + ['getitem']}; got "
                             f"{operation!r}")
        kwargs.setdefault("name", unique_name(operation))
        super().__init__(**kwargs)
        self.operation = operation
        self.constant = None if constant is None else _constant(constant)
        self.constant_first = bool(constant_first)
        self.index = None if index is None else _index_to_json(_index_from_json(index))

    def call(self, inputs, training=False):
        if self.operation == "getitem":
            return inputs[_index_from_json(self.index)]
        operands = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if self.constant is not None:
            constant = Tensor(np.asarray(self.constant), dtype=operands[0].dtype)
            operands.insert(0 if self.constant_first else len(operands), constant)
        return OPERATIONS[self.operation](*operands)

    @staticmethod
    def index_config(index):
        """``index`` (ints, slices, None, ``...``) as the JSON the ``index`` argument takes."""
        return _index_to_json(index)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(operation=self.operation, constant=self.constant,
                      constant_first=self.constant_first, index=self.index)
        return config

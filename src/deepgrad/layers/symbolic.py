"""Symbolic tensors: how a graph of layer calls is written down before any data flows.

``Input((4,))`` returns a :class:`SymbolicTensor` — a shape and a dtype, no values. Calling a
layer on symbolic tensors builds the layer for their shapes, works out the shapes of its
outputs, and returns new symbolic tensors; a :class:`Node` remembers the call (which layer, on
which tensors, giving which). The nodes behind a model's outputs are the graph that
:class:`~deepgrad.models.Model` replays on real batches, in the order the calls were written.

Examples
--------
>>> from deepgrad.layers import Dense, Input
>>> inputs = Input((4,), name="features")
>>> hidden = Dense(3, name="hidden")(inputs)
>>> hidden
<SymbolicTensor shape=(None, 3), dtype=float32, from hidden>
>>> hidden.node.layer.name, [t.name for t in hidden.node.input_tensors]
('hidden', ['features'])
"""

from __future__ import annotations

import itertools

import numpy as np

from .registry import LAYERS

__all__ = ["Node", "SymbolicTensor", "call_symbolic", "flatten", "is_symbolic"]

_tensor_ids = itertools.count()


class SymbolicTensor:
    """A batch that will flow through a layer graph: its shape (batch axis first, ``None`` where
    free) and dtype, and the :class:`Node` that makes it.

    Parameters
    ----------
    shape : tuple of int or None
    dtype : numpy dtype
    node : Node, optional
        The call that produces this tensor (set by :class:`Node`).
    index : int
        Which of that call's outputs it is.
    name : str, optional
    """

    __slots__ = ("shape", "dtype", "node", "index", "name", "_id")

    def __init__(self, shape, dtype, node=None, index=0, name=None):
        self.shape = tuple(None if s is None else int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self.node, self.index = node, index
        self._id = next(_tensor_ids)
        self.name = name or f"symbolic_tensor_{self._id}"

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def layer(self):
        """The layer whose call produces this tensor."""
        return self.node.layer

    def __repr__(self) -> str:
        origin = f"from {self.node.layer.name}" if self.node is not None else f"name={self.name}"
        return f"<SymbolicTensor shape={self.shape}, dtype={self.dtype.name}, {origin}>"

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self!r} is symbolic (an Input or a layer's output while a model is being defined); "
            f"it has no values. Build a model from it — Model(inputs, outputs) — and call the "
            f"model on arrays"
        )

    def __bool__(self):
        raise TypeError("a SymbolicTensor has no truth value: it holds no data yet")

    __hash__ = object.__hash__

    # Python's operators record a TensorOperation layer, as Keras records operations
    def __add__(self, other):
        return _operate("add", self, other)

    def __radd__(self, other):
        return _operate("add", other, self)

    def __sub__(self, other):
        return _operate("subtract", self, other)

    def __rsub__(self, other):
        return _operate("subtract", other, self)

    def __mul__(self, other):
        return _operate("multiply", self, other)

    def __rmul__(self, other):
        return _operate("multiply", other, self)

    def __truediv__(self, other):
        return _operate("divide", self, other)

    def __rtruediv__(self, other):
        return _operate("divide", other, self)

    def __pow__(self, other):
        return _operate("power", self, other)

    def __rpow__(self, other):
        return _operate("power", other, self)

    def __matmul__(self, other):
        return _operate("matmul", self, other)

    def __rmatmul__(self, other):
        return _operate("matmul", other, self)

    def __neg__(self):
        return _operate("negative", self)

    def __abs__(self):
        return _operate("absolute", self)

    def __getitem__(self, index):
        operation = LAYERS.lookup("tensor_operation")
        return operation("getitem", index=operation.index_config(index))(self)


def _operate(name: str, *operands):
    """``operands`` (symbolic tensors and at most one constant) through a TensorOperation."""
    operation = LAYERS.lookup("tensor_operation")  # layers/operations.py
    tensors = [t for t in operands if isinstance(t, SymbolicTensor)]
    constants = [(i, c) for i, c in enumerate(operands) if not isinstance(c, SymbolicTensor)]
    if not constants:
        return operation(name)(tensors if len(tensors) > 1 else tensors[0])
    (position, constant), = constants
    return operation(name, constant=constant, constant_first=position == 0)(tensors[0])


class Node:
    """One call of a layer on symbolic tensors.

    Attributes
    ----------
    layer : Layer
    inputs : SymbolicTensor or list of SymbolicTensor
        What the layer was called on, as it was passed.
    outputs : list of SymbolicTensor
    kwargs : dict
        Other keyword arguments of the call (not ``training``), passed again at every run.
    """

    __slots__ = ("layer", "inputs", "outputs", "kwargs", "index")

    def __init__(self, layer, inputs, output_specs, kwargs=None):
        self.layer, self.inputs, self.kwargs = layer, inputs, dict(kwargs or {})
        nodes = layer.__dict__.setdefault("_inbound_nodes", [])
        self.index = len(nodes)
        nodes.append(self)
        single = len(output_specs) == 1 and self.index == 0
        self.outputs = [
            SymbolicTensor(shape, dtype, self, i,
                           name=layer.name if single else f"{layer.name}_{self.index}_{i}")
            for i, (shape, dtype) in enumerate(output_specs)
        ]

    @property
    def input_tensors(self) -> list:
        """The symbolic tensors the layer was called on, as a flat list."""
        return flatten(self.inputs)

    @property
    def output(self):
        """The layer's output as the call returned it: one tensor, or the list."""
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    def __repr__(self) -> str:
        return f"<Node {self.layer.name}[{self.index}]>"


def flatten(structure) -> list:
    """A tensor, or a (nested) list, tuple or dict of tensors, as a flat list."""
    if isinstance(structure, dict):
        return [t for value in structure.values() for t in flatten(value)]
    if isinstance(structure, (list, tuple)):
        return [t for value in structure for t in flatten(value)]
    return [structure]


def is_symbolic(inputs) -> bool:
    """Whether ``inputs`` (a tensor, or a list or tuple of them) holds a SymbolicTensor."""
    if isinstance(inputs, SymbolicTensor):
        return True
    if isinstance(inputs, (list, tuple)):
        return any(isinstance(t, SymbolicTensor) for t in inputs)
    return False


def call_symbolic(layer, inputs, kwargs: dict):
    """``layer(inputs)`` for symbolic ``inputs``: build the layer, find its output shapes and
    dtypes, and record the call as a :class:`Node`; returns the output symbolic tensor(s)."""
    flat = flatten(inputs)
    if not all(isinstance(t, SymbolicTensor) for t in flat):
        kinds = sorted({type(t).__name__ for t in flat if not isinstance(t, SymbolicTensor)})
        raise TypeError(
            f"layer {layer.name!r} was called on a mix of symbolic tensors and {', '.join(kinds)}; "
            f"while defining a model every input of a call must come from Input() or another "
            f"layer's call"
        )
    shapes = [t.shape for t in flat] if isinstance(inputs, (list, tuple)) else inputs.shape
    dtypes = [t.dtype for t in flat]
    layer._ensure_built(shapes, dtypes[0])
    output_specs = layer.compute_output_spec(
        shapes, dtypes, **{k: v for k, v in kwargs.items() if k != "training"})
    node = Node(layer, inputs, output_specs, kwargs)
    return node.output

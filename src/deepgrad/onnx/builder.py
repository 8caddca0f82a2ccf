"""The ONNX graph under construction: nodes, weights as initializers, and the shapes of values.

:class:`GraphBuilder` knows nothing of layers; the converters (one module per family) call its
small helpers (``node``, ``constant``, ``weight``, ``reduce``, ``to_channels_first``...). It
holds plain Python data until :meth:`GraphBuilder.to_model` makes the protobuf, the only place
that imports ``onnx``, so this package imports without the ``onnx`` extra.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DEFAULT_OPSET", "MIN_OPSET", "GraphBuilder", "Value"]

#: The opset written unless ``export(opset=...)`` asks for another (onnxruntime >= 1.17 runs it).
DEFAULT_OPSET = 17
#: The oldest opset the converters can write (``Squeeze``/``Unsqueeze``/``ReduceSum`` axes as
#: inputs, ``Softmax`` along one axis).
MIN_OPSET = 13

#: ONNX's ``Slice`` bounds meaning "to the end" for positive and negative steps.
INT64_MAX, INT64_MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min


@dataclass(frozen=True)
class Value:
    """A tensor of the graph: its ONNX name and its shape (batch axis first, None where the
    size is not fixed)."""

    name: str
    shape: tuple


class GraphBuilder:
    """Nodes and initializers of one ONNX graph whose float tensors are all ``dtype``.

    Parameters
    ----------
    dtype : numpy dtype
        float32 or float64: the inputs', outputs' and weights' type.
    opset : int
        The ``ai.onnx`` opset the nodes are written for.
    """

    def __init__(self, dtype, opset: int):
        self.dtype = np.dtype(dtype)
        self.opset = opset
        self.nodes: list = []  # (op_type, inputs, outputs, attributes, name)
        self.initializers: dict = {}  # name -> ndarray
        self.inputs: list = []  # (name, shape)
        self.outputs: list = []  # (name, shape)
        self._names: set = set()
        self._weights: dict = {}  # (id(parameter), form) -> name
        self._constants: dict = {}  # (dtype, shape, bytes) -> name

    # ------------------------------------------------------------------ names
    def unique(self, base: str) -> str:
        """``base``, or ``base_1``, ``base_2``... : a name no other tensor or node has."""
        name, k = base, 0
        while name in self._names:
            k += 1
            name = f"{base}_{k}"
        self._names.add(name)
        return name

    # ------------------------------------------------------------------ nodes
    def node(self, op_type: str, inputs: list, *, name: str = "", outputs: int = 1,
             output: str | None = None, **attributes):
        """Add one node; returns its output name (a list of names when ``outputs`` > 1).
        An empty string among ``inputs`` is an omitted optional input; ``output`` is a name
        already reserved with :meth:`unique` (a graph output's)."""
        base = output or self.unique(name or op_type.lower())
        outs = [base] if outputs == 1 else [self.unique(f"{base}:{i}") for i in range(outputs)]
        self.nodes.append((op_type, list(inputs), outs, attributes, base))
        return outs[0] if outputs == 1 else outs

    def constant(self, value, dtype=None, name: str = "const") -> str:
        """An initializer holding ``value`` (in the graph's float dtype unless ``dtype``
        says otherwise); equal constants are stored once."""
        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._constants:
            self._constants[key] = self.initializer(array, name)
        return self._constants[key]

    def ints(self, values, name: str = "ints") -> str:
        """An int64 constant (axes, shapes, pads, slice bounds)."""
        return self.constant(np.asarray(values, dtype=np.int64), np.int64, name)

    def initializer(self, array: np.ndarray, name: str) -> str:
        name = self.unique(name)
        self.initializers[name] = np.ascontiguousarray(array)
        return name

    def weight(self, parameter, transform=None, form: str = "") -> str:
        """The initializer of a layer's weight (cast to the graph's dtype), optionally
        rearranged by ``transform(array)``; a weight used twice (a shared layer) is stored once
        per ``form``."""
        key = (id(parameter), form)
        if key not in self._weights:
            array = np.asarray(parameter.data if hasattr(parameter, "data") else parameter)
            if transform is not None:
                array = transform(array)
            path = getattr(parameter, "path", None) or "weight"
            self._weights[key] = self.initializer(array.astype(self.dtype),
                                                  path + (f"/{form}" if form else ""))
        return self._weights[key]

    # ------------------------------------------------------------------ helpers
    def reduce(self, op_type: str, x: str, axes, keepdims: bool, name: str = "") -> str:
        """``ReduceMean``/``ReduceMax``/``ReduceSum`` over ``axes``: the axes an input from
        opset 18 on (13 for ReduceSum), an attribute before."""
        axes = [int(a) for a in axes]
        as_input = self.opset >= (13 if op_type == "ReduceSum" else 18)
        if as_input:
            return self.node(op_type, [x, self.ints(axes, "axes")], name=name,
                             keepdims=int(keepdims))
        return self.node(op_type, [x], name=name, axes=axes, keepdims=int(keepdims))

    def transpose(self, x: str, perm, name: str = "") -> str:
        perm = [int(p) for p in perm]
        if perm == list(range(len(perm))):
            return x
        return self.node("Transpose", [x], name=name, perm=perm)

    def to_channels_first(self, x: str, ndim: int, name: str = "") -> str:
        """``(batch, *spatial, channels)`` → ``(batch, channels, *spatial)``, as ONNX's
        convolution and pooling operators take them."""
        return self.transpose(x, [0, ndim - 1, *range(1, ndim - 1)], name)

    def to_channels_last(self, x: str, ndim: int, name: str = "") -> str:
        return self.transpose(x, [0, *range(2, ndim), 1], name)

    def reshape(self, x: str, shape, name: str = "") -> str:
        """Reshape to ``shape`` (0 copies the input's size, -1 is worked out)."""
        return self.node("Reshape", [x, self.ints(shape, "shape")], name=name)

    def unsqueeze(self, x: str, axes, name: str = "") -> str:
        return self.node("Unsqueeze", [x, self.ints(list(axes), "axes")], name=name)

    def squeeze(self, x: str, axes, name: str = "") -> str:
        return self.node("Squeeze", [x, self.ints(list(axes), "axes")], name=name)

    # ------------------------------------------------------------------ the model
    def to_model(self, graph_name: str, producer_version: str):
        """The ``onnx.ModelProto`` (imports ``onnx``)."""
        from onnx import TensorProto, helper, numpy_helper

        elem = TensorProto.DOUBLE if self.dtype == np.float64 else TensorProto.FLOAT

        def info(name, shape):
            dims = ["batch" if i == 0 else s for i, s in enumerate(shape)]
            return helper.make_tensor_value_info(name, elem, dims)

        nodes = [helper.make_node(op, inputs, outputs, name=name, **attributes)
                 for op, inputs, outputs, attributes, name in self.nodes]
        initializers = [numpy_helper.from_array(array, name)
                        for name, array in self.initializers.items()]
        graph = helper.make_graph(nodes, graph_name, [info(*i) for i in self.inputs],
                                  [info(*o) for o in self.outputs], initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="deepgrad", producer_version=producer_version)
        # the oldest IR version that carries the opset, so older runtimes read the file too
        model.ir_version = helper.find_min_ir_version_for(list(model.opset_import), True)
        return model

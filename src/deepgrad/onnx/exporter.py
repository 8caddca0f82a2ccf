"""``export(model, path)``: a Sequential or functional model written as an ONNX file.

The exporter walks the model as it runs: a ``Sequential`` layer after layer, a functional model
node after node of its graph (a shared layer converted once per call, its weights stored once),
and a model used as a layer of another model recursively. Each layer goes through the converter
registered for its class (:mod:`deepgrad.onnx.registry`).
"""

from __future__ import annotations

import os
from importlib import metadata
from numbers import Integral

import numpy as np

from ..layers.arguments import is_shape_list
from ..saving.atomic import write_atomic
from ..training.functional import Functional
from ..training.model import Model
from ..training.sequential import Sequential
from . import (
    activations,
    convolution,
    core,
    normalization,
    recurrent,
    spatial,
    structure,
)
from .builder import DEFAULT_OPSET, MIN_OPSET, GraphBuilder, Value
from .registry import UnsupportedLayerError, lookup

__all__ = ["export"]

#: The modules whose import registers the converters, one per family of layers.
CONVERTER_MODULES = (activations, core, normalization, convolution, spatial, structure, recurrent)


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("deepgrad.onnx.export needs the onnx package: pip install "
                          "'deepgrad[onnx]' (onnx and onnxruntime)") from None
    return onnx


def _map(nested, fn):
    if isinstance(nested, (list, tuple)):
        return [_map(item, fn) for item in nested]
    return fn(nested)


def _check_unmasked(layer, masked_by) -> None:
    """Refuse a layer that would skip the steps ``masked_by``'s mask marks: masks are not
    exported."""
    if masked_by is not None and layer._call_takes_mask:
        raise UnsupportedLayerError(
            f"{type(layer).__name__} {layer.name!r} skips the steps masked by "
            f"{type(masked_by).__name__} {masked_by.name!r}; masks are not exported to "
            f"ONNX (build the model without mask_zero=True or Masking to export it)")


def _passed_mask(layer, masked_by):
    """The layer whose mask leaves ``layer``: itself when it makes one, else the one it took
    when it passes masks on."""
    if _makes_mask(layer):
        return layer
    return masked_by if layer.supports_masking else None


def _makes_mask(layer) -> bool:
    return type(layer).__name__ == "Masking" or getattr(layer, "mask_zero", False) is True


class _Context:
    """What a converter sees: the graph builder ``g`` and :meth:`convert` for inner layers."""

    def __init__(self, g: GraphBuilder):
        self.g = g

    def convert(self, layer, x, kwargs=None):
        """The output Value(s) of ``layer`` called on the Value(s) ``x``."""
        kwargs = dict(kwargs or {})
        if kwargs.pop("training", False):
            raise UnsupportedLayerError(
                f"{type(layer).__name__} {layer.name!r} is called with training=True (as for "
                f"Monte-Carlo dropout); an ONNX export computes inference only")
        if kwargs:
            raise UnsupportedLayerError(
                f"{type(layer).__name__} {layer.name!r} is called with {sorted(kwargs)}; only "
                f"calls without arguments other than the inputs can be exported to ONNX")
        if type(layer) is Sequential:
            return self._sequential(layer, x)
        if type(layer) is Functional:
            return self._functional(layer, x)
        if isinstance(layer, Model):
            raise UnsupportedLayerError(
                f"{type(layer).__name__} {layer.name!r} is a subclassed model (its call is "
                f"Python code) and cannot be exported to ONNX; build it as a Sequential or "
                f"functional model")
        out = lookup(layer)(self, layer, x)
        return self._values(layer, x, out)

    @staticmethod
    def _values(layer, x, out):
        """The converter's result as Values, the shapes from ``compute_output_shape``."""
        outs = out if isinstance(out, list) else [out]
        if all(isinstance(o, Value) for o in outs):
            return out
        shape = layer.compute_output_shape([v.shape for v in x] if isinstance(x, list) else x.shape)
        shapes = shape if is_shape_list(shape) else [shape]
        values = [o if isinstance(o, Value) else Value(o, tuple(s)) for o, s in zip(outs, shapes)]
        return values if isinstance(out, list) else values[0]

    def _sequential(self, model, x):
        masked_by = None  # the layer whose mask of the steps Sequential passes on (as Keras)
        for layer in model._layers:
            _check_unmasked(layer, masked_by)
            x = self.convert(layer, x)
            masked_by = _passed_mask(layer, masked_by)
        return x

    def _functional(self, model, x):
        graph = model.graph
        values = x if isinstance(x, list) else [x]
        env = {id(t): v for t, v in zip(graph.inputs, values)}
        masks: dict = {}  # the layer whose mask reaches each tensor, as the graph passes masks
        for node in graph.nodes:
            parents = node.input_tensors
            masked_by = masks.get(id(parents[0])) if len(parents) == 1 else None
            _check_unmasked(node.layer, masked_by)
            out = self.convert(node.layer, _map(node.inputs, lambda t: env[id(t)]), node.kwargs)
            masks[id(node.outputs[0])] = _passed_mask(node.layer, masked_by)
            for t, value in zip(node.outputs, out if isinstance(out, list) else [out]):
                env[id(t)] = value
        outs = [env[id(t)] for t in graph.outputs]
        return outs[0] if len(outs) == 1 else outs


def _version() -> str:
    try:
        return metadata.version("deepgrad")
    except metadata.PackageNotFoundError:
        return "unknown"


def _check_opset(opset, onnx) -> int:
    newest = onnx.defs.onnx_opset_version()
    if opset is None:
        return min(DEFAULT_OPSET, newest)
    if (isinstance(opset, bool) or not isinstance(opset, Integral)
            or not MIN_OPSET <= opset <= newest):
        raise ValueError(f"opset must be an int from {MIN_OPSET} to {newest} (the newest the "
                         f"installed onnx knows); got {opset!r}")
    return int(opset)


def _check_dtype(model, dtype) -> np.dtype:
    if dtype is None:
        dtype = model.weights_dtype
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {dtype.name}")
    return dtype


def _input_shapes(model) -> list:
    if type(model) is Functional:
        return [t.shape for t in model.inputs]
    if not model.built or model._input_shapes is None:
        raise ValueError(f"model {model.name!r} is not built: give it an Input or call it on data "
                         f"before exporting it")
    return [tuple(s) for s in model._input_shapes]


def export(model, path, *, opset=None, dtype=None):
    """Write ``model`` to ``path`` as an ONNX model for inference.

    Parameters
    ----------
    model : Sequential or functional Model
        Built (its input shapes known). Nested models and shared layers are exported as they
        run; subclassed models (their ``call`` is Python code) and ``Lambda`` layers cannot be.
    path : str or os.PathLike
        Where to write the ``.onnx`` file (atomically).
    opset : int, optional
        The ``ai.onnx`` opset, from 13 to the newest the installed onnx knows; 17 by default.
    dtype : {"float32", "float64"}, optional
        The graph's float type: the model's weights' dtype by default. A float64 model is
        exported in float64 (onnxruntime's CPU provider lacks float64 kernels for Conv,
        ConvTranspose and Resize: pass ``dtype="float32"`` to cast its weights and inputs).

    Returns
    -------
    onnx.ModelProto
        The model written, checked with ``onnx.checker.check_model``.

    Raises
    ------
    UnsupportedLayerError
        For a layer without a converter, naming the layer and its class.

    Notes
    -----
    The inputs are named after the model's inputs, with a free batch axis ``"batch"``; the
    outputs after the model's outputs. Weights are initializers of ``dtype``. The layers are
    converted at inference: dropouts and random augmentations are the identity,
    BatchNormalization uses its moving statistics, and RandomCrop cuts and resizes its centred
    window.

    Examples
    --------
    >>> import numpy as np, onnxruntime
    >>> from deepgrad import Sequential
    >>> from deepgrad.layers import Dense, Input
    >>> model = Sequential([Input((4,), name="features"), Dense(3, "relu", seed=0),
    ...                     Dense(2, "softmax", seed=1, name="probabilities")])
    >>> proto = export(model, getfixture("tmp_path") / "model.onnx")
    >>> [i.name for i in proto.graph.input], [o.name for o in proto.graph.output]
    (['features'], ['probabilities'])
    >>> session = onnxruntime.InferenceSession(proto.SerializeToString())
    >>> x = np.ones((5, 4), dtype="float32")
    >>> np.allclose(session.run(None, {"features": x})[0], model.predict(x, verbose=0), atol=1e-6)
    True
    """
    onnx = _onnx()
    if type(model) not in (Sequential, Functional):
        if isinstance(model, Model):
            raise UnsupportedLayerError(
                f"{type(model).__name__} {model.name!r} is a subclassed model (its call is Python "
                f"code) and cannot be exported to ONNX; build it as a Sequential or functional "
                f"model")
        raise TypeError(f"export takes a Sequential or functional Model; got "
                        f"{type(model).__name__}")
    opset = _check_opset(opset, onnx)
    g = GraphBuilder(_check_dtype(model, dtype), opset)
    shapes = _input_shapes(model)
    input_names = [g.unique(str(n)) for n in model.input_names]
    output_names = [g.unique(str(n)) for n in model.output_names]
    inputs = [Value(name, tuple(shape)) for name, shape in zip(input_names, shapes)]
    g.inputs = [(v.name, v.shape) for v in inputs]
    outs = _Context(g).convert(model, inputs if len(inputs) > 1 else inputs[0])
    outs = outs if isinstance(outs, list) else [outs]
    for name, value in zip(output_names, outs):
        g.node("Identity", [value.name], output=name)
        g.outputs.append((name, value.shape))
    proto = g.to_model(model.name, _version())
    onnx.checker.check_model(proto)
    write_atomic(os.fspath(path), proto.SerializeToString())
    return proto

"""ONNX export: ``deepgrad.onnx.export(model, path)`` writes a Sequential or functional model as
an ONNX graph for inference (onnxruntime, and every runtime that reads ONNX).

Needs the ``onnx`` extra (``pip install 'deepgrad[onnx]'``: onnx and onnxruntime), imported only
when :func:`export` runs; importing this package does not import them.

Every layer class has a converter (:data:`CONVERTERS`, keyed by class) that writes it as ONNX
nodes; a layer without one — ``Lambda``, which holds Python code, or a Layer subclass of one's
own — raises :class:`UnsupportedLayerError` naming the layer and its class, until
:func:`register_converter` gives its class one.

Examples
--------
>>> import numpy as np, onnx
>>> from deepgrad import Input, Model
>>> from deepgrad.layers import Conv2D, Dense, Flatten
>>> images = Input((8, 8, 1), name="images")
>>> features = Flatten()(Conv2D(4, 3, activation="relu", seed=0)(images))
>>> model = Model(images, Dense(3, "softmax", name="classes", seed=1)(features))
>>> proto = export(model, getfixture("tmp_path") / "convnet.onnx")
>>> onnx.checker.check_model(proto)
>>> [node.op_type for node in proto.graph.node][:4]
['Transpose', 'Conv', 'Transpose', 'Relu']
"""

from .exporter import export
from .registry import CONVERTERS, UnsupportedLayerError, register_converter

__all__ = ["CONVERTERS", "UnsupportedLayerError", "export", "register_converter"]

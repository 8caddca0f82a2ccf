"""Recurrent and sequence layers as ONNX nodes: ``SimpleRNN``, ``LSTM`` and ``GRU`` as ONNX's
``RNN``, ``LSTM`` and ``GRU`` operators; ``Bidirectional`` (two of them, merged);
``TimeDistributed`` (the inner layer on ``(batch·steps, ...)``); ``Embedding`` (``Gather``);
``Masking`` (the masked steps zeroed).

Keras keeps the gates as ``i, f, c, o`` (LSTM) and ``z, r, h`` (GRU) in the columns of
``kernel`` ``(features, gates·units)``; ONNX wants ``W`` ``(1, gates·units, features)`` with
the LSTM's gates as ``i, o, f, c``, and the input and recurrent biases side by side. Keras's
``GRU(reset_after=True)`` is ONNX's ``linear_before_reset=1``. ``go_backwards`` reverses the
steps before a forward run, so the sequence comes out in the order Keras gives it.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from ..layers import (
    RNN,
    GRU,
    LSTM,
    Bidirectional,
    Embedding,
    Masking,
    SimpleRNN,
    TimeDistributed,
)
from .builder import INT64_MIN, Value
from .registry import UnsupportedLayerError, converter

__all__ = []

_ACTIVATIONS = {activations.tanh: "Tanh", activations.sigmoid: "Sigmoid",
                activations.relu: "Relu"}
#: ONNX's LSTM gate order (i, o, f, c) as blocks of Keras's (i, f, c, o)
_LSTM_GATES = [0, 3, 1, 2]


def _activation_name(layer, fn) -> str:
    name = _ACTIVATIONS.get(fn)
    if name is None:
        raise UnsupportedLayerError(
            f"{type(layer).__name__} {layer.name!r}: the activation "
            f"{activations.serialize(fn)!r} has no ONNX recurrent form (tanh, sigmoid and relu do)")
    return name


def _gates(array: np.ndarray, units: int, order) -> np.ndarray:
    """The last axis's blocks of ``units`` rearranged to ``order``."""
    blocks = [array[..., k * units:(k + 1) * units] for k in range(array.shape[-1] // units)]
    return np.concatenate([blocks[k] for k in order], axis=-1)


def _reverse_steps(g, x: str, name: str) -> str:
    return g.node("Slice", [x, g.ints([-1]), g.ints([INT64_MIN]), g.ints([1]), g.ints([-1])],
                  name=name)


@converter(SimpleRNN, LSTM, GRU)
def _recurrent(ctx, layer, x):
    g, name, u = ctx.g, layer.name, layer.units
    kind = type(layer).__name__
    if layer.stateful:
        raise UnsupportedLayerError(
            f"{kind} {name!r} is stateful: its state lives between calls, which an ONNX graph "
            f"cannot keep; export a copy built with stateful=False (set_weights from this one)")
    order = _LSTM_GATES if kind == "LSTM" else list(range(layer.gates))
    kernel = g.weight(layer.kernel, lambda k: _gates(k, u, order).T[None], "onnx")
    recurrent = g.weight(layer.recurrent_kernel, lambda k: _gates(k, u, order).T[None], "onnx")
    width = layer.gates * u
    if layer.bias is None:
        bias = np.zeros(2 * width, layer.kernel.dtype)
        bias_name = g.constant(bias[None], name=f"{name}/bias")
    elif kind == "GRU" and layer.reset_after:
        bias_name = g.weight(layer.bias, lambda b: b.reshape(1, 2 * width), "onnx")
    else:
        bias_name = g.weight(layer.bias, lambda b: np.concatenate(
            [_gates(b, u, order), np.zeros_like(b)])[None], "onnx")
    steps = x.name
    if layer.go_backwards:
        steps = _reverse_steps(g, steps, f"{name}/backwards")
    steps = g.transpose(steps, [1, 0, 2], name=f"{name}/time_major")
    attributes = {"hidden_size": u}
    if kind == "SimpleRNN":
        attributes["activations"] = [_activation_name(layer, layer.activation)]
    else:
        gate = _activation_name(layer, layer.recurrent_activation)
        cell = _activation_name(layer, layer.activation)
        attributes["activations"] = [gate, cell] + ([cell] if kind == "LSTM" else [])
    if kind == "GRU":
        attributes["linear_before_reset"] = int(layer.reset_after)
    op = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}[kind]
    parts = 3 if kind == "LSTM" else 2
    outs = g.node(op, [steps, kernel, recurrent, bias_name], name=f"{name}/{op.lower()}",
                  outputs=parts, **attributes)
    last = g.squeeze(outs[1], [0], name=f"{name}/last")
    if layer.return_sequences:
        sequence = g.squeeze(outs[0], [1], name=f"{name}/sequence")
        output = g.transpose(sequence, [1, 0, 2], name=name)
    else:
        output = last
    if not layer.return_state:
        return output
    states = [last] + ([g.squeeze(outs[2], [0], name=f"{name}/cell")] if kind == "LSTM" else [])
    return [output] + states


@converter(Bidirectional)
def _bidirectional(ctx, layer, x):
    g, name = ctx.g, layer.name
    outs = []
    for sub in (layer.forward_layer, layer.backward_layer):
        out = ctx.convert(sub, x)
        outs.append(out if isinstance(out, list) else [out])
    y, y_back = outs[0][0].name, outs[1][0].name
    opposite = layer.backward_layer.go_backwards != layer.forward_layer.go_backwards
    if layer.return_sequences and opposite:
        y_back = _reverse_steps(g, y_back, f"{name}/forward_order")
    if layer.merge_mode is None:
        merged = [y, y_back]
    elif layer.merge_mode == "concat":
        merged = [g.node("Concat", [y, y_back], name=name, axis=-1)]
    elif layer.merge_mode == "sum":
        merged = [g.node("Add", [y, y_back], name=name)]
    elif layer.merge_mode == "mul":
        merged = [g.node("Mul", [y, y_back], name=name)]
    else:
        total = g.node("Add", [y, y_back], name=f"{name}/sum")
        merged = [g.node("Mul", [total, g.constant(0.5)], name=name)]
    if not layer.return_state:
        return merged[0] if len(merged) == 1 else merged
    return merged + [v.name for v in outs[0][1:] + outs[1][1:]]


@converter(RNN)
def _rnn(ctx, layer, x):
    """The cells' layers one after the other (see :mod:`deepgrad.layers.rnn`)."""
    states = []
    for inner in layer.cell_layers:
        out = ctx.convert(inner, x)
        x, more = (out[0], out[1:]) if isinstance(out, list) else (out, [])
        states += more
    if not layer.return_state:
        return x
    return [x.name] + [v.name for v in states]


@converter(TimeDistributed)
def _time_distributed(ctx, layer, x):
    g, name = ctx.g, layer.name
    if any(s is None for s in x.shape[2:]):
        raise UnsupportedLayerError(f"TimeDistributed {name!r} needs fixed sizes after the steps "
                                    f"to be exported to ONNX; got inputs of shape {x.shape}")
    shape = g.node("Shape", [x.name], name=f"{name}/shape")
    batch_and_steps = g.node("Slice", [shape, g.ints([0]), g.ints([2])], name=f"{name}/n_steps")
    flat = g.reshape(x.name, [-1, *x.shape[2:]], name=f"{name}/flat")
    inner = ctx.convert(layer.layer, Value(flat, (None, *x.shape[2:])))
    rest = g.ints(list(inner.shape[1:]), "rest")
    out_shape = g.node("Concat", [batch_and_steps, rest], name=f"{name}/out_shape", axis=0)
    return g.node("Reshape", [inner.name, out_shape], name=name)


@converter(Embedding)
def _embedding(ctx, layer, x):
    g = ctx.g
    indices = g.node("Cast", [x.name], name=f"{layer.name}/indices", to=7)  # int64
    return g.node("Gather", [g.weight(layer.embeddings), indices], name=layer.name, axis=0)


@converter(Masking)
def _masking(ctx, layer, x):
    """``x`` with the steps whose features all equal ``mask_value`` zeroed."""
    g, name = ctx.g, layer.name
    equal = g.node("Equal", [x.name, g.constant(layer.mask_value)], name=f"{name}/equal")
    differs = g.node("Not", [equal], name=f"{name}/differs")
    as_float = g.node("Cast", [differs], name=f"{name}/as_float",
                      to=1 if g.dtype == np.float32 else 11)
    keep = g.reduce("ReduceMax", as_float, [-1], True, name=f"{name}/keep")
    return g.node("Mul", [x.name, keep], name=name)


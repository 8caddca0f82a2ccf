"""``summary``'s table: each layer's output shape and parameter count, as Keras prints it, and
for a functional model that is not a plain chain, what each layer is connected to."""

from __future__ import annotations

from ..layers import InputLayer

__all__ = ["summary_lines"]


def _format_shape(shape) -> str:
    if isinstance(shape, list):
        return ", ".join(_format_shape(s) for s in shape)
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _shapes(model) -> dict:
    """Each layer's output shape (by id), where the model knows it."""
    graph = getattr(model, "graph", None)
    if graph is not None:
        shapes = {id(t.node.layer): t.shape for t in graph.inputs}
        for node in graph.nodes:
            outs = [t.shape for t in node.outputs]
            shapes.setdefault(id(node.layer), outs[0] if len(outs) == 1 else outs)
        return shapes
    if model.built and hasattr(model, "_output_shapes"):
        return {id(layer): shape for layer, shape in zip(model._layers, model._output_shapes)}
    return {}


def _is_chain(graph) -> bool:
    """Whether each call takes the previous call's single output (a Sequential in disguise)."""
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        return False
    previous = graph.inputs[0]
    for node in graph.nodes:
        if len(node.outputs) != 1 or node.input_tensors != [previous]:
            return False
        previous = node.outputs[0]
    return len({id(node.layer) for node in graph.nodes}) == len(graph.nodes)


def summary_lines(model) -> list[str]:
    """Keras-style table: layer (type), output shape, parameter count (and connections); then
    the totals."""
    graph = getattr(model, "graph", None)
    connected = graph is not None and not _is_chain(graph)
    shapes = _shapes(model)
    rows = []
    for layer in model.layers:
        if isinstance(layer, InputLayer) and graph is None:  # Keras lists it in graphs only
            continue
        shape = shapes.get(id(layer))
        count = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})",
               _format_shape(shape) if shape is not None else "?", count]
        if connected:
            calls = graph.inbound(layer)
            row.append(", ".join(label for call in calls for label in call) or "-")
        rows.append(tuple(row))
    header = ("Layer (type)", "Output Shape", "Param #") + (("Connected to",) if connected else ())
    columns = len(header)
    widths = [max(len(r[i]) for r in rows + [header]) + 2 for i in range(columns)]
    widths[0] = max(widths[0], 30)
    line = "+" + "+".join("-" * w for w in widths) + "+"

    def fmt(r):
        cells = [f" {r[i]:>{widths[i] - 2}} " if i == 2 else f" {r[i]:<{widths[i] - 2}} "
                 for i in range(columns)]
        return "|" + "|".join(cells) + "|"

    trainable = sum(w.size for w in model.trainable_weights)
    total = model.count_params()
    itemsize = model.weights_dtype.itemsize

    def size(n):
        return f"{n:,} ({n * itemsize / 1024:.2f} KB)" if n * itemsize >= 1024 else f"{n:,} ({n * itemsize} B)"

    lines = [f'Model: "{model.name}"', line, fmt(header), line.replace("-", "=")]
    lines += [fmt(r) for r in rows]
    lines += [line, f" Total params: {size(total)}", f" Trainable params: {size(trainable)}",
              f" Non-trainable params: {size(total - trainable)}"]
    return lines

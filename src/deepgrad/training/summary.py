"""``summary``'s table: each layer's output shape and parameter count, as Keras prints it."""

from __future__ import annotations

from ..layers import Input

__all__ = ["summary_lines"]


def _format_shape(shape) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def summary_lines(model) -> list[str]:
    """Keras-style table: layer (type), output shape, parameter count; then the totals."""
    rows = []
    shapes = model._output_shapes if model.built else [None] * len(model.layers)
    for layer, shape in zip(model.layers, shapes):
        if isinstance(layer, Input):  # Keras does not list the input as a layer
            continue
        shown = _format_shape(shape) if shape is not None else "?"
        count = str(layer.count_params()) if layer.built else "0 (unbuilt)"
        rows.append((f"{layer.name} ({type(layer).__name__})", shown, count))
    header = ("Layer (type)", "Output Shape", "Param #")
    widths = [max(len(r[i]) for r in rows + [header]) + 2 for i in range(3)]
    widths[0] = max(widths[0], 30)
    line = "+" + "+".join("-" * w for w in widths) + "+"
    fmt = lambda r: "|" + "|".join(  # noqa: E731
        f" {r[i]:<{widths[i] - 2}} " if i < 2 else f" {r[i]:>{widths[i] - 2}} " for i in range(3)
    ) + "|"
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

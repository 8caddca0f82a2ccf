"""The optimizer step of a :class:`~deepgrad.explain.Trace`, written out: the update rule of its
optimizer and, per weight, the value before, the gradient and the value after (see
:mod:`.trace_text` for the rest of the step)."""

from __future__ import annotations

from .notation import DOT, EQ, MINUS, Code, Math, Name, Writer, equation

__all__ = ["update_lines"]


#: Each optimizer's update, as :mod:`deepgrad.optimizers` computes it (t is the 1-based step).
_RULES = {
    "SGD": "v ← μ·v − η·g, then w ← w + v (Nesterov: w ← w + μ·v − η·g); clipping and weight "
           "decay first when set",
    "Adam": "m ← m + (1 − β₁)(g − m), v ← v + (1 − β₂)(g² − v), "
            "w ← w − η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·m/(√v + ε)",
    "AdamW": "w ← w − η·λ·w (decoupled weight decay), then the Adam step",
    "Nadam": "the Adam step with Nesterov momentum (Keras's Nadam)",
    "RMSprop": "s ← ρ·s + (1 − ρ)·g², w ← w − η·g/√(s + ε)",
    "Adagrad": "acc ← acc + g², w ← w − η·g/√(acc + ε)",
    "Adadelta": "E[g²] ← ρ·E[g²] + (1 − ρ)·g², Δ = −√(E[Δ²] + ε)/√(E[g²] + ε)·g, "
                "E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ², w ← w + η·Δ",
}


def update_lines(trace, w: Writer) -> list:
    """The optimizer step of a trace: the rule, then each weight's old value, gradient and new
    value (gradient descent: the step written out as arithmetic)."""
    eta = w.num(trace.learning_rate)
    if trace.plain_sgd:
        rule = Math("w ← w − η·∂L/∂w", r"w \leftarrow w - \eta \cdot \frac{\partial L}{\partial w}")
        out = [("section", ["One optimizer step: gradient descent, ", rule, " with ",
                            Math("η = ", r"\eta = ") + eta])]
    else:
        out = [("section", ["One optimizer step: ", Code(trace.optimizer), " (learning rate ", eta,
                            " for this step)"])]
        rule = _RULES.get(trace.optimizer.split("(")[0])
        if rule:
            out.append(("para", [f"Per weight, with g = ∂L/∂w: {rule}."]))
    for l, layer in enumerate(trace.layers, start=1):
        if not layer.trainable:
            out.append(("para", [f"Layer {l} ", Name(layer.name),
                                 " is frozen (trainable=False): its weights stay as they are."]))
            continue
        new_kernel = trace.updated_weights[f"{layer.name}/kernel"]
        rows = [(w.w(l, i + 1, j + 1), layer.kernel[i, j], layer.grad_kernel[i, j], new_kernel[i, j])
                for j in range(layer.units) for i in range(layer.inputs.shape[0])]
        if layer.bias is not None:
            new_bias = trace.updated_weights[f"{layer.name}/bias"]
            rows += [(w.b(l, j + 1), layer.bias[j], layer.grad_bias[j], new_bias[j])
                     for j in range(layer.units)]
        for symbol, old, grad, new in rows:
            if trace.plain_sgd:
                step = w.num(old) + MINUS + eta + DOT + w.factor(grad)
                out.append(("eq", equation(symbol + Math(" ← ", r" \leftarrow ") + step, w.num(new))))
            else:
                out.append(("eq", symbol + Math(": ", r"\colon\ ") + w.num(old) + Math(" → ", r" \to ")
                            + w.num(new) + Math("   (", r" \quad (") + w.d("L", symbol) + EQ
                            + w.num(grad) + ")"))
    return out

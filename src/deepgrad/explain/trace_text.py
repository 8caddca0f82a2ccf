"""A :class:`~deepgrad.explain.Trace` written out: :func:`lines` lists the step as headings,
sentences and equations (:mod:`.notation` spells each formula in Unicode and in LaTeX), and
:func:`as_text` and :func:`as_markdown` lay them out — plain text indented by level, or Markdown
with ``#`` headings and every equation as ``$$ … $$`` display math (as GitHub renders it).
"""

from __future__ import annotations

import textwrap

import numpy as np

from .notation import DOT, EQ, MINUS, PLUS, Code, Math, Name, Writer, equation, fn, frac, join
from .trace_update import update_lines

__all__ = ["as_markdown", "as_text", "lines"]


# ---------------------------------------------------------------------- the lines


def _header(trace, w: Writer) -> list:
    network = [f"{trace.x.shape[0]} inputs"]
    for layer in trace.layers:
        network += [" → ", Name(layer.name), f" ({_layer_kind(layer)})"]
    count = sum(g.size for g in trace.gradients.values())
    y = Math("(") + w.vector(trace.y) + ")" if trace.y.shape[0] > 1 else w.num(trace.y[0])
    label = [f" (class {int(np.argmax(trace.y))}, one-hot)"] if trace.loss_kind.startswith("scce") else []
    heading = ["One training step of ", Name(trace.model_name), ", written out"]
    out = []
    if trace.title:
        out.append(("title", [trace.title]))
        out += [("para", [sentence]) for sentence in trace.description]
        out.append(("title2", heading))
    else:
        out.append(("title", heading))
    return out + [
        ("item", ["network: ", *network, f"; {count} weights"]),
        ("item", ["sample: ", Math("x = (") + w.vector(trace.x) + ")", ", ", Math("y = ") + y, *label]),
        ("item", ["loss: ", Code(trace.loss_name), "; optimizer: ", Code(trace.optimizer)]),
        ("item", [f"numbers to {w.digits} significant digits (computed in float64)"]),
    ]


def _layer_kind(layer) -> str:
    return f"Dense, {layer.units} unit{'s' if layer.units > 1 else ''}, {layer.activation}"


def _forward(trace, w: Writer) -> list:
    out = [("section", ["Forward pass: ", Math("z = Wᵀx + b", r"z = W^\top x + b"), ", ",
                        Math("a = f(z)")])]
    n = len(trace.layers)
    for l, layer in enumerate(trace.layers, start=1):
        out.append(("layer", _layer_title(l, layer)))
        for j in range(1, layer.units + 1):
            terms = [w.w(l, i, j) + DOT + w.input(l, i) for i in range(1, layer.inputs.shape[0] + 1)]
            numbers = [w.factor(layer.kernel[i, j - 1]) + DOT + w.factor(layer.inputs[i])
                       for i in range(layer.inputs.shape[0])]
            products = list(layer.kernel[:, j - 1] * layer.inputs)
            if layer.bias is not None:
                terms.append(w.b(l, j))
                numbers.append(w.factor(layer.bias[j - 1]))
                products.append(layer.bias[j - 1])
            out.append(("eq", equation(w.z(l, j), join(terms, PLUS), join(numbers, PLUS),
                                        w.signed_sum(products), w.num(layer.z[j - 1]))))
            left = w.a(l, j) if l < n else (w.a(l, j) + EQ + w.sym("a", l, j))
            out.append(("eq", equation(left, *_activation_value(w, layer, l, j))))
    out.append(("result", _prediction(trace, w)))
    out.append(("result", ["Loss: ", _loss_equation(trace, w)]))
    return out


def _layer_title(l: int, layer) -> list:
    return [f"Layer {l} ", Name(layer.name), f" ({_layer_kind(layer)})"]


def _activation_value(w: Writer, layer, l: int, j: int) -> list:
    """The sides of ``a = f(z) = f(number) = value``."""
    z, a, name = layer.z[j - 1], layer.a[j - 1], layer.activation
    if name == "linear":
        return [w.z(l, j), w.num(a)]
    if name == "softmax":
        z_j, z_k = w.z(l, j), w.z(l, "k")
        symbolic = Math(f"e^{z_j.text} / Σₖ e^{z_k.text}",
                        rf"\frac{{e^{{{z_j.tex}}}}}{{\sum_k e^{{{z_k.tex}}}}}")
        powers = [w.num(v) for v in layer.z]
        numbers = Math(f"e^{w.num(z).text} / ({' + '.join('e^' + p.text for p in powers)})",
                       rf"\frac{{e^{{{w.num(z).tex}}}}}{{{' + '.join('e^{' + p.tex + '}' for p in powers)}}}")
        return [symbolic, numbers, w.num(a)]
    if name == "relu":
        return [fn(name, w.z(l, j)), Math("max(0, ", r"\max(0, ") + w.num(z) + ")", w.num(a)]
    return [fn(name, w.z(l, j)), fn(name, w.num(z)), w.num(a)]


def _prediction(trace, w: Writer) -> list:
    c, p = trace.predicted_class, trace.prediction
    y_hat = Math("ŷ = ", r"\hat{y} = ")
    if c is None:
        return ["Prediction: ", y_hat + (w.num(p[0]) if p.shape[0] == 1 else Math("(") + w.vector(p) + ")")]
    if p.shape[0] == 1:
        if trace.layers[-1].activation == "step":
            return ["Prediction: ", y_hat + w.num(p[0]), f" → class {c}"]
        cut = "0" if trace.loss_kind == "bce_logits" else "0.5"
        relation = Math(f" ≥ {cut}", rf" \geq {cut}") if c == 1 else Math(f" < {cut}")
        return ["Prediction: ", y_hat + w.num(p[0]) + relation, f" → class {c}"]
    kind = "logit" if trace.loss_kind.endswith("_logits") else "probability"
    return [f"Prediction: the largest {kind} is ", w.a(len(trace.layers), c + 1) + EQ + w.num(p[c]),
            f" → class {c} (classes counted from 0)"]


def _loss_equation(trace, w: Writer) -> Math:
    kind, y, p, k = trace.loss_kind, trace.y, trace.prediction, trace.prediction.shape[0]
    n = len(trace.layers)
    yj, pj = w.y("j") if k > 1 else w.y(1), w.a(n, "j") if k > 1 else w.a(n, 1)
    mean = Math("(1/k)·Σⱼ ", r"\frac{1}{k}\sum_j ") if k > 1 else Math("")
    mean_n = Math(f"(1/{k})·", rf"\frac{{1}}{{{k}}} \cdot ") if k > 1 else Math("")

    def bracket(terms):
        return (Math("[") + join(terms, PLUS) + "]") if k > 1 else terms[0]

    if kind in ("mse", "mae"):
        if kind == "mse":
            sym = Math("(") + yj + MINUS + pj + Math(")²", ")^2")
            terms = [Math("(") + w.num(a) + MINUS + w.factor(b) + Math(")²", ")^2") for a, b in zip(y, p)]
        else:
            sym = Math("|") + yj + MINUS + pj + "|"
            terms = [Math("|") + w.num(a) + MINUS + w.factor(b) + "|" for a, b in zip(y, p)]
        return equation(Math("L"), mean + sym, mean_n + bracket(terms), w.num(trace.loss))
    if kind.startswith("bce"):
        q = p if kind == "bce" else 1.0 / (1.0 + np.exp(-p))
        s = pj if kind == "bce" else Math("σ(", r"\sigma(") + pj + ")"
        sym = Math("−[", "-[") + yj + DOT + Math("log ", r"\log ") + s + PLUS + Math("(1 − ", "(1 - ") \
            + yj + ")" + DOT + Math("log(1 − ", r"\log(1 - ") + s + ")]"
        terms = [Math("−[", "-[") + w.num(a) + DOT + Math("log ", r"\log ") + w.num(b) + PLUS
                 + Math("(1 − ", "(1 - ") + w.num(a) + ")" + DOT + Math("log(1 − ", r"\log(1 - ")
                 + w.num(b) + ")]" for a, b in zip(y, q)]
        sides = [Math("L"), mean + sym, mean_n + bracket(terms), w.num(trace.loss)]
        if kind == "bce_logits":
            sides.insert(2, Math("with σ(ŷ) = ", r"\text{with } \sigma(\hat{y}) = ") + w.vector(q))
            return join(sides[:2], EQ) + Math(", ") + sides[2] + EQ + join(sides[3:], EQ)
        return equation(*sides)
    # categorical cross-entropies: L = −Σⱼ yⱼ·log ŷⱼ (of the softmax of the logits)
    q = p if kind in ("cce", "scce") else np.exp(p - p.max()) / np.exp(p - p.max()).sum()
    s = pj if kind in ("cce", "scce") else Math("softmax(ŷ)ⱼ", r"\mathrm{softmax}(\hat{y})_j")
    sym = Math("−Σⱼ ", r"-\sum_j ") + w.y("j") + DOT + Math("log ", r"\log ") + s
    used = [(a, b) for a, b in zip(y, q) if a != 0]
    numbers = Math("−[", "-[") + join([w.num(a) + DOT + Math("log ", r"\log ") + w.num(b)
                                       for a, b in used], PLUS) + "]"
    return equation(Math("L"), sym, numbers, w.num(trace.loss))


def _loss_derivative(trace, w: Writer, j: int) -> Math:
    """``∂L/∂ŷⱼ = formula = numbers = value`` for output ``j`` (1-based); the elementwise losses
    are means over the k outputs, hence their ``/k``."""
    kind, k = trace.loss_kind, trace.prediction.shape[0]
    y, p = trace.y[j - 1], trace.prediction[j - 1]
    yj, pj = w.y(j), w.a(len(trace.layers), j)
    one = Math("1")
    if kind == "mse":
        sym = Math("−2(", "-2(") + yj + MINUS + pj + ")"
        num = Math("−2·(", r"-2 \cdot (") + w.num(y) + MINUS + w.factor(p) + ")"
    elif kind == "mae":
        sym = Math("−sign(", r"-\mathrm{sign}(") + yj + MINUS + pj + ")"
        num = Math("−sign(", r"-\mathrm{sign}(") + w.num(y) + MINUS + w.factor(p) + ")"
    elif kind == "bce":
        sym = Math("−", "-") + frac(yj, pj) + PLUS + frac(one + MINUS + yj, one + MINUS + pj)
        num = Math("−", "-") + frac(w.num(y), w.num(p)) + PLUS + frac(one + MINUS + w.num(y),
                                                                     one + MINUS + w.num(p))
    elif kind == "bce_logits":
        sym = fn("sigmoid", pj) + MINUS + yj
        num = w.num(1.0 / (1.0 + np.exp(-p))) + MINUS + w.num(y)
    else:  # the softmax of the logits, minus the one-hot target: no mean over the outputs
        q = np.exp(trace.prediction - trace.prediction.max())
        sym = Math("softmax(ŷ)", r"\mathrm{softmax}(\hat{y})") + w.sym("", None, j) + MINUS + yj
        return equation(w.d("L", pj), sym, w.num(q[j - 1] / q.sum()) + MINUS + w.num(y),
                        w.num(trace.layers[-1].grad_a[j - 1]))
    if k > 1:
        sym, num = frac(sym, Math(str(k)), group=True), frac(num, Math(str(k)), group=True)
    return equation(w.d("L", pj), sym, num, w.num(trace.layers[-1].grad_a[j - 1]))


def _derivative(w: Writer, layer, l: int, j: int) -> Math:
    """``∂a/∂z = formula = numbers = value`` for an elementwise activation."""
    a_, z_ = w.a(l, j), w.z(l, j)
    z, a, f = layer.z[j - 1], layer.a[j - 1], layer.activation_derivative[j - 1]
    left, value, name = w.d(a_, z_), w.num(f), layer.activation
    one_minus = Math("(1 − ", "(1 - ")
    if name == "sigmoid":
        s = fn("sigmoid", z_)
        return equation(left, s + one_minus + s + ")", w.num(a) + DOT + one_minus + w.num(a) + ")",
                        value)
    if name == "tanh":
        return equation(left, Math("1 − tanh²(", r"1 - \tanh^2(") + z_ + ")",
                        Math("1 − ", "1 - ") + w.factor(a) + Math("²", "^2"), value)
    if name == "linear":
        return equation(left, Math("1 (linear)", r"1 \; \text{(linear)}"))
    if name == "relu":
        since = Math(", since ", r", \text{ since } ") + z_ + EQ + w.num(z)
        return equation(left, value + since + (Math(" > 0") if z > 0 else Math(" ≤ 0", r" \leq 0")))
    if name == "step":
        return equation(left, Math("0 (the step function is flat)",
                                   r"0 \; \text{(the step function is flat)}"))
    return equation(left, fn(name, w.num(z), prime=True), value)


def _backward(trace, w: Writer) -> list:
    out = [("section", ["Backward pass: the chain rule from L back to every weight"])]
    n = len(trace.layers)
    combined = trace.loss_kind in ("cce", "scce")
    for l in range(n, 0, -1):
        out.append(("layer", [f"Layer {l} ", Name(trace.layers[l - 1].name)]))
        if l == n and combined:
            jacobian = w.d("L", w.a(l, "k")) + DOT + w.d(w.a(l, "k"), w.z(l, "j"))
            out.append(("aside", [
                "Softmax with cross-entropy: ",
                w.d("L", w.z(l, "j")) + EQ + Math("Σₖ ", r"\sum_k ") + jacobian,
                " simplifies to ", w.a(l, "j") + MINUS + w.y("j"), "."]))
        if l < n:
            out.append(("aside", [
                "Each ", w.sym("a", l, "j"), f" reaches L through every neuron of layer {l + 1}: ",
                w.d("L", w.sym("a", l, "j")), " is the sum over those paths."]))
        for j in range(1, trace.layers[l - 1].units + 1):
            out += _neuron_backward(trace, w, l, j, combined=combined and l == n)
    count = sum(g.size for g in trace.gradients.values())
    out.append(("para", [f"Check: these {count} gradients equal deepgrad's autograd gradients "
                         f"(largest difference {trace.autograd_difference:.1e})."]))
    return out


def _neuron_backward(trace, w: Writer, l: int, j: int, *, combined: bool) -> list:
    """Neuron ``j`` of layer ``l``: ``∂L/∂a`` (from the loss, or summed over the paths through
    the next layer), ``∂a/∂z``, ``∂L/∂z``, then every ``∂L/∂w`` and ``∂L/∂b`` as products."""
    layer = trace.layers[l - 1]
    a_, z_, delta = w.a(l, j), w.z(l, j), layer.grad_z[j - 1]
    out = []
    if combined:
        out.append(("eq", equation(w.d("L", z_), a_ + MINUS + w.y(j),
                                   w.num(layer.a[j - 1]) + MINUS + w.num(trace.y[j - 1]),
                                   w.num(delta))))
    else:
        last = l == len(trace.layers)
        out.append(("eq", _loss_derivative(trace, w, j) if last else _paths(trace, w, l, j)))
        if layer.activation == "softmax":
            out.append(("eq", _softmax_delta(w, layer, l, j)))
        else:
            out.append(("eq", _derivative(w, layer, l, j)))
            factors = w.factor(layer.grad_a[j - 1]) + DOT + w.factor(layer.activation_derivative[j - 1])
            out.append(("eq", equation(w.d("L", z_), w.d("L", a_) + DOT + w.d(a_, z_), factors,
                                       w.num(delta))))
    if combined or layer.activation == "softmax":
        chain, values = [w.d("L", z_)], [delta]
    else:
        chain = [w.d("L", a_), w.d(a_, z_)]
        values = [layer.grad_a[j - 1], layer.activation_derivative[j - 1]]
    weights = [(w.w(l, i + 1, j), w.factor(x), layer.grad_kernel[i, j - 1])
               for i, x in enumerate(layer.inputs)]
    if layer.bias is not None:
        weights.append((w.b(l, j), Math("1"), layer.grad_bias[j - 1]))
    for symbol, last_factor, grad in weights:
        out.append(("eq", equation(w.d("L", symbol), join(chain + [w.d(z_, symbol)], DOT),
                                   join([w.factor(v) for v in values] + [last_factor], DOT),
                                   w.num(grad))))
    return out


def _softmax_delta(w: Writer, layer, l: int, j: int) -> Math:
    """``∂L/∂zⱼ = aⱼ·(∂L/∂aⱼ − Σₖ aₖ·∂L/∂aₖ)``: the softmax's Jacobian applied to ∂L/∂a."""
    a_j, a_k = w.sym("a", l, j), w.sym("a", l, "k")
    symbolic = a_j + Math("·(", r" \cdot (") + w.d("L", a_j) + MINUS + Math("Σₖ ", r"\sum_k ") \
        + a_k + DOT + w.d("L", a_k) + ")"
    weighted = float(np.dot(layer.a, layer.grad_a))
    numbers = w.num(layer.a[j - 1]) + Math("·(", r" \cdot (") + w.num(layer.grad_a[j - 1]) + MINUS \
        + w.factor(weighted) + ")"
    return equation(w.d("L", w.z(l, j)), symbolic, numbers, w.num(layer.grad_z[j - 1]))


def _paths(trace, w: Writer, l: int, j: int) -> Math:
    """``∂L/∂a⁽ˡ⁾ⱼ = Σₖ ∂L/∂z⁽ˡ⁺¹⁾ₖ·w⁽ˡ⁺¹⁾ⱼₖ`` with its terms: the sum over the paths."""
    after = trace.layers[l]
    if after.units <= 3:
        symbolic = join([w.d("L", w.z(l + 1, k)) + DOT + w.w(l + 1, j, k)
                         for k in range(1, after.units + 1)], PLUS)
    else:
        symbolic = Math("Σₖ ", r"\sum_k ") + w.d("L", w.z(l + 1, "k")) + DOT + w.w(l + 1, j, "k")
    numbers = join([w.factor(after.grad_z[k]) + DOT + w.factor(after.kernel[j - 1, k])
                    for k in range(after.units)], PLUS)
    return equation(w.d("L", w.a(l, j)), symbolic, numbers, w.num(trace.layers[l - 1].grad_a[j - 1]))


def lines(trace, digits: int) -> list:
    """The trace as (kind, content) lines; kinds: title, title2, item, section, layer, para,
    aside (a remark inside a layer), result (a line not to wrap), eq, note."""
    w = Writer(trace, digits)
    out = _header(trace, w) + _forward(trace, w) + _backward(trace, w) + update_lines(trace, w)
    if trace.notes:
        out.append(("section", ["Where the notes differ"]))
        out += [("note", [note]) for note in trace.notes]
    return out


# ---------------------------------------------------------------------- rendering


def _prose(pieces, markdown: bool) -> str:
    out = []
    for piece in pieces:
        if isinstance(piece, Math):
            out.append(f"${piece.tex}$" if markdown else piece.text)
        elif isinstance(piece, Name):
            out.append(f"`{piece}`" if markdown else f'"{piece}"')
        elif isinstance(piece, Code):
            out.append(f"`{piece}`" if markdown else str(piece))
        else:
            out.append(str(piece))
    return "".join(out)


def as_text(trace, digits: int) -> str:
    """Plain text: sections flush left, layers indented by 2, equations by 4."""
    out = []
    for kind, content in lines(trace, digits):
        if kind in ("title", "title2"):
            if kind == "title2":
                out.append("")
            out.append(_prose(content, False))
        elif kind == "section":
            out += ["", _prose(content, False)]
        elif kind in ("item", "layer", "result"):
            out.append("  " + _prose(content, False))
        elif kind == "eq":
            out.append("    " + content.text)
        elif kind == "note":
            out += _wrap(_prose(content, False), "  - ", "    ")
        elif kind == "aside":
            out += _wrap(_prose(content, False), "    ", "    ")
        else:
            out += _wrap(_prose(content, False), "  ", "  ")
    return "\n".join(out) + "\n"


def _wrap(text: str, first: str, rest: str) -> list:
    return textwrap.wrap(text, width=100, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False) or [first.rstrip()]


def as_markdown(trace, digits: int) -> str:
    """Markdown: ``#`` headings, bullet lists, and every equation as one ``$$ … $$`` block."""
    blocks: list[str] = []
    listing: list[str] = []

    def flush():
        if listing:
            blocks.append("\n".join(listing))
            listing.clear()

    for kind, content in lines(trace, digits):
        if kind in ("item", "note"):
            listing.append("- " + _prose(content, True))
            continue
        flush()
        if kind == "title":
            blocks.append("# " + _prose(content, True))
        elif kind in ("title2", "section"):
            blocks.append("## " + _prose(content, True))
        elif kind == "layer":
            blocks.append("### " + _prose(content, True))
        elif kind == "eq":
            blocks.append(f"$${content.tex}$$")
        else:
            blocks.append(_prose(content, True))
    flush()
    return "\n\n".join(blocks) + "\n"

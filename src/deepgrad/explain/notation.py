"""The notation of a written-out training step, in two spellings at once.

Each formula is a :class:`Math`, which holds its plain-text spelling (Unicode:
``∂L/∂w⁽¹⁾₁₁ = (-0.5305)·0.1949``) and its LaTeX spelling
(``\\frac{\\partial L}{\\partial w^{(1)}_{11}} = (-0.5305) \\cdot 0.1949``), so the text and the
Markdown of a :class:`~deepgrad.explain.Trace` come from the same lines.

The symbols are the notes': layer ``l`` computes ``z⁽ˡ⁾ⱼ = Σᵢ w⁽ˡ⁾ᵢⱼ·a⁽ˡ⁻¹⁾ᵢ + b⁽ˡ⁾ⱼ`` and
``a⁽ˡ⁾ⱼ = f(z⁽ˡ⁾ⱼ)``, with ``a⁽⁰⁾ = x``; ``w⁽ˡ⁾ᵢⱼ`` is the weight from input ``i`` to neuron ``j``
(``kernel[i-1, j-1]``, Keras's layout, so ``z = Wᵀx + b``); the output ``a⁽ᴸ⁾`` is ``ŷ``. A
network of one layer drops the ``⁽ˡ⁾``.
"""

from __future__ import annotations

import math

__all__ = ["DOT", "EQ", "MINUS", "PLUS", "Code", "Math", "Name", "Writer", "as_math", "equation",
           "fn", "frac", "join", "number"]

_SUB = str.maketrans("0123456789ijk", "₀₁₂₃₄₅₆₇₈₉ᵢⱼₖ")
_SUP = str.maketrans("0123456789()L", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾ᴸ")
_TEX_BASE = {"ŷ": r"\hat{y}", "δ": r"\delta"}


class Math:
    """A piece of a formula in two spellings: plain Unicode ``text`` and LaTeX ``tex``."""

    __slots__ = ("tex", "text")

    def __init__(self, text: str, tex: str | None = None):
        self.text, self.tex = text, text if tex is None else tex

    def __add__(self, other) -> Math:
        other = as_math(other)
        return Math(self.text + other.text, self.tex + other.tex)

    def __radd__(self, other) -> Math:
        return as_math(other) + self


def as_math(piece) -> Math:
    return piece if isinstance(piece, Math) else Math(str(piece))


def join(pieces, separator) -> Math:
    out = Math("")
    for k, piece in enumerate(pieces):
        out = out + (separator if k else "") + piece
    return out


DOT = Math("·", r" \cdot ")
EQ = Math(" = ")
MINUS = Math(" − ", " - ")
PLUS = Math(" + ")


def equation(*sides) -> Math:
    return join(sides, EQ)


def frac(top, bottom, *, group: bool = False) -> Math:
    """``top/bottom``: ``\\frac`` in LaTeX; in text, a compound part in parentheses (``group``:
    the top always)."""
    top, bottom = as_math(top), as_math(bottom)

    def wrap(part: Math, always: bool) -> str:
        return f"({part.text})" if always or " " in part.text or "/" in part.text else part.text

    return Math(f"{wrap(top, group)}/{wrap(bottom, False)}", rf"\frac{{{top.tex}}}{{{bottom.tex}}}")


def number(value, digits: int) -> Math:
    """``value`` to ``digits`` significant digits: ``0.7371``, ``95``, ``-0.5305``, ``2.8e-17``."""
    value = float(value)
    if not math.isfinite(value):
        return Math(str(value), r"\infty" if value > 0 else (r"-\infty" if value < 0 else "NaN"))
    rounded = float(f"{value:.{digits}g}")
    if rounded == 0:
        return Math("0")
    exponent = math.floor(math.log10(abs(rounded)))
    if -4 <= exponent < max(digits, 6):
        text = f"{rounded:.{max(digits - 1 - exponent, 0)}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return Math(text)
    mantissa, power = f"{rounded:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return Math(f"{mantissa}e{int(power)}", rf"{mantissa} \times 10^{{{int(power)}}}")


class Writer:
    """Symbols and numbers for one trace."""

    def __init__(self, trace, digits: int):
        self.trace, self.digits = trace, digits
        self.deep = len(trace.layers) > 1
        self.n_out = trace.layers[-1].units

    # ------------------------------------------------------------------ symbols
    def sym(self, base: str, layer: int | None, *index) -> Math:
        """``w⁽ˡ⁾ᵢⱼ``: ``base`` with the layer (when the network is deep) and 1-based indices."""
        sub = [str(i) for i in index]
        joined = ("," if any(len(s) > 1 for s in sub) else "").join(sub)
        sup = f"({layer})" if layer is not None and self.deep else ""
        text = base + sup.translate(_SUP) + joined.translate(_SUB)
        tex = _TEX_BASE.get(base, base) + (f"^{{{sup}}}" if sup else "") + (f"_{{{joined}}}" if joined else "")
        return Math(text, tex)

    def a(self, layer: int, j) -> Math:
        """The activation of neuron ``j`` of ``layer`` (1-based); ŷ for the output layer."""
        if layer == len(self.trace.layers):
            return self.sym("ŷ", None, *(() if self.n_out == 1 else (j,)))
        return self.sym("a", layer, j)

    def y(self, j) -> Math:
        return self.sym("y", None, *(() if self.n_out == 1 else (j,)))

    def input(self, layer: int, i) -> Math:
        return self.sym("x", None, i) if layer == 1 else self.a(layer - 1, i)

    def z(self, layer: int, j) -> Math:
        return self.sym("z", layer, j)

    def w(self, layer: int, i, j) -> Math:
        return self.sym("w", layer, i, j)

    def b(self, layer: int, j) -> Math:
        return self.sym("b", layer, j)

    @staticmethod
    def d(top, bottom) -> Math:
        """``∂top/∂bottom``."""
        top, bottom = as_math(top), as_math(bottom)
        return Math(f"∂{top.text}/∂{bottom.text}", rf"\frac{{\partial {top.tex}}}{{\partial {bottom.tex}}}")

    # ------------------------------------------------------------------ numbers
    def num(self, value) -> Math:
        return number(value, self.digits)

    def factor(self, value) -> Math:
        """A number as a factor of a product: negative ones in parentheses."""
        text = self.num(value)
        return Math(f"({text.text})", f"({text.tex})") if text.text.startswith("-") else text

    def signed_sum(self, values) -> Math:
        """``0.95 + 0.08 − 0.001``."""
        out = Math("")
        for k, value in enumerate(values):
            text = self.num(value)
            negative = text.text.startswith("-")
            if k == 0:
                out = out + text
            else:
                magnitude = Math(text.text.lstrip("-"), text.tex.lstrip("-"))
                out = out + (MINUS if negative else PLUS) + magnitude
        return out

    def vector(self, values) -> Math:
        return join([self.num(v) for v in values], ", ")


def fn(name: str, argument, *, prime: bool = False) -> Math:
    """``f(argument)`` for the activation ``name`` (σ, tanh, relu, ...); ``f′(argument)`` with
    ``prime``."""
    base = name.split("(")[0]
    mark = Math("′", "'") if prime else Math("")
    if base == "sigmoid":
        head = Math("σ", r"\sigma")
    elif base == "tanh":
        head = Math("tanh", r"\tanh")
    else:
        head = Math(base, rf"\mathrm{{{base.replace('_', chr(92) + '_')}}}")
    return head + mark + "(" + as_math(argument) + ")"


class Name(str):
    """A layer or model name: "name" in text, `name` in Markdown."""


class Code(str):
    """Code (an optimizer's repr): as is in text, `code` in Markdown."""

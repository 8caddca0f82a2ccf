"""See the computational graph behind a tensor, with values and gradients.

``graph(t)`` gives Graphviz DOT text (render it with ``dot -Tpng`` or any online viewer; no
graphviz binary is needed to produce it) and ``tree(t)`` a plain-text tree. When ``t`` is a scalar
that requires grad, every node is annotated with the gradient of ``t`` with respect to it — the
chain rule's numbers, including those of intermediate nodes — computed without touching ``.grad``.
"""

from __future__ import annotations

import numpy as np

from ..autograd.engine import backpropagate
from ..autograd.tensor import Tensor

__all__ = ["graph", "tree", "nodes"]


def nodes(root: Tensor) -> list[Tensor]:
    """Every tensor in the graph of ``root`` (constants included), inputs before outputs."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if node._ctx is not None:
            stack.extend((parent, False) for parent in reversed(node._ctx.inputs))
    return order


def _gradients(root: Tensor) -> dict[int, np.ndarray]:
    if root.requires_grad and root.size == 1:
        kept = backpropagate(root, np.ones_like(root.data), keep_all=True)
        return {id(t): g for t, g in kept.items()}
    return {id(t): t.grad for t in nodes(root) if t.grad is not None}


def _number(array: np.ndarray) -> str:
    return f"{float(np.asarray(array).reshape(-1)[0]):.6g}"


def _describe(t: Tensor, grads: dict[int, np.ndarray], names: dict[int, str]) -> tuple[str, str]:
    """(value text, gradient text) for one node."""
    value = _number(t.data) if t.size == 1 else f"shape {t.shape}"
    grad = grads.get(id(t))
    if grad is None:
        return value, ""
    grad_text = _number(grad) if np.size(grad) == 1 else f"shape {np.shape(grad)}, |g|={np.linalg.norm(grad):.4g}"
    return value, grad_text


def _names(order: list[Tensor]) -> dict[int, str]:
    """Given names, or t1, t2, ... for unnamed results; constants are shown by value."""
    names, counter = {}, 0
    for t in order:
        if t.name:
            names[id(t)] = t.name
        elif t._ctx is not None:
            counter += 1
            names[id(t)] = f"t{counter}"
        elif t.requires_grad:
            counter += 1
            names[id(t)] = f"x{counter}"
        else:
            names[id(t)] = "const"
    return names


def graph(root: Tensor, *, rankdir: str = "LR") -> str:
    """The graph behind ``root`` as Graphviz DOT text.

    Each tensor is a box with its name, shape, value (for scalars) and gradient; each operation
    is an ellipse between its inputs and its output.

    >>> import deepgrad as dg
    >>> a = dg.Tensor(5.0, requires_grad=True, name="a")
    >>> J = 3 * a
    >>> print(graph(J).splitlines()[0])
    digraph deepgrad {
    """
    order = nodes(root)
    grads, names = _gradients(root), _names(order)
    lines = [
        "digraph deepgrad {",
        f"  rankdir={rankdir};",
        '  node [fontname="Helvetica", fontsize=11];',
    ]
    key = {id(t): k for k, t in enumerate(order)}
    for t in order:
        value, grad = _describe(t, grads, names)
        fields = [names[id(t)], f"shape {t.shape}" if t.size == 1 else value]
        if t.size == 1:
            fields.append(f"value {value}")
        if grad:
            fields.append(f"grad {grad}")
        label = " | ".join(_escape(f) for f in fields)
        style = ', style=filled, fillcolor="#e8f0fe"' if t._ctx is None and t.requires_grad else ""
        lines.append(f'  n{key[id(t)]} [shape=record, label="{{ {label} }}"{style}];')
        if t._ctx is not None:
            op = f"op{key[id(t)]}"
            lines.append(f'  {op} [shape=ellipse, label="{type(t._ctx).__name__}"];')
            for parent in t._ctx.inputs:
                lines.append(f"  n{key[id(parent)]} -> {op};")
            lines.append(f"  {op} -> n{key[id(t)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    for char in '\\{}|<>"':
        text = text.replace(char, "\\" + char)
    return text


def tree(root: Tensor) -> str:
    """The graph behind ``root`` as an indented text tree, output at the top.

    A node reached a second time (a tensor used twice) is printed once and then referred to.

    >>> import deepgrad as dg
    >>> a = dg.Tensor(2.0, requires_grad=True, name="a")
    >>> y = (a * a).retain_grad()
    >>> print(tree(y))
    t1 = 4  [Mul]  grad 1
    ├── a = 2  (leaf)  grad 4
    └── a  (see above)
    """
    order = nodes(root)
    grads, names = _gradients(root), _names(order)
    lines: list[str] = []
    printed: set[int] = set()
    stack: list[tuple[Tensor, str, str]] = [(root, "", "")]
    while stack:
        t, prefix, child_prefix = stack.pop()
        name = names[id(t)]
        if id(t) in printed:
            lines.append(f"{prefix}{name}  (see above)")
            continue
        printed.add(id(t))
        value, grad = _describe(t, grads, names)
        kind = f"[{type(t._ctx).__name__}]" if t._ctx is not None else ("(leaf)" if t.requires_grad else "(constant)")
        head = f"{name} = {value}" if name != "const" else value
        lines.append(f"{prefix}{head}  {kind}" + (f"  grad {grad}" if grad else ""))
        if t._ctx is not None:
            parents = t._ctx.inputs
            for k in range(len(parents) - 1, -1, -1):
                last = k == len(parents) - 1
                stack.append(
                    (
                        parents[k],
                        child_prefix + ("└── " if last else "├── "),
                        child_prefix + ("    " if last else "│   "),
                    )
                )
    return "\n".join(lines)

"""The reverse-mode sweep: walk a graph of tensors from its output back to its leaves.

Nodes are tensors whose ``_ctx`` is the primitive that made them (see :mod:`deepgrad.ops`). The
sweep finds every node the output depends on (an iterative depth-first search, so graphs of any
depth work), then applies the primitives' ``backward`` in decreasing order of their
``sequence`` — the reverse of the order in which they ran — reduces every gradient to its
input's shape under broadcasting, and adds the contributions of every path ("add both paths").

Running the primitives in reverse order of execution (as PyTorch's engine orders them) fixes the
order in which a node's contributions are summed, whatever the shape of the graph. A recorded
step that replays a graph's primitives in reverse (:mod:`deepgrad.compile`) sums them in that
same order, so its gradients are bitwise the graph's.
"""

from __future__ import annotations

import numpy as np

__all__ = ["backpropagate", "topological_order", "unbroadcast"]


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes along which an input of ``shape`` was broadcast."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1
    )
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def _sequence(node) -> int:
    return node._ctx.sequence


def topological_order(root) -> list:
    """Tensors that ``root`` depends on (and which require grad), inputs before outputs: the
    leaves first, then the results of primitives in the order the primitives ran."""
    leaves, results = [], []
    seen: set[int] = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        ctx = node._ctx
        if ctx is None:
            leaves.append(node)
            continue
        results.append(node)
        for parent in ctx.inputs:
            if parent.requires_grad and id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    results.sort(key=_sequence)
    return leaves + results


def backpropagate(root, grad: np.ndarray, keep_all: bool = False) -> dict:
    """Reverse-mode sweep from ``root`` seeded with ``grad``.

    Returns the gradient of every leaf that requires grad (and of intermediates that called
    ``retain_grad()``, or of every node when ``keep_all``), without touching ``.grad``.
    """
    grads: dict[int, np.ndarray] = {id(root): grad}
    kept: dict = {}
    for node in reversed(topological_order(root)):
        node_grad = grads.pop(id(node), None)
        if node_grad is None:
            continue
        ctx = node._ctx
        if ctx is None or keep_all or node._retains_grad:
            kept[node] = node_grad
        if ctx is None:
            continue
        for parent, parent_grad in zip(ctx.inputs, ctx.backward(node_grad)):
            if parent_grad is None or not parent.requires_grad:
                continue
            parent_grad = unbroadcast(parent_grad, parent.data.shape)
            key = id(parent)
            previous = grads.get(key)
            grads[key] = parent_grad if previous is None else previous + parent_grad
    return kept

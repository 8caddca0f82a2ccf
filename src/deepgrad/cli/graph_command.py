"""``deepgrad graph``: the notes' computational graph J = 3(a + bc) with every value and
gradient."""

from __future__ import annotations

import sys


def graph_demo(out=None, dot: bool = False) -> None:
    """Build J(a, b, c) = 3(a + bc) at a=5, b=3, c=2 and show the chain rule's numbers."""
    out = out or sys.stdout
    from .. import explain
    from ..autograd.tensor import Tensor

    a = Tensor(5.0, requires_grad=True, name="a", dtype="float64")
    b = Tensor(3.0, requires_grad=True, name="b", dtype="float64")
    c = Tensor(2.0, requires_grad=True, name="c", dtype="float64")
    u = b * c
    u.name = "u"
    v = a + u
    v.name = "v"
    J = 3 * v
    J.name = "J"
    J.backward()
    print("Computational graph of J(a, b, c) = 3(a + bc) at a=5, b=3, c=2", file=out)
    print("  forward:  u = b*c = 6,  v = a + u = 11,  J = 3v = 33", file=out)
    print(f"  J = {J.item():g}", file=out)
    print("  backward (chain rule):", file=out)
    print("    dJ/dv = 3", file=out)
    print(f"    dJ/da = dJ/dv * dv/da = 3 * 1 = {a.grad.item():g}", file=out)
    print(f"    dJ/db = dJ/dv * dv/du * du/db = 3 * 1 * c = {b.grad.item():g}", file=out)
    print(f"    dJ/dc = dJ/dv * dv/du * du/dc = 3 * 1 * b = {c.grad.item():g}", file=out)
    print("\nThe graph (output at the top, gradient of J beside every node):", file=out)
    print(explain.tree(J), file=out)
    if dot:
        print("\nGraphviz DOT (render with `dot -Tpng`):", file=out)
        print(explain.graph(J), file=out)


def add_options(parser) -> None:
    parser.add_argument("--dot", action="store_true", help="also print Graphviz DOT text")

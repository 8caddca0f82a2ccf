"""The ``deepgrad`` command.

``deepgrad`` with no arguments runs the main demo; ``deepgrad graph`` prints the notes'
computational graph J = 3(a + bc) with every value and gradient.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__


def graph_demo(out=None, dot: bool = False) -> None:
    """Build J(a, b, c) = 3(a + bc) at a=5, b=3, c=2 and show the chain rule's numbers."""
    out = out or sys.stdout
    from . import explain
    from .tensor import Tensor

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepgrad",
        description="deepgrad: a small, fast deep-learning library on NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"deepgrad {__version__}")
    commands = parser.add_subparsers(dest="command")
    graph = commands.add_parser("graph", help="the notes' computational graph J = 3(a + bc)")
    graph.add_argument("--dot", action="store_true", help="also print Graphviz DOT text")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in (None, "graph"):
        graph_demo(dot=getattr(args, "dot", False))
    return 0

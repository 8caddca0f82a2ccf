"""The ``deepgrad`` command: one module per subcommand.

``deepgrad`` with no arguments runs the main job: it trains a small network on the bundled
three-arm spiral data set (generated from a seed, nothing is downloaded), printing the model
summary, the progress and the test score. ``deepgrad train`` takes options for the data set and
the network; ``deepgrad graph`` prints the notes' computational graph J = 3(a + bc) with every
value and gradient; ``deepgrad explain`` writes out one training step of a small saved model (or
of a worked example of the notes) with every number; ``deepgrad tune CONFIG.toml`` runs the
hyperparameter search a TOML file describes.
"""

from __future__ import annotations

import argparse

from .. import __version__
from . import explain_command, graph_command, train_command, tune_command

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepgrad",
        description="deepgrad: a small, fast deep-learning library on NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"deepgrad {__version__}")
    train_command.add_options(parser)
    commands = parser.add_subparsers(dest="command")
    train_command.add_options(commands.add_parser("train", help="train a network on a bundled data set (the default)"))
    graph_command.add_options(commands.add_parser(
        "graph", help="the notes' computational graph J = 3(a + bc)"))
    explain_command.add_options(commands.add_parser(
        "explain", help="write out one training step of a small saved model, or a worked example "
                        "of the notes: forward pass, chain rule, optimizer step"))
    tune_command.add_options(commands.add_parser(
        "tune", help="a hyperparameter search described by a TOML file (needs the tune extra)"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "graph":
        graph_command.graph_demo(dot=args.dot)
    elif args.command == "explain":
        return explain_command.explain_command(args)
    elif args.command == "tune":
        return tune_command.tune_command(args)
    else:
        train_command.train(args)
    return 0

"""The ``deepgrad`` command: one module per subcommand.

``deepgrad`` with no arguments (or ``deepgrad demo``) runs the main job: it trains a small
network on the bundled three-arm spiral data set (generated from a seed, nothing is downloaded),
printing the model summary, the progress and the test score. ``deepgrad train DATA.csv --target
COLUMN`` trains on a CSV file (``--dataset NAME`` on a bundled set) and saves the model with
``--save``; ``deepgrad evaluate``, ``deepgrad predict`` and ``deepgrad summary`` use a saved
model; ``deepgrad graph`` prints the notes' computational graph J = 3(a + bc) with every value
and gradient; ``deepgrad explain`` writes out one training step of a small saved model (or of a
worked example of the notes) with every number; ``deepgrad tune CONFIG.toml`` runs the
hyperparameter search a TOML file describes.

A mistake in an argument, a path, a column or a file ends the command with one line on stderr
saying what to fix (exit status 2; 1 when training diverges), before any training; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import argparse

from .. import __version__
from . import (
    evaluate_command,
    explain_command,
    graph_command,
    predict_command,
    summary_command,
    train_command,
    tune_command,
)
from .common import OneLineParser, report

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    debug = OneLineParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show the traceback of an error")
    parser = OneLineParser(
        prog="deepgrad", parents=[debug],
        description="deepgrad: a small, fast deep-learning library on NumPy. With no command: "
                    "the main job (deepgrad demo).",
    )
    parser.add_argument("--version", action="version", version=f"deepgrad {__version__}")
    train_command.add_options(parser, csv=False)
    commands = parser.add_subparsers(dest="command", parser_class=OneLineParser)

    def command(name, help):
        return commands.add_parser(name, help=help, description=help, parents=[debug])

    train_command.add_options(command(
        "train", "train a network on a CSV file (DATA.csv --target COLUMN) or a bundled data set "
                 "(--dataset NAME)"))
    train_command.add_options(command(
        "demo", "the main job: a 2-64-64-3 network on the bundled spiral (same as deepgrad "
                "alone)"), csv=False)
    evaluate_command.add_options(command(
        "evaluate", "a saved model's loss and metrics on a CSV file"))
    predict_command.add_options(command(
        "predict", "a saved model's predictions for the rows of a CSV file, as CSV"))
    summary_command.add_options(command(
        "summary", "a saved model's layers, shapes, parameter counts and columns"))
    graph_command.add_options(command("graph", "the notes' computational graph J = 3(a + bc)"))
    explain_command.add_options(command(
        "explain", "write out one training step of a small saved model, or a worked example of "
                   "the notes: forward pass, chain rule, optimizer step"))
    tune_command.add_options(command(
        "tune", "a hyperparameter search described by a TOML file (needs the tune extra)"))
    return parser


def _run(args) -> int:
    command = args.command or "demo"
    if command == "graph":
        graph_command.graph_demo(dot=args.dot)
        return 0
    if command == "explain":
        return explain_command.explain_command(args)
    if command == "tune":
        return tune_command.tune_command(args)
    if command == "evaluate":
        return evaluate_command.evaluate_command(args)
    if command == "predict":
        return predict_command.predict_command(args)
    if command == "summary":
        return summary_command.summary_command(args)
    train_command.train(args)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (Exception, KeyboardInterrupt) as error:
        if getattr(args, "debug", False):
            raise
        return report(args.command or "demo", error, debug=False)

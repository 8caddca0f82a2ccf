"""``deepgrad explain``: one training step of a small saved model, or a worked example of the
notes, written out with every number."""

from __future__ import annotations

import argparse
import sys


def _numbers(option: str):
    def parse(text: str) -> list:
        try:
            values = [float(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option} takes comma-separated numbers like 1,2 (write {option}=-1,2 for a "
                f"leading minus); got {text!r}") from None
        if not values:
            raise argparse.ArgumentTypeError(f"{option} needs at least one number; got {text!r}")
        return values
    return parse


def add_options(parser: argparse.ArgumentParser) -> None:
    from ..explain.examples import EXAMPLES

    parser.add_argument("model_file", nargs="?", metavar="MODEL_FILE",
                        help="a model saved with model.save: a Sequential of Dense layers")
    parser.add_argument("--x", type=_numbers("--x"), help="one sample's features, e.g. --x 1,2")
    parser.add_argument("--y", type=_numbers("--y"),
                        help="its target: one value per output, or a class label")
    parser.add_argument("--example", choices=list(EXAMPLES), metavar="NAME",
                        help="a worked example of the notes instead of a file: "
                             + "; ".join(f"{name} ({summary})" for name, (summary, _) in EXAMPLES.items()))
    parser.add_argument("--loss", help="the loss when the file has none compiled (default: mse)")
    parser.add_argument("--learning-rate", type=float, dest="explain_learning_rate", metavar="RATE",
                        help="the step's learning rate (default: the compiled optimizer's, else "
                             "SGD's 0.01)")
    parser.add_argument("--digits", type=int, metavar="N", help="significant digits of the numbers (default 4)")
    parser.add_argument("--max-weights", type=int, default=200, metavar="N",
                        help="refuse bigger networks (default 200)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown instead of text")


def explain_command(args, out=None) -> int:
    """Print the written-out training step of ``args.model_file`` (or of ``args.example``)."""
    from .. import explain
    from ..saving.save_load import ModelFileError, load_model

    out = out or sys.stdout
    try:
        if args.example is not None:
            if args.model_file or args.x is not None or args.y is not None:
                raise ValueError("give either a MODEL_FILE with --x and --y, or --example NAME")
            step = explain.example(args.example, digits=args.digits)
        else:
            if args.model_file is None or args.x is None or args.y is None:
                raise ValueError("give a MODEL_FILE with --x and --y (e.g. deepgrad explain "
                                 "model.safetensors --x 1,2 --y 1), or --example NAME")
            model = load_model(args.model_file)
            step = explain.trace(model, args.x, args.y, loss=args.loss,
                                 learning_rate=args.explain_learning_rate,
                                 digits=4 if args.digits is None else args.digits,
                                 max_weights=args.max_weights)
    except (ValueError, TypeError, OSError, ModelFileError) as error:
        print(f"deepgrad explain: {error}", file=sys.stderr)
        return 2
    print(step.markdown() if args.markdown else step.text(), end="", file=out)
    return 0

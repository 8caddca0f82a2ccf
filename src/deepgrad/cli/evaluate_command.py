"""``deepgrad evaluate MODEL DATA.csv --target COLUMN``: the saved model's loss and metrics on a
CSV file, encoded as the model's column file says (or, without one, every other column a
number)."""

from __future__ import annotations

import sys

import numpy as np

from .common import CommandError, load_model_file
from .predict_command import model_inputs

__all__ = ["add_options", "evaluate_command"]


def add_options(parser) -> None:
    parser.add_argument("model_file", metavar="MODEL", help="a model saved by deepgrad train --save")
    parser.add_argument("data", metavar="DATA.csv", help="a CSV file with the model's columns")
    parser.add_argument("--target", metavar="COLUMN",
                        help="the column holding the true values (default: the one the model was "
                             "trained on)")
    parser.add_argument("--batch-size", type=int, default=256, help="default 256")


def evaluate_command(args, out=None) -> int:
    """Print the loss and each metric of ``args.model_file`` on ``args.data``."""
    out = out or sys.stdout
    if args.batch_size < 1:
        raise CommandError(f"--batch-size must be a whole number >= 1; got {args.batch_size}")
    model = load_model_file(args.model_file)
    if not getattr(model, "compiled", False):
        raise CommandError(f"{args.model_file} was saved without a loss (not compiled); "
                           f"evaluate needs one")
    table, columns, x = model_inputs(model, args.model_file, args.data, target=args.target,
                                     need_target=True)
    if columns is not None and columns.target is not None:
        y = columns.encode_target(table)
    else:
        values = table.numbers(args.target)
        y = values.astype(np.int64) if np.all(values == np.round(values)) else \
            values.astype(np.float32)[:, None]
    try:
        scores = model.evaluate(x, y, batch_size=args.batch_size, return_dict=True)
    except ValueError as error:  # e.g. labels outside the model's classes
        raise CommandError(f"{args.data}: {error}") from None
    print(f"{args.data}: {len(x)} rows", file=out)
    for name, value in scores.items():
        print(f"{name}: {float(value):.4f}", file=out)
    return 0

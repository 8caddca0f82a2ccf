"""``deepgrad summary MODEL``: a saved model's layers, shapes and parameter counts, how it was
compiled, and the CSV columns it takes."""

from __future__ import annotations

import sys

from .common import load_model_file

__all__ = ["add_options", "summary_command"]


def add_options(parser) -> None:
    parser.add_argument("model_file", metavar="MODEL", help="a saved model (safetensors)")


def summary_command(args, out=None) -> int:
    from .csv_columns import columns_path, read_columns

    out = out or sys.stdout
    model = load_model_file(args.model_file)
    model.summary(print_fn=lambda line: print(line, file=out))
    if getattr(model, "compiled", False):
        loss = getattr(model.loss, "name", None) or type(model.loss).__name__
        metrics = (model.compile_config or {}).get("metrics")
        print(f"Compiled with {model.optimizer!r}, loss {loss}"
              + (f", metrics {metrics}" if metrics else ""), file=out)
    else:
        print("Not compiled (saved without a loss and optimizer)", file=out)
    columns = read_columns(columns_path(args.model_file))
    if columns is not None:
        names = ", ".join(c["name"] + (f" (one-hot: {len(c['categories'])} values)"
                                       if "categories" in c else "") for c in columns.features)
        print(f"CSV columns: {names}", file=out)
        if columns.target is not None:
            classes = (f": classes {', '.join(map(str, columns.classes))}"
                       if columns.classes else "")
            print(f"Target: {columns.target!r}, {columns.task}{classes}", file=out)
    return 0

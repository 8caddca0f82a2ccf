"""``deepgrad predict MODEL DATA.csv [--output OUT.csv] [--probabilities]``: a saved model's
predictions for the rows of a CSV file, as CSV: the input columns, then the prediction (class
names decoded as in training), then with ``--probabilities`` one column per class."""

from __future__ import annotations

import csv
import io
import sys

import numpy as np

from ..saving.atomic import write_atomic
from .common import CommandError, check_output_path, load_model_file

__all__ = ["add_options", "model_inputs", "predict_command"]


def add_options(parser) -> None:
    parser.add_argument("model_file", metavar="MODEL", help="a model saved by deepgrad train --save")
    parser.add_argument("data", metavar="DATA.csv", help="a CSV file with the model's columns")
    parser.add_argument("--output", metavar="OUT.csv", help="write here instead of stdout")
    parser.add_argument("--probabilities", action="store_true",
                        help="add each class's probability (classification models)")
    parser.add_argument("--batch-size", type=int, default=256, help="default 256")


def _input_width(model) -> int | None:
    shape = getattr(model, "input_shape", None)
    return shape[-1] if isinstance(shape, tuple) and shape and isinstance(shape[-1], int) else None


def model_inputs(model, model_file, data, *, target=None, need_target=False):
    """``(table, columns or None, x)``: the CSV ``data`` read and encoded for ``model``.

    With the model's column file the CSV must have the columns it names (in any order);
    without one every column but ``target`` is an input, and each must be a number."""
    from .csv_columns import columns_path, read_columns, read_table

    columns = read_columns(columns_path(model_file))
    table = read_table(data, columns.delimiter if columns else ",")
    width = _input_width(model)
    if columns is not None:
        if target is not None and target != columns.target:
            raise CommandError(f"--target {target!r}: the model was trained to predict "
                               f"{columns.target!r}")
        columns.check_header(table, need_target)
        if width is not None and width != len(columns.feature_names):
            raise CommandError(f"{columns_path(model_file)} encodes {len(columns.feature_names)} "
                               f"inputs but {model_file} takes {width}; the two files do not "
                               f"belong together")
        return table, columns, columns.encode(table)
    if need_target and target is None:
        raise CommandError(f"{model_file} has no column file ({columns_path(model_file).name}); "
                           f"say which column holds the true values with --target COLUMN")
    if target is not None and target not in table.header:
        raise CommandError(f"{table.path} has no column {target!r}; its columns are "
                           f"{', '.join(table.header)}")
    names = [name for name in table.header if name != target]
    if width is not None and width != len(names):
        raise CommandError(f"{model_file} takes {width} inputs but {table.path} has {len(names)} "
                           f"feature columns ({', '.join(names)}) and no column file says how to "
                           f"encode them")
    x = np.stack([table.numbers(name) for name in names], axis=1).astype(np.float32) \
        if names else np.empty((len(table.rows), 0), np.float32)
    return table, None, x


def _prediction_columns(outputs, columns, probabilities: bool):
    """``(header, rows of strings)`` for the model's outputs."""
    outputs = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1)
    if columns is None or columns.task == "regression":
        base = columns.target if columns is not None and columns.target else "output"
        if probabilities:
            raise CommandError("--probabilities needs a classification model trained from a CSV "
                               "file (with its column file)")
        names = [f"predicted_{base}"] if outputs.shape[1] == 1 else \
            [f"predicted_{base}_{i}" for i in range(outputs.shape[1])]
        return names, [[format(v, ".7g") for v in row] for row in outputs]
    classes = columns.classes
    if outputs.shape[1] == 1:  # sigmoid: the probability of class 1
        p = np.concatenate([1 - outputs, outputs], axis=1)
    else:
        p = outputs
    labels = [str(classes[i]) for i in np.argmax(p, axis=1)]
    header = [f"predicted_{columns.target}"]
    rows = [[label] for label in labels]
    if probabilities:
        header += [f"probability_{c}" for c in classes]
        rows = [row + [format(v, ".6f") for v in probs] for row, probs in zip(rows, p)]
    return header, rows


def predict_command(args, out=None) -> int:
    """Write the predictions of ``args.model_file`` for ``args.data`` as CSV."""
    out = out or sys.stdout
    if args.batch_size < 1:
        raise CommandError(f"--batch-size must be a whole number >= 1; got {args.batch_size}")
    output = check_output_path(args.output, "--output") if args.output else None
    model = load_model_file(args.model_file)
    table, columns, x = model_inputs(model, args.model_file, args.data)
    outputs = model.predict(x, batch_size=args.batch_size)
    header, predictions = _prediction_columns(outputs, columns, args.probabilities)
    rows = [fields + extra for (_, fields), extra in zip(table.rows, predictions)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=columns.delimiter if columns else ",", lineterminator="\n")
    writer.writerow(table.header + header)
    writer.writerows(rows)
    if output is None:
        out.write(buffer.getvalue())
    else:
        write_atomic(output, buffer.getvalue().encode("utf-8"))
        print(f"Wrote {len(rows)} predictions to {output}", file=sys.stderr)
    return 0

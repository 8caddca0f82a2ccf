"""``deepgrad``, ``deepgrad demo`` and ``deepgrad train``: a network trained on a bundled data set
or on a CSV file, with the summary, the progress and the score.

Every setting is checked (:mod:`deepgrad.cli.train_settings`), the data read and the ``--save``
path tried before the first batch. The input scaling is the model's first layer (a
``Normalization`` or ``Rescaling`` with the training part's numbers in its config), so the saved
file carries it; for a CSV file the column encoding is written beside the model
(:mod:`deepgrad.cli.csv_columns`).
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from ..callbacks import Callback, EarlyStopping
from .common import CommandError, check_output_path
from .train_settings import DATASETS, check_size, resolve


def _load(name: str, seed: int):
    """(x, y, n_classes, description) for a data set name."""
    from .. import datasets

    if name == "digits":
        x, y = datasets.load_digits(return_X_y=True)
        return x, y, 10, "handwritten digits, 8x8 pixels (scikit-learn), 10 classes"
    if name in ("placement", "pass-fail"):
        loader = datasets.load_placement if name == "placement" else datasets.load_pass_fail
        dataset = loader()
        return dataset.data, dataset.target, 2, dataset.description.splitlines()[0]
    makers = {
        "spiral": lambda: datasets.make_spiral(600, noise=0.05, seed=seed),
        "moons": lambda: datasets.make_moons(600, noise=0.2, seed=seed),
        "circles": lambda: datasets.make_circles(600, noise=0.1, seed=seed),
        "xor": lambda: datasets.make_xor(600, noise=0.2, seed=seed),
        "blobs": lambda: datasets.make_blobs(600, seed=seed),
    }
    x, y = makers[name]()
    n_classes = int(y.max()) + 1
    return x, y, n_classes, f"{name}: {len(x)} points in 2-D, {n_classes} classes, seed {seed}"


def scaling_layer(kind: str, x_train: np.ndarray):
    """The layer that scales inputs as the training part ``x_train`` says, or None."""
    from ..layers import Normalization, Rescaling

    if kind == "standard":
        mean = x_train.mean(axis=0)
        variance = x_train.var(axis=0)
        variance[variance == 0] = 1.0  # a constant column stays as it is, shifted to 0
        return Normalization(mean=mean, variance=variance, name="scaling")
    if kind == "minmax":
        low, high = x_train.min(axis=0), x_train.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        return Rescaling(scale=1.0 / span, offset=-low / span, name="scaling")
    return None


def build_model(s, n_inputs: int, task: str, n_classes: int | None, x_train, y_train):
    """An MLP for ``task`` with the input scaling (and, for regression, the target's) inside."""
    from .. import Sequential
    from ..layers import Dense, Input, Normalization

    check_size(n_inputs, s.hidden, 1 if task == "regression" or n_classes == 2 else n_classes)
    model = Sequential([Input((n_inputs,))])
    scaler = scaling_layer(s.scaling, x_train)
    if scaler is not None:
        model.add(scaler)
    for units in s.hidden:
        model.add(Dense(units, activation=s.activation, kernel_initializer="he_uniform"))
    if task == "regression":
        model.add(Dense(y_train.shape[1]))
        if s.scaling != "none":  # the network predicts standardized targets; undo it
            variance = y_train.var(axis=0)
            variance[variance == 0] = 1.0
            model.add(Normalization(mean=y_train.mean(axis=0), variance=variance, invert=True,
                                    name="target_scaling"))
        loss, metrics = "mean_squared_error", ["mae"]
    elif n_classes == 2:
        model.add(Dense(1, activation="sigmoid"))
        loss, metrics = "binary_crossentropy", ["accuracy"]
    else:
        model.add(Dense(n_classes, activation="softmax"))
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    model.compile(optimizer={"class_name": s.optimizer, "config": {"learning_rate": s.learning_rate}},
                  loss=loss, metrics=metrics)
    return model


class _DivergenceGuard(Callback):
    """Stops training at the first non-finite loss and remembers the (1-based) epoch."""

    def __init__(self):
        super().__init__()
        self.epoch, self.diverged = 0, None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_before_optimizer_step(self, batch, logs=None):
        self._check(logs)

    def on_train_batch_end(self, batch, logs=None):
        self._check(logs)

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs)

    def _check(self, logs):
        loss = (logs or {}).get("loss")
        if self.diverged is None and loss is not None and not math.isfinite(float(loss)):
            self.diverged = (float(loss), self.epoch + 1)
            self.model.stop_training = True


def fit(model, s, x, y, out, validation_data=None, validation_split=0.0):
    """``model.fit`` with early stopping and the divergence check; CommandError if the loss
    became nan or infinite."""
    from ..optimizers import NonFiniteGradientError

    guard = _DivergenceGuard()
    callbacks = [guard]
    if s.early_stopping:
        callbacks.append(EarlyStopping(monitor="val_loss" if validation_data or validation_split
                                       else "loss",
                                       patience=s.early_stopping, restore_best_weights=True))
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # reported below
            history = model.fit(x, y, batch_size=s.batch_size, epochs=s.epochs, verbose=s.verbose,
                                validation_data=validation_data,
                                validation_split=validation_split, seed=s.seed, callbacks=callbacks)
    except NonFiniteGradientError:
        guard.diverged = guard.diverged or (math.nan, guard.epoch + 1)
    if guard.diverged is not None:
        loss, epoch = guard.diverged
        raise CommandError(f"training diverged: loss became {loss} at epoch {epoch}; try a "
                           f"smaller --learning-rate (it was {s.learning_rate:g})", exit_code=1)
    stopped = len(history.history.get("loss", []))
    if s.early_stopping and stopped < s.epochs:
        print(f"Early stopping after epoch {stopped}: no better {callbacks[1].monitor} for "
              f"{s.early_stopping} epochs; kept the best weights", file=out)
    return history


def _is_column_file(path) -> bool:
    from .csv_columns import read_columns

    try:
        return read_columns(path) is not None
    except CommandError:
        return False


def _save(model, path, out, columns=None):
    from ..saving.atomic import write_atomic
    from .csv_columns import columns_path

    model.save(path)
    print(f"Saved the model to {path}", file=out)
    sidecar = columns_path(path)
    if columns is not None:
        write_atomic(sidecar, columns.to_json().encode("utf-8"))
        print(f"Saved its column encoding to {sidecar}", file=out)
    elif sidecar.is_file() and _is_column_file(sidecar):  # an older model's, now wrong
        sidecar.unlink()
        print(f"Removed {sidecar}, the column file of the model saved there before", file=out)


def train(args, out=None) -> float:
    """Train on ``args``' CSV file or bundled data set; print the summary, progress and score.
    Returns the score (test accuracy, or validation loss for a regression)."""
    from .. import set_seed

    out = out or sys.stdout
    s = resolve(vars(args))
    save = check_output_path(s.save) if s.save else None
    if save is not None and s.data is not None:
        from .csv_columns import columns_path

        check_output_path(columns_path(save), "--save (its column file)")
    set_seed(s.seed)
    if s.data is not None:
        return _train_csv(s, save, out)
    return _train_bundled(s, save, out)


def _train_bundled(s, save, out) -> float:
    from .. import datasets

    if s.task == "regression":
        raise CommandError("the bundled data sets are classification tasks; --task regression "
                           "needs a CSV file")
    x, y, n_classes, description = _load(s.dataset or "spiral", s.seed)
    x_train, x_test, y_train, y_test = datasets.train_test_split(x, y, test_size=0.25, seed=s.seed,
                                                                 stratify=y)
    model = build_model(s, x.shape[1], "classification", n_classes, x_train, None)
    print(f"Data: {description}; {len(x_train)} training and {len(x_test)} test samples", file=out)
    model.summary(print_fn=lambda line: print(line, file=out))
    split = 0.1 if s.validation_split is None else s.validation_split
    fit(model, s, x_train, y_train, out, validation_split=split)
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"Test loss {loss:.4f}, test accuracy {accuracy:.4f}", file=out)
    if save is not None:
        _save(model, save, out)
    return accuracy


def _train_csv(s, save, out) -> float:
    from .csv_columns import fit_columns, read_table

    table = read_table(s.data, s.delimiter)
    columns = fit_columns(table, s.target, s.task, s.delimiter)
    x = columns.encode(table)
    y = columns.encode_target(table)
    n_classes = None if columns.task == "regression" else len(columns.classes)
    split = 0.2 if s.validation_split is None else s.validation_split
    order = np.random.default_rng(s.seed).permutation(len(x))
    n_val = round(len(x) * split)
    if len(x) - n_val < 1:
        raise CommandError(f"{s.data}: {len(x)} rows leave none for training after a "
                           f"--validation-split of {split}")
    train_rows, val_rows = order[:len(x) - n_val], order[len(x) - n_val:]
    model = build_model(s, x.shape[1], columns.task, n_classes, x[train_rows], y[train_rows])
    kind = (f"classification into {n_classes} classes ({', '.join(map(str, columns.classes[:10]))}"
            f"{', ...' if n_classes > 10 else ''})" if n_classes else "regression")
    print(f"Data: {s.data}, {len(x)} rows; target {s.target!r}, {kind}"
          + (" (inferred; give --task to change it)" if s.task == "auto" else ""), file=out)
    encoded = [c["name"] for c in columns.features if "categories" in c]
    print(f"{x.shape[1]} inputs from {len(columns.features)} columns"
          + (f" (one-hot encoded: {', '.join(encoded)})" if encoded else "")
          + f"; {len(train_rows)} training and {len(val_rows)} validation rows; "
            f"scaling: {s.scaling}", file=out)
    model.summary(print_fn=lambda line: print(line, file=out))
    validation = (x[val_rows], y[val_rows]) if n_val else None
    fit(model, s, x[train_rows], y[train_rows], out, validation_data=validation)
    part, (xs, ys) = ("Validation", validation) if n_val else ("Training", (x[train_rows],
                                                                           y[train_rows]))
    loss, metric = model.evaluate(xs, ys)
    name = "MAE" if columns.task == "regression" else "accuracy"
    print(f"{part} loss {loss:.4f}, {part.lower()} {name} {metric:.4f}", file=out)
    if save is not None:
        _save(model, save, out, columns)
    return metric


def add_options(parser: argparse.ArgumentParser, csv: bool = True) -> None:
    """The training options; with ``csv`` also the DATA.csv argument and its options."""
    if csv:
        parser.add_argument("data", nargs="?", metavar="DATA.csv",
                            help="a CSV file with a header row (or use --dataset)")
        parser.add_argument("--target", metavar="COLUMN", help="the CSV column to predict")
        parser.add_argument("--task", choices=("auto", "classification", "regression"),
                            help="default auto: classification when the target is text or a few "
                                 "whole numbers, regression otherwise")
        parser.add_argument("--delimiter", metavar="CHAR", help="the CSV field separator "
                                                                "(default ,)")
    parser.add_argument("--dataset", choices=DATASETS, help="a bundled data set (default: spiral)")
    parser.add_argument("--config", metavar="FILE.toml",
                        help="settings from a TOML file (flags override it); see `python -m "
                             "pydoc deepgrad.cli.train_settings`")
    parser.add_argument("--hidden", metavar="UNITS", help="hidden layer sizes (default: 64,64)")
    parser.add_argument("--activation", help="hidden layers' activation (default: relu)")
    parser.add_argument("--optimizer", help="optimizer name (default: adam)")
    parser.add_argument("--learning-rate", type=float, metavar="RATE", help="default 0.01")
    parser.add_argument("--epochs", type=int, help="default 60")
    parser.add_argument("--batch-size", type=int, help="default 32")
    parser.add_argument("--validation-split", type=float, metavar="FRACTION",
                        help="rows held out for validation (default 0.2 for a CSV file, 0.1 of "
                             "the training part for a bundled set)")
    parser.add_argument("--scaling", choices=("standard", "minmax", "none"),
                        help="input scaling, fit on the training rows and kept in the model "
                             "(default: standard)")
    parser.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                        help="stop after PATIENCE epochs without a better validation loss and "
                             "keep the best weights")
    parser.add_argument("--seed", type=int, help="default 0")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2),
                        help="0 silent, 1 progress bar, 2 one line per epoch (default)")
    parser.add_argument("--save", metavar="PATH", help="save the trained model (safetensors)")

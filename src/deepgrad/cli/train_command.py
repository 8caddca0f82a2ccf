"""``deepgrad`` and ``deepgrad train``: a ReLU network on a bundled data set, with the summary,
the progress and the test score."""

from __future__ import annotations

import argparse
import sys

DATASETS = ("spiral", "moons", "circles", "xor", "blobs", "placement", "pass-fail", "digits")


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


def train(args, out=None) -> float:
    """Train a ReLU network on a bundled data set and print the summary, progress and score."""
    from .. import Sequential, datasets, set_seed
    from ..layers import Dense, Input

    out = out or sys.stdout
    set_seed(args.seed)
    x, y, n_classes, description = _load(args.dataset, args.seed)
    x_train, x_test, y_train, y_test = datasets.train_test_split(x, y, test_size=0.25, seed=args.seed, stratify=y)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-8  # "do scaling" (notes, seed 003)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    print(f"Data: {description}; {len(x_train)} training and {len(x_test)} test samples", file=out)

    binary = n_classes == 2
    model = Sequential([Input((x.shape[1],))])
    for units in args.hidden:
        model.add(Dense(units, activation="relu", kernel_initializer="he_uniform"))
    model.add(Dense(1 if binary else n_classes, activation="sigmoid" if binary else "softmax"))
    model.compile(
        optimizer={"class_name": args.optimizer, "config": {"learning_rate": args.learning_rate}},
        loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.summary(print_fn=lambda line: print(line, file=out))
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose,
              validation_split=0.1, seed=args.seed)
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"Test loss {loss:.4f}, test accuracy {accuracy:.4f}", file=out)
    if args.save:
        model.save(args.save)
        print(f"Saved the model to {args.save}", file=out)
    return accuracy


def _hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden takes comma-separated unit counts like 64,32; got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--hidden needs positive unit counts; got {text!r}")
    return sizes


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", choices=DATASETS, default="spiral", help="bundled data set (default: spiral)")
    parser.add_argument("--hidden", type=_hidden_sizes, default=[64, 64], help="hidden layer sizes (default: 64,64)")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--optimizer", default="adam", help="optimizer name (default: adam)")
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=2, help="0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--save", metavar="PATH", help="save the trained model (safetensors)")

"""The ``deepgrad`` command.

``deepgrad`` with no arguments runs the main job: it trains a small network on the bundled
three-arm spiral data set (generated from a seed, nothing is downloaded), printing the model
summary, the progress and the test score. ``deepgrad train`` takes options for the data set and
the network; ``deepgrad graph`` prints the notes' computational graph J = 3(a + bc) with every
value and gradient; ``deepgrad explain`` writes out one training step of a small saved model (or
of a worked example of the notes) with every number.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__


def graph_demo(out=None, dot: bool = False) -> None:
    """Build J(a, b, c) = 3(a + bc) at a=5, b=3, c=2 and show the chain rule's numbers."""
    out = out or sys.stdout
    from . import explain
    from .autograd.tensor import Tensor

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


DATASETS = ("spiral", "moons", "circles", "xor", "blobs", "placement", "pass-fail", "digits")


def _load(name: str, seed: int):
    """(x, y, n_classes, description) for a data set name."""
    from . import datasets

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
    from . import Sequential, datasets, set_seed
    from .layers import Dense, Input

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


def _add_train_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", choices=DATASETS, default="spiral", help="bundled data set (default: spiral)")
    parser.add_argument("--hidden", type=_hidden_sizes, default=[64, 64], help="hidden layer sizes (default: 64,64)")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--optimizer", default="adam", help="optimizer name (default: adam)")
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=2, help="0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--save", metavar="PATH", help="save the trained model (safetensors)")


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


def _add_explain_options(parser: argparse.ArgumentParser) -> None:
    from .explain.examples import EXAMPLES

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
    from . import explain
    from .saving.save_load import ModelFileError, load_model

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepgrad",
        description="deepgrad: a small, fast deep-learning library on NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"deepgrad {__version__}")
    _add_train_options(parser)
    commands = parser.add_subparsers(dest="command")
    _add_train_options(commands.add_parser("train", help="train a network on a bundled data set (the default)"))
    graph = commands.add_parser("graph", help="the notes' computational graph J = 3(a + bc)")
    graph.add_argument("--dot", action="store_true", help="also print Graphviz DOT text")
    _add_explain_options(commands.add_parser(
        "explain", help="write out one training step of a small saved model, or a worked example "
                        "of the notes: forward pass, chain rule, optimizer step"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "graph":
        graph_demo(dot=args.dot)
    elif args.command == "explain":
        return explain_command(args)
    else:
        train(args)
    return 0

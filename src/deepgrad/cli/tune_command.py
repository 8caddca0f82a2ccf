"""``deepgrad tune CONFIG.toml``: a hyperparameter search described by a file (the format:
:mod:`deepgrad.cli.tune_config`), with a line per trial, the results table and the best
settings; ``--save`` keeps the best model.

The network is a multi-layer perceptron: ``hidden_layers`` Dense layers of ``units`` each with
``activation`` (and ``dropout`` after each), then the output layer the task needs. Features are
standardized with the training part's mean and deviation; the last ``validation_split`` of the
rows is the validation data every trial is scored on.
"""

from __future__ import annotations

import sys

import numpy as np

from .common import check_output_path
from .train_command import DATASETS, _load
from .tune_config import ConfigError, read_config

__all__ = ["add_options", "tune_command"]

TUNER_CLASSES = {"random": "RandomSearch", "grid": "GridSearch",
                 "bayesian": "BayesianOptimization", "hyperband": "Hyperband"}


def add_options(parser) -> None:
    parser.add_argument("config", metavar="CONFIG.toml",
                        help="the search: [data], [model], [training], [tuner] (see "
                             "`python -m pydoc deepgrad.cli.tune_config`)")
    parser.add_argument("--save", metavar="PATH", help="save the best model (safetensors)")
    parser.add_argument("--top", type=int, default=10, metavar="N",
                        help="trials shown in the results table (default: 10)")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                        help="0: only the results; 1: a line per trial (default); 2: also a "
                             "line per epoch")


def _data(config):
    """``(x_train, y_train, x_val, y_val, n_classes or None)`` from the [data] section."""
    from .. import datasets

    data = config.data
    if "dataset" in data:
        if data["dataset"] not in DATASETS:
            raise ConfigError(f"data.dataset: expected one of {', '.join(DATASETS)}; got "
                              f"{data['dataset']!r}")
        x, y, n_classes, _ = _load(data["dataset"], int(data.get("seed", 0)))
    else:
        try:
            x, y = datasets.load_csv(data["csv"], target=data["target"],
                                     delimiter=data.get("delimiter", ","), return_X_y=True)
        except OSError as error:
            raise ConfigError(f"data.csv: cannot read {data['csv']!r}: {error.strerror}") from None
        except (ValueError, TypeError) as error:
            raise ConfigError(f"data.csv: {error}") from None
        n_classes = None
    task = data.get("task", "auto")
    if task == "auto":
        whole = np.issubdtype(y.dtype, np.integer) or bool(np.all(y == np.round(y)))
        task = "classification" if whole and len(np.unique(y)) <= 50 else "regression"
    rng = np.random.default_rng(int(data.get("seed", 0)))
    order = rng.permutation(len(x))
    n_val = max(1, round(len(x) * data["validation_split"]))
    if len(x) - n_val < 2:
        raise ConfigError(f"data: {len(x)} rows leave too few for training after the "
                          f"validation_split of {data['validation_split']}")
    train, val = order[:-n_val], order[-n_val:]
    x = x.astype(np.float32)
    mean, std = x[train].mean(axis=0), x[train].std(axis=0) + 1e-8
    x = (x - mean) / std
    if task == "classification":
        if np.any(y < 0) or not np.all(y == np.round(y)):
            raise ConfigError("data.task: classification needs class numbers 0, 1, 2, ... in "
                              "the target column")
        n_classes = n_classes or int(np.max(y)) + 1
        y = y.astype(np.int64)
    else:
        n_classes, y = None, y.astype(np.float32).reshape(len(y), -1)
    return x[train], y[train], x[val], y[val], n_classes


def _check_names(config) -> None:
    """Optimizer and activation names are checked before any trial runs."""
    from .. import activations, optimizers

    for key, lookup in (("training.optimizer", optimizers.get), ("model.activation", activations.get)):
        space = config.space[key.split(".")[1]]
        for name in space.choices or (space.fixed,):
            try:
                lookup(name)
            except (ValueError, TypeError) as error:
                raise ConfigError(f"{key}: {error}") from None


def make_hypermodel(config, n_features: int, n_classes):
    """The search space of ``config`` as a HyperModel: an MLP, and its batch size and epochs."""
    from .. import Sequential
    from ..layers import Dense, Dropout, Input
    from ..tuner import HyperModel

    space = config.space
    hyperband = config.tuner["kind"] == "hyperband"

    class ConfigHyperModel(HyperModel):
        def build(self, hp):
            model = Sequential([Input((n_features,))])
            depth = space["hidden_layers"].sample(hp)
            units, activation = space["units"].sample(hp), space["activation"].sample(hp)
            rate = space["dropout"].sample(hp)
            for _ in range(depth):
                model.add(Dense(units, activation=activation, kernel_initializer="he_uniform"))
                if rate:
                    model.add(Dropout(rate))
            if n_classes is None:
                model.add(Dense(1))
                loss, metrics = "mse", ["mae"]
            elif n_classes == 2:
                model.add(Dense(1, activation="sigmoid"))
                loss, metrics = "binary_crossentropy", ["accuracy"]
            else:
                model.add(Dense(n_classes, activation="softmax"))
                loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
            optimizer = {"class_name": space["optimizer"].sample(hp),
                         "config": {"learning_rate": space["learning_rate"].sample(hp)}}
            model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
            return model

        def fit(self, hp, model, *args, **kwargs):
            kwargs["batch_size"] = space["batch_size"].sample(hp)
            if not hyperband:  # Hyperband gives each trial its epochs
                kwargs["epochs"] = space["epochs"].sample(hp)
            return model.fit(*args, **kwargs)

    return ConfigHyperModel()


def _tuner(config, hypermodel):
    from .. import tuner as tuner_module

    settings = dict(config.tuner)
    kind = settings.pop("kind")
    settings.pop("n_jobs", None)
    if kind == "hyperband":
        epochs = config.space["epochs"]
        settings.setdefault("max_epochs", int(epochs.high if epochs.low is not None else
                                              max(epochs.choices or (epochs.fixed,))))
    cls = getattr(tuner_module, TUNER_CLASSES[kind])
    try:
        return cls(hypermodel, **settings)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"tuner: {error}") from None


def tune_command(args, out=None) -> int:
    """Run the search ``args.config`` describes; print the results and the best settings."""
    import tomllib

    out = out or sys.stdout
    try:
        import optuna  # noqa: F401
    except ImportError:
        print('deepgrad tune: the search runs on Optuna: pip install "deepgrad[tune]"',
              file=sys.stderr)
        return 2
    try:
        with open(args.config, "rb") as file:
            config = read_config(tomllib.load(file))
        _check_names(config)
        x, y, x_val, y_val, n_classes = _data(config)
        tuner = _tuner(config, make_hypermodel(config, x.shape[1], n_classes))
        n_jobs = config.tuner.get("n_jobs", 1)
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
            raise ConfigError(f"tuner.n_jobs: expected a whole number >= 1; got {n_jobs!r}")
    except OSError as error:
        print(f"deepgrad tune: cannot read {args.config}: {error.strerror}", file=sys.stderr)
        return 2
    except tomllib.TOMLDecodeError as error:
        print(f"deepgrad tune: {args.config} is not valid TOML: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        print(f"deepgrad tune: {args.config}: {error}", file=sys.stderr)
        return 2
    if args.save:
        check_output_path(args.save)  # before the search, not after it
    print(f"{type(tuner).__name__}: {tuner._budget()} trials, {len(x)} training and "
          f"{len(x_val)} validation rows; the search is kept in {tuner.project_dir}", file=out,
          flush=True)
    tuner.search(x, y, validation_data=(x_val, y_val), verbose=args.verbose, n_jobs=n_jobs,
                 seed=int(config.data.get("seed", 0)))
    tuner.results_summary(num_trials=args.top)
    best = tuner.get_best_hyperparameters(1)
    if not best:
        print("No trial finished.", file=out)
        return 1
    print("Best hyperparameters: " + ", ".join(f"{k}={v!r}" for k, v in best[0].values.items()),
          file=out)
    if args.save:
        tuner.get_best_models(1)[0].save(args.save)
        print(f"Saved the best model to {args.save}", file=out)
    return 0

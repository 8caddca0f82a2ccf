"""The settings of ``deepgrad train`` (and of ``deepgrad`` alone): command-line flags over a TOML
file over the defaults, each checked before any data is read or any training runs.

A ``--config train.toml`` file is one flat table whose keys are the flags' names with
underscores::

    data = "houses.csv"           # or dataset = "moons" (a bundled data set)
    target = "price"
    task = "auto"                 # "classification", "regression" or "auto"
    hidden = [64, 32]             # or "64,32"
    activation = "relu"
    optimizer = "adam"
    learning_rate = 0.01
    epochs = 60
    batch_size = 32
    validation_split = 0.2
    scaling = "standard"          # "standard", "minmax" or "none"
    early_stopping = 5            # patience in epochs; 0 or absent: off
    seed = 0
    save = "houses.safetensors"
    verbose = 2
    delimiter = ","
"""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

from .common import CommandError

__all__ = ["DATASETS", "DEFAULTS", "MAX_PARAMETERS", "parameter_count", "resolve"]

DEFAULTS = {
    "data": None, "target": None, "dataset": None, "task": "auto", "hidden": [64, 64],
    "activation": "relu", "optimizer": "adam", "learning_rate": 0.01, "epochs": 60,
    "batch_size": 32, "validation_split": None, "scaling": "standard", "early_stopping": 0,
    "seed": 0, "save": None, "verbose": 2, "delimiter": ",",
}
DATASETS = ("spiral", "moons", "circles", "xor", "blobs", "placement", "pass-fail", "digits")
TASKS = ("auto", "classification", "regression")
SCALINGS = ("standard", "minmax", "none")
#: Networks with more parameters than this are refused before they are built.
MAX_PARAMETERS = 10**8


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def read_config_file(path) -> dict:
    """The settings in a TOML file, with unknown keys refused."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise CommandError("--config needs Python 3.11 or later, or the tomli package (pip "
                               "install tomli)") from None

    try:
        with open(path, "rb") as file:
            document = tomllib.load(file)
    except FileNotFoundError:
        raise CommandError(f"--config {path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"--config {path}: is a folder, not a TOML file") from None
    except OSError as error:
        raise CommandError(f"--config {path}: cannot read it: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CommandError(f"--config {path} is not valid TOML: {error}") from None
    unknown = sorted(set(document) - set(DEFAULTS))
    if unknown:
        raise CommandError(f"--config {path}: {unknown[0]!r} is not a setting; the settings are "
                           f"{', '.join(DEFAULTS)}")
    return document


def _where(key: str, source: str) -> str:
    return _flag(key) if source == "flag" else f"{key} (in {source})"


def _whole(value, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise CommandError(f"{name} must be a whole number >= {low}; got {value!r}")
    return value


def _hidden(value, name: str) -> list[int]:
    if isinstance(value, str):
        text = value
        try:
            value = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise CommandError(f"{name} takes comma-separated unit counts like 64,32; got "
                               f"{text!r}") from None
        if not value:
            raise CommandError(f"{name} needs at least one unit count, like 64,32; got {text!r}")
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int)
                                          for v in value):
        raise CommandError(f"{name} takes unit counts like 64,32 (or [64, 32] in a config "
                           f"file); got {value!r}")
    for position, units in enumerate(value):
        if units < 1:
            raise CommandError(f"{name} needs positive unit counts; layer {position + 1} has "
                               f"{units}")
    return value


def _name(value, name: str, lookup) -> str:
    if not isinstance(value, str):
        raise CommandError(f"{name} must be a name; got {value!r}")
    try:
        lookup(value)
    except (ValueError, TypeError) as error:
        raise CommandError(f"{name}: {error}") from None
    return value


def _choice(value, name: str, choices) -> str:
    if value not in choices:
        raise CommandError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def resolve(given: dict) -> SimpleNamespace:
    """Checked settings from the flags given (``{key: value}``, None for absent) over the
    ``--config`` file's over the defaults. Raises CommandError naming the first bad one."""
    from .. import activations, optimizers

    flags = {key: value for key, value in given.items() if value is not None and key in DEFAULTS}
    config_path = given.get("config")
    document = read_config_file(config_path) if config_path else {}
    source = {key: "flag" for key in flags}
    source.update({key: str(config_path) for key in document if key not in flags})
    values = {**DEFAULTS, **document, **flags}
    s = SimpleNamespace(**values)

    def where(key):
        return _where(key, source.get(key, "flag"))

    s.epochs = _whole(s.epochs, where("epochs"), 1)
    s.batch_size = _whole(s.batch_size, where("batch_size"), 1)
    s.seed = _whole(s.seed, where("seed"), 0)
    s.early_stopping = _whole(s.early_stopping, where("early_stopping"), 0)
    s.verbose = _whole(s.verbose, where("verbose"), 0)
    if s.verbose > 2:
        raise CommandError(f"{where('verbose')} must be 0 (silent), 1 (progress bar) or 2 (a line "
                           f"per epoch); got {s.verbose}")
    rate = s.learning_rate
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate) \
            or rate <= 0:
        raise CommandError(f"{where('learning_rate')} must be a finite number > 0, such as 0.01; "
                           f"got {rate!r}")
    s.learning_rate = float(rate)
    split = s.validation_split
    if split is not None and (isinstance(split, bool) or not isinstance(split, (int, float))
                              or not 0 <= split < 1):
        raise CommandError(f"{where('validation_split')} must be a number in [0, 1), such as "
                           f"0.2; got {split!r}")
    s.hidden = _hidden(s.hidden, where("hidden"))
    s.optimizer = _name(s.optimizer, where("optimizer"), optimizers.get)
    s.activation = _name(s.activation, where("activation"), activations.get)
    s.task = _choice(s.task, where("task"), TASKS)
    s.scaling = _choice(s.scaling, where("scaling"), SCALINGS)
    for key in ("data", "target", "dataset", "save", "delimiter"):
        value = getattr(s, key)
        if value is not None and (not isinstance(value, str) or not value):
            raise CommandError(f"{where(key)} must be a non-empty string; got {value!r}")
    if len(s.delimiter) != 1:
        raise CommandError(f"{where('delimiter')} must be one character, such as ',' or ';'; "
                           f"got {s.delimiter!r}")
    if s.dataset is not None:
        s.dataset = _choice(s.dataset, where("dataset"), DATASETS)
    if s.data is not None and s.dataset is not None:
        raise CommandError("give either a CSV file (deepgrad train DATA.csv --target COLUMN) or "
                           "--dataset NAME, not both")
    if s.data is not None and s.target is None:
        raise CommandError(f"{s.data}: say which column to predict with --target COLUMN")
    if s.data is None and s.target is not None:
        raise CommandError("--target names a column of a CSV file; give the file too (deepgrad "
                           "train DATA.csv --target COLUMN)")
    return s


def parameter_count(n_inputs: int, hidden: list[int], n_outputs: int) -> int:
    """The number of weights of a Dense stack ``n_inputs → hidden... → n_outputs``."""
    sizes = [n_inputs, *hidden, n_outputs]
    return sum((a + 1) * b for a, b in itertools.pairwise(sizes))


def check_size(n_inputs: int, hidden: list[int], n_outputs: int) -> None:
    count = parameter_count(n_inputs, hidden, n_outputs)
    if count > MAX_PARAMETERS:
        raise CommandError(f"--hidden {','.join(map(str, hidden))} would make a network of "
                           f"{count:,} parameters, more than the {MAX_PARAMETERS:,} allowed; "
                           f"use fewer or smaller hidden layers")

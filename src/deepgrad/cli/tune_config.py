"""The configuration file of ``deepgrad tune``: data, search space, tuner and budget in TOML.

::

    [data]
    dataset = "moons"             # a bundled data set (see `deepgrad train --help`), or
    # csv = "houses.csv"          # a CSV file with a header row,
    # target = "price"            # and its target column
    task = "auto"                 # "classification", "regression" or "auto"
    validation_split = 0.2
    seed = 0

    [model]                       # every value: a number or a string (fixed), a list (a
    hidden_layers = {min = 1, max = 3}       # choice) or a table {min, max, step, sampling}
    units = {min = 16, max = 128, step = 16}
    activation = ["relu", "tanh"]
    dropout = {min = 0.0, max = 0.3}

    [training]
    optimizer = ["adam", "sgd"]
    learning_rate = {min = 1e-4, max = 1e-1, sampling = "log"}
    batch_size = [32, 64]
    epochs = 20

    [tuner]
    kind = "bayesian"             # "random", "grid", "bayesian" or "hyperband"
    objective = "val_accuracy"
    max_trials = 20
    seed = 0
    directory = "tuning"
    project_name = "moons"
    # storage = "sqlite:///search.db"   # share the search with other machines

Every error names the key (``model.units``) and says what was expected and what came.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["ConfigError", "TuneConfig", "read_config"]

SECTIONS = {
    "data": {"dataset", "csv", "target", "task", "validation_split", "seed", "delimiter"},
    "model": {"hidden_layers", "units", "activation", "dropout"},
    "training": {"optimizer", "learning_rate", "batch_size", "epochs"},
    "tuner": {"kind", "objective", "max_trials", "seed", "directory", "project_name", "overwrite",
              "executions_per_trial", "storage", "max_epochs", "factor", "n_jobs"},
}
DEFAULTS = {
    "model": {"hidden_layers": 1, "units": 32, "activation": "relu", "dropout": 0.0},
    "training": {"optimizer": "adam", "learning_rate": 1e-3, "batch_size": 32, "epochs": 20},
}
TUNERS = ("random", "grid", "bayesian", "hyperband")
TASKS = ("auto", "classification", "regression")


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the key."""


def _describe(value) -> str:
    return f"{type(value).__name__} {value!r}"


@dataclass(frozen=True)
class Space:
    """One tunable setting: fixed, a choice, or a range."""

    name: str
    fixed: object = None
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False

    @property
    def integer(self) -> bool:
        return all(isinstance(v, int) for v in (self.low, self.high)) and (
            self.step is None or isinstance(self.step, int))

    def sample(self, hp):
        """The value for this trial, drawn through deepgrad.tuner's HyperParameters."""
        if self.choices is not None:
            return hp.Choice(self.name, list(self.choices))
        if self.low is None:
            return hp.Fixed(self.name, self.fixed)
        sampling = "log" if self.log else "linear"
        if self.integer:
            return hp.Int(self.name, self.low, self.high, step=self.step, sampling=sampling)
        return hp.Float(self.name, float(self.low), float(self.high), step=self.step,
                        sampling=sampling)


def _number(value, key, what="a number"):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{key}: expected {what}; got {_describe(value)}")
    return value


def _space(key: str, value, kind: type | tuple) -> Space:
    """A setting of the search space: a plain value (fixed), a list (choice) or a range."""
    name = key.split(".")[-1]
    expected = ("a value, a list of choices or a table {min, max, step, sampling}")
    if isinstance(value, list):
        if not value:
            raise ConfigError(f"{key}: a list of choices needs at least one value")
        for item in value:
            if isinstance(item, bool) or not isinstance(item, kind):
                raise ConfigError(f"{key}: every choice must be {_kind(kind)}; got {_describe(item)}")
        return Space(name, choices=tuple(value))
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"min", "max", "step", "sampling"})
        if unknown or "min" not in value or "max" not in value:
            raise ConfigError(f"{key}: a range is a table with min and max (and optionally step "
                              f"and sampling = \"linear\" or \"log\"); got the keys {sorted(value)}")
        low, high = _number(value["min"], f"{key}.min"), _number(value["max"], f"{key}.max")
        if low > high:
            raise ConfigError(f"{key}: min ({low}) must not be above max ({high})")
        step = value.get("step")
        if step is not None and (_number(step, f"{key}.step") <= 0):
            raise ConfigError(f"{key}.step: expected a number > 0; got {step!r}")
        sampling = value.get("sampling", "linear")
        if sampling not in ("linear", "log"):
            raise ConfigError(f"{key}.sampling: expected \"linear\" or \"log\"; got {sampling!r}")
        if sampling == "log" and low <= 0:
            raise ConfigError(f"{key}: log sampling needs min > 0; got {low}")
        if kind is str:
            raise ConfigError(f"{key}: expected {expected} of names; a range makes no sense here")
        return Space(name, low=low, high=high, step=step, log=sampling == "log")
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ConfigError(f"{key}: expected {expected}; got {_describe(value)}")
    return Space(name, fixed=value)


def _kind(kind) -> str:
    return "a name" if kind is str else "a number"


@dataclass
class TuneConfig:
    """A checked configuration: where the data come from, the search space, the tuner."""

    data: dict
    space: dict = field(default_factory=dict)
    tuner: dict = field(default_factory=dict)


def read_config(document: dict) -> TuneConfig:
    """Check a parsed TOML document and turn it into a :class:`TuneConfig`.

    >>> config = read_config({"data": {"dataset": "moons"}, "model": {"units": [16, 32]},
    ...                       "tuner": {"kind": "random", "max_trials": 2}})
    >>> config.space["units"].choices, config.tuner["objective"]
    ((16, 32), 'val_loss')
    """
    unknown = sorted(set(document) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"{unknown[0]}: not a section of the configuration; the sections are "
                          f"{', '.join(SECTIONS)}")
    for section, keys in SECTIONS.items():
        table = document.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{section}: expected a table [{section}]; got {_describe(table)}")
        extra = sorted(set(table) - keys)
        if extra:
            raise ConfigError(f"{section}.{extra[0]}: not a setting of [{section}]; its settings "
                              f"are {', '.join(sorted(keys))}")
    data = dict(document.get("data", {}))
    if ("dataset" in data) == ("csv" in data):
        raise ConfigError("data: give either dataset = \"<name>\" (a bundled data set) or "
                          "csv = \"<file>\" with target = \"<column>\"")
    if "csv" in data and not isinstance(data.get("target"), str):
        raise ConfigError("data.target: a CSV file needs the name of its target column")
    if data.get("task", "auto") not in TASKS:
        raise ConfigError(f"data.task: expected one of {', '.join(TASKS)}; got {data['task']!r}")
    split = data.setdefault("validation_split", 0.2)
    if not 0 < _number(split, "data.validation_split") < 1:
        raise ConfigError(f"data.validation_split: expected a number in (0, 1); got {split!r}")
    space = {}
    for section in ("model", "training"):
        values = {**DEFAULTS[section], **document.get(section, {})}
        for name, value in values.items():
            kind = str if name in ("activation", "optimizer") else (int, float)
            space[name] = _space(f"{section}.{name}", value, kind)
    for name in ("hidden_layers", "units", "batch_size", "epochs"):
        s = space[name]
        values = s.choices or ((s.fixed,) if s.low is None else (s.low, s.high))
        if any(not isinstance(v, int) or v < (0 if name == "hidden_layers" else 1) for v in values):
            section = "model" if name in DEFAULTS["model"] else "training"
            raise ConfigError(f"{section}.{name}: expected whole numbers >= "
                              f"{0 if name == 'hidden_layers' else 1}; got {values}")
    tuner = {"kind": "bayesian", "max_trials": 10, "directory": "tuning",
             "project_name": "deepgrad_tune", "objective": None, **document.get("tuner", {})}
    if tuner["kind"] not in TUNERS:
        raise ConfigError(f"tuner.kind: expected one of {', '.join(TUNERS)}; got {tuner['kind']!r}")
    if isinstance(tuner["max_trials"], bool) or not isinstance(tuner["max_trials"], int) \
            or tuner["max_trials"] < 1:
        raise ConfigError(f"tuner.max_trials: expected a whole number >= 1; got "
                          f"{tuner['max_trials']!r}")
    if tuner["objective"] is None:
        tuner["objective"] = "val_loss"
    elif not isinstance(tuner["objective"], str):
        raise ConfigError(f"tuner.objective: expected a logged metric's name such as "
                          f"\"val_accuracy\"; got {_describe(tuner['objective'])}")
    for key in ("directory", "project_name", "storage"):
        if key in tuner and not isinstance(tuner[key], str):
            raise ConfigError(f"tuner.{key}: expected a string; got {_describe(tuner[key])}")
    return TuneConfig(data=data, space=space, tuner=tuner)

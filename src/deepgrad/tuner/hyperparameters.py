"""The search space, written where the model is built: ``hp.Int``, ``hp.Float``, ``hp.Choice``...

A :class:`HyperParameters` object is handed to ``build_model(hp)``. Each call both *defines* a
hyperparameter (its name, range and default go into :attr:`~HyperParameters.space`) and
*returns* its value for this trial:

* during a search the value is drawn by Optuna's sampler for the trial (``trial.suggest_*``);
* with values set (the best trial's, say) it returns those, and the default for others;
* otherwise it returns the default — the first choice, or ``min_value``.

A hyperparameter defined inside ``with hp.conditional_scope(parent, values):`` is active only
when the parent's value is one of ``values``; an inactive one is not sampled and returns its
default. Defining the same name again returns the same value, so a loop may ask for it
twice. Values Optuna stores must be plain ``None``, ``bool``, ``int``, ``float`` or ``str``.

>>> hp = HyperParameters()
>>> hp.Int("units", 32, 256, step=32), hp.Choice("activation", ["relu", "tanh"])
(32, 'relu')
>>> with hp.conditional_scope("activation", ["tanh"]):
...     hp.Float("dropout", 0.0, 0.5)
0.0
>>> hp.values
{'units': 32, 'activation': 'relu'}
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import numpy as np

from ..common.checks import check_str, describe

__all__ = ["Definition", "HyperParameters"]

SCALARS = (type(None), bool, int, float, str)


@dataclass(frozen=True)
class Definition:
    """One hyperparameter: its kind (``Int``, ``Float``, ``Choice``, ``Boolean``, ``Fixed``),
    range or values, default and the conditions under which it is active."""

    name: str
    kind: str
    default: object
    min_value: float | None = None
    max_value: float | None = None
    step: float | None = None
    sampling: str = "linear"
    values: tuple = ()
    conditions: tuple = field(default=())  # ((parent name, (values...)), ...)

    def config(self) -> dict:
        """The definition as JSON-ready data (stored with the search)."""
        out = {"name": self.name, "kind": self.kind, "default": self.default}
        if self.kind in ("Int", "Float"):
            out.update(min_value=self.min_value, max_value=self.max_value, step=self.step,
                       sampling=self.sampling)
        elif self.kind == "Choice":
            out["values"] = list(self.values)
        out["conditions"] = [[parent, list(values)] for parent, values in self.conditions]
        return out

    @classmethod
    def from_config(cls, config: dict) -> Definition:
        config = dict(config)
        config["values"] = tuple(config.get("values", ()))
        config["conditions"] = tuple((p, tuple(v)) for p, v in config.get("conditions", ()))
        return cls(**config)

    def grid(self) -> list:
        """Every value a grid search tries, in order."""
        if self.kind == "Fixed":
            return [self.default]
        if self.kind == "Boolean":
            return [False, True]
        if self.kind == "Choice":
            return list(self.values)
        if self.sampling == "log" and self.step is not None:  # steps multiply on a log scale
            values, value = [], self.min_value
            while value <= self.max_value * (1 + 1e-12):
                values.append(value)
                value *= self.step
            return values
        if self.kind == "Int":
            step = int(self.step or 1)
            if (self.max_value - self.min_value) // step >= 1000:
                raise ValueError(f"a grid search over the Int {self.name!r} would try "
                                 f"{(self.max_value - self.min_value) // step + 1} values; give it "
                                 f"a larger step or use hp.Choice")
            return list(range(int(self.min_value), int(self.max_value) + 1, step))
        if self.step is None:
            raise ValueError(f"a grid search needs a step for the Float {self.name!r} (or define "
                             f"it with hp.Choice)")
        count = int(math.floor((self.max_value - self.min_value) / self.step + 1e-9)) + 1
        return [self.min_value + k * self.step for k in range(count)]

    def describe(self) -> str:
        """One line for a search-space summary."""
        if self.kind in ("Int", "Float"):
            text = f"{self.min_value} to {self.max_value}"
            if self.step is not None:
                text += f", step {self.step}"
            if self.sampling != "linear":
                text += f", {self.sampling.replace('_', ' ')} scale"
        elif self.kind == "Choice":
            text = "one of " + ", ".join(repr(v) for v in self.values)
        elif self.kind == "Boolean":
            text = "True or False"
        else:
            text = f"fixed at {self.default!r}"
        if self.kind != "Fixed":
            text += f" (default {self.default!r})"
        for parent, values in self.conditions:
            text += f"; when {parent} is " + " or ".join(repr(v) for v in values)
        return f"{self.name} ({self.kind}): {text}"


def _number(value, name: str, what: str, integer: bool):
    """A plain Python int (``integer``: integral floats and NumPy ints too) or float."""
    if isinstance(value, np.generic):
        value = value.item()
    if integer and isinstance(value, float) and value.is_integer():
        value = int(value)
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or (not integer and not math.isfinite(value)):
        kind = "an int" if integer else "a finite number"
        raise TypeError(f"{what} of {name!r} must be {kind}; got {describe(value)}")
    return value


class HyperParameters:
    """The hyperparameters of one trial: their definitions (:attr:`space`) and values.

    Parameters
    ----------
    values : dict, optional
        Values to return instead of sampling (a finished trial's, for instance).
    """

    def __init__(self, values: dict | None = None):
        if values is not None and not isinstance(values, dict):
            raise TypeError(f"values must be a dict {{name: value}}; got {describe(values)}")
        self._definitions: dict[str, Definition] = {}
        self._values: dict = {}
        self._given = dict(values or {})
        self._scopes: list[tuple[str, tuple]] = []
        self._trial = None  # an optuna Trial while a search runs
        self._preset: HyperParameters | None = None
        self._tune_new = True
        self._allow_new = True
        self._grid = None  # a grid search's names: others keep their default

    # ------------------------------------------------------------------ reading
    @property
    def space(self) -> list[Definition]:
        """Every hyperparameter defined so far, in order of definition."""
        return list(self._definitions.values())

    @property
    def values(self) -> dict:
        """The value of each active hyperparameter, in order of definition; setting an entry
        (``hp.values["units"] = 64``) fixes the value the next definition returns."""
        return self._values

    def get(self, name: str):
        """The value of ``name`` (its default when it is inactive)."""
        if name in self._values:
            return self._values[name]
        if name in self._definitions:
            return self._definitions[name].default
        raise KeyError(f"no hyperparameter named {name!r}; defined: "
                       f"{', '.join(self._definitions) or 'none yet'}")

    def __getitem__(self, name: str):
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._definitions

    def is_active(self, name: str) -> bool:
        """Whether ``name`` is defined and its conditions hold."""
        return name in self._values

    def __repr__(self) -> str:
        return f"HyperParameters({self._values!r})"

    # ------------------------------------------------------------------ defining
    def Int(self, name, min_value, max_value, step=None, sampling="linear", default=None,
            parent_name=None, parent_values=None) -> int:
        """An integer in ``[min_value, max_value]``, every ``step`` (on a log scale, ``step``
        multiplies)."""
        return self._numeric("Int", name, min_value, max_value, step, sampling, default,
                             parent_name, parent_values)

    def Float(self, name, min_value, max_value, step=None, sampling="linear", default=None,
              parent_name=None, parent_values=None) -> float:
        """A float in ``[min_value, max_value]``; ``sampling="log"`` for learning rates."""
        return self._numeric("Float", name, min_value, max_value, step, sampling, default,
                             parent_name, parent_values)

    def Choice(self, name, values, ordered=None, default=None, parent_name=None,
               parent_values=None):
        """One of ``values`` (all of one type: str, int, float or bool)."""
        name = check_str(name, "name")
        if isinstance(values, np.ndarray):
            values = values.tolist()
        if not isinstance(values, (list, tuple)) or not values:
            raise TypeError(f"values of {name!r} must be a non-empty list; got {describe(values)}")
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
        if isinstance(default, np.generic):
            default = default.item()
        kinds = {type(v) for v in values}
        if len(kinds) != 1 or not kinds <= {bool, int, float, str}:
            raise TypeError(f"values of {name!r} must all be of one type, str, int, float or "
                            f"bool; got {list(values)!r}")
        if len(set(values)) != len(values):
            raise ValueError(f"values of {name!r} must be distinct; got {list(values)!r}")
        if default is not None and default not in values:
            raise ValueError(f"default of {name!r} must be one of its values; got {default!r}")
        definition = Definition(name, "Choice", values[0] if default is None else default,
                                values=tuple(values), conditions=self._conditions(parent_name,
                                                                                  parent_values))
        return self._value(definition)

    def Boolean(self, name, default=False, parent_name=None, parent_values=None) -> bool:
        """True or False."""
        name = check_str(name, "name")
        if not isinstance(default, bool):
            raise TypeError(f"default of {name!r} must be a bool; got {describe(default)}")
        return self._value(Definition(name, "Boolean", default,
                                      conditions=self._conditions(parent_name, parent_values)))

    def Fixed(self, name, value, parent_name=None, parent_values=None):
        """A value that is not searched, recorded with the trial's others."""
        name = check_str(name, "name")
        if not isinstance(value, SCALARS):
            raise TypeError(f"value of {name!r} must be None, a bool, an int, a float or a str; "
                            f"got {describe(value)}")
        return self._value(Definition(name, "Fixed", value,
                                      conditions=self._conditions(parent_name, parent_values)))

    @contextlib.contextmanager
    def conditional_scope(self, parent_name, parent_values):
        """Hyperparameters defined inside are active only while ``parent_name`` takes one of
        ``parent_values``."""
        self._scopes.append(self._condition(parent_name, parent_values))
        try:
            yield self
        finally:
            self._scopes.pop()

    # ------------------------------------------------------------------ internals
    def _condition(self, parent_name, parent_values) -> tuple:
        parent_name = check_str(parent_name, "parent_name")
        if parent_name not in self._definitions:
            raise ValueError(f"parent_name {parent_name!r} is not a hyperparameter defined "
                             f"before; define it first")
        if not isinstance(parent_values, (list, tuple)):
            parent_values = [parent_values]
        return parent_name, tuple(parent_values)

    def _conditions(self, parent_name, parent_values) -> tuple:
        scopes = list(self._scopes)
        if parent_name is not None:
            scopes.append(self._condition(parent_name, parent_values))
        elif parent_values is not None:
            raise ValueError("parent_values needs parent_name")
        return tuple(scopes)

    def _numeric(self, kind, name, low, high, step, sampling, default, parent_name,
                 parent_values):
        name = check_str(name, "name")
        integer = kind == "Int"
        low = _number(low, name, "min_value", integer)
        high = _number(high, name, "max_value", integer)
        if low > high:
            raise ValueError(f"min_value of {name!r} ({low}) must not be above max_value ({high})")
        if sampling not in ("linear", "log", "reverse_log"):
            raise ValueError(f"sampling of {name!r} must be 'linear', 'log' or 'reverse_log'; got "
                             f"{sampling!r}")
        if sampling in ("log", "reverse_log") and low <= 0:
            raise ValueError(f"log sampling of {name!r} needs min_value > 0; got {low}")
        if step is not None:
            step = _number(step, name, "step", integer)
            if step <= 0 or (sampling == "log" and step <= 1):
                raise ValueError(f"step of {name!r} must be {'> 1 (a factor)' if sampling == 'log' else '> 0'}"
                                 f"; got {step}")
        if default is None:
            default = low
        else:
            default = _number(default, name, "default", integer)
            if not low <= default <= high:
                raise ValueError(f"default of {name!r} must lie in [{low}, {high}]; got {default}")
        definition = Definition(name, kind, default if integer else float(default),
                                min_value=low, max_value=high, step=step, sampling=sampling,
                                conditions=self._conditions(parent_name, parent_values))
        return self._value(definition)

    def _active(self, definition: Definition) -> bool:
        return all(parent in self._values and self._values[parent] in values
                   for parent, values in definition.conditions)

    def _value(self, definition: Definition):
        """Define (the first time) and return the value; a name defined before keeps its first
        definition and value, as in KerasTuner (so ``hp.Fixed`` before ``hp.Int`` fixes it)."""
        name = definition.name
        known = self._definitions.get(name)
        if known is None:
            if self._preset is not None and name in self._preset:
                definition = self._preset._definitions[name]
            elif self._preset is not None and not self._allow_new:
                raise ValueError(f"hyperparameter {name!r} is not in the tuner's hyperparameters "
                                 f"and allow_new_entries=False")
            self._definitions[name] = definition
        else:
            definition = known
        if not self._active(definition):
            self._values.pop(name, None)
            return definition.default
        if name not in self._values:
            self._values[name] = self._draw(definition)
        return self._values[name]

    def _draw(self, definition: Definition):
        """This trial's value: given, sampled by Optuna, or the default."""
        name = definition.name
        if name in self._given:
            return self._given[name]
        if definition.kind == "Fixed" or (self._grid is not None and name not in self._grid):
            return definition.default
        preset = self._preset is not None and name in self._preset
        if self._trial is None or (self._preset is not None and not preset and not self._tune_new):
            return definition.default
        return suggest(self._trial, definition)


def suggest(trial, definition: Definition):
    """Ask an Optuna trial for ``definition``'s value."""
    name, kind = definition.name, definition.kind
    if kind == "Boolean":
        return trial.suggest_categorical(name, [False, True])
    if kind == "Choice":
        return trial.suggest_categorical(name, list(definition.values))
    if definition.sampling == "log" and definition.step is not None:
        return trial.suggest_categorical(name, definition.grid())
    if definition.sampling == "reverse_log":  # dense near max_value: max + min − a log draw
        low, high = definition.min_value, definition.max_value
        drawn = trial.suggest_float(name + ":reverse_log", low, high, log=True)
        value = high + low - drawn
        return min(max(round(value), low), high) if kind == "Int" else value
    log = definition.sampling == "log"
    if kind == "Int":
        return trial.suggest_int(name, definition.min_value, definition.max_value,
                                 step=1 if log else int(definition.step or 1), log=log)
    return trial.suggest_float(name, definition.min_value, definition.max_value,
                               step=None if log else definition.step, log=log)

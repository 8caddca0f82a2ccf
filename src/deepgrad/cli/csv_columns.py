"""How a CSV file's columns become a model's inputs and its target, and how that travels with
the model: a small JSON file beside it (``model.safetensors`` → ``model.columns.json``).

The encoding is :func:`deepgrad.datasets.load_csv`'s: a column whose values are all numbers is a
feature as it stands; any other column is one-hot encoded, one input per value it holds in the
training file (in sorted order, named ``column=value``). A text target holds class names, encoded
as indices into their sorted list; a target of a few whole numbers is a classification target
too (``--task`` decides otherwise), its classes the sorted numbers. The column file keeps the
feature columns in order with their categories, the target's name, the task and the class names,
so ``deepgrad predict`` and ``deepgrad evaluate`` encode a new CSV the same way and decode class
indices back to the names. It is plain JSON, read with checks: nothing is unpickled or run.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets.csv_files import _column_values, _parse_numbers, _read_table
from .common import CommandError

__all__ = ["Columns", "Table", "columns_path", "fit_columns", "read_columns", "read_table"]

FORMAT = "deepgrad.csv_columns"
#: At most this many distinct whole numbers make an inferred classification target.
MAX_INFERRED_CLASSES = 20
#: Reading a CSV file larger than this shows a progress bar.
PROGRESS_BYTES = 20 * 2**20


@dataclass
class Table:
    """A CSV file read and checked for shape: its header and ``(line number, fields)`` rows."""

    path: Path
    header: list
    rows: list

    def values(self, name: str) -> list[str]:
        """The stripped values of column ``name``; CommandError at the first missing one."""
        try:
            return _column_values(self.path, name, self.header.index(name), self.rows)
        except ValueError as error:
            raise CommandError(str(error)) from None

    def numbers(self, name: str) -> np.ndarray:
        """Column ``name`` as float64; CommandError at the first value that is not a finite
        number."""
        values = self.values(name)
        try:
            result = np.array(values, dtype=np.float64)
            if np.all(np.isfinite(result)):
                return result
        except ValueError:
            pass
        result = np.empty(len(values))  # find the first bad value, for the message
        for i, ((line, _), value) in enumerate(zip(self.rows, values)):
            try:
                result[i] = float(value)
            except ValueError:
                raise CommandError(f"{self.path}, line {line}: column {name!r} holds {value!r}, "
                                   f"not a number") from None
            if not math.isfinite(result[i]):
                raise CommandError(f"{self.path}, line {line}: column {name!r} holds {value}")
        return result


def read_table(path, delimiter: str = ",") -> Table:
    """The table in the CSV file ``path``; CommandError if it is missing, unreadable, empty or
    ragged."""
    path = Path(path)
    try:
        big = path.is_file() and path.stat().st_size > PROGRESS_BYTES
        header, rows = _read_table(path, delimiter, progress=big)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such CSV file") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a folder, not a CSV file") from None
    except PermissionError:
        raise CommandError(f"{path}: permission denied") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not a UTF-8 text file; save it as UTF-8 CSV") from None
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, csv_error()) as error:
        raise CommandError(str(error)) from None
    return Table(path, header, rows)


def csv_error():
    import csv

    return csv.Error


def _number_or_name(value: str):
    """A class as JSON keeps it: an int for a whole number such as ``3``, else the text."""
    try:
        return int(value)
    except ValueError:
        return value


@dataclass
class Columns:
    """The encoding of a CSV file for one model (see the module's docstring).

    >>> columns = Columns([{"name": "weight"}, {"name": "color", "categories": ["red", "green"]}],
    ...                   "kind", "classification", ["apple", "pear"])
    >>> columns.feature_names
    ['weight', 'color=red', 'color=green']
    """

    features: list  # [{"name": str, "categories": [str, ...] or absent}]
    target: str | None
    task: str | None  # "classification" or "regression"
    classes: list | None  # class names (str) or numbers (int), in the order of the indices
    delimiter: str = ","

    @property
    def feature_names(self) -> list[str]:
        """The model's inputs: ``column`` or ``column=value`` for each one-hot column."""
        names = []
        for column in self.features:
            if "categories" in column:
                names.extend(f"{column['name']}={c}" for c in column["categories"])
            else:
                names.append(column["name"])
        return names

    def check_header(self, table: Table, need_target: bool) -> None:
        """CommandError naming the columns the model needs that ``table`` lacks, and the ones
        it has that the model does not know."""
        needed = [column["name"] for column in self.features]
        if need_target and self.target is not None:
            needed.append(self.target)
        missing = [name for name in needed if name not in table.header]
        extra = [name for name in table.header if name not in needed and name != self.target]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"it lacks the column{'s' * (len(missing) > 1)} "
                             f"{', '.join(map(repr, missing))}")
            if extra:
                parts.append(f"it has the column{'s' * (len(extra) > 1)} "
                             f"{', '.join(map(repr, extra))}, which the model was not trained on")
            raise CommandError(f"{table.path} does not match the model's columns: "
                               f"{'; '.join(parts)} (the model takes {', '.join(needed)})")

    def encode(self, table: Table) -> np.ndarray:
        """The inputs for ``table``'s rows, shape ``(n_rows, len(feature_names))``, float32."""
        parts = []
        for column in self.features:
            name = column["name"]
            if "categories" not in column:
                parts.append(table.numbers(name)[:, None])
                continue
            categories = column["categories"]
            index = {value: i for i, value in enumerate(categories)}
            one_hot = np.zeros((len(table.rows), len(categories)))
            for row, ((line, _), value) in enumerate(zip(table.rows, table.values(name))):
                if value not in index:
                    raise CommandError(
                        f"{table.path}, line {line}: column {name!r} holds {value!r}, a value "
                        f"the model never saw in training (it knows {_listing(categories)})")
                one_hot[row, index[value]] = 1.0
            parts.append(one_hot)
        if not parts:
            return np.empty((len(table.rows), 0), dtype=np.float32)
        return np.hstack(parts).astype(np.float32)

    def encode_target(self, table: Table) -> np.ndarray:
        """The target column as class indices (int64) or values (float32, ``(n_rows, 1)``)."""
        if self.task == "regression":
            return table.numbers(self.target).astype(np.float32)[:, None]
        index = {str(name): i for i, name in enumerate(self.classes)}
        numeric = all(isinstance(name, int) for name in self.classes)
        codes = np.empty(len(table.rows), dtype=np.int64)
        for row, ((line, _), value) in enumerate(zip(table.rows, table.values(self.target))):
            key = value
            if numeric:
                try:
                    number = float(value)
                    key = str(int(number)) if number == int(number) else value
                except (ValueError, OverflowError):
                    pass
            if key not in index:
                raise CommandError(
                    f"{table.path}, line {line}: the target {self.target!r} holds {value!r}, a "
                    f"class the model was not trained on (its classes: {_listing(self.classes)})")
            codes[row] = index[key]
        return codes

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "format_version": 1, "features": self.features,
                           "target": self.target, "task": self.task, "classes": self.classes,
                           "delimiter": self.delimiter}, indent=1, ensure_ascii=False) + "\n"


def _listing(values, limit: int = 10) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def columns_path(model_path) -> Path:
    """Where the column file of the model file ``model_path`` lives."""
    return Path(model_path).with_suffix(".columns.json")


def fit_columns(table: Table, target: str, task: str, delimiter: str = ",") -> Columns:
    """The encoding of ``table`` (its training file) with ``target`` as the target column."""
    if target not in table.header:
        raise CommandError(f"{table.path} has no column {target!r}; its columns are "
                           f"{', '.join(table.header)}")
    if len(table.header) < 2:
        raise CommandError(f"{table.path} has only the target column {target!r}; it needs at "
                           f"least one feature column")
    features = []
    for name in table.header:
        if name == target:
            continue
        values = table.values(name)
        if _parse_numbers(values) is None:
            features.append({"name": name, "categories": sorted(set(values))})
        else:
            table.numbers(name)  # checks that every number is finite
            features.append({"name": name})
    values = table.values(target)
    numbers = _parse_numbers(values)
    whole = numbers is not None and all(math.isfinite(v) and v == int(v) for v in numbers)
    distinct = sorted(set(values), key=float) if numbers is not None else sorted(set(values))
    if task == "auto":
        few = len(set(numbers or [])) <= min(MAX_INFERRED_CLASSES, max(2, len(values) // 2))
        task = "classification" if numbers is None or (whole and few) else "regression"
    if task == "regression":
        if numbers is None:
            line, value = next((line, v) for (line, _), v in zip(table.rows, values)
                               if _parse_numbers([v]) is None)
            raise CommandError(f"{table.path}, line {line}: the target {target!r} holds "
                               f"{value!r}, not a number, so it cannot be a regression target; "
                               f"use --task classification")
        table.numbers(target)  # finite
        return Columns(features, target, task, None, delimiter)
    if numbers is not None and not whole:
        raise CommandError(f"the target {target!r} holds fractional numbers, which cannot be class "
                           f"labels; use --task regression, or class names or whole numbers")
    classes = sorted({int(v) for v in numbers}) if numbers is not None else distinct
    if len(classes) < 2:
        raise CommandError(f"the target {target!r} holds one class only ({classes[0]!r}); a "
                           f"classifier needs at least two")
    return Columns(features, target, task, classes, delimiter)


def read_columns(path) -> Columns | None:
    """The column file at ``path``, or None if there is none; CommandError if it is broken."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CommandError(f"{path}: not a readable column file ({error})") from None

    def bad(problem):
        return CommandError(f"{path} is not a deepgrad column file: {problem}")

    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise bad(f"no \"format\": \"{FORMAT}\" entry")
    if document.get("format_version") != 1:
        raise bad(f"its format_version {document.get('format_version')!r} is not 1")
    features = document.get("features")
    if not isinstance(features, list) or not all(
            isinstance(f, dict) and isinstance(f.get("name"), str) and set(f) <= {"name", "categories"}
            and all(isinstance(c, str) for c in f.get("categories", [])) for f in features):
        raise bad("\"features\" must be a list of {\"name\": ..., \"categories\": [...]}")
    target, task, classes = document.get("target"), document.get("task"), document.get("classes")
    if not (target is None or isinstance(target, str)) or task not in ("classification",
                                                                       "regression", None):
        raise bad("\"target\" must be a name and \"task\" classification or regression")
    if classes is not None and (not isinstance(classes, list) or not all(
            isinstance(c, (str, int)) and not isinstance(c, bool) for c in classes)):
        raise bad("\"classes\" must be a list of names or whole numbers")
    if task == "classification" and not classes:
        raise bad("a classification model needs its \"classes\"")
    delimiter = document.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise bad("\"delimiter\" must be one character")
    return Columns(features, target, task, classes, delimiter)

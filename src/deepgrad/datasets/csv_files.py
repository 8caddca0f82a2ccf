"""Load a table from a CSV file with the standard library, one-hot encoding text columns."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..common.checks import (
    check_bool,
    check_float_dtype,
    check_path,
    check_str,
    describe,
)
from .base import Dataset

__all__ = ["load_csv"]

#: Field values (compared case-insensitively, after stripping spaces) that mean "missing".
MISSING_VALUES = frozenset({"", "?", "na", "n/a", "nan", "null"})


def _read_table(path: Path, delimiter: str, progress: bool = False
                ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and ``(line number, fields)`` of each non-blank data row, checked for shape;
    with ``progress`` a progress bar (tqdm, on stderr) counts the bytes read."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        if progress:
            lines = _counted(file, path)
            reader = csv.reader(lines, delimiter=delimiter)
            rows = [(reader.line_num, fields) for fields in reader if fields]
        else:
            reader = csv.reader(file, delimiter=delimiter)
            rows = [(reader.line_num, fields) for fields in reader if fields]
    if not rows:
        raise ValueError(f"{path} is empty: expected a header row and at least one data row")
    header_line, header = rows[0]
    header = [name.strip() for name in header]
    for position, name in enumerate(header):
        if not name:
            raise ValueError(f"{path}: column {position + 1} of the header has no name")
        if header.index(name) != position:
            raise ValueError(f"{path}: the header names column {name!r} twice")
    data_rows = rows[1:]
    if not data_rows:
        raise ValueError(f"{path} has a header (line {header_line}) but no data rows")
    for line_number, fields in data_rows:
        if len(fields) != len(header):
            raise ValueError(
                f"{path}, line {line_number}: {len(fields)} fields, but the header has "
                f"{len(header)} columns"
            )
    return header, data_rows


def _counted(file, path):
    """The lines of ``file``, advancing a progress bar by their size."""
    from tqdm.auto import tqdm

    with tqdm(total=Path(path).stat().st_size, unit="B", unit_scale=True,
              desc=f"Reading {Path(path).name}", leave=False) as bar:
        for line in file:
            bar.update(len(line))
            yield line


def _column_values(path, name, position, data_rows) -> list[str]:
    """The stripped values of one column; ValueError naming the first missing one."""
    values = []
    for line_number, fields in data_rows:
        value = fields[position].strip()
        if value.lower() in MISSING_VALUES:
            raise ValueError(
                f"{path}, line {line_number}: missing value {fields[position]!r} in column "
                f"{name!r}; fill in or drop incomplete rows first (deepgrad does not impute)"
            )
        values.append(value)
    return values


def _parse_numbers(values: list[str]) -> list[float] | None:
    """The values as floats, or None if any is not a number."""
    try:
        return [float(value) for value in values]
    except ValueError:
        return None


def _categorical_columns(categorical, header: list[str], target: str) -> set[str] | None:
    """The names listed in ``categorical``, or None for ``"auto"``."""
    if isinstance(categorical, str):
        if categorical != "auto":
            raise ValueError(
                f'categorical must be "auto", None or a list of column names; got {categorical!r}'
            )
        return None
    try:
        names = set() if categorical is None else {str(name) for name in categorical}
    except TypeError:
        raise TypeError(
            f'categorical must be "auto", None or a list of column names; got {categorical!r}'
        ) from None
    unknown = sorted(names - set(header))
    if unknown:
        raise ValueError(
            f"categorical names columns {unknown} that are not in the file; the columns are "
            f"{header}"
        )
    if target in names:
        raise ValueError(
            f"categorical lists the target column {target!r}; the target is encoded on its own "
            "(text labels become class indices)"
        )
    return names


def _encode_target(path, target, values, data_rows, dtype):
    """``(target array, class names or None)`` for the target column's values."""
    numbers = _parse_numbers(values)
    if numbers is None:
        class_names = tuple(sorted(set(values)))
        index = {name: code for code, name in enumerate(class_names)}
        return np.array([index[value] for value in values], dtype=np.int64), class_names
    _check_finite(path, target, numbers, data_rows)
    try:
        return np.array([int(value) for value in values], dtype=np.int64), None
    except ValueError:  # some value is written with a decimal point or an exponent
        return np.array(numbers, dtype=dtype), None


def _check_finite(path, name, numbers, data_rows) -> None:
    for (line_number, _), number in zip(data_rows, numbers):
        if not np.isfinite(number):
            raise ValueError(f"{path}, line {line_number}: column {name!r} holds {number}")


def load_csv(
    path, target: str, *, categorical="auto", delimiter: str = ",", dtype=np.float32,
    return_X_y: bool = False,
):
    """Read a CSV file with a header row into features and a target, without pandas.

    Numeric feature columns are kept; text (categorical) feature columns are one-hot encoded
    into one column per value, named ``column=value`` with the values in sorted order, in the
    place of the original column. The target column is kept as numbers if every value is one
    (int64 if all are written as whole numbers such as ``3``, else ``dtype``); otherwise its
    values are class names, encoded as int64 indices into the sorted ``target_names``.

    Blank lines are skipped. Values in :data:`MISSING_VALUES` (empty, ``?``, ``NA``, ``N/A``,
    ``NaN``, ``null``, any case) are missing, and a missing value is an error: fill in or drop
    incomplete rows before loading.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file (UTF-8; a byte-order mark is ignored).
    target : str
        Name of the target column.
    categorical : "auto", None or sequence of str, default "auto"
        Feature columns to one-hot encode. ``"auto"``: every column with a value that is not a
        number. A list: exactly those columns (so numeric codes such as zip codes can be
        encoded too); every other feature column must be numeric. None: no column.
    delimiter : str, default ","
        Field separator, e.g. ``";"`` or ``"\\t"``.
    dtype : floating dtype, default numpy.float32
        Dtype of ``data`` (and of a target with fractional values).
    return_X_y : bool, default False
        Return ``(data, target)`` instead of a :class:`Dataset`.

    Returns
    -------
    Dataset or tuple
        ``data`` of shape ``(n_rows, n_features)``, ``target`` of shape ``(n_rows,)``,
        ``feature_names`` (after one-hot encoding), ``target_names`` (the class names for a text
        target, else None) and a ``description`` saying what was encoded.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is empty or has no data rows, the target column is missing (the message
        lists the columns), a row has the wrong number of fields (the message gives its line),
        a value is missing or not finite (line and column), or a column that must be numeric
        is not.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder, "fruit.csv")
    ...     _ = path.write_text("weight,color,kind\\n150,red,apple\\n120,yellow,banana\\n"
    ...                         "170,red,apple\\n")
    ...     fruit = load_csv(path, target="kind")
    >>> fruit.feature_names, fruit.target_names
    (('weight', 'color=red', 'color=yellow'), ('apple', 'banana'))
    >>> fruit.data
    array([[150.,   1.,   0.],
           [120.,   0.,   1.],
           [170.,   1.,   0.]], dtype=float32)
    >>> fruit.target
    array([0, 1, 0])
    """
    path = Path(check_path(path, "path"))
    target = check_str(target, "target")
    if not isinstance(delimiter, str):
        raise TypeError(f"delimiter must be a one-character string; got {describe(delimiter)}")
    if len(delimiter) != 1:
        raise ValueError(f"delimiter must be a one-character string; got {delimiter!r}")
    dtype = np.dtype(check_float_dtype(dtype))
    return_X_y = check_bool(return_X_y, "return_X_y")
    if categorical is not None and not isinstance(categorical, str) and not hasattr(
            categorical, "__iter__"):
        raise TypeError(f'categorical must be "auto", None or a list of column names; got '
                        f"{describe(categorical)}")
    header, data_rows = _read_table(path, delimiter)
    if target not in header:
        raise ValueError(f"{path} has no target column {target!r}; its columns are {header}")
    listed = _categorical_columns(categorical, header, target)
    columns, feature_names, encoded = [], [], []
    target_values = None
    for position, name in enumerate(header):
        values = _column_values(path, name, position, data_rows)
        if name == target:
            target_values = values
            continue
        numbers = None if listed is not None and name in listed else _parse_numbers(values)
        if numbers is not None:
            _check_finite(path, name, numbers, data_rows)
            columns.append(np.array(numbers, dtype=np.float64)[:, None])
            feature_names.append(name)
            continue
        if listed is not None and name not in listed:
            line_number, value = next(
                (line, value) for (line, _), value in zip(data_rows, values)
                if _parse_numbers([value]) is None
            )
            raise ValueError(
                f"{path}, line {line_number}: column {name!r} holds {value!r}, not a number; "
                "list the column in categorical= to one-hot encode it"
            )
        categories = sorted(set(values))
        columns.append(np.array(values)[:, None] == np.array(categories)[None, :])
        feature_names.extend(f"{name}={category}" for category in categories)
        encoded.append(name)
    target_array, class_names = _encode_target(path, target, target_values, data_rows, dtype)
    if columns:
        data = np.hstack([column.astype(dtype) for column in columns])
    else:
        data = np.empty((len(data_rows), 0), dtype=dtype)
    description = (
        f"Loaded from {path}: {len(data_rows)} rows, target column {target!r}"
        + (f" with classes {list(class_names)}" if class_names is not None else "")
        + (f"; one-hot encoded: {encoded}" if encoded else "; no column one-hot encoded")
        + "."
    )
    dataset = Dataset(data, target_array, feature_names, class_names, description)
    return (dataset.data, dataset.target) if return_X_y else dataset

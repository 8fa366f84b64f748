"""Data files as tables of named columns: a CSV (header row, then rows) or an NPZ.

A CSV is read with the csv module and kept as text, column by column: whether
a column holds numbers (a feature) or labels (a class target) is decided by
whoever uses it, and the error then names the column and the row. An NPZ is
read with numpy: ``X`` (n_samples, n_features) plus named columns (the target),
or named columns only.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from .messages import CLIError

if TYPE_CHECKING:
    from _csv import Reader as CSVReader  # what csv.reader returns; not exported by csv

__all__ = ["Table", "Column", "read_table"]

#: One value per row: text (dtype object, from a CSV) or numbers (from an NPZ).
Column: TypeAlias = npt.NDArray[Any]

#: The first bytes of a zip archive (a .npz is one), and of an empty one.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

#: How many column names an error message lists before "...".
_SHOWN_NAMES = 12


@dataclass
class Table:
    """Named columns of equal length, read from ``path``."""

    path: str
    names: list[str]                 # in file order
    columns: dict[str, Column]       # name -> 1-D array
    n_rows: int = field(init=False)

    def __post_init__(self) -> None:
        self.n_rows = len(next(iter(self.columns.values()))) if self.columns else 0

    def require(self, name: str, role: str = "column") -> None:
        """Raise a CLIError listing the columns if ``name`` is not one of them."""
        if name not in self.columns:
            shown = ", ".join(self.names[:_SHOWN_NAMES]) + (", ..." if len(self.names) > _SHOWN_NAMES else "")
            raise CLIError(f"{self.path} has no {role} {name!r}; its columns are: {shown}")

    def numeric(self, name: str) -> npt.NDArray[np.float64]:
        """Column ``name`` as float64, with an error naming the first bad value and its row."""
        values = self.columns[name]
        try:
            out = np.asarray(values, dtype=np.float64)
        except (ValueError, TypeError):
            first_bad = _first_non_number(values)
            if first_bad is None:  # numpy's parser refused what float() takes (such as "1_000"): its message
                raise
            row, value = first_bad
            what = "is empty" if str(value).strip() == "" else f"holds {str(value)!r}"
            raise CLIError(f"{self.path}: column {name!r} {what} in data row {row + 1}; "
                           "features must be numbers") from None
        if out.ndim != 1:
            raise CLIError(f"{self.path}: column {name!r} has shape {out.shape}, expected one value per row")
        not_finite = ~np.isfinite(out)
        if not_finite.any():
            row = int(np.flatnonzero(not_finite)[0])
            raise CLIError(f"{self.path}: column {name!r} holds {values[row]!r} in data row {row + 1}; "
                           "remove or impute missing and infinite values")
        return out

    def matrix(self, names: Sequence[str]) -> npt.NDArray[np.float64]:
        """The columns ``names`` as a float64 matrix (n_rows, len(names)), in that order."""
        for name in names:
            self.require(name)
        if not names:
            return np.empty((self.n_rows, 0))
        return np.column_stack([self.numeric(name) for name in names])


def _first_non_number(values: Column) -> tuple[int, object] | None:
    """(row, value) of the first entry float() rejects, or None."""
    for row, value in enumerate(values):
        try:
            float(value)
        except (ValueError, TypeError):
            return row, value
    return None


def read_table(path: str, delimiter: str = ",") -> Table:
    """A CSV (header row, then rows; fields split at ``delimiter``, quoted as the csv module
    reads them) or an NPZ (``X`` plus named columns, or named columns).

    The format is told by the file's first bytes, not its name: a CSV saved as
    ``data.txt`` reads, and a ``.npz`` that is no zip archive gets its own error.
    """
    if not os.path.exists(path):
        raise CLIError(f"no such file: {path}")
    if os.path.isdir(path):
        raise CLIError(f"{path} is a directory, not a data file")
    with open(path, "rb") as f:
        is_zip = f.read(4) in _ZIP_MAGIC
    if path.lower().endswith(".npz") and not is_zip:
        raise CLIError(f"{path} is not an .npz archive (a .npz is a zip file of .npy arrays)")
    return _read_npz(path) if is_zip else _read_csv(path, delimiter)


# -- CSV --------------------------------------------------------------------------------------
#: Separators a CSV may use instead of the comma (spreadsheets in many locales write ";").
_OTHER_DELIMITERS = {";": "';'", "\t": "$'\\t'"}


def _read_csv(path: str, delimiter: str) -> Table:
    # utf-8-sig: spreadsheet programs start a CSV with a byte-order mark, which must not join the first name.
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            names = _header(path, reader)
            _suggest_delimiter(path, names, delimiter)
            rows = list(_data_rows(path, reader, len(names)))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CLIError(f"{path} is not a readable CSV file ({exc})") from None
    if not rows:
        raise CLIError(f"{path} has a header but no data rows")
    columns = {name: np.array([row[k] for row in rows], dtype=object) for k, name in enumerate(names)}
    return Table(path, names, columns)


def _header(path: str, reader: CSVReader) -> list[str]:
    """The column names of the first row: present, and each once."""
    header = next(reader, None)
    if header is None:
        raise CLIError(f"{path} is empty; expected a header row of column names, then data rows")
    names = [name.strip() for name in header]
    if not any(names):
        raise CLIError(f"{path}: the first row must name the columns")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise CLIError(f"{path}: the header names a column more than once: {', '.join(map(repr, twice))}")
    return names


def _suggest_delimiter(path: str, names: list[str], delimiter: str) -> None:
    """One column whose name holds another separator: the file is split by that one (a hint, then)."""
    if len(names) != 1:
        return
    for other, shown in _OTHER_DELIMITERS.items():
        if other != delimiter and other in names[0]:
            name = "a semicolon" if other == ";" else "a tab"
            raise CLIError(f"{path}: the header is one column, {names[0]!r}, which holds {name}: "
                           f"if the file separates its fields so, give --delimiter {shown}")


def _data_rows(path: str, reader: CSVReader, n_fields: int) -> Iterator[list[str]]:
    """The stripped cells of each data row, skipping blank lines; a row must have ``n_fields`` cells."""
    for row in reader:
        if all(not cell.strip() for cell in row):
            continue
        if len(row) != n_fields:
            raise CLIError(f"{path}: line {reader.line_num} has {len(row)} fields but the header "
                           f"has {n_fields}")
        yield [cell.strip() for cell in row]


# -- NPZ --------------------------------------------------------------------------------------
def _read_npz(path: str) -> Table:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays: dict[str, Column] = {name: archive[name] for name in archive.files}
    except Exception as exc:  # numpy raises many kinds (BadZipFile, ValueError, OSError, EOFError)
        raise CLIError(f"{path} is not a readable .npz file ({type(exc).__name__}: {exc})") from None
    if "config" in arrays and "params" in arrays:
        raise CLIError(f"{path} is a fastnet model, not a data set")
    columns = _feature_columns(path, arrays) if "X" in arrays else {}
    for name, array in arrays.items():
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise CLIError(f"{path}: array {name!r} has shape {array.shape}; besides 'X', "
                           "arrays must be columns (one value per row)")
        columns[name] = array
    lengths = {name: len(column) for name, column in columns.items()}
    if len(set(lengths.values())) > 1:
        raise CLIError(f"{path}: the arrays have different numbers of rows: {lengths}")
    if not columns or not next(iter(lengths.values())):
        raise CLIError(f"{path} holds no data rows")
    return Table(path, list(columns), columns)


def _feature_columns(path: str, arrays: dict[str, Column]) -> dict[str, Column]:
    """Take ``X`` (and ``feature_names``) out of ``arrays``: one column per feature.

    The columns are named by ``feature_names`` when it has one name per
    feature, else ``X0``, ``X1``, ...
    """
    X = arrays.pop("X")
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2:
        raise CLIError(f"{path}: array 'X' must be 2-D (n_samples, n_features), got shape {X.shape}")
    given = arrays.pop("feature_names", None)
    if given is not None and given.shape == (X.shape[1],):
        names = [str(v) for v in given]
    else:
        names = [f"X{k}" for k in range(X.shape[1])]
    return {name: X[:, k] for k, name in enumerate(names)}

"""Turning user data into checked lists of float rows, with errors that say what is wrong.

Private helpers of :mod:`fastnet.reference.network`. Everything here is input
checking; none of it is part of the math. A mistake raises the exception the
compiled network raises for it (tests/checks/test_same_errors.py): a TypeError for
what is not numbers at all, a ValueError for numbers of the wrong shape or
value (a lone number where rows are expected, a missing value, NaN).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

if TYPE_CHECKING:
    from ..nn.losses import Loss

__all__ = ["NumericArray", "as_rows", "as_targets", "as_flat", "as_weights"]


class NumericArray(Protocol):
    """A NumPy array, as far as the reference relies on one (it never imports NumPy)."""

    @property
    def shape(self) -> tuple[int, ...]: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...


class _Row(Protocol):
    """What a row is taken to be: anything with a length that iterates (lists, tuples, numpy rows)."""

    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real)


def _is_row(value: object) -> TypeGuard[_Row]:
    return not isinstance(value, (str, bytes)) and hasattr(value, "__iter__") and hasattr(value, "__len__")


def _as_list(name: str, data: object, what: str) -> list[Any]:
    """``data`` as a list; a lone number is a ValueError (the wrong shape), anything else a TypeError."""
    if _is_number(data) and not isinstance(data, bool):
        raise ValueError(f"{name} must be {what}, got a single number {data!r}")
    if not _is_row(data):
        raise TypeError(f"{name} must be {what}, got {type(data).__name__}")
    return list(data)


def _real(name: str, value: object, where: str) -> float:
    if value is None:
        raise ValueError(f"{name} must hold numbers, got None at {where}; remove or impute missing values")
    if _is_row(value):
        raise ValueError(f"{name} must be 2-D (n_samples, n_columns), but it holds a sequence at {where}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must hold real numbers, got {type(value).__name__} {value!r} at {where}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} contains a non-finite value ({number!r}) at {where}")
    return number


def as_rows(name: str, data: object, n_cols: int | None = None, what_cols: str = "features",
            expected_by: str = "the network") -> list[list[float]]:
    """``data`` as a non-empty list of equally long lists of finite floats.

    ``n_cols``: the number of columns required (None: any, but the same in every row).
    """
    rows = _as_list(name, data, "a sequence of rows (2-D)")
    if not rows:
        raise ValueError(f"{name} is empty; it needs at least one row")
    if not _is_row(rows[0]) and (rows[0] is None or _is_number(rows[0])):
        raise ValueError(f"{name} must be 2-D (a sequence of rows), got a sequence of "
                         f"{type(rows[0]).__name__}; for one column write [[v] for v in {name}]")
    width = len(rows[0]) if _is_row(rows[0]) else 0
    out = []
    for r, row in enumerate(rows):
        if not _is_row(row):
            raise TypeError(f"{name} must be a sequence of rows, but {name}[{r}] is {type(row).__name__} {row!r}")
        if len(row) != width:
            raise ValueError(f"{name} is ragged: row 0 has {width} values but row {r} has {len(row)}")
        out.append([_real(name, v, f"row {r}, column {c}") for c, v in enumerate(row)])
    if width == 0:
        raise ValueError(f"{name} has rows with no values")
    if n_cols is not None and width != n_cols:
        raise ValueError(f"{name} has {width} {what_cols} but {expected_by} expects {n_cols}")
    return out


def _one_hot(labels: Sequence[Any], k: int) -> list[list[float]]:
    rows = []
    for r, c in enumerate(labels):
        if isinstance(c, bool) or not _is_number(c):
            raise TypeError(f"Y must hold integer class labels, got {type(c).__name__} {c!r} at position {r}")
        if not (math.isfinite(c) and float(c).is_integer()):
            raise ValueError(f"Y holds class labels, which must be integers; got {c!r} at position {r}")
        label = int(c)
        if not 0 <= label < k:
            raise ValueError(f"Y has class label {label} at position {r} but the network has {k} outputs, "
                             f"so labels must lie in [0, {k - 1}]")
        rows.append([1.0 if j == label else 0.0 for j in range(k)])
    return rows


def _label_column(entries: list[Any]) -> list[Any] | None:
    """The labels of a column of one-number rows, shape (n, 1), as the compiled Network accepts it; else None."""
    if entries and all(_is_row(e) and len(e) == 1 and _is_number(list(e)[0]) for e in entries):
        return [list(e)[0] for e in entries]
    return None


def as_targets(Y: object, n_rows: int, loss: Loss, n_outputs: int) -> list[list[float]]:
    """Targets as n_rows lists of n_outputs floats, checked against the loss.

    Accepted: rows of ``n_outputs`` numbers; for one output a flat sequence of
    numbers (a column); for cross_entropy integer class labels, flat or as a
    column of one-number rows (as the compiled Network takes them).
    """
    entries = _as_list("Y", Y, "a sequence of targets")
    if len(entries) != n_rows:
        raise ValueError(f"X has {n_rows} samples but Y has {len(entries)}; they must match")
    flat = [_is_number(e) for e in entries]
    column = _label_column(entries) if loss.name == "cross_entropy" and not any(flat) else None
    if column is not None:
        entries, flat = column, [True] * len(column)
    if any(flat) and not all(flat):
        raise TypeError("Y mixes numbers and rows; give either one row per sample or one number per sample")
    if all(flat) and loss.name == "cross_entropy":
        rows = _one_hot(entries, n_outputs)
    elif all(flat):
        if n_outputs != 1:
            raise ValueError(f"Y has 1 value per sample (a flat sequence) but the network has "
                             f"{n_outputs} outputs; give Y as rows of {n_outputs} values")
        rows = as_rows("Y", [[e] for e in entries])
    else:
        rows = as_rows("Y", entries, n_outputs, what_cols="columns", expected_by="the network's output layer")
    if loss.name == "binary_cross_entropy":
        for r, row in enumerate(rows):
            for c, y in enumerate(row):
                if not 0.0 <= y <= 1.0:
                    raise ValueError(f"Y must lie in [0, 1] for binary_cross_entropy, got {y!r} "
                                     f"at row {r}, column {c}")
    if loss.name == "poisson" and any(y < 0 for row in rows for y in row):
        raise ValueError(f"Y holds counts for poisson and must be >= 0, got {min(min(row) for row in rows):g}")
    return rows


def as_flat(name: str, values: object, n: int) -> list[float]:
    """``values`` as a list of exactly ``n`` finite floats (any sequence, numpy arrays included)."""
    if not _is_row(values):  # the compiled network sees a lone value as an array of the wrong shape
        raise ValueError(f"{name} must be a sequence of {n} numbers (the network's parameter count), "
                         f"got {type(values).__name__}")
    items = list(values)
    if len(items) != n:
        raise ValueError(f"{name} must have {n} entries (the network's parameter count), got {len(items)}")
    for i, v in enumerate(items):
        if isinstance(v, bool) or not _is_number(v):
            raise TypeError(f"{name} must hold real numbers, got {type(v).__name__} {v!r} at position {i}")
    floats = [float(v) for v in items]
    if not all(map(math.isfinite, floats)):
        raise ValueError(f"{name} contains NaN or infinity")
    return floats


def as_weights(sample_weight: object, n: int) -> list[float] | None:
    """Per-sample weights: None, or n finite numbers >= 0 with a positive sum."""
    if sample_weight is None:
        return None
    given = _as_list("sample_weight", sample_weight, f"a sequence of {n} numbers")
    if len(given) != n:
        raise ValueError(f"sample_weight must have one weight per sample ({n}), got {len(given)}")
    weights = [_real("sample_weight", w, f"position {i}") for i, w in enumerate(given)]
    if any(w < 0 for w in weights):
        raise ValueError(f"sample_weight must be >= 0, got {min(weights)!r}")
    if not sum(weights) > 0:
        raise ValueError("sample_weight must have a positive sum, got all zeros")
    return weights

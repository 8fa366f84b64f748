"""The target column: class labels or numbers, and the loss that goes with it.

``fastnet train --loss auto`` takes text, or a few distinct whole numbers, for
class labels (cross-entropy) and anything else for a regression target (mean
squared error). Class labels are stored in the model file as JSON values, and
``predict`` writes them back as that text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from .messages import CLIError
from .tables import Column, Table

__all__ = ["MAX_AUTO_CLASSES", "EncodedTarget", "ClassLabel", "TargetArray", "encode_target", "label_strings", "json_label"]

#: A target with at most this many distinct integer values is taken for class labels (--loss auto).
MAX_AUTO_CLASSES = 20

#: A class label as the model file's JSON metadata keeps it.
ClassLabel: TypeAlias = int | float | str

#: The target as fit takes it: class indices (n_rows,) int64, or numbers (n_rows,) float64.
TargetArray: TypeAlias = npt.NDArray[np.int64] | npt.NDArray[np.float64]

#: The losses whose targets are class indices.
CLASSIFICATION_LOSSES = ("cross_entropy", "binary_cross_entropy")


@dataclass
class EncodedTarget:
    """The target column ready for ``Network.fit``."""

    loss: str                          # "auto" resolved
    y: TargetArray
    classes: list[ClassLabel] | None   # index -> label; None for a regression target

    @property
    def n_outputs(self) -> int:
        """The width of the output layer: one per class for cross-entropy, else one."""
        if self.classes is None or self.loss == "binary_cross_entropy":
            return 1
        return len(self.classes)

    @property
    def scalable(self) -> bool:
        """Whether training may standardise the target: a number to regress, and not
        poisson's counts (they must stay >= 0, and the output is their log-rate)."""
        return self.classes is None and self.loss != "poisson"


def as_numbers(values: Column | Sequence[object]) -> npt.NDArray[np.float64] | None:
    """The column as float64 if every entry is a number, else None."""
    try:
        out = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        return None
    return out if out.ndim == 1 else None


def json_label(value: object) -> ClassLabel:
    """A class label as JSON keeps it: an int for whole numbers, else a float or the text."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)


def label_strings(raw: Column) -> list[str]:
    """Class labels as the text predict writes: numbers as JSON keeps them (1.0 -> "1")."""
    numbers = as_numbers(raw)
    if numbers is not None:
        return [str(json_label(v)) for v in numbers]
    return [str(v) for v in raw]


def encode_target(table: Table, target: str, loss: str) -> EncodedTarget:
    """The target column ``target`` of ``table``, encoded for ``loss`` (or for the loss "auto" picks)."""
    raw = table.columns[target]
    numbers = as_numbers(raw)
    _check_no_missing(table, target, raw, numbers)
    if loss == "auto":
        loss = _auto_loss(numbers)
    if loss in CLASSIFICATION_LOSSES:
        return _encode_classes(target, raw, numbers, loss)
    if numbers is None:
        bad = next(v for v in raw if as_numbers([v]) is None)
        raise CLIError(f"target column {target!r} holds text such as {str(bad)!r}, but --loss {loss} "
                       "needs numbers; use --loss cross_entropy (or auto) for class labels")
    return EncodedTarget(loss, numbers, None)


def predicted_values(loss: str, out: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.floating[Any]]:
    """A regressor's output in the target's units: for poisson the network gives the log-rate,
    and the expected count is its exponential."""
    return np.exp(out) if loss == "poisson" else out


def _check_no_missing(table: Table, target: str, raw: Column, numbers: npt.NDArray[np.float64] | None) -> None:
    """A row without a target cannot be trained on: say which one."""
    if numbers is not None and not np.isfinite(numbers).all():
        row = int(np.flatnonzero(~np.isfinite(numbers))[0])
        raise CLIError(f"{table.path}: target column {target!r} holds {raw[row]!r} in data row {row + 1}; "
                       "remove rows with missing targets")
    if numbers is None and any(str(v) == "" for v in raw):
        row = next(k for k, v in enumerate(raw) if str(v) == "")
        raise CLIError(f"{table.path}: target column {target!r} is empty in data row {row + 1}")


def _auto_loss(numbers: npt.NDArray[np.float64] | None) -> str:
    """Text, or at most MAX_AUTO_CLASSES distinct whole numbers: classes; else a regression target."""
    if numbers is None:
        return "cross_entropy"
    whole = np.array_equal(numbers, np.round(numbers))
    return "cross_entropy" if whole and len(np.unique(numbers)) <= MAX_AUTO_CLASSES else "mse"


def _encode_classes(target: str, raw: Column, numbers: npt.NDArray[np.float64] | None, loss: str) -> EncodedTarget:
    """Class indices 0..k-1 in sorted label order (numbers sort as numbers, text as text)."""
    keys = numbers if numbers is not None else np.array([str(v) for v in raw])
    classes, y = np.unique(keys, return_inverse=True)
    if len(classes) < 2:
        raise CLIError(f"target column {target!r} holds a single value ({json_label(classes[0])!r}); "
                       "a classifier needs at least 2 classes")
    if loss == "binary_cross_entropy" and len(classes) != 2:
        raise CLIError(f"--loss binary_cross_entropy needs exactly 2 classes in {target!r}, "
                       f"got {len(classes)}; use --loss cross_entropy")
    return EncodedTarget(loss, y.astype(np.int64), [json_label(c) for c in classes])

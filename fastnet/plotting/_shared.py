"""What the figures share: their size, series with gaps, and when a log axis reads better."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

__all__ = ["FIGSIZE", "as_floats", "spans_decades", "check_xy"]

#: Width and height in inches of the line plots.
FIGSIZE = (7.0, 4.5)


def as_floats(values: Iterable[float | None]) -> npt.NDArray[np.float64]:
    """A list that may hold None as a float array (None -> NaN, so the line breaks there)."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def spans_decades(*arrays: npt.ArrayLike, ratio: float = 10.0) -> bool:
    """True when the positive finite values span at least ``ratio`` (a log axis reads better)."""
    values = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays] or [np.empty(0)])
    values = values[np.isfinite(values)]
    if values.size == 0 or (values <= 0).any():
        return False
    return bool(values.max() / values.min() >= ratio)


def check_xy(X: npt.ArrayLike | None, Y: npt.ArrayLike | None) -> tuple[npt.ArrayLike, npt.ArrayLike]:
    if X is None or Y is None:
        raise TypeError("X and Y must be arrays")
    return X, Y

"""The metrics ``fit`` and ``evaluate`` report: the one list (``METRICS``) and their formulas.

A metric is a few running sums that the compiled kernels
(``fastnet/_core/metrics.pyx``) add up batch by batch in a small accumulator
of doubles -- inside the epoch's nogil call for the training metrics, from
each batch's outputs before its update (Keras's convention: a training
metric is an average over the epoch's batches while the weights change), and
in the one forward pass over the validation data after each epoch. This
module turns those sums into the metrics (docs/MATH.md, "Metrics"). It knows
the loss only by its name, so it needs nothing of :mod:`fastnet.nn`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from .._core.metrics import MetricFlag, MetricSlot
from ..checks.monitor import Direction

__all__ = ["METRICS", "Metric", "MetricSet", "resolve_metrics"]

_CROSS_ENTROPIES = ("cross_entropy", "binary_cross_entropy")

#: name -> (the sums it reads, the losses it applies to: "classification" (both
#: cross-entropies), "multiclass" (cross_entropy) or "regression" (every other loss),
#: and which way is better: "max" or "min", what a monitor's mode="auto" takes, as
#: Keras 3 reads each metric's direction).
METRICS: dict[str, tuple[int, str, Direction]] = {
    "accuracy": (MetricFlag.METRIC_HITS, "classification", "max"),
    "top_k_accuracy": (MetricFlag.METRIC_TOP_K, "multiclass", "max"),
    "log_loss": (MetricFlag.METRIC_LOG_LOSS, "classification", "min"),
    "mae": (MetricFlag.METRIC_ABS, "regression", "min"),
    "rmse": (MetricFlag.METRIC_SQUARED, "regression", "min"),
    "r2": (MetricFlag.METRIC_R2, "regression", "max"),
}

_TOP_K_DEFAULT = 5   # Keras's TopKCategoricalAccuracy(k=5)
_TOP_K_NAME = re.compile(r"top_(\d+)_accuracy")


class Metric:
    """A metric with its parameter: ``Metric("top_k_accuracy", k=3)``.

    A name of ``METRICS`` is the same as ``Metric(name)``. The key it is
    recorded under is its name (``history.accuracy``, ``history.val_accuracy``),
    but for top-k accuracy with k other than 5, whose key is ``top_<k>_accuracy``
    (and that string names it too: ``metrics=["top_3_accuracy"]``).
    """

    def __init__(self, name: str, k: int | None = None) -> None:
        if not isinstance(name, str):
            raise TypeError(f"a metric is a name or a fastnet.Metric, got {type(name).__name__}")
        match = _TOP_K_NAME.fullmatch(name)
        if match is not None and k is None:
            name, k = "top_k_accuracy", int(match.group(1))
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; expected one of {', '.join(METRICS)} "
                             "(or top_<k>_accuracy)")
        if k is not None and name != "top_k_accuracy":
            raise ValueError(f"metric {name!r} takes no k (only top_k_accuracy does)")
        if k is None:
            k = _TOP_K_DEFAULT
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"top_k_accuracy's k must be an integer >= 1, got {k!r}")
        self.name, self.k = name, int(k)

    @property
    def key(self) -> str:
        if self.name == "top_k_accuracy" and self.k != _TOP_K_DEFAULT:
            return f"top_{self.k}_accuracy"
        return self.name

    @property
    def direction(self) -> Direction:
        """"max" if larger is better (accuracies, R²), else "min"."""
        return METRICS[self.name][2]

    @classmethod
    def coerce(cls, value: Metric | str) -> Metric:
        return value if isinstance(value, Metric) else cls(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Metric) and (self.name, self.k) == (other.name, other.k)

    def __hash__(self) -> int:
        return hash((self.name, self.k))

    def __repr__(self) -> str:
        return f"Metric({self.name!r}, k={self.k})" if self.name == "top_k_accuracy" else f"Metric({self.name!r})"


def _check_applies(metric: Metric, loss: str) -> None:
    kind = METRICS[metric.name][1]
    if kind == "classification" and loss not in _CROSS_ENTROPIES:
        raise ValueError(f"metric {metric.key!r} needs a classification loss (cross_entropy or "
                         f"binary_cross_entropy), but the network's loss is {loss!r}")
    if kind == "multiclass" and loss != "cross_entropy":
        raise ValueError(f"metric {metric.key!r} needs the cross_entropy loss (one score per class), "
                         f"but the network's loss is {loss!r}")
    if kind == "regression" and loss in _CROSS_ENTROPIES:
        raise ValueError(f"metric {metric.key!r} is a regression metric, but the network's loss is {loss!r}; "
                         "for classification use accuracy, top_k_accuracy or log_loss")


class MetricSet:
    """Checked metrics of one network: the kernels' flags, and the figures from an accumulator."""

    def __init__(self, metrics: list[Metric], loss: str, n_outputs: int) -> None:
        self.metrics, self.loss, self.n_outputs = metrics, loss, n_outputs
        self.flags = 0
        for metric in metrics:
            self.flags |= METRICS[metric.name][0]
        self.top_k = next((m.k for m in metrics if m.name == "top_k_accuracy"), 0)

    def __bool__(self) -> bool:
        return bool(self.metrics)

    @property
    def keys(self) -> list[str]:
        return [metric.key for metric in self.metrics]

    def accumulator(self, Y: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        """A zeroed accumulator, its shifts the column means of ``Y`` (any shift works: r2 reads variances)."""
        k = self.n_outputs
        acc = np.zeros(MetricSlot.SLOT_COLUMNS + 4 * k, dtype=np.float64)
        if self.flags & MetricFlag.METRIC_R2 and Y.shape[0]:
            acc[MetricSlot.SLOT_COLUMNS + 3 * k:] = Y.mean(axis=0, dtype=np.float64)
        return acc

    def reset(self, acc: npt.NDArray[np.float64]) -> None:
        """Zero the sums, keep the shifts."""
        acc[:MetricSlot.SLOT_COLUMNS + 3 * self.n_outputs] = 0.0

    def figures(self, sums: npt.ArrayLike, prefix: str = "") -> dict[str, float]:
        """Each metric from the sums (docs/MATH.md, "Metrics"), under ``prefix + key``."""
        acc = np.asarray(sums, dtype=np.float64)
        return {prefix + metric.key: self._value(metric.name, acc) for metric in self.metrics}

    def _value(self, name: str, acc: npt.NDArray[np.float64]) -> float:
        k, weight = self.n_outputs, float(acc[MetricSlot.SLOT_WEIGHT])
        if weight <= 0:
            return math.nan
        per_entry = weight * k   # mae, rmse, binary accuracy and log_loss average over every output
        if name == "accuracy":
            return float(acc[MetricSlot.SLOT_HITS]) / (weight if self.loss == "cross_entropy" else per_entry)
        if name == "top_k_accuracy":
            return float(acc[MetricSlot.SLOT_TOP_K]) / weight
        if name == "log_loss":
            return float(acc[MetricSlot.SLOT_LOG_LOSS]) / (weight if self.loss == "cross_entropy" else per_entry)
        if name == "mae":
            return float(acc[MetricSlot.SLOT_ABS]) / per_entry
        if name == "rmse":
            return math.sqrt(float(acc[MetricSlot.SLOT_SQUARED]) / per_entry)
        return _r2(acc, k, weight)


def _r2(acc: npt.NDArray[np.float64], k: int, weight: float) -> float:
    """sklearn's r2_score (multioutput="uniform_average", force_finite=True) from the column sums."""
    start = MetricSlot.SLOT_COLUMNS
    col_y, col_y2, col_e2 = acc[start:start + k], acc[start + k:start + 2 * k], acc[start + 2 * k:start + 3 * k]
    total = np.maximum(col_y2 - col_y * col_y / weight, 0.0)   # the weighted sum of squares about the mean
    scores = []
    for residual, spread in zip(col_e2, total):
        # A constant column: 1 when predicted exactly, else 0 (sklearn's force_finite).
        scores.append((1.0 if residual == 0 else 0.0) if spread == 0 else 1.0 - residual / spread)
    return float(np.mean(scores))


def resolve_metrics(metrics: Iterable[Metric | str] | None, loss: str, n_outputs: int) -> MetricSet:
    """The checked metrics of ``fit(metrics=...)`` / ``evaluate(metrics=...)`` for a network with ``loss``."""
    if metrics is None:
        return MetricSet([], loss, n_outputs)
    if isinstance(metrics, (str, Metric)):
        metrics = [metrics]
    try:
        items = list(metrics)
    except TypeError:
        raise TypeError(f"metrics must be a list of names or fastnet.Metric, got {type(metrics).__name__}") from None
    chosen: list[Metric] = []
    for item in items:
        metric = Metric.coerce(item)
        _check_applies(metric, loss)
        if metric not in chosen:
            chosen.append(metric)
    ks = {m.k for m in chosen if m.name == "top_k_accuracy"}
    if len(ks) > 1:
        raise ValueError(f"one top_k_accuracy per fit, got k = {sorted(ks)}")
    return MetricSet(chosen, loss, n_outputs)

"""What a ``fit`` records, each figure with its direction, and the monitors told so before the first epoch.

The monitors -- ``ReduceLROnPlateau`` (also inside a ``SequentialLR``), ``ModelCheckpoint``,
``OptunaPruningCallback``, anything with a ``check_monitor(figures)`` method -- resolve their key
and direction from this table (fastnet/checks/monitor.py), so that one naming a figure the
fit does not record fails before any training.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..checks.monitor import Direction, Figures
from .metrics import MetricSet

__all__ = ["recorded_figures", "tell_monitors"]


def recorded_figures(training: MetricSet, validation: MetricSet | None) -> dict[str, Direction | None]:
    """The keys of every epoch's logs, in their order, with their directions (METRICS for the metrics);
    ``validation`` is None for a fit without validation data."""
    figures: dict[str, Direction | None] = {"loss": "min"}
    figures.update({metric.key: metric.direction for metric in training.metrics})
    if validation is not None:
        figures["val_loss"] = "min"
        figures.update({f"val_{metric.key}": metric.direction for metric in validation.metrics})
    figures.update(lr=None, time=None)   # logged, but neither is better smaller or larger
    return figures


def tell_monitors(watchers: Iterable[object], figures: Figures) -> None:
    """``check_monitor(figures)`` of each schedule or callback that has one: a ValueError here trains nothing."""
    for watcher in watchers:
        check = getattr(watcher, "check_monitor", None)
        if callable(check):
            check(figures)

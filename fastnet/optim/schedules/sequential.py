"""Schedules one after another: torch's ``SequentialLR``, and :class:`LinearWarmup`, a warm-up before any schedule."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ...checks.monitor import Figures
from ...checks.scalars import check_int, check_real
from .base import HistoryLike, LRSchedule
from .decay import LinearLR

__all__ = ["SequentialLR", "LinearWarmup"]


def _check_schedule(name: str, value: object) -> LRSchedule:
    if not isinstance(value, LRSchedule):
        raise TypeError(f"{name} must be a fastnet.schedules.LRSchedule, got {type(value).__name__} {value!r}")
    return value


class SequentialLR(LRSchedule):
    """``schedules[i]`` from epoch ``milestones[i - 1]`` on (torch's ``SequentialLR``).

    Each schedule starts at its own epoch 0 at its milestone: schedule ``i``
    gives the rate of epoch ``e`` as ``schedules[i].lr(e - milestones[i - 1], base_lr, history)``.
    Unlike torch's, it takes a :class:`ReduceLROnPlateau` too (which reads the
    history, and starts afresh at its milestone).
    """

    def __init__(self, schedules: Sequence[LRSchedule], milestones: Sequence[int]) -> None:
        if isinstance(schedules, LRSchedule) or not isinstance(schedules, Sequence) or not schedules:
            raise TypeError(f"schedules must be a non-empty list of schedules, got {schedules!r}")
        self.schedules = [_check_schedule(f"schedules[{i}]", s) for i, s in enumerate(schedules)]
        if not isinstance(milestones, Sequence) or len(milestones) != len(self.schedules) - 1:
            raise ValueError(f"milestones must be a list of {len(self.schedules) - 1} epochs (one fewer than the "
                             f"{len(self.schedules)} schedules), got {milestones!r}")
        self.milestones = [check_int(f"milestones[{i}]", m, low=1) for i, m in enumerate(milestones)]
        if any(b <= a for a, b in zip(self.milestones, self.milestones[1:])):
            raise ValueError(f"milestones must increase strictly, got {self.milestones}")

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        i = bisect_right(self.milestones, epoch)
        start = self.milestones[i - 1] if i else 0
        return self.schedules[i].lr(epoch - start, base_lr, history)

    def check_monitor(self, figures: Figures) -> None:
        for schedule in self.schedules:
            schedule.check_monitor(figures)

    def lr_steps(self, steps: npt.NDArray[np.int64], base_lr: float) -> npt.NDArray[np.float64]:
        which = np.searchsorted(self.milestones, steps, side="right")   # bisect_right, as lr
        rates = np.empty(steps.shape)
        for i, schedule in enumerate(self.schedules):
            chosen = which == i   # each asked, even with no step: one without a closed form says so at once
            start = self.milestones[i - 1] if i else 0
            rates[chosen] = schedule.lr_steps(steps[chosen] - start, base_lr)
        return rates

    def check_epochs(self, epochs: int) -> None:
        starts = [0, *self.milestones]
        ends = [*self.milestones, epochs]
        for schedule, start, end in zip(self.schedules, starts, ends):
            if start < epochs:
                schedule.check_epochs(min(end, epochs) - start)


class LinearWarmup(SequentialLR):
    """A linear warm-up of ``epochs`` epochs from ``start_factor * base_lr`` to ``base_lr``, then ``then``.

    Warm-up epoch ``e`` (0-based) has ``base_lr * (start_factor + (1 - start_factor) * e / epochs)``;
    epoch ``epochs`` is the first of ``then`` (its own epoch 0; a
    ``CosineAnnealingLR(T_max)`` counts its ``T_max`` from there), or
    ``base_lr`` from then on when ``then`` is None. The same as torch's
    ``SequentialLR([LinearLR(start_factor, 1.0, epochs), then], milestones=[epochs])``
    (Keras calls these ``warmup_steps``).
    """

    def __init__(self, epochs: int, start_factor: float = 1.0 / 3, then: LRSchedule | None = None) -> None:
        epochs = check_int("epochs", epochs, low=1)
        start_factor = check_real("start_factor", start_factor, low=0.0, high=1.0, low_open=True)
        warmup = LinearLR(start_factor=start_factor, end_factor=1.0, total_iters=epochs)
        if then is None:
            super().__init__([warmup], [])
        else:
            super().__init__([warmup, _check_schedule("then", then)], [epochs])
        self.epochs, self.start_factor, self.then = epochs, start_factor, then

    def __repr__(self) -> str:
        return f"LinearWarmup(epochs={self.epochs}, start_factor={self.start_factor!r}, then={self.then!r})"

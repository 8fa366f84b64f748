"""``PerBatch``: a closed-form schedule stepped once per batch, its rates read by the epoch kernel from a table."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .base import HistoryLike, LRSchedule

__all__ = ["PerBatch"]


class PerBatch(LRSchedule):
    """Step ``schedule`` once per batch instead of once per epoch (torch's ``scheduler.step()`` per batch).

    ``schedule``'s step counts the batches this ``fit`` has run (0 first): for
    torch's per-batch 1cycle, ``PerBatch(OneCycleLR(max_lr, total_steps=epochs *
    batches_per_epoch))``. Before each epoch NumPy computes the rates of all its
    batches at once (the schedule's closed form, :meth:`LRSchedule.lr_steps`)
    and the nogil epoch reads batch ``b``'s rate from that table: no Python runs
    per batch. ``history.lr`` holds each epoch's first rate. Schedules that read
    the history (``ReduceLROnPlateau``) or call Python (``LambdaLR``) have no
    closed form and are refused here.
    """

    def __init__(self, schedule: LRSchedule) -> None:
        if not isinstance(schedule, LRSchedule) or isinstance(schedule, PerBatch):
            raise TypeError(f"schedule must be a fastnet.schedules.LRSchedule (not a PerBatch), got "
                            f"{type(schedule).__name__} {schedule!r}")
        schedule.lr_steps(np.zeros(1, dtype=np.int64), 1.0)   # a schedule without a closed form says so now
        self.schedule = schedule

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        raise TypeError("PerBatch gives every batch its rate (rates()); fit reads them, not lr(epoch)")

    def rates(self, epoch: int, batches: int, base_lr: float) -> npt.NDArray[np.float64]:
        """The rates of the ``batches`` batches of the 0-based ``epoch`` (each epoch has as many)."""
        steps = np.arange(epoch * batches, (epoch + 1) * batches, dtype=np.int64)
        return np.ascontiguousarray(self.schedule.lr_steps(steps, base_lr), dtype=np.float64)

    def check_batches(self, epochs: int, batches: int) -> None:
        """Raise ``ValueError`` before training if ``schedule`` is too short for ``epochs * batches`` steps."""
        try:
            self.schedule.check_epochs(epochs * batches)
        except ValueError as exc:
            raise ValueError(f"PerBatch: fit runs {epochs} epochs of {batches} batches, {epochs * batches} steps "
                             f"of the schedule, which says: {exc}") from None

    def __repr__(self) -> str:
        return f"PerBatch({self.schedule!r})"

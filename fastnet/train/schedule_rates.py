"""A :class:`~fastnet.schedules.PerBatch` schedule in ``fit``: its length checked before the first
epoch, and each epoch's table of rates checked before the nogil call that reads it."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..optim.schedules import PerBatch

__all__ = ["check_per_batch", "checked_rates"]


def check_per_batch(schedule: Any, epochs: int, n_samples: int, batch_size: int) -> None:
    """Refuse a per-batch schedule too short for the fit's ``epochs`` of ``ceil(n / batch_size)`` batches."""
    if isinstance(schedule, PerBatch):
        schedule.check_batches(epochs, -(-n_samples // batch_size))


def checked_rates(rates: npt.NDArray[np.float64], epoch: int) -> npt.NDArray[np.float64]:
    """The rates of one epoch's batches, each finite and > 0 (the kernel reads them unchecked)."""
    bad = ~(np.isfinite(rates) & (rates > 0))
    if bad.any():
        batch = int(np.argmax(bad))
        raise ValueError(f"lr from lr_schedule must be finite and > 0, got {float(rates[batch])!r} for batch "
                         f"{batch} (0-based) of epoch {epoch}")
    return rates

"""What every peer of a workload is: ``run()`` trains one epoch (or a subsample of it), timed by a clock."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from .workloads import Workload

__all__ = ["Peer", "PeerUnavailable", "Clock", "Array"]

#: A clock in seconds: time.perf_counter (wall) or time.process_time (CPU).
Clock = Callable[[], float]
Array = npt.NDArray[Any]


class PeerUnavailable(RuntimeError):
    """Raised by a peer's constructor that finds it cannot run here after all (a compiler that fails);
    the bench reports its message as the reason the peer was skipped."""


class Peer(abc.ABC):
    """One implementation of a workload: ``run()`` trains over ``samples_per_run`` rows.

    ``available()`` returns None when the peer can run here, else the reason it
    cannot (a library that is not installed); ``skip_reason(workload)`` the
    same for one workload (a peer written for batch 1 only). A constructor
    that fails for a reason of the machine raises :class:`PeerUnavailable`.
    ``epoch_scale`` multiplies the
    time of one ``run()`` to give the time of a full epoch (1 unless subsampled).
    """

    name = ""
    #: whether the first run is slower than the next (buffers, caches, lazy initialisation)
    needs_warmup = True

    @classmethod
    def available(cls) -> str | None:
        return None

    @classmethod
    def skip_reason(cls, workload: Workload) -> str | None:
        """None if the peer implements ``workload``, else why not."""
        return None

    def __init__(self, workload: Workload, X: Array, y: Array, dtype: npt.DTypeLike = "float32",
                 init_params: Array | None = None, seed: int = 0) -> None:
        self.workload = workload
        self.dtype = np.dtype(dtype)
        self.samples_per_run = len(X)
        self.last_loss = float("nan")

    @property
    def epoch_scale(self) -> float:
        return self.workload.n_samples / self.samples_per_run

    @abc.abstractmethod
    def run(self) -> float:
        """Train one epoch over this peer's rows; returns the epoch's mean loss."""

    def run_seconds(self, clock: Clock) -> float:
        """Seconds of one ``run()`` by ``clock``; its loss goes to ``last_loss``."""
        start = clock()
        self.last_loss = self.run()
        return clock() - start

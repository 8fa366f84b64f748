"""What users meet when workers die: :class:`WorkerLostError`, and the warning when training goes on."""

from __future__ import annotations

import sys
import warnings
from types import FrameType
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..train.history import History

__all__ = ["WorkerLostError", "Checkpoint", "lost", "describe_workers", "warn_caller"]

#: Flat parameters (or optimizer state) in the network's dtype.
FloatArray = npt.NDArray[np.floating[Any]]


class WorkerLostError(RuntimeError):
    """Workers of the Dask cluster died and training could not go on without them.

    ``workers`` lists their addresses; ``epoch`` is the epoch that was running;
    ``history`` holds the epochs completed before; ``params`` is the last
    complete average (the parameters after epoch ``epoch - 1``). The network
    passed to :func:`fit_data_parallel` is left as it was before the call.
    """

    workers: list[str]
    epoch: int | None
    history: History | None
    params: FloatArray | None

    def __init__(self, message: str, workers: Iterable[str] = (), epoch: int | None = None,
                 history: History | None = None, params: FloatArray | None = None) -> None:
        super().__init__(message)
        self.workers = list(workers)
        self.epoch = epoch
        self.history = history
        self.params = params


@dataclass(frozen=True)
class Checkpoint:
    """Where training stands when a round starts: what a WorkerLostError reports.

    ``params`` is the last complete average (the parameters after epoch ``epoch - 1``).
    """

    epoch: int
    history: History
    params: FloatArray


def lost(message: str, workers: Iterable[str], at: Checkpoint) -> WorkerLostError:
    """A WorkerLostError carrying the epoch, the history and the last complete average."""
    return WorkerLostError(message, sorted(workers), at.epoch, at.history, at.params)


def describe_workers(addresses: Iterable[str]) -> str:
    return ", ".join(sorted(addresses)) or "(unknown)"


def warn_caller(message: str) -> None:
    """A RuntimeWarning attributed to the first frame outside fastnet.distributed.

    The depth of the call inside the package differs from one phase of the fit
    to the next, so a fixed ``stacklevel`` would point into fastnet's own code.
    """
    package = __name__.rpartition(".")[0]
    level = 1
    caller: FrameType | None = sys._getframe(0)
    while caller is not None and str(caller.f_globals.get("__name__", "")).startswith(package):
        caller, level = caller.f_back, level + 1
    warnings.warn(message, RuntimeWarning, stacklevel=level)

"""One run of :func:`fit_data_parallel` on the cluster: its shards, who holds them, and the watch over workers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from ._dask import Client, distributed
from .errors import Checkpoint, describe_workers, lost, warn_caller
from .worker import forget_run

__all__ = ["Run", "OnWorkerLost"]

OnWorkerLost = Literal["retry", "raise"]


@dataclass
class Run:
    """The state of one fit on the cluster, kept on the client.

    The shards are futures of (X, Y), one per worker that held chunks when
    training started; ``rows``, ``holders`` (worker address, None when unknown)
    and ``first_chunk`` (the row of its first chunk, for messages) follow the
    same order. Shards are numbered by their first chunk: the number seeds
    their shuffling.
    """

    client: Client
    on_worker_lost: OnWorkerLost
    worker_timeout: float
    token: str = field(default_factory=lambda: f"fastnet-{uuid.uuid4().hex}")
    known_workers: set[str] = field(default_factory=set)
    lost: set[str] = field(default_factory=set)
    warned: set[str] = field(default_factory=set)
    shards: list[distributed.Future[Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    holders: list[str | None] = field(default_factory=list)
    first_chunk: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.known_workers = self.workers_now()

    def describe_shard(self, index: int) -> str:
        return (f"shard {index} (rows from {self.first_chunk[index]}, {self.rows[index]} rows, "
                f"last on worker {self.holders[index] or 'unknown'})")

    # -- the cluster ---------------------------------------------------------------
    def workers_now(self) -> set[str]:
        # Asked of the scheduler each time. Not client.scheduler_info()["workers"]: the client's
        # periodic refresh, which carries no worker list, can replace it between the fetch
        # and the read (distributed 2026.8: about 1 call in 16,000 saw no workers), and a
        # worker missing once was reported as lost.
        return set(self.client.nthreads())

    def check_workers(self, at: Checkpoint) -> set[str]:
        """Note workers that left; raise in "raise" mode. Returns the current worker set."""
        current = self.workers_now()
        gone = self.known_workers - current
        self.known_workers |= current
        new_losses = gone - self.lost
        if new_losses:
            self.lost |= new_losses
            if self.on_worker_lost == "raise":
                raise lost(
                    f"Dask worker(s) {describe_workers(new_losses)} left the cluster during epoch {at.epoch}; "
                    "training stopped (on_worker_lost='raise'). The network keeps its parameters from "
                    "before fit_data_parallel; the error holds the last complete average (.params).",
                    new_losses, at)
            for address in sorted(new_losses - self.warned):
                warn_caller(f"Dask worker {address} left the cluster during epoch {at.epoch}; its shards are "
                            "recomputed on the workers still there (or on those that replace it) and the "
                            "round is rerun from the last complete average")
                self.warned.add(address)
            self.refresh_holders()
        return current

    def check_workers_quietly(self) -> None:
        """Note workers that left, when an error is on its way anyway."""
        try:
            current = self.workers_now()
        except Exception:  # noqa: BLE001
            return
        self.lost |= self.known_workers - current

    def refresh_holders(self) -> None:
        try:
            who = self.client.who_has(self.shards)
        except Exception:  # noqa: BLE001 - only placement hints; the tasks run anyway
            who = {}
        self.holders = [next(iter(who.get(f.key, ())), None) for f in self.shards]

    def close(self) -> None:
        """Release the shards and drop the workers' replicas; the cluster may be gone already."""
        try:
            self.client.cancel(self.shards)
        except Exception:  # noqa: BLE001 - the cluster may be gone
            pass
        self.shards = []
        try:
            self.client.run(forget_run, self.token)
        except Exception:  # noqa: BLE001
            pass

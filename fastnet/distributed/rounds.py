"""One round on the cluster: every shard trains, the client waits for all of them or says why not.

A round is averaged only when every shard has returned, so a failure here
never reaches the network: it becomes a :class:`WorkerLostError` (or the
shard's own error, a TrainingDivergedError say) raised to the fit.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from ._dask import distributed, wait
from .cluster import Run
from .errors import Checkpoint, describe_workers, lost
from .scheduler import stuck_tasks
from .worker import RoundResult, train_round

__all__ = ["run_round"]

# How often (seconds) the client looks at the cluster while it waits for a round.
_POLL_SECONDS = 0.5

_KEEPS_PARAMS = ("The network keeps its parameters from before fit_data_parallel; the error holds the last "
                 "complete average.")


class _Watch:
    """The client's watch over the cluster while one round runs: losses and an empty cluster."""

    def __init__(self, run: Run, at: Checkpoint) -> None:
        self.run, self.at = run, at
        self.lost_before = len(run.lost)
        self.loss_seen_at: float | None = None
        self.no_workers_since: float | None = None

    def look(self, pending: Sequence[Any]) -> None:
        """Raise WorkerLostError when the round cannot complete (or has waited too long)."""
        run, at = self.run, self.at
        current = run.check_workers(at)
        now = time.monotonic()
        if len(run.lost) > self.lost_before:
            if self.loss_seen_at is None:
                self.loss_seen_at = now
            checked = _raise_if_stuck(run, pending, current, at)
            if not checked and now - self.loss_seen_at > run.worker_timeout:
                # The scheduler could not be asked what the round waits for: do not hang.
                raise lost(
                    f"the round of epoch {at.epoch} has not completed {run.worker_timeout:g} s after "
                    f"Dask worker(s) {describe_workers(run.lost)} left (its data may be pinned "
                    "to them); training stopped", run.lost, at)
        if current:
            self.no_workers_since = None
        elif self.no_workers_since is None:
            self.no_workers_since = now
        elif now - self.no_workers_since > run.worker_timeout:
            raise lost(
                f"the Dask cluster has had no workers for {run.worker_timeout:g} s during epoch "
                f"{at.epoch} (lost: {describe_workers(run.lost)}); training stopped", run.lost, at)


def run_round(run: Run, tasks: Mapping[int, tuple[Any, ...]], at: Checkpoint) -> dict[int, RoundResult]:
    """Submit ``tasks`` (shard index -> the arguments of ``train_round``), wait for all, return their results."""
    client = run.client
    futures: dict[int, Any] = {}
    for index, args in tasks.items():
        holder = run.holders[index]
        futures[index] = client.submit(train_round, *args, pure=False,
                                       workers=[holder] if holder else None, allow_other_workers=True,
                                       key=f"{run.token}-round-{uuid.uuid4().hex[:12]}-{index}")
    pending = list(futures.values())
    watch = _Watch(run, at)
    try:
        while True:
            try:
                wait(pending, timeout=_POLL_SECONDS)
                break
            except (TimeoutError, distributed.TimeoutError):
                watch.look(pending)
        indices = list(futures)
        try:   # one round trip for all the results
            gathered = client.gather([futures[i] for i in indices])
            return dict(zip(indices, gathered))
        except Exception:  # noqa: BLE001 - find which shard failed, and say why
            for index in indices:
                _result(run, index, futures[index], at)
            raise
    except BaseException:
        client.cancel(pending)
        raise


def _raise_if_stuck(run: Run, pending: Sequence[Any], current: set[str], at: Checkpoint) -> bool:
    """After a loss: raise if some task our round needs may only run on workers that are gone.

    Returns False when the scheduler could not be asked (it cannot import fastnet, say).
    """
    try:
        stuck = run.client.run_on_scheduler(stuck_tasks, [f.key for f in pending])
    except Exception:  # noqa: BLE001 - a scheduler without fastnet: rely on worker_timeout
        return False
    hosts = {address.split("://")[-1].rsplit(":", 1)[0] for address in current}
    for key, workers, host_names in stuck:
        if (workers and not set(workers) & current) or (host_names and not set(host_names) & hosts):
            where = ", ".join(workers or host_names)
            raise lost(
                f"the data for epoch {at.epoch} cannot be recomputed after Dask worker(s) "
                f"{describe_workers(run.lost)} left: task {key!r} may only run on {where}, which is gone "
                f"(it was placed with workers=... and no allow_other_workers); training stopped. {_KEEPS_PARAMS}",
                run.lost, at)
    return True


def _result(run: Run, index: int, future: Any, at: Checkpoint) -> RoundResult:
    """The result of one shard's task, or a WorkerLostError that says what became of it."""
    where = run.describe_shard(index)
    try:
        result: RoundResult = future.result()
        return result
    except distributed.KilledWorker as exc:
        last = getattr(exc.last_worker, "address", str(exc.last_worker))
        run.lost.add(last)
        raise lost(
            f"training {where} in epoch {at.epoch} killed every worker that ran it, the last one "
            f"{last} ({exc.allowed_failures + 1} attempts); training stopped. {_KEEPS_PARAMS}",
            run.lost | {last}, at) from exc
    except (distributed.client.FutureCancelledError, distributed.CancelledError) as exc:
        run.check_workers_quietly()
        raise lost(
            f"the data of {where} was lost in epoch {at.epoch} with Dask worker(s) "
            f"{describe_workers(run.lost)} and cannot be recomputed (was it scattered rather than "
            f"computed?); training stopped. {_KEEPS_PARAMS}", run.lost, at) from exc

"""fit_data_parallel: the plan of rounds, the epoch loop, the average, and the commit at the end."""

from __future__ import annotations

import copy
import pickle
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

from ._dask import Client
from .arguments import Callback, Settings, check_data, check_settings, resolve_client, resolve_optimizer
from .cluster import OnWorkerLost, Run
from .errors import Checkpoint, FloatArray
from .rounds import run_round
from .shards import place
from .worker import RoundResult, ShardSpec, same
from ..nn.layers import Dense, Dropout
from ..nn.network import Network
from ..optim.optimizers import Optimizer
from ..train.errors import TrainingDivergedError
from ..train.history import History

__all__ = ["fit_data_parallel", "average"]


@dataclass(frozen=True)
class _Average:
    """Parameters and optimizer state averaged over every shard, and the optimizer's step count.

    ``average`` makes new arrays, so an _Average kept as the last complete one stays as it is.
    """

    params: FloatArray
    state: FloatArray
    t: int


@dataclass(frozen=True)
class _Plan:
    """How each shard's epoch is cut into rounds (lists indexed by shard)."""

    batch_sizes: list[int]    # the batch size on each shard (its rows when batch_size is None)
    batches: list[int]        # batches per local epoch
    per_round: list[int]      # batches per round
    n_rounds: int             # rounds per epoch: the shard that needs most sets it

    @classmethod
    def of(cls, rows: Sequence[int], batch_size: int | None, sync_every: int | None) -> _Plan:
        sizes = [n if batch_size is None else min(batch_size, n) for n in rows]
        batches = [-(-n // b) for n, b in zip(rows, sizes)]
        per_round = [b if sync_every is None else min(sync_every, b) for b in batches]
        return cls(sizes, batches, per_round, max(-(-b // k) for b, k in zip(batches, per_round)))


def _blueprint(net: Network, optimizer: Optimizer) -> bytes:
    """The pickle each worker builds its replica from: the architecture and a stateless optimizer."""
    fresh = Network([Dense(layer.n_in, layer.n_out, layer.activation) if isinstance(layer, Dense)
                     else Dropout(layer.p) for layer in net.layers],
                    loss=net.criterion, dtype=net.dtype.name, seed=net.seed, n_threads=net.n_threads)
    template = copy.copy(optimizer)
    template.reset()   # the copy drops the state (sent every round); the original keeps it
    return pickle.dumps((fresh, template), protocol=pickle.HIGHEST_PROTOCOL)


def average(results: Sequence[RoundResult], dtype: np.dtype[Any]) -> tuple[FloatArray, FloatArray]:
    """Row-weighted average of the parameters and optimizer states returned by every shard."""
    weights = np.array([r["rows"] for r in results], dtype=np.float64)
    weights /= weights.sum()
    params = sum((w * r["params"].astype(np.float64) for w, r in zip(weights, results)), np.zeros(()))
    state = sum((w * r["state"].astype(np.float64) for w, r in zip(weights, results)), np.zeros(()))
    return params.astype(dtype), state.astype(dtype)


def _commit(net: Network, optimizer: Optimizer, done: _Average) -> None:
    net.params = done.params
    optimizer.state[:] = done.state
    optimizer.t = done.t
    net._optimizer = optimizer   # as Network.fit does: optimizer=None continues with it


@dataclass
class _Tally:
    """What the rounds of one epoch add up to, for its logs."""

    loss_sum: float = 0.0
    train_time: float = 0.0
    workers: set[str | None] = field(default_factory=set)

    def add(self, run: Run, results: dict[int, RoundResult]) -> None:
        ordered = [results[i] for i in sorted(results)]
        self.loss_sum += sum(res["loss_sum"] for res in ordered)
        # A round lasts as long as its slowest shard.
        self.train_time += max(res["seconds"] for res in ordered)
        for i in sorted(results):
            worker = results[i]["worker"]
            self.workers.add(worker)
            if worker is not None and worker != run.holders[i]:
                run.holders[i] = worker   # moved (a worker died, or Dask rebalanced)


@dataclass
class _Training:
    """The epoch loop of one fit on the cluster."""

    run: Run
    net: Network
    optimizer: Optimizer
    settings: Settings
    history: History
    blob: Any = field(init=False)    # the future of the replicas' blueprint
    plan: _Plan = field(init=False)

    def start(self, X: Any, Y: Any) -> None:
        """Put the shards on the workers and the blueprint of the replicas beside them."""
        net = self.net
        spec: ShardSpec = (net.criterion.to_dict(), net.n_features, net.n_outputs, net.dtype)
        place(self.run, X, Y, spec)
        # A computed task, not scattered data: the scheduler keeps its input and recomputes it if
        # every worker holding it dies (Dask's memory manager drops spare replicas of scattered
        # data, so broadcasting it would not have kept a copy on each worker).
        self.blob = self.run.client.submit(same, _blueprint(net, self.optimizer),
                                           key=f"{self.run.token}-blueprint", pure=False)
        self.plan = _Plan.of(self.run.rows, self.settings.batch_size, self.settings.sync_every)

    def epochs(self, done: _Average) -> _Average:
        """Every epoch, or until a callback stops; returns the last complete average."""
        for epoch in range(1, self.settings.epochs + 1):
            done, logs = self.epoch(epoch, done)
            self.history.append(epoch, **logs)
            stop = False
            for cb in self.settings.callbacks:   # every callback sees every epoch
                if cb(epoch, dict(logs)) is True:
                    stop = True
            if stop:
                self.history.stopped_early = True
                break
        return done

    def epoch(self, epoch: int, done: _Average) -> tuple[_Average, dict[str, float]]:
        """One epoch from the last complete average ``done``; returns the new one and the logs."""
        started = time.perf_counter()
        at = Checkpoint(epoch, self.history, done.params)   # what errors report
        current, tally = done, _Tally()
        for r in range(self.plan.n_rounds):
            try:
                results = run_round(self.run, self.round_tasks(epoch, r, current), at)
            except TrainingDivergedError:
                self.diverged(epoch, done)
            ordered = [results[i] for i in sorted(results)]
            params, state = average(ordered, self.net.dtype)
            current = _Average(params, state, max(res["t"] for res in ordered))
            tally.add(self.run, results)
        self.run.check_workers(at)
        if not (np.isfinite(current.params).all() and np.isfinite(current.state).all()):
            self.diverged(epoch, done)
        return current, {"loss": tally.loss_sum / sum(self.run.rows), "time": time.perf_counter() - started,
                         "train_time": tally.train_time, "rounds": self.plan.n_rounds,
                         "workers": len(tally.workers)}

    def round_tasks(self, epoch: int, r: int, current: _Average) -> dict[int, tuple[Any, ...]]:
        """The arguments of train_round for every shard that still has batches in round ``r``."""
        plan, s, run = self.plan, self.settings, self.run
        tasks = {}
        for i in range(len(run.shards)):
            first = r * plan.per_round[i]
            if first < plan.batches[i]:
                count = min(plan.per_round[i], plan.batches[i] - first)
                tasks[i] = (self.blob, run.shards[i], run.token, i, current.params, current.state, current.t,
                            epoch, first, count, plan.batch_sizes[i], s.shuffle, s.seed, s.max_norm)
        return tasks

    def diverged(self, epoch: int, done: _Average) -> NoReturn:
        """As ``Network.fit`` rolls back: commit the average after the last finite epoch, and raise."""
        _commit(self.net, self.optimizer, done)
        raise TrainingDivergedError(epoch, self.history, self.optimizer.lr) from None


def fit_data_parallel(net: Network, X: Any, Y: Any, optimizer: Optimizer | str | None = None, epochs: int = 1,
                      batch_size: int | None = None, *, sync_every: int | None = None, shuffle: bool = True,
                      seed: int | None = None, max_norm: float | None = None, client: Client | None = None,
                      callbacks: Iterable[Callback] = (), on_worker_lost: OnWorkerLost = "retry",
                      worker_timeout: float = 60.0) -> History:
    """Train ``net`` on Dask arrays by data parallelism over the cluster's workers; returns a History.

    Dask is an optional dependency, so X and Y (``dask.array.Array``) and
    ``client`` (``distributed.Client``) are typed ``Any``.

    Parameters
    ----------
    net : fastnet.Network
        Trained in place: its ``params`` (and the optimizer's state) are set
        to the final average when every epoch has completed, and only then;
        when an epoch diverges (TrainingDivergedError), to the average after
        the last finite epoch, as ``Network.fit`` rolls back.
    X : dask.array.Array (n_samples, n_features)
        Chunked by rows (column chunks are joined); the chunks are computed
        and stay on the workers.
    Y : dask.array.Array (n_samples,) or (n_samples, n_outputs)
        Rechunked to X's row chunks.
    optimizer : Optimizer, name or None
        As in ``Network.fit``: None continues the optimizer of the last fit, else ``Adam(lr=1e-3)``.
    epochs : int >= 0
    batch_size : int >= 1 or None
        The batch size on each worker (None: each shard is one batch).
    sync_every : int >= 1 or None
        Average every ``sync_every`` batches of each shard; None averages once per epoch.
    shuffle : bool
        Shuffle each shard's rows every epoch.
    seed : int or None
        Seeds the shuffling (None: the network's seed). The shards are the
        chunks each worker holds when training starts; for the same shards and
        seed the result is the same bit for bit, whichever worker runs a round
        (also after a worker died and its shard was recomputed elsewhere).
        Where Dask computes the chunks is Dask's choice: persist X and Y (and
        place them) first for runs that must repeat exactly.
    max_norm : float > 0 or None
        Clip each batch's gradient to this global L2 norm, as in ``Network.fit``.
    client : distributed.Client or None
        None uses the default client.
    callbacks : iterable of ``f(epoch, logs) -> bool | None``
        Called after every epoch (``logs`` has ``loss``, ``time``, ``rounds``,
        ``workers`` and ``train_time``); returning True stops.
    on_worker_lost : "retry" or "raise"
        What to do when a worker leaves the cluster (the docstring of
        :mod:`fastnet.distributed`).
    worker_timeout : float > 0
        Raise WorkerLostError when the cluster has had no worker for this many
        seconds (or, where the scheduler cannot be asked what a round waits
        for, when a round has not completed this long after a worker left).

    Returns
    -------
    History
        ``loss`` is each epoch's mean training loss (every shard's batch
        losses, weighted by batch size), as ``Network.fit`` reports it;
        ``time`` the epoch's wall time; ``train_time`` the part of it spent
        training (per round, the slowest shard's time on its worker), so that
        ``time - train_time`` is what the rounds' communication cost;
        ``rounds`` and ``workers`` (the workers that trained).
    """
    check_data(net, X, Y)
    settings = check_settings(net, epochs, batch_size, sync_every, shuffle, seed, max_norm, callbacks,
                              on_worker_lost, worker_timeout)
    resolved = resolve_optimizer(net, optimizer)
    client = resolve_client(client)

    X = X.rechunk({1: -1})
    Y = Y.rechunk({0: X.chunks[0]} if Y.ndim == 1 else {0: X.chunks[0], 1: -1})
    history = History()
    done = _Average(net.params.copy(), resolved.state.copy(), resolved.t)
    run = Run(client, settings.on_worker_lost, settings.worker_timeout)
    try:
        training = _Training(run, net, resolved, settings, history)
        training.start(X, Y)
        done = training.epochs(done)
    finally:
        run.close()
    # Every epoch completed and every round was averaged over every shard: commit.
    _commit(net, resolved, done)
    return history

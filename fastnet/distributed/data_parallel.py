"""Data-parallel training of one network over a Dask array whose chunks live on the workers.

:func:`fit_data_parallel` trains a :class:`fastnet.Network` on a Dask
cluster (the ``dask`` extra: ``dask[array]`` and ``distributed``)::

    from distributed import Client
    import dask.array as da
    from fastnet.distributed import fit_data_parallel

    client = Client("tcp://scheduler:8786")
    X = da.from_zarr("features.zarr")          # (n_samples, n_features), chunked by rows
    Y = da.from_zarr("targets.zarr")
    history = fit_data_parallel(net, X, Y, fastnet.Adam(lr=1e-3), epochs=20, batch_size=64)

How it works. The row chunks are persisted where the cluster computes them;
the chunks on each worker are joined into one *shard* there (converted to
the network's dtype, checked once). Each worker holds a copy of the network
and of the optimizer, built once from a pickle sent once. Every *round*, the
client sends the current flat parameters and optimizer state (Adam's moments,
the momentum, ...) to every shard; each worker runs fastnet's nogil epoch
engine over its next batches; the client averages the returned parameters
and optimizer states, weighted by the rows each shard trained on in that
round, and starts the next round. Rows never travel to the client: only
``n_params * (1 + n_state)`` numbers per shard and round, each way.

``sync_every=None`` (default) makes a round one local epoch of every shard;
``sync_every=k`` makes it k batches. With ``k=1`` and SGD (with or without
momentum) this is synchronous data-parallel SGD: averaging the workers'
``p - lr * g_w`` is a step along the averaged gradient, i.e. one step with a
batch ``n_workers`` times larger (full-batch gradient descent is reproduced
exactly when ``batch_size=None``). With larger k it is local SGD (model
averaging), which converges to the same loss as single-process training
within a tolerance that the tests state. docs/SCALING.md measures when this
pays.

Workers that die. A worker that leaves the cluster takes its shard with it.
With ``on_worker_lost="retry"`` (default) Dask recomputes the lost chunks from
the array's graph on the remaining workers and the round is rerun there
(every round starts from the parameters and state the client sent, so a
rerun repeats the same work); a RuntimeWarning names the worker. If the data
cannot be recomputed (it was scattered, not computed), if the same round
keeps killing workers, or with ``on_worker_lost="raise"``,
:class:`WorkerLostError` names the worker(s). Either way a round is averaged
only when every shard has returned: a model is never built from a partial
average. After an error ``net`` keeps the parameters it had before the call;
the error carries the last complete average (``params``) and the history.
"""

import copy
import math
import pickle
import threading
import time
import uuid
import warnings

import numpy as np

try:
    import dask.array as da
    import distributed
    from distributed import futures_of
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("fastnet.distributed needs Dask: pip install 'fastnet[dask]'") from exc

from ..checks.arrays import as_features, as_targets
from ..checks.scalars import check_int, check_real, check_seed
from ..train.errors import TrainingDivergedError
from ..train.history import History
from ..nn.losses import Loss
from ..nn.network import Dense, Network
from ..optim.optimizers import SGD, make_optimizer

__all__ = ["fit_data_parallel", "WorkerLostError"]

# How often (seconds) the client looks at the cluster while it waits for a round.
_POLL_SECONDS = 0.5


class WorkerLostError(RuntimeError):
    """Workers of the Dask cluster died and training could not go on without them.

    ``workers`` lists their addresses; ``epoch`` is the epoch that was running;
    ``history`` holds the epochs completed before; ``params`` is the last
    complete average (the parameters after epoch ``epoch - 1``). The network
    passed to :func:`fit_data_parallel` is left as it was before the call.
    """

    def __init__(self, message, workers=(), epoch=None, history=None, params=None):
        super().__init__(message)
        self.workers = list(workers)
        self.epoch = epoch
        self.history = history
        self.params = params


# ---------------------------------------------------------------------------
# On the workers
# ---------------------------------------------------------------------------

# (run token, shard index) -> _Replica. One process-wide registry per worker
# process; entries are dropped at the end of each run (and die with the worker).
_REPLICAS = {}
_REPLICAS_LOCK = threading.Lock()


class _Replica:
    """A worker's copy of the network and optimizer for one shard, and its current epoch order."""

    def __init__(self, blob):
        self.net, self.optimizer = pickle.loads(blob)
        self.optimizer.bind(self.net)
        self.order_epoch = None
        self.order = None
        self.lock = threading.Lock()


def _replica(token, shard_index, blob):
    key = (token, shard_index)
    with _REPLICAS_LOCK:
        replica = _REPLICAS.get(key)
        if replica is None:
            replica = _REPLICAS[key] = _Replica(blob)
        return replica


def _forget_run(token):
    with _REPLICAS_LOCK:
        for key in [k for k in _REPLICAS if k[0] == token]:
            del _REPLICAS[key]


def _stuck_tasks(keys, dask_scheduler=None):
    """On the scheduler: tasks that ``keys`` depend on which wait for a worker that is gone.

    A task restricted to workers that have left (its data was placed there
    with ``workers=`` and no ``allow_other_workers``) waits forever; the
    client turns that into an error instead of hanging.

    A loosely restricted one (``allow_other_workers=True``) should run on any
    worker, but Dask (2026.8) leaves it waiting when every worker it named is
    gone and the cluster had no worker at all for a moment: a worker that joins
    later is offered only the tasks it is named in. Such tasks are sent back to
    the scheduler's own decision here, which falls back to any worker for them
    (an error doing so reaches the client, which then relies on worker_timeout).
    """
    stuck, loose, seen = [], [], set()
    stack = [dask_scheduler.tasks.get(key) for key in keys]
    while stack:
        ts = stack.pop()
        if ts is None or ts.key in seen:
            continue
        seen.add(ts.key)
        if ts.state == "no-worker":
            if ts.loose_restrictions:
                loose.append(ts.key)
            else:
                stuck.append((str(ts.key), sorted(ts.worker_restrictions or ()),
                              sorted(ts.host_restrictions or ())))
        stack.extend(ts.dependencies)
    if loose and dask_scheduler.running:
        dask_scheduler.transitions({key: "processing" for key in loose},
                                   stimulus_id=f"fastnet-reschedule-{time.time()}")
    return stuck


def _make_shard(spec, n_blocks, *blocks):
    """Join a worker's row chunks into one (X, Y) pair, checked and in the network's dtype."""
    loss, n_features, n_outputs, dtype = spec
    xs, ys = blocks[:n_blocks], blocks[n_blocks:]
    X = np.concatenate(xs, axis=0) if len(xs) > 1 else xs[0]
    Y = np.concatenate(ys, axis=0) if len(ys) > 1 else ys[0]
    X = as_features(X, n_features, dtype)
    Y = as_targets(Y, X.shape[0], Loss(**loss), n_outputs, dtype)
    return X, Y


def _round_seed(seed, epoch, shard_index):
    return int(np.random.SeedSequence([seed, epoch, shard_index]).generate_state(1, np.uint64)[0])


def _train_round(blob, shard, token, shard_index, params, state, t, epoch, first_batch, n_batches,
                 batch_size, shuffle, seed, max_norm):
    """``n_batches`` batches of this shard's epoch ``epoch`` from ``first_batch``, from the given state.

    Stateless as far as the result goes (the replica only caches the network,
    its workspaces and the epoch's order), so a round rerun elsewhere after a
    worker died repeats exactly the same work.
    """
    X, Y = shard
    n = X.shape[0]
    replica = _replica(token, shard_index, blob)
    with replica.lock:
        started = time.perf_counter()
        net, optimizer = replica.net, replica.optimizer
        net.params = params
        optimizer.state[:] = state
        optimizer.t = t
        round_seed = _round_seed(seed, epoch, shard_index)
        if first_batch == 0 and n_batches * batch_size >= n:
            # The whole local epoch: fastnet's own shuffle, restarted from the round's seed.
            history = net.fit(X, Y, optimizer=optimizer, epochs=1, batch_size=batch_size, shuffle=shuffle,
                              seed=round_seed, max_norm=max_norm)
            rows = n
        else:
            if replica.order_epoch != epoch:
                replica.order = (np.random.default_rng(round_seed).permutation(n) if shuffle
                                 else np.arange(n))
                replica.order_epoch = epoch
            take = replica.order[first_batch * batch_size:(first_batch + n_batches) * batch_size]
            history = net.fit(X[take], Y[take], optimizer=optimizer, epochs=1, batch_size=batch_size,
                              shuffle=False, max_norm=max_norm)
            rows = take.shape[0]
        try:
            worker = distributed.get_worker().address
        except ValueError:  # run outside a worker (a test calling it directly)
            worker = None
        return {"params": net.params.copy(), "state": optimizer.state.copy(), "t": optimizer.t,
                "rows": rows, "loss_sum": float(history.loss[0]) * rows, "worker": worker,
                "seconds": time.perf_counter() - started}


# ---------------------------------------------------------------------------
# On the client
# ---------------------------------------------------------------------------

def _check_dask_array(name, arr, ndims):
    if not isinstance(arr, da.Array):
        raise TypeError(f"{name} must be a dask.array.Array (chunked by rows, on the cluster), got "
                        f"{type(arr).__name__}; for data in memory use Network.fit, or "
                        f"dask.array.from_array({name}, chunks=(rows_per_chunk, -1))")
    if arr.ndim not in ndims:
        raise ValueError(f"{name} must be {' or '.join(f'{d}-D' for d in ndims)}, got shape {arr.shape}")
    if any(math.isnan(c) for c in arr.chunks[0]):
        raise ValueError(f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() first")


def _client(client):
    if client is not None:
        return client
    try:
        return distributed.default_client()
    except ValueError:
        raise ValueError("no Dask client: create one (distributed.Client(...)) or pass client=") from None


def _blueprint(net, optimizer):
    """The pickle each worker builds its replica from: the architecture and a stateless optimizer."""
    fresh = Network([Dense(layer.n_in, layer.n_out, layer.activation) for layer in net.layers],
                    loss=net.criterion, dtype=net.dtype.name, seed=net.seed, n_threads=net.n_threads)
    template = copy.copy(optimizer)
    template.reset()   # the copy drops the state (sent every round); the original keeps it
    return pickle.dumps((fresh, template), protocol=pickle.HIGHEST_PROTOCOL)


def _same(blob):
    return blob


def _flatten_keys(keys):
    return [row[0] if isinstance(row, list) else row for row in keys]


def _describe_workers(addresses):
    return ", ".join(sorted(addresses)) or "(unknown)"


class _Run:
    """One call of fit_data_parallel: the shards, who holds them, and the watch over workers."""

    def __init__(self, client, on_worker_lost, worker_timeout):
        self.client = client
        self.on_worker_lost = on_worker_lost
        self.worker_timeout = worker_timeout
        self.token = f"fastnet-{uuid.uuid4().hex}"
        self.known_workers = self.workers_now()
        self.lost = set()
        self.warned = set()
        self.shards = []        # futures of (X, Y) per shard
        self.rows = []          # rows per shard
        self.holders = []       # worker address per shard (None when unknown)
        self.first_chunk = []   # row index of each shard's first chunk, for messages

    # -- the cluster ---------------------------------------------------------------
    def workers_now(self):
        # Asked of the scheduler each time. Not client.scheduler_info()["workers"]: the client's
        # periodic refresh, which carries no worker list, can replace it between the fetch
        # and the read (distributed 2026.8: about 1 call in 16,000 saw no workers), and a
        # worker missing once was reported as lost.
        return set(self.client.nthreads())

    def check_workers(self, epoch, history, params):
        """Note workers that left; raise in "raise" mode. Returns the current worker set."""
        current = self.workers_now()
        gone = self.known_workers - current
        self.known_workers |= current
        new_losses = gone - self.lost
        if new_losses:
            self.lost |= new_losses
            if self.on_worker_lost == "raise":
                raise WorkerLostError(
                    f"Dask worker(s) {_describe_workers(new_losses)} left the cluster during epoch {epoch}; "
                    "training stopped (on_worker_lost='raise'). The network keeps its parameters from "
                    "before fit_data_parallel; the error holds the last complete average (.params).",
                    sorted(new_losses), epoch, history, params)
            for address in new_losses - self.warned:
                warnings.warn(f"Dask worker {address} left the cluster during epoch {epoch}; its shards are "
                              "recomputed on the workers still there (or on those that replace it) and the "
                              "round is rerun from the last complete average", RuntimeWarning, stacklevel=4)
                self.warned.add(address)
            self.refresh_holders()
        return current

    def refresh_holders(self):
        try:
            who = self.client.who_has(self.shards)
        except Exception:  # noqa: BLE001 - only placement hints; the tasks run anyway
            who = {}
        self.holders = [next(iter(who.get(f.key, ())), None) for f in self.shards]

    # -- data ------------------------------------------------------------------------
    def place(self, X, Y, spec):
        """Persist X and Y, join each worker's chunks into one shard there, release the chunks."""
        client = self.client
        X, Y = client.persist([X, Y])
        x_keys = _flatten_keys(X.__dask_keys__())
        y_keys = _flatten_keys(Y.__dask_keys__())
        futures = {f.key: f for f in futures_of(X) + futures_of(Y)}
        distributed.wait(list(futures.values()))
        for f in futures.values():
            if f.status == "error":
                f.result()   # raises the error that computing the chunk raised
        who = client.who_has([futures[k] for k in x_keys])
        # A chunk held by several workers (a replica made while computing Y, say) goes to the
        # holder with the fewest rows so far, ties to the first address: the same placement
        # always gives the same shards, and the shards come out balanced.
        groups, load = {}, {}
        for i, key in enumerate(x_keys):
            if X.chunks[0][i] == 0:
                continue   # an empty chunk (left by a filter, say) trains nothing
            holders = sorted(who.get(key, ())) or [None]
            holder = min(holders, key=lambda h: (load.get(h, 0), str(h)))
            load[holder] = load.get(holder, 0) + X.chunks[0][i]
            groups.setdefault(holder, []).append(i)
        starts = np.concatenate([[0], np.cumsum(X.chunks[0])])
        # Shards are numbered by their first chunk (their number seeds their shuffling).
        for holder, chunk_ids in sorted(groups.items(), key=lambda item: item[1][0]):
            blocks = [futures[x_keys[i]] for i in chunk_ids] + [futures[y_keys[i]] for i in chunk_ids]
            shard = client.submit(_make_shard, spec, len(chunk_ids), *blocks,
                                  key=f"{self.token}-shard-{len(self.shards)}",
                                  workers=[holder] if holder else None, allow_other_workers=True)
            self.shards.append(shard)
            self.rows.append(int(sum(X.chunks[0][i] for i in chunk_ids)))
            self.holders.append(holder)
            self.first_chunk.append(int(starts[chunk_ids[0]]))
        distributed.wait(self.shards)
        for index, shard in enumerate(self.shards):
            if shard.status == "error":
                shard.result()
        del X, Y, futures   # the shards hold the data now; the chunks can go
        self.refresh_holders()

    # -- one round -------------------------------------------------------------------
    def run_round(self, tasks, epoch, history, params):
        """Submit ``tasks`` (shard index -> args), wait for all, return their results in order."""
        client = self.client
        futures = {}
        for index, args in tasks.items():
            holder = self.holders[index]
            futures[index] = client.submit(_train_round, *args, pure=False,
                                           workers=[holder] if holder else None, allow_other_workers=True,
                                           key=f"{self.token}-round-{uuid.uuid4().hex[:12]}-{index}")
        pending = list(futures.values())
        no_workers_since = None
        lost_before, loss_seen_at = len(self.lost), None
        try:
            while True:
                try:
                    distributed.wait(pending, timeout=_POLL_SECONDS)
                    break
                except (TimeoutError, distributed.TimeoutError):
                    pass
                current = self.check_workers(epoch, history, params)
                if len(self.lost) > lost_before:
                    if loss_seen_at is None:
                        loss_seen_at = time.monotonic()
                    checked = self.raise_if_stuck(pending, current, epoch, history, params)
                    if not checked and time.monotonic() - loss_seen_at > self.worker_timeout:
                        # The scheduler could not be asked what the round waits for: do not hang.
                        raise WorkerLostError(
                            f"the round of epoch {epoch} has not completed {self.worker_timeout:g} s after "
                            f"Dask worker(s) {_describe_workers(self.lost)} left (its data may be pinned "
                            "to them); training stopped", sorted(self.lost), epoch, history, params)
                if current:
                    no_workers_since = None
                elif no_workers_since is None:
                    no_workers_since = time.monotonic()
                elif time.monotonic() - no_workers_since > self.worker_timeout:
                    raise WorkerLostError(
                        f"the Dask cluster has had no workers for {self.worker_timeout:g} s during epoch "
                        f"{epoch} (lost: {_describe_workers(self.lost)}); training stopped",
                        self.lost, epoch, history, params)
            indices = list(futures)
            try:   # one round trip for all the results
                gathered = client.gather([futures[i] for i in indices])
                return dict(zip(indices, gathered))
            except Exception:  # noqa: BLE001 - find which shard failed, and say why
                for index in indices:
                    self._result(index, futures[index], epoch, history, params)
                raise
        except BaseException:
            client.cancel(pending)
            raise

    def raise_if_stuck(self, pending, current, epoch, history, params):
        """After a loss: raise if some task our round needs may only run on workers that are gone.

        Returns False when the scheduler could not be asked (it cannot import fastnet, say).
        """
        try:
            stuck = self.client.run_on_scheduler(_stuck_tasks, [f.key for f in pending])
        except Exception:  # noqa: BLE001 - a scheduler without fastnet: rely on worker_timeout
            return False
        hosts = {address.split("://")[-1].rsplit(":", 1)[0] for address in current}
        for key, workers, host_names in stuck:
            if (workers and not set(workers) & current) or (host_names and not set(host_names) & hosts):
                where = ", ".join(workers or host_names)
                raise WorkerLostError(
                    f"the data for epoch {epoch} cannot be recomputed after Dask worker(s) "
                    f"{_describe_workers(self.lost)} left: task {key!r} may only run on {where}, which is gone "
                    "(it was placed with workers=... and no allow_other_workers); training stopped. The "
                    "network keeps its parameters from before fit_data_parallel; the error holds the last "
                    "complete average.", sorted(self.lost), epoch, history, params)
        return True

    def _result(self, index, future, epoch, history, params):
        where = (f"shard {index} (rows from {self.first_chunk[index]}, {self.rows[index]} rows, "
                 f"last on worker {self.holders[index] or 'unknown'})")
        try:
            return future.result()
        except distributed.KilledWorker as exc:
            last = getattr(exc.last_worker, "address", str(exc.last_worker))
            self.lost.add(last)
            raise WorkerLostError(
                f"training {where} in epoch {epoch} killed every worker that ran it, the last one "
                f"{last} ({exc.allowed_failures + 1} attempts); training stopped. The network keeps its "
                "parameters from before fit_data_parallel; the error holds the last complete average.",
                sorted(self.lost | {last}), epoch, history, params) from exc
        except (distributed.client.FutureCancelledError, distributed.CancelledError) as exc:
            self.check_workers_quietly()
            raise WorkerLostError(
                f"the data of {where} was lost in epoch {epoch} with Dask worker(s) "
                f"{_describe_workers(self.lost)} and cannot be recomputed (was it scattered rather than "
                "computed?); training stopped. The network keeps its parameters from before "
                "fit_data_parallel; the error holds the last complete average.",
                sorted(self.lost), epoch, history, params) from exc

    def check_workers_quietly(self):
        try:
            current = self.workers_now()
        except Exception:  # noqa: BLE001
            return
        self.lost |= self.known_workers - current

    def close(self):
        client = self.client
        try:
            client.cancel(self.shards)
        except Exception:  # noqa: BLE001 - the cluster may be gone
            pass
        self.shards = []
        try:
            client.run(_forget_run, self.token)
        except Exception:  # noqa: BLE001
            pass


def _average(results, dtype):
    """Row-weighted average of the parameters and optimizer states returned by every shard."""
    weights = np.array([r["rows"] for r in results], dtype=np.float64)
    weights /= weights.sum()
    params = sum(w * r["params"].astype(np.float64) for w, r in zip(weights, results))
    state = sum(w * r["state"].astype(np.float64) for w, r in zip(weights, results))
    return params.astype(dtype), state.astype(dtype)


def fit_data_parallel(net, X, Y, optimizer=None, epochs=1, batch_size=None, *, sync_every=None, shuffle=True,
                      seed=None, max_norm=None, client=None, callbacks=(), on_worker_lost="retry",
                      worker_timeout=60.0):
    """Train ``net`` on Dask arrays by data parallelism over the cluster's workers; returns a History.

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
        As in ``Network.fit``: None continues the optimizer of the last fit, else SGD(lr=0.01).
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
        What to do when a worker leaves the cluster (module docstring).
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
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fastnet.Network, got {type(net).__name__}")
    _check_dask_array("X", X, (2,))
    _check_dask_array("Y", Y, (1, 2))
    if X.shape[1] != net.n_features:
        raise ValueError(f"X has {X.shape[1]} features but the network expects {net.n_features}")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but Y has {Y.shape[0]}; they must have the same rows")
    if X.shape[0] == 0:
        raise ValueError("X is empty: it has 0 samples")
    epochs = check_int("epochs", epochs, low=0)
    batch_size = check_int("batch_size", batch_size, low=1, allow_none=True)
    sync_every = check_int("sync_every", sync_every, low=1, allow_none=True)
    if max_norm is not None:
        max_norm = check_real("max_norm", max_norm, low=0.0, low_open=True)
    worker_timeout = check_real("worker_timeout", worker_timeout, low=0.0, low_open=True)
    seed = net.seed if seed is None else check_seed(seed)
    if on_worker_lost not in ("retry", "raise"):
        raise ValueError(f"on_worker_lost must be 'retry' or 'raise', got {on_worker_lost!r}")
    callbacks = list(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks must be callables f(epoch, logs), got {cb!r}")
    if optimizer is None:
        optimizer = net._optimizer if net._optimizer is not None else SGD(lr=0.01)
    optimizer = make_optimizer(optimizer)
    optimizer.bind(net)   # raises if it holds another network's state
    client = _client(client)

    X = X.rechunk({1: -1})
    Y = Y.rechunk({0: X.chunks[0]} if Y.ndim == 1 else {0: X.chunks[0], 1: -1})
    spec = (net.criterion.to_dict(), net.n_features, net.n_outputs, net.dtype)

    history = History()
    params = net.params.copy()
    state = optimizer.state.copy()
    t = optimizer.t
    run = _Run(client, on_worker_lost, worker_timeout)
    try:
        run.place(X, Y, spec)
        # A computed task, not scattered data: the scheduler keeps its input and recomputes it if
        # every worker holding it dies (Dask's memory manager drops spare replicas of scattered
        # data, so broadcasting it would not have kept a copy on each worker).
        blob = client.submit(_same, _blueprint(net, optimizer), key=f"{run.token}-blueprint", pure=False)
        n_shards = len(run.shards)
        sizes = [n if batch_size is None else min(batch_size, n) for n in run.rows]
        batches = [-(-n // b) for n, b in zip(run.rows, sizes)]
        per_round = [b if sync_every is None else min(sync_every, b) for b in batches]
        n_rounds = max(-(-b // k) for b, k in zip(batches, per_round))
        n_total = sum(run.rows)
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            loss_sum, workers_used, train_time = 0.0, set(), 0.0
            # The last complete average: what errors report, and what a divergence commits
            # (_average makes new arrays, so these stay as they are).
            epoch_params, epoch_state, epoch_t = params, state, t
            for r in range(n_rounds):
                tasks = {}
                for i in range(n_shards):
                    first = r * per_round[i]
                    if first < batches[i]:
                        count = min(per_round[i], batches[i] - first)
                        tasks[i] = (blob, run.shards[i], run.token, i, params, state, t, epoch, first, count,
                                    sizes[i], bool(shuffle), seed, max_norm)
                try:
                    results = run.run_round(tasks, epoch, history, epoch_params)
                except TrainingDivergedError:
                    _commit(net, optimizer, epoch_params, epoch_state, epoch_t)
                    raise TrainingDivergedError(epoch, history, optimizer.lr) from None
                ordered = [results[i] for i in sorted(results)]
                params, state = _average(ordered, net.dtype)
                t = max(res["t"] for res in ordered)
                loss_sum += sum(res["loss_sum"] for res in ordered)
                train_time += max(res["seconds"] for res in ordered)
                for i in sorted(results):
                    worker = results[i]["worker"]
                    workers_used.add(worker)
                    if worker is not None and worker != run.holders[i]:
                        run.holders[i] = worker   # moved (a worker died, or Dask rebalanced)
            run.check_workers(epoch, history, epoch_params)
            if not (np.isfinite(params).all() and np.isfinite(state).all()):
                _commit(net, optimizer, epoch_params, epoch_state, epoch_t)
                raise TrainingDivergedError(epoch, history, optimizer.lr)
            logs = {"loss": loss_sum / n_total, "time": time.perf_counter() - started,
                    "train_time": train_time, "rounds": n_rounds, "workers": len(workers_used)}
            history.append(epoch, **logs)
            stop = False
            for cb in callbacks:
                if cb(epoch, dict(logs)) is True:
                    stop = True
            if stop:
                history.stopped_early = True
                break
    finally:
        run.close()
    # Every epoch completed and every round was averaged over every shard: commit.
    _commit(net, optimizer, params, state, t)
    return history


def _commit(net, optimizer, params, state, t):
    net.params = params
    optimizer.state[:] = state
    optimizer.t = t
    net._optimizer = optimizer   # as Network.fit does: optimizer=None continues with it


"""What runs on the Dask workers: building each shard, and training it for one round.

Everything here is a module-level function, so that Dask pickles it by
reference (``fastnet.distributed.worker.train_round``) and each worker imports
fastnet itself rather than receiving a copy of the code.
"""

from __future__ import annotations

import pickle
import threading
import time
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

from ._dask import distributed
from .errors import FloatArray
from ..checks.arrays import as_features, as_targets
from ..nn.losses import Loss
from ..nn.network import Network
from ..optim.optimizers import Optimizer
from ..train.history import History

__all__ = ["ShardSpec", "RoundResult", "make_shard", "train_round", "forget_run", "same"]

#: What a worker needs to check its rows: (the loss as a dict, n_features, n_outputs, dtype).
ShardSpec = tuple[dict[str, Any], int, int, np.dtype[Any]]


class RoundResult(TypedDict):
    """What one shard sends back after a round (a plain dict on the wire)."""

    params: FloatArray          # (n_params,), after the round
    state: FloatArray           # (n_state, n_params), the optimizer's state after the round
    t: int                      # the optimizer's step count
    rows: int                   # rows trained on, the weight of this shard in the average
    loss_sum: float             # the round's mean batch loss times rows
    worker: str | None          # the worker's address (None outside a worker)
    seconds: float              # time spent training, on the worker


class _Replica:
    """A worker's copy of the network and optimizer for one shard, and its current epoch order."""

    def __init__(self, blob: bytes) -> None:
        self.net: Network
        self.optimizer: Optimizer
        self.net, self.optimizer = pickle.loads(blob)
        self.optimizer.bind(self.net)
        self.order_epoch: int | None = None
        self.order: npt.NDArray[np.intp] | None = None
        self.lock = threading.Lock()


# (run token, shard index) -> _Replica. One process-wide registry per worker
# process; entries are dropped at the end of each run (and die with the worker).
_REPLICAS: dict[tuple[str, int], _Replica] = {}
_REPLICAS_LOCK = threading.Lock()


def _replica(token: str, shard_index: int, blob: bytes) -> _Replica:
    key = (token, shard_index)
    with _REPLICAS_LOCK:
        replica = _REPLICAS.get(key)
        if replica is None:
            replica = _REPLICAS[key] = _Replica(blob)
        return replica


def forget_run(token: str) -> None:
    """Drop the replicas of one run (called on every worker when the run ends)."""
    with _REPLICAS_LOCK:
        for key in [k for k in _REPLICAS if k[0] == token]:
            del _REPLICAS[key]


def same(blob: bytes) -> bytes:
    """The identity, as a task: the blueprint becomes data the scheduler can recompute."""
    return blob


def make_shard(spec: ShardSpec, n_blocks: int, *blocks: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Join a worker's row chunks into one (X, Y) pair, checked and in the network's dtype.

    ``blocks`` holds the ``n_blocks`` chunks of X, then as many of Y.
    """
    loss, n_features, n_outputs, dtype = spec
    xs, ys = blocks[:n_blocks], blocks[n_blocks:]
    X = np.concatenate(xs, axis=0) if len(xs) > 1 else xs[0]
    Y = np.concatenate(ys, axis=0) if len(ys) > 1 else ys[0]
    X = as_features(X, n_features, dtype)
    Y = as_targets(Y, X.shape[0], Loss(**loss), n_outputs, dtype)
    return X, Y


def _round_seed(seed: int, epoch: int, shard_index: int) -> int:
    """The shuffling seed of one shard in one epoch: the same whichever worker runs it."""
    return int(np.random.SeedSequence([seed, epoch, shard_index]).generate_state(1, np.uint64)[0])


def _worker_address() -> str | None:
    try:
        return str(distributed.get_worker().address)
    except ValueError:  # run outside a worker (a test calling it directly)
        return None


def _train_slice(replica: _Replica, X: FloatArray, Y: FloatArray, epoch: int, first_batch: int,
                 n_batches: int, batch_size: int, shuffle: bool, round_seed: int,
                 max_norm: float | None) -> tuple[History, int]:
    """Batches ``first_batch`` to ``first_batch + n_batches`` of the shard's epoch order."""
    n = X.shape[0]
    if replica.order_epoch != epoch or replica.order is None:
        replica.order = np.random.default_rng(round_seed).permutation(n) if shuffle else np.arange(n)
        replica.order_epoch = epoch
    take = replica.order[first_batch * batch_size:(first_batch + n_batches) * batch_size]
    history = replica.net.fit(X[take], Y[take], optimizer=replica.optimizer, epochs=1, batch_size=batch_size,
                              shuffle=False, max_norm=max_norm)
    return history, int(take.shape[0])


def train_round(blob: bytes, shard: tuple[FloatArray, FloatArray], token: str, shard_index: int,
                params: FloatArray, state: FloatArray, t: int, epoch: int, first_batch: int, n_batches: int,
                batch_size: int, shuffle: bool, seed: int, max_norm: float | None) -> RoundResult:
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
            history, rows = _train_slice(replica, X, Y, epoch, first_batch, n_batches, batch_size, shuffle,
                                         round_seed, max_norm)
        return {"params": net.params.copy(), "state": optimizer.state.copy(), "t": optimizer.t,
                "rows": rows, "loss_sum": float(history.loss[0]) * rows, "worker": _worker_address(),
                "seconds": time.perf_counter() - started}

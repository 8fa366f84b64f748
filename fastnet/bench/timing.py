"""Timing the workloads side by side in one process, on one thread.

Each peer's epoch is run once to warm up (buffers, caches, lazy imports), then
repeated; the best time is what the ratios use (the median is kept in the JSON
too). Every ratio is measured in this one process, on the same data, under
the same single-thread limits, and the peers of a workload take turns (see
time_peers): on a shared machine the speed drifts over seconds, and peers
timed one after the other would each be timed on a different machine.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

from .._core import blas
from ..runtime import blas as _blas
from ..runtime.threads import blas_thread_ceiling
from . import peers as _peers
from .peer import Array, Clock, Peer
from .workloads import Workload

__all__ = ["CLOCKS", "Timing", "single_thread", "timed", "gemm_rate", "time_peer", "time_peers", "make_peer",
           "speedup"]

#: The clocks a measurement can use. "wall" is elapsed time. "cpu" is the CPU
#: time of the whole process (all its threads): on a machine that other work
#: keeps busy, the time this process waits for a core is left out, so ratios
#: stay meaningful; with single-thread BLAS the two agree on an idle machine.
CLOCKS: dict[str, Clock] = {"wall": time.perf_counter, "cpu": time.process_time}

_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class Timing(TypedDict):
    """A peer's seconds per full epoch, best and median of its runs, and its last run's loss."""

    best: float
    median: float
    runs: int
    loss: float


@contextlib.contextmanager
def single_thread() -> Iterator[str]:
    """Limit BLAS (numpy's and scipy's OpenBLAS, MKL), OpenMP and PyTorch to one thread.

    Yields a sentence saying how: threadpoolctl when installed; otherwise the
    BLAS pools keep whatever threads the process started with (they read
    OPENBLAS_NUM_THREADS / OMP_NUM_THREADS at load time, before this runs).
    """
    torch: Any = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    try:
        threadpoolctl: Any = importlib.import_module("threadpoolctl")
    except ImportError:
        threadpoolctl = None
    try:
        if threadpoolctl is not None:
            # BLAS through fastnet's own ceiling (runtime/threads.py); the OpenMP
            # pools (PyTorch's, scikit-learn's) are the peers' business, limited here.
            with blas_thread_ceiling(1), threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
                yield "single-thread BLAS (threadpoolctl)"
        else:
            env = {k: os.environ.get(k) for k in _THREAD_VARIABLES}
            if all(v == "1" for v in env.values() if v is not None) and any(v is not None for v in env.values()):
                yield "single-thread BLAS (environment)"
            else:
                yield ("BLAS with the threads the process has (threadpoolctl is not installed; set "
                       "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 before starting Python for single-thread numbers)")
    finally:
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(torch_threads if torch_threads is not None else torch.get_num_threads())


def timed(fn: Callable[[], object], clock: Clock = time.perf_counter) -> float:
    """Seconds that one call of ``fn`` takes by ``clock``."""
    start = clock()
    fn()
    return clock() - start


def gemm_rate(n: int = 1024, repeats: int = 5, dtype: npt.DTypeLike = np.float32,
              clock: Clock = time.perf_counter) -> dict[str, Any]:
    """GFLOP/s of an (n x n) @ (n x n) matmul in numpy, best of ``repeats``: 2 n^3 / time.

    Also returns the rate of fastnet's own gemm (``fastnet._core.blas._gemm``,
    the routine the kernels call: numpy's or scipy's OpenBLAS, fastnet/runtime/blas.py)
    and which library that is.
    """
    rng = np.random.default_rng(0)
    A = rng.random((n, n), dtype=np.float64).astype(dtype)
    B = rng.random((n, n), dtype=np.float64).astype(dtype)
    C = np.empty((n, n), dtype=dtype)
    flops = 2.0 * n ** 3
    np.matmul(A, B, out=C)
    best = min(timed(lambda: np.matmul(A, B, out=C), clock) for _ in range(repeats))
    result: dict[str, Any] = {"n": n, "dtype": np.dtype(dtype).name, "numpy_seconds": best,
                              "numpy_gflops": flops / best / 1e9}
    blas._gemm(False, False, 1.0, A, B, 0.0, C)
    best = min(timed(lambda: blas._gemm(False, False, 1.0, A, B, 0.0, C), clock) for _ in range(repeats))
    result["fastnet_gflops"] = flops / best / 1e9
    result["fastnet_blas"] = _blas.kernel_blas().provider
    return result


def _summary(peer: Peer, times: list[float]) -> Timing:
    return {"best": min(times), "median": statistics.median(times), "runs": len(times),
            "loss": float(peer.last_loss)}


def time_peer(peer: Peer, min_repeats: int = 2, budget: float = 1.0, max_repeats: int = 200,
              clock: Clock = time.perf_counter, slow: float = 2.0) -> Timing:
    """Seconds per full epoch of ``peer``, best and median of its runs.

    A warm-up run first (if ``peer.needs_warmup``); when it takes more than a
    quarter of ``budget`` its warm-up effects are negligible and it counts as
    a run. Then runs until there are ``min_repeats`` and, beyond that, while
    the runs fit in ``budget`` seconds (at most ``max_repeats``); a run longer
    than ``slow`` seconds is not repeated. Times are scaled by
    ``peer.epoch_scale`` when the peer runs a subsample. ``clock``:
    time.perf_counter (wall) or time.process_time (CPU).
    """
    times: list[float] = []
    spent = 0.0
    if peer.needs_warmup:
        first = peer.run_seconds(clock)
        if first > budget / 4:
            times.append(first * peer.epoch_scale)
            spent += first
    while len(times) < max_repeats:
        if times and times[-1] / peer.epoch_scale > slow:
            break
        if len(times) >= min_repeats and spent + (spent / len(times)) > budget:
            break
        t = peer.run_seconds(clock)
        spent += t
        times.append(t * peer.epoch_scale)
    return _summary(peer, times)


def time_peers(peers: Mapping[str, Peer], min_repeats: int = 2, budget: float = 1.0, max_repeats: int = 200,
               clock: Clock = time.perf_counter, slow: float = 2.0) -> dict[str, Timing]:
    """Seconds per full epoch of each peer in ``peers`` ({name: Peer}), their runs interleaved.

    As time_peer, but in ``max(min_repeats, 1)`` rounds: in each round every
    peer, in an order that rotates from round to round, runs for its share of
    ``budget`` (at least once), so that every peer is timed early, midway and
    late, and the best of each comes from the same stretch of the machine's
    drifting speed. A peer whose run takes more than ``slow`` seconds runs once.
    """
    names = list(peers)
    rounds = max(min_repeats, 1)
    share = budget / rounds
    per_round_cap = max(1, max_repeats // rounds)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:
        peer = peers[name]
        if peer.needs_warmup:
            first = peer.run_seconds(clock)
            if first > budget / 4:   # a long run: its warm-up effects are negligible, keep it
                times[name].append(first * peer.epoch_scale)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            peer, runs = peers[name], times[name]
            if runs and runs[0] / peer.epoch_scale > slow:
                continue
            spent = 0.0
            for k in range(1, per_round_cap + 1):
                t = peer.run_seconds(clock)
                spent += t
                runs.append(t * peer.epoch_scale)
                if spent + spent / k > share or t > slow:   # another run would overrun its share
                    break
    return {name: _summary(peers[name], runs) for name, runs in times.items()}


def make_peer(workload: Workload, name: str, dtype: npt.DTypeLike = "float32", seed: int = 0,
              subsample: bool = True, data: tuple[Array, Array] | None = None) -> Peer:
    """The peer ``name`` on the workload's data from ``seed``, starting from the fastnet network's
    initial parameters. NumPy, PyTorch (eager and compiled) and scikit-learn get ``workload.peer_samples`` rows when
    ``subsample`` (the per-sample cost at batch 1 is what is compared)."""
    X, y = workload.make_data(dtype=dtype, seed=seed) if data is None else data
    init = workload.network(dtype="float64", seed=seed).params.copy()
    m = workload.n_samples
    if subsample and name in ("numpy", "torch", "torch_compile", "sklearn") and workload.peer_samples:
        m = min(m, workload.peer_samples)
    return _peers.PEERS[name](workload, X[:m], y[:m], dtype=dtype, init_params=init, seed=seed)


def speedup(workload: Workload, name: str, dtype: npt.DTypeLike = "float32", budget: float = 1.0,
            min_repeats: int = 2, seed: int = 0, clock: Clock = time.perf_counter) -> float:
    """Peer time / fastnet time for one epoch of ``workload``, measured now, the two taking turns."""
    data = workload.make_data(dtype=dtype, seed=seed)
    timing = time_peers({"fastnet": make_peer(workload, "fastnet", dtype, seed, data=data),
                         name: make_peer(workload, name, dtype, seed, data=data)},
                        min_repeats, budget, clock=clock)
    return timing[name]["best"] / timing["fastnet"]["best"]

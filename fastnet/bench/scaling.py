"""What more cores give: two networks in two threads or two processes, and one network's BLAS threads.

- :func:`thread_speedup`: two networks trained one after the other, then in
  two threads at once (the GIL is released, so they can compute at once);
- :func:`process_speedup`: the same two trainings in two processes, the
  machine's ceiling for two independent jobs;
- :func:`blas_thread_speedup`: one network with ``Network.n_threads`` BLAS
  threads against one, and :func:`gemm_thread_speedup`, the ceiling its
  matrix products alone reach.

These are wall-time measurements (the point is to use more cores); the BLAS
thread counts are set through fastnet/runtime/threads.py.
"""

from __future__ import annotations

import importlib
import math
import multiprocessing
import threading
import time
from collections.abc import Sequence
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

import numpy as np
import numpy.typing as npt

from .._core import blas
from ..runtime.threads import blas_thread_ceiling, blas_threads
from . import peers as _peers
from .timing import make_peer, single_thread, timed
from .workloads import WORKLOADS, Workload

__all__ = ["thread_speedup", "process_speedup", "gemm_thread_speedup", "blas_thread_speedup"]

# One run of a process: (workload name, repeat, start, end), perf_counter seconds.
_Span = tuple[str, int, float, float]


def _train(peer: _peers.FastnetPeer, epochs: int) -> None:
    peer.net.fit(peer.X, peer.y, optimizer=peer.optimizer, epochs=epochs,
                 batch_size=peer.workload.batch_size, shuffle=True)


def _train_in_threads(nets: Sequence[_peers.FastnetPeer], epochs: int) -> tuple[float, float]:
    """Wall and process CPU seconds of training every network at once, a thread each."""
    barrier = threading.Barrier(len(nets) + 1)

    def work(peer: _peers.FastnetPeer) -> None:
        barrier.wait()
        _train(peer, epochs)

    threads = [threading.Thread(target=work, args=(peer,)) for peer in nets]
    for t in threads:
        t.start()
    barrier.wait()
    start, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.join()
    return time.perf_counter() - start, time.process_time() - cpu


def thread_speedup(workload: Workload, dtype: npt.DTypeLike = "float32", repeats: int = 5,
                   min_seconds: float = 0.3, seed: int = 0) -> dict[str, Any]:
    """Two fastnet networks trained one after the other, then in two threads at once.

    Each network trains ``epochs`` epochs per measurement (enough for about
    ``min_seconds`` one after the other). Returns seconds for both ways, the
    throughput ratio (serial / threaded; 2.0 is perfect scaling on 2 cores) and
    the concurrency of the threaded run: process CPU time / wall time, which
    can exceed 1 only if both threads compute at once (code holding the GIL
    stays at or below 1, however many cores are free).
    """
    X, y = workload.make_data(dtype=dtype, seed=seed)
    nets = [_peers.FastnetPeer(workload, X, y, dtype=dtype, seed=seed + i) for i in range(2)]
    one = min(timed(nets[0].run) for _ in range(3))
    epochs = max(1, int(min_seconds / 2 / max(one, 1e-9)))

    def serial() -> None:
        for peer in nets:
            _train(peer, epochs)

    # Alternated, so that a change in the machine's load meets both ways alike;
    # the best of each, as timeit does (slower runs are runs that were disturbed).
    serial_runs: list[float] = []
    threaded_runs: list[tuple[float, float]] = []
    for _ in range(repeats):
        serial_runs.append(timed(serial))
        threaded_runs.append(_train_in_threads(nets, epochs))
    serial_s = min(serial_runs)
    threaded_s, threaded_cpu = min(threaded_runs)
    return {"workload": workload.name, "dtype": np.dtype(dtype).name, "epochs_per_network": epochs,
            "serial_seconds": serial_s, "threaded_seconds": threaded_s, "speedup": serial_s / threaded_s,
            "threaded_concurrency": threaded_cpu / threaded_s}


def _process_worker(jobs: Sequence[tuple[str, int]], dtype: npt.DTypeLike, seed: int, repeats: int,
                    barrier: Barrier, results: Queue[_Span]) -> None:
    """One of the two processes of :func:`process_speedup` (module level, so that spawn can import it)."""
    with single_thread():
        for name, epochs in jobs:
            workload = WORKLOADS[name]
            X, y = workload.make_data(dtype=dtype, seed=seed)
            peer = _peers.FastnetPeer(workload, X, y, dtype=dtype, seed=seed)
            peer.run()   # warm-up
            for r in range(repeats):
                barrier.wait()
                start = time.perf_counter()
                _train(peer, epochs)
                results.put((name, r, start, time.perf_counter()))


def process_speedup(jobs: Sequence[tuple[str, int]], dtype: npt.DTypeLike = "float32", repeats: int = 3,
                    seed: int = 0, timeout: float = 300) -> dict[str, float]:
    """Wall seconds for two *processes* each training one network, per workload: the machine's ceiling.

    ``jobs``: [(workload name, epochs per network)]. Two processes share no
    GIL and no memory, so what they reach is what this machine gives two
    independent computations on two cores (frequency, shared caches, other
    tenants); the 2-thread rows are read against it. Both processes start
    each run at a barrier; a run lasts from the first start to the last end
    (perf_counter is the system's monotonic clock, comparable across
    processes); the best of ``repeats``. Returns {name: seconds}.
    """
    context = multiprocessing.get_context("spawn")   # fork is unsafe with BLAS threads
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_process_worker, args=(jobs, dtype, seed + i, repeats, barrier, results),
                               daemon=True) for i in range(2)]
    for w in workers:
        w.start()
    spans: dict[tuple[str, int], list[tuple[float, float]]] = {}
    try:
        for _ in range(2 * repeats * len(jobs)):
            name, r, start, end = results.get(timeout=timeout)
            spans.setdefault((name, r), []).append((start, end))
    finally:
        for w in workers:
            w.join(timeout=10)
            if w.is_alive():
                w.terminate()
    best: dict[str, float] = {}
    for (name, _), pair in spans.items():
        if len(pair) == 2:
            wall = max(end for _, end in pair) - min(start for start, _ in pair)
            best[name] = min(best.get(name, math.inf), wall)
    return best


def gemm_thread_speedup(workload: Workload, dtype: npt.DTypeLike = "float32", n_threads: int = 2,
                        repeats: int = 5) -> float:
    """What more BLAS threads give the matrix products of one training batch: the ceiling for ``n_threads``.

    The products the kernels compute per batch (every layer's forward x W,
    its weight gradient x^T delta, and delta W^T for all but the first layer),
    through fastnet's own gemm, with ``n_threads`` threads against one; the
    best of ``repeats`` for each, alternating. An epoch of a GEMM-bound
    workload cannot scale better than its products do.
    """
    rng = np.random.default_rng(0)
    b = min(workload.batch_size, workload.n_samples)
    calls = []
    for layer, (n_in, n_out) in enumerate(zip(workload.sizes[:-1], workload.sizes[1:])):
        x, W = rng.random((b, n_in)).astype(dtype), rng.random((n_in, n_out)).astype(dtype)
        z, dW = np.empty((b, n_out), dtype=dtype), np.empty((n_in, n_out), dtype=dtype)
        calls.append((False, False, x, W, z))
        calls.append((True, False, x, z, dW))
        if layer > 0:
            calls.append((False, True, z, W, np.empty((b, n_in), dtype=dtype)))

    def batch() -> None:
        for trans_a, trans_b, a, bm, c in calls:
            blas._gemm(trans_a, trans_b, 1.0, a, bm, 0.0, c)

    best = {1: math.inf, n_threads: math.inf}
    # n_threads never exceeds the count in force outside fastnet's calls, which
    # single_thread holds at 1: raise it for this measurement.
    with blas_thread_ceiling(n_threads):
        for _ in range(repeats):
            for threads in best:
                with blas_threads(threads):
                    best[threads] = min(best[threads], timed(batch))
    return best[1] / best[n_threads]


def blas_thread_speedup(workload: Workload, dtype: npt.DTypeLike = "float32", n_threads: int = 2,
                        repeats: int = 3, seed: int = 0) -> dict[str, Any]:
    """One network's epoch with ``n_threads`` BLAS threads against one, and PyTorch with as many.

    fastnet's only use of several cores is the BLAS threads of its kernels' gemm and axpy calls
    (``Network.n_threads``, default 1). The one-thread and the ``n_threads``
    epochs alternate, best of ``repeats`` each; PyTorch (when installed) runs
    with ``torch.set_num_threads(n_threads)``. Wall time: the point is to use
    more cores. Returns seconds and the two ratios.
    """
    data = workload.make_data(dtype=dtype, seed=seed)
    fast = make_peer(workload, "fastnet", dtype, seed, data=data)
    assert isinstance(fast, _peers.FastnetPeer)
    fast.run()   # warm-up: workspace, caches
    one: list[float] = []
    many: list[float] = []
    with blas_thread_ceiling(n_threads):
        for _ in range(repeats):
            fast.net.n_threads = 1
            one.append(timed(fast.run))
            fast.net.n_threads = n_threads
            many.append(timed(fast.run))
    fast.net.n_threads = 1
    out: dict[str, Any] = {"workload": workload.name, "dtype": np.dtype(dtype).name, "n_threads": n_threads,
                           "fastnet_one_seconds": min(one), "fastnet_seconds": min(many),
                           "speedup": min(one) / min(many),
                           "gemm_speedup": gemm_thread_speedup(workload, dtype, n_threads)}
    if _peers.TorchPeer.available() is None:
        torch: Any = importlib.import_module("torch")
        before = torch.get_num_threads()
        peer = make_peer(workload, "torch", dtype, seed, subsample=False, data=data)
        try:
            torch.set_num_threads(n_threads)
            peer.run()
            out["torch_seconds"] = min(timed(peer.run) for _ in range(repeats))
        finally:
            torch.set_num_threads(before)
        out["speedup_vs_torch"] = out["torch_seconds"] / out["fastnet_seconds"]
    return out

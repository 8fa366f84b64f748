"""Timing the workloads side by side in one process, and printing the table.

Each peer's epoch is run once to warm up (buffers, caches, lazy imports), then
repeated; the best time is what the ratios use (the median is kept in the JSON
too). Every ratio is measured in this one process, on the same data, under
the same single-thread limits, and the peers of a workload take turns (see
time_peers): on a shared machine the speed drifts over seconds, and peers
timed one after the other would each be timed on a different machine.
"""

import contextlib
import math
import os
import platform
import statistics
import sys
import threading
import time
import tracemalloc

import numpy as np

from . import peers as _peers
from .workloads import (TARGET_BLAS_THREADS, TARGET_FIT_EXTRA_BYTES, TARGET_GEMM_FRACTION, TARGET_THREAD_SPEEDUP,
                        TARGETS, TARGETS_FLOAT64, WORKLOADS, get_workloads)

__all__ = ["single_thread", "gemm_rate", "time_peer", "time_peers", "make_peer", "speedup", "thread_speedup",
           "process_speedup", "blas_thread_speedup", "blas_thread_limit", "gemm_thread_speedup",
           "fit_memory", "run", "format_report", "check_targets", "cpu_model"]

clock = time.perf_counter

#: The clocks a measurement can use. "wall" is elapsed time. "cpu" is the CPU
#: time of the whole process (all its threads): on a machine that other work
#: keeps busy, the time this process waits for a core is left out, so ratios
#: stay meaningful; with single-thread BLAS the two agree on an idle machine.
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


# ---------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------

def cpu_model():
    """The CPU's model name (lscpu's "Model name"), or platform.processor()."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@contextlib.contextmanager
def single_thread():
    """Limit BLAS (numpy's and scipy's OpenBLAS, MKL, OpenMP) and PyTorch to one thread.

    Yields a sentence saying how: threadpoolctl when installed; otherwise the
    BLAS pools keep whatever threads the process started with (they read
    OPENBLAS_NUM_THREADS / OMP_NUM_THREADS at load time, before this runs).
    """
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    try:
        if threadpool_limits is not None:
            with threadpool_limits(limits=1):
                yield "single-thread BLAS (threadpoolctl)"
        else:
            env = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
            if all(v == "1" for v in env.values() if v is not None) and any(v is not None for v in env.values()):
                yield "single-thread BLAS (environment)"
            else:
                yield ("BLAS with the threads the process has (threadpoolctl is not installed; set "
                       "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 before starting Python for single-thread numbers)")
    finally:
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(torch_threads if torch_threads is not None else torch.get_num_threads())


def gemm_rate(n=1024, repeats=5, dtype=np.float32, clock=time.perf_counter):
    """GFLOP/s of an (n x n) @ (n x n) matmul in numpy, best of ``repeats``: 2 n^3 / time.

    Also returns the rate of fastnet's own gemm (``fastnet._core.blas._gemm``,
    the routine the kernels call: numpy's or scipy's OpenBLAS, fastnet/_blas.py)
    and which library that is.
    """
    rng = np.random.default_rng(0)
    A = rng.random((n, n), dtype=np.float64).astype(dtype)
    B = rng.random((n, n), dtype=np.float64).astype(dtype)
    C = np.empty((n, n), dtype=dtype)
    flops = 2.0 * n ** 3
    np.matmul(A, B, out=C)
    best = min(_timed(lambda: np.matmul(A, B, out=C), clock) for _ in range(repeats))
    result = {"n": n, "dtype": np.dtype(dtype).name, "numpy_seconds": best, "numpy_gflops": flops / best / 1e9}
    from fastnet.runtime import blas as _blas
    from fastnet._core import blas

    blas._gemm(False, False, 1.0, A, B, 0.0, C)
    best = min(_timed(lambda: blas._gemm(False, False, 1.0, A, B, 0.0, C), clock) for _ in range(repeats))
    result["fastnet_gflops"] = flops / best / 1e9
    result["fastnet_blas"] = _blas.kernel_blas().provider
    return result


def _load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _timed(fn, clock=time.perf_counter):
    start = clock()
    fn()
    return clock() - start


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------

def time_peer(peer, min_repeats=2, budget=1.0, max_repeats=200, clock=time.perf_counter, slow=2.0):
    """Seconds per full epoch of ``peer``, best and median of its runs.

    A warm-up run first (if ``peer.needs_warmup``); when it takes more than a
    quarter of ``budget`` its warm-up effects are negligible and it counts as
    a run. Then runs until there are ``min_repeats`` and, beyond that, while
    the runs fit in ``budget`` seconds (at most ``max_repeats``); a run longer
    than ``slow`` seconds is not repeated. Times are scaled by
    ``peer.epoch_scale`` when the peer runs a subsample. ``clock``:
    time.perf_counter (wall) or time.process_time (CPU).
    Returns {"best", "median", "runs", "loss"}.
    """
    times = []
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
    return {"best": min(times), "median": statistics.median(times), "runs": len(times),
            "loss": float(peer.last_loss)}


def time_peers(peers, min_repeats=2, budget=1.0, max_repeats=200, clock=time.perf_counter, slow=2.0):
    """Seconds per full epoch of each peer in ``peers`` ({name: Peer}), their runs interleaved.

    As time_peer, but in ``max(min_repeats, 1)`` rounds: in each round every
    peer, in an order that rotates from round to round, runs for its share of
    ``budget`` (at least once), so that every peer is timed early, midway and
    late, and the best of each comes from the same stretch of the machine's
    drifting speed. A peer whose run takes more than ``slow`` seconds runs once.
    Returns {name: {"best", "median", "runs", "loss"}}.
    """
    names = list(peers)
    rounds = max(min_repeats, 1)
    share = budget / rounds
    per_round_cap = max(1, max_repeats // rounds)
    times = {name: [] for name in names}
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
    return {name: {"best": min(runs), "median": statistics.median(runs), "runs": len(runs),
                   "loss": float(peers[name].last_loss)} for name, runs in times.items()}


def make_peer(workload, name, dtype="float32", seed=0, subsample=True, data=None):
    """The peer ``name`` on the workload's data from ``seed``, starting from the fastnet network's
    initial parameters. NumPy, PyTorch and scikit-learn get ``workload.peer_samples`` rows when
    ``subsample`` (the per-sample cost at batch 1 is what is compared)."""
    X, y = workload.make_data(dtype=dtype, seed=seed) if data is None else data
    init = workload.network(dtype="float64", seed=seed).params.copy()
    m = workload.n_samples
    if subsample and name in ("numpy", "torch", "sklearn") and workload.peer_samples:
        m = min(m, workload.peer_samples)
    return _peers.PEERS[name](workload, X[:m], y[:m], dtype=dtype, init_params=init, seed=seed)


def speedup(workload, name, dtype="float32", budget=1.0, min_repeats=2, seed=0, clock=time.perf_counter):
    """Peer time / fastnet time for one epoch of ``workload``, measured now, the two taking turns."""
    data = workload.make_data(dtype=dtype, seed=seed)
    timing = time_peers({"fastnet": make_peer(workload, "fastnet", dtype, seed, data=data),
                         name: make_peer(workload, name, dtype, seed, data=data)},
                        min_repeats, budget, clock=clock)
    return timing[name]["best"] / timing["fastnet"]["best"]


def thread_speedup(workload, dtype="float32", repeats=5, min_seconds=0.3, seed=0):
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
    one = min(_timed(nets[0].run) for _ in range(3))
    epochs = max(1, int(min_seconds / 2 / max(one, 1e-9)))

    def train(peer):
        peer.net.fit(peer.X, peer.y, optimizer=peer.optimizer, epochs=epochs,
                     batch_size=workload.batch_size, shuffle=True)

    def serial():
        for peer in nets:
            train(peer)

    def threaded():
        barrier = threading.Barrier(3)

        def work(peer):
            barrier.wait()
            train(peer)

        threads = [threading.Thread(target=work, args=(peer,)) for peer in nets]
        for t in threads:
            t.start()
        barrier.wait()
        start, cpu = clock(), time.process_time()
        for t in threads:
            t.join()
        return clock() - start, time.process_time() - cpu

    # Alternated, so that a change in the machine's load meets both ways alike;
    # the best of each, as timeit does (slower runs are runs that were disturbed).
    serial_runs, threaded_runs = [], []
    for _ in range(repeats):
        serial_runs.append(_timed(serial))
        threaded_runs.append(threaded())
    serial_s = min(serial_runs)
    threaded_s, threaded_cpu = min(threaded_runs)
    return {"workload": workload.name, "dtype": np.dtype(dtype).name, "epochs_per_network": epochs,
            "serial_seconds": serial_s, "threaded_seconds": threaded_s, "speedup": serial_s / threaded_s,
            "threaded_concurrency": threaded_cpu / threaded_s}


def _process_worker(jobs, dtype, seed, repeats, barrier, results):
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
                peer.net.fit(peer.X, peer.y, optimizer=peer.optimizer, epochs=epochs,
                             batch_size=workload.batch_size, shuffle=True)
                results.put((name, r, start, time.perf_counter()))


def process_speedup(jobs, dtype="float32", repeats=3, seed=0, timeout=300):
    """Wall seconds for two *processes* each training one network, per workload: the machine's ceiling.

    ``jobs``: [(workload name, epochs per network)]. Two processes share no
    GIL and no memory, so what they reach is what this machine gives two
    independent computations on two cores (frequency, shared caches, other
    tenants); the 2-thread rows are read against it. Both processes start
    each run at a barrier; a run lasts from the first start to the last end
    (perf_counter is the system's monotonic clock, comparable across
    processes); the best of ``repeats``. Returns {name: seconds}.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")   # fork is unsafe with BLAS threads
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_process_worker, args=(jobs, dtype, seed + i, repeats, barrier, results),
                               daemon=True) for i in range(2)]
    for w in workers:
        w.start()
    spans = {}
    try:
        for _ in range(2 * repeats * len(jobs)):
            name, r, start, end = results.get(timeout=timeout)
            spans.setdefault((name, r), []).append((start, end))
    finally:
        for w in workers:
            w.join(timeout=10)
            if w.is_alive():
                w.terminate()
    best = {}
    for (name, _), pair in spans.items():
        if len(pair) == 2:
            wall = max(end for _, end in pair) - min(start for start, _ in pair)
            best[name] = min(best.get(name, math.inf), wall)
    return best


@contextlib.contextmanager
def blas_thread_limit(n_threads):
    """Let BLAS use up to ``n_threads`` threads inside the block (threadpoolctl, when installed).

    ``Network.n_threads`` never exceeds the count in force outside fastnet's
    calls (fastnet/_threads.py), and :func:`single_thread` holds that at 1,
    so the multi-thread measurements raise it here, for their own duration.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=n_threads, user_api="blas"):
        yield


def gemm_thread_speedup(workload, dtype="float32", n_threads=2, repeats=5):
    """What more BLAS threads give the matrix products of one training batch: the ceiling for ``n_threads``.

    The products the kernels compute per batch (every layer's forward x W,
    its weight gradient x^T delta, and delta W^T for all but the first layer),
    through fastnet's own gemm, with ``n_threads`` threads against one; the
    best of ``repeats`` for each, alternating. An epoch of a GEMM-bound
    workload cannot scale better than its products do.
    """
    from fastnet._core import blas
    from fastnet.runtime.threads import blas_threads

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

    def batch():
        for trans_a, trans_b, a, bm, c in calls:
            blas._gemm(trans_a, trans_b, 1.0, a, bm, 0.0, c)

    best = {1: math.inf, n_threads: math.inf}
    with blas_thread_limit(n_threads):
        for _ in range(repeats):
            for threads in best:
                with blas_threads(threads):
                    best[threads] = min(best[threads], _timed(batch))
    return best[1] / best[n_threads]


def blas_thread_speedup(workload, dtype="float32", n_threads=2, repeats=3, seed=0):
    """One network's epoch with ``n_threads`` BLAS threads against one, and PyTorch with as many.

    fastnet's only use of several cores is the BLAS threads of its kernels' gemm and axpy calls
    (``Network.n_threads``, default 1). The one-thread and the ``n_threads``
    epochs alternate, best of ``repeats`` each; PyTorch (when installed) runs
    with ``torch.set_num_threads(n_threads)``. Wall time: the point is to use
    more cores. Returns seconds and the two ratios.
    """
    data = workload.make_data(dtype=dtype, seed=seed)
    fast = make_peer(workload, "fastnet", dtype, seed, data=data)
    fast.run()   # warm-up: workspace, caches
    one, many = [], []
    with blas_thread_limit(n_threads):
        for _ in range(repeats):
            fast.net.n_threads = 1
            one.append(_timed(fast.run))
            fast.net.n_threads = n_threads
            many.append(_timed(fast.run))
    fast.net.n_threads = 1
    out = {"workload": workload.name, "dtype": np.dtype(dtype).name, "n_threads": n_threads,
           "fastnet_one_seconds": min(one), "fastnet_seconds": min(many), "speedup": min(one) / min(many),
           "gemm_speedup": gemm_thread_speedup(workload, dtype, n_threads)}
    if _peers.TorchPeer.available() is None:
        import torch

        before = torch.get_num_threads()
        peer = make_peer(workload, "torch", dtype, seed, subsample=False, data=data)
        try:
            torch.set_num_threads(n_threads)
            peer.run()
            out["torch_seconds"] = min(_timed(peer.run) for _ in range(repeats))
        finally:
            torch.set_num_threads(before)
        out["speedup_vs_torch"] = out["torch_seconds"] / out["fastnet_seconds"]
    return out


def _fit_peak(workload, X, y, dtype, seed, rollback):
    """tracemalloc's peak over one fresh ``Network.fit`` epoch, in bytes, and the peer."""
    peer = _peers.FastnetPeer(workload, X, y, dtype=dtype, seed=seed, rollback=rollback)
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    peer.run()
    peak = tracemalloc.get_traced_memory()[1] - base
    if not was_tracing:
        tracemalloc.stop()
    return peak, peer


def fit_memory(workload, dtype="float32", seed=0, rollback=(True, False)):
    """Bytes that one fresh ``Network.fit`` epoch allocates (tracemalloc peak), next to data and params.

    numpy reports its allocations to tracemalloc, so the peak counts the
    workspace, optimizer state and every temporary that fit creates. Measured
    for each ``rollback`` mode asked for: as ``fit`` runs by default (True,
    with its rollback copy of the parameters; ``fit_*_bytes``) and with
    ``rollback=False`` (``fit_*_bytes_no_rollback``). An empty tuple measures
    no fit and gives only the sizes of the data, parameters and activations.
    """
    X, y = workload.make_data(dtype=dtype, seed=seed)
    itemsize = np.dtype(dtype).itemsize
    sizes = workload.sizes
    n_params = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    # What any implementation keeps for one batch: the gathered rows, every layer's
    # activations and a delta buffer per layer.
    batch = min(workload.batch_size, workload.n_samples)
    activations = batch * (sizes[0] + sizes[-1] + 2 * sum(sizes[1:])) * itemsize
    result = {"workload": workload.name, "dtype": np.dtype(dtype).name,
              "data_bytes": X.nbytes + np.asarray(y).nbytes,
              "params_bytes": 2 * n_params * itemsize,   # the parameters and their gradients
              "activation_bytes": activations}
    for mode in rollback:
        peak, peer = _fit_peak(workload, X, y, dtype, seed, rollback=mode)
        assert peer.net.params.nbytes == n_params * itemsize
        suffix = "" if mode else "_no_rollback"
        result[f"fit_peak_bytes{suffix}"] = peak
        result[f"fit_extra_bytes{suffix}"] = peak - activations
    return result


# ---------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------

def run(workloads=None, dtypes=("float32",), peers=None, quick=False, threads=False, memory=True,
        sklearn_float64_digits=True, log=None, seed=0, clock="wall"):
    """Time every (workload, dtype, peer) side by side; returns a dict (see format_report).

    ``clock``: "wall" or "cpu" (see CLOCKS) for the single-thread rows; the
    2-thread rows are always wall time.
    """
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, got {clock!r}")
    clock_fn = CLOCKS[clock]
    workloads = get_workloads(workloads)
    status = _peers.peer_status()
    if peers is None:
        peers = list(_peers.PEERS)
    unknown = [p for p in peers if p not in _peers.PEERS]
    if unknown:
        raise ValueError(f"unknown peer(s) {', '.join(unknown)}; expected some of {', '.join(_peers.PEERS)}")
    if "fastnet" not in peers:
        peers = ["fastnet"] + list(peers)
    # Seconds of runs per (workload, peer) after the warm-up: the default bench takes
    # about a minute on a 2-core machine, --quick about a third of that.
    min_repeats, budget = (1, 0.25) if quick else (3, 0.8)
    log = log or (lambda msg: None)

    import fastnet

    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpu": cpu_model(), "n_cpus": os.cpu_count(),
              "load_average": _load_average(),
              "python": platform.python_version(), "fastnet": fastnet.__version__, "numpy": np.__version__,
              "quick": quick, "clock": clock, "peers": {p: status[p] for p in peers}, "results": [], "threads": [],
              "blas_threads": [], "memory": []}
    for name in ("torch", "sklearn"):
        if name in peers and status[name] is None:
            report[name] = __import__(name).__version__

    with single_thread() as how:
        report["threading"] = how
        log("measuring the single-thread GEMM rate ...")
        report["gemm"] = gemm_rate(repeats=3 if quick else 7, clock=clock_fn)
        jobs = [(w, dt) for dt in dtypes for w in workloads]
        if (sklearn_float64_digits and "float64" not in dtypes and "sklearn" in peers
                and status["sklearn"] is None and any(w.name == "digits" for w in workloads)):
            jobs.append((WORKLOADS["digits"], "float64"))
        if any(dt == "float64" for _, dt in jobs):
            report["gemm_float64"] = gemm_rate(repeats=3 if quick else 7, dtype=np.float64, clock=clock_fn)
        for workload, dtype in jobs:
            extra_only = dtype not in dtypes   # the float64 digits vs sklearn check
            data = workload.make_data(dtype=dtype, seed=seed)
            names = [name for name in peers if not extra_only or name in ("fastnet", "sklearn")]
            running = [name for name in names if status[name] is None]
            log(f"{workload.name} {dtype}: {', '.join(running)} ...")
            made = {name: make_peer(workload, name, dtype, seed, data=data) for name in running}
            timings = time_peers(made, min_repeats=min_repeats, budget=budget, clock=clock_fn)
            fastnet_best = timings["fastnet"]["best"]
            for name in names:
                row = {"workload": workload.name, "sizes": list(workload.sizes), "batch_size": workload.batch_size,
                       "dtype": dtype, "peer": name, "n_samples": workload.n_samples}
                if status[name] is not None:
                    row["skipped"] = status[name]
                    report["results"].append(row)
                    continue
                timing = timings[name]
                seconds = timing["best"]
                row.update(samples_timed=made[name].samples_per_run, seconds_per_epoch=seconds,
                           median_seconds_per_epoch=timing["median"], runs=timing["runs"], loss=timing["loss"],
                           samples_per_second=workload.n_samples / seconds,
                           gflops=workload.flops_per_epoch() / seconds / 1e9)
                if name == "fastnet":
                    gemm = report["gemm_float64" if dtype == "float64" else "gemm"]
                    row["gemm_fraction"] = row["gflops"] / gemm["numpy_gflops"]
                else:
                    row["fastnet_speedup"] = seconds / fastnet_best
                report["results"].append(row)
            if memory and not extra_only:
                report["memory"].append(fit_memory(workload, dtype=dtype, seed=seed))
        if threads:
            for workload in workloads:
                log(f"{workload.name}: 2 networks in 2 threads ...")
                report["threads"].append(thread_speedup(workload, dtype=dtypes[0],
                                                        min_seconds=0.1 if quick else 0.3,
                                                        repeats=2 if quick else 4, seed=seed))
            log("the same trainings in 2 processes (the machine's ceiling) ...")
            try:
                walls = process_speedup([(t["workload"], t["epochs_per_network"]) for t in report["threads"]],
                                        dtype=dtypes[0], repeats=2 if quick else 3, seed=seed)
            except Exception as exc:   # a platform without spawn, a sandbox without semaphores
                log(f"  the 2-process runs failed: {type(exc).__name__}: {exc}")
                walls = {}
            for t in report["threads"]:
                if t["workload"] in walls:
                    t["process_seconds"] = walls[t["workload"]]
                    t["process_speedup"] = t["serial_seconds"] / walls[t["workload"]]
            workload = WORKLOADS[TARGET_BLAS_THREADS[0]]
            if workload in workloads:
                log(f"{workload.name}: n_threads={TARGET_BLAS_THREADS[1]} ...")
                report["blas_threads"].append(blas_thread_speedup(
                    workload, dtype=dtypes[0], n_threads=TARGET_BLAS_THREADS[1], repeats=2 if quick else 3, seed=seed))
    report["load_average_end"] = _load_average()
    report["targets"] = check_targets(report)
    return report


def check_targets(report):
    """The issue's targets that this report measured: [{"what", "target", "measured", "met"}]."""
    out = []
    for row in report["results"]:
        if "skipped" in row:
            continue
        key = (row["workload"], row["peer"])
        table = TARGETS if row["dtype"] == "float32" else TARGETS_FLOAT64
        if key in table:
            out.append({"what": f"{row['workload']} {row['dtype']}: fastnet vs {row['peer']}",
                        "target": table[key], "measured": row["fastnet_speedup"],
                        "met": row["fastnet_speedup"] >= table[key], "unit": "x"})
        if row["peer"] == "fastnet" and row["workload"] == TARGET_GEMM_FRACTION[0] and row["dtype"] == "float32":
            out.append({"what": f"{row['workload']} float32: fastnet GFLOP/s / single-thread sgemm",
                        "target": TARGET_GEMM_FRACTION[1], "measured": row["gemm_fraction"],
                        "met": row["gemm_fraction"] >= TARGET_GEMM_FRACTION[1], "unit": "of sgemm"})
    for m in report.get("memory", []):
        for suffix, how in (("", "fit"), ("_no_rollback", "fit(rollback=False)")):
            key = "fit_extra_bytes" + suffix
            if key in m:   # reports written before rollback=False existed have only the first
                out.append({"what": f"{m['workload']} {m['dtype']}: memory {how} allocates beyond one batch's "
                                    "activations", "target": TARGET_FIT_EXTRA_BYTES, "measured": m[key],
                            "met": m[key] <= TARGET_FIT_EXTRA_BYTES, "unit": "bytes"})
    for row in report["threads"]:
        out.append({"what": f"{row['workload']} {row['dtype']}: 2 networks in 2 threads vs one after the other",
                    "target": TARGET_THREAD_SPEEDUP, "measured": row["speedup"],
                    "met": row["speedup"] >= TARGET_THREAD_SPEEDUP, "unit": "x"})
    _, _, vs_self, vs_torch = TARGET_BLAS_THREADS
    for row in report.get("blas_threads", []):
        out.append({"what": f"{row['workload']} {row['dtype']}: n_threads={row['n_threads']} vs fastnet on one thread",
                    "target": vs_self, "measured": row["speedup"], "met": row["speedup"] >= vs_self, "unit": "x"})
        if "speedup_vs_torch" in row:
            out.append({"what": f"{row['workload']} {row['dtype']}: n_threads={row['n_threads']} vs PyTorch "
                                f"with {row['n_threads']} threads",
                        "target": vs_torch, "measured": row["speedup_vs_torch"],
                        "met": row["speedup_vs_torch"] >= vs_torch, "unit": "x"})
    return out


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------

def _fmt_time(s):
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} us"


def _fmt_num(x):
    if x >= 1e6:
        return f"{x / 1e6:.3g}M"
    if x >= 1e3:
        return f"{x / 1e3:.3g}k"
    return f"{x:.3g}"


def _fmt_ratio(x):
    return f"{x:.3g}x" if x < 1000 else f"{x:,.0f}x"


def _table(header, rows, right=()):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    def line(r):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(r, widths))).rstrip()
    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]


def format_report(report):
    """The report as text: machine, GEMM rate, the table, memory, threads, targets."""
    gemm = report["gemm"]
    lines = [f"fastnet {report['fastnet']} bench, {report['date']}: {report['cpu']}, {report['n_cpus']} CPUs, "
             f"Python {report['python']}, numpy {report['numpy']}"
             + "".join(f", {k} {report[k]}" for k in ("torch", "sklearn") if k in report),
             f"{report['threading']}; {report.get('clock', 'wall')} clock{'; --quick' if report['quick'] else ''}"
             + (f"; load average {report['load_average']:.2f} at the start, {report['load_average_end']:.2f} at the end"
                if report.get("load_average") is not None else ""),
             f"single-thread GEMM, {gemm['dtype']} {gemm['n']}x{gemm['n']} @ {gemm['n']}x{gemm['n']}: "
             f"numpy {gemm['numpy_gflops']:.1f} GFLOP/s"
             + (f", fastnet's gemm ({gemm['fastnet_blas']}'s OpenBLAS) {gemm['fastnet_gflops']:.1f} GFLOP/s"
                if "fastnet_gflops" in gemm else "")
             + (f"; float64: numpy {report['gemm_float64']['numpy_gflops']:.1f} GFLOP/s"
                if "gemm_float64" in report else ""),
             ""]
    load = max(report.get("load_average") or 0, report.get("load_average_end") or 0) or None
    if load is not None and load > 0.5 * (report["n_cpus"] or 1):
        advice = "" if report.get("clock") == "cpu" else "; --clock cpu leaves out the time spent waiting for a core"
        lines[-1:-1] = [f"WARNING: the machine was busy (load average {load:.1f} on {report['n_cpus']} CPUs): "
                        f"timings, and the 2-thread rows most, are unreliable{advice}"]
    targets = {}
    for t in report.get("targets", []):
        targets[t["what"]] = t
    header = ["workload", "layers", "batch", "dtype", "impl", "time/epoch", "samples/s", "GFLOP/s",
              "fastnet is", "target"]
    rows = []
    last = None
    for row in report["results"]:
        key = (row["workload"], row["dtype"])
        first = key != last
        last = key
        lead = ([row["workload"], "-".join(map(str, row["sizes"])), str(row["batch_size"]), row["dtype"]]
                if first else ["", "", "", ""])
        if "skipped" in row:
            rows.append(lead + [row["peer"], "skipped: " + row["skipped"], "", "", "", ""])
            continue
        peer = row["peer"]
        if row["samples_timed"] != row["n_samples"]:
            peer += "*"
        target = ""
        if row["peer"] == "fastnet":
            ratio = f"{row['gemm_fraction']:.0%} {'dgemm' if row['dtype'] == 'float64' else 'sgemm'}"
            t = targets.get(f"{row['workload']} float32: fastnet GFLOP/s / single-thread sgemm")
            if t is not None and row["dtype"] == "float32":
                target = f">={t['target']:.0%} sgemm {'met' if t['met'] else 'NOT MET'}"
        else:
            ratio = _fmt_ratio(row["fastnet_speedup"]) + " faster"
            t = targets.get(f"{row['workload']} {row['dtype']}: fastnet vs {row['peer']}")
            if t is not None:
                target = f">={t['target']:g}x {'met' if t['met'] else 'NOT MET'}"
        rows.append(lead + [peer, _fmt_time(row["seconds_per_epoch"]), _fmt_num(row["samples_per_second"]),
                            f"{row['gflops']:.3g}", ratio, target])
    lines += _table(header, rows, right={5, 6, 7, 8})
    subsampled = {}
    for r in report["results"]:
        if "skipped" not in r and r["samples_timed"] != r["n_samples"]:
            subsampled.setdefault((r["workload"], r["samples_timed"], r["n_samples"]), []).append(r["peer"])
    if subsampled:
        lines.append("* timed on a subsample and scaled per sample to the full epoch: "
                     + "; ".join(f"{w} {'/'.join(dict.fromkeys(p))} {m} of {n} rows"
                                 for (w, m, n), p in subsampled.items()))
    lines.append("GFLOP/s counts 6 * sum(n_in * n_out) - 2 * n_0 * n_1 per sample (2 forward, 4 backward per "
                 "weight; no one computes the first layer's input gradient); "
                 "'fastnet is' = peer time / fastnet time; fastnet's GFLOP/s is also shown as a fraction "
                 "of the numpy gemm rate of its dtype.")
    if report["memory"]:
        lines += ["", "memory of one fresh Network.fit epoch (tracemalloc peak of what fit allocates, "
                      "against one batch's activations and deltas, which every implementation keeps; "
                      "rollback=False drops fit's copy of the parameters):"]
        rows = []
        for m in report["memory"]:
            no_rollback = m.get("fit_extra_bytes_no_rollback")
            if m["fit_extra_bytes"] <= TARGET_FIT_EXTRA_BYTES:
                verdict = "met"
            elif no_rollback is not None and no_rollback <= TARGET_FIT_EXTRA_BYTES:
                verdict = "met with rollback=False"
            else:
                verdict = "NOT MET"
            rows.append([m["workload"], m["dtype"], f"{m['data_bytes'] / 2**20:.2f} MB",
                         f"{m['params_bytes'] / 2**20:.2f} MB", f"{m['activation_bytes'] / 2**20:.2f} MB",
                         f"{m['fit_peak_bytes'] / 2**20:.2f} MB", f"{m['fit_extra_bytes'] / 2**20:.2f} MB",
                         "-" if no_rollback is None else f"{no_rollback / 2**20:.2f} MB",
                         f"<={TARGET_FIT_EXTRA_BYTES / 2**20:g} MB {verdict}"])
        lines += _table(["workload", "dtype", "data", "params+grads", "activations", "fit allocates", "beyond them",
                         "rollback=False", "target"], rows, right={2, 3, 4, 5, 6, 7})
    if report["threads"]:
        lines += ["", "2 networks: one after the other vs in 2 threads (the GIL is released):"]
        rows = [[t["workload"], t["dtype"], str(t["epochs_per_network"]), _fmt_time(t["serial_seconds"]),
                 _fmt_time(t["threaded_seconds"]), f"{t['threaded_concurrency']:.2f}", f"{t['speedup']:.2f}x",
                 f"{t['process_speedup']:.2f}x" if "process_speedup" in t else "-",
                 f">={TARGET_THREAD_SPEEDUP}x {'met' if t['speedup'] >= TARGET_THREAD_SPEEDUP else 'NOT MET'}"]
                for t in report["threads"]]
        lines += _table(["workload", "dtype", "epochs each", "serial", "2 threads", "CPU/wall", "throughput",
                         "2 processes", "target"], rows, right={2, 3, 4, 5, 6, 7})
        lines.append("CPU/wall: process CPU time over wall time of the 2-thread run; above 1 only if both "
                     "threads compute at once (GIL released); 2 at best on 2 free cores.")
        lines.append("2 processes: the same two trainings in two processes (no GIL, no shared memory), "
                     "serial time over their wall time: what this machine gives two independent jobs.")
    if report.get("blas_threads"):
        _, _, vs_self, vs_torch = TARGET_BLAS_THREADS
        lines += ["", "one network, more BLAS threads (Network.n_threads; wall time per epoch):"]
        rows = []
        for t in report["blas_threads"]:
            k = t["n_threads"]
            rows.append([t["workload"], t["dtype"], f"fastnet n_threads={k}", _fmt_time(t["fastnet_seconds"]),
                         f"{t['speedup']:.2f}x fastnet n_threads=1 ({_fmt_time(t['fastnet_one_seconds'])})",
                         f">={vs_self}x {'met' if t['speedup'] >= vs_self else 'NOT MET'}"])
            if "gemm_speedup" in t:
                rows.append(["", "", f"a batch's gemms, {k} threads", "",
                             f"{t['gemm_speedup']:.2f}x one thread (the ceiling)", ""])
            if "torch_seconds" in t:
                met = t["speedup_vs_torch"] >= vs_torch
                rows.append(["", "", f"torch {k} threads", _fmt_time(t["torch_seconds"]),
                             f"fastnet {t['speedup_vs_torch']:.2f}x faster",
                             f">={vs_torch}x {'met' if met else 'NOT MET'}"])
        lines += _table(["workload", "dtype", "impl", "time/epoch", "ratio", "target"], rows, right={3})
    if report.get("targets"):
        met = sum(t["met"] for t in report["targets"])
        lines += ["", f"targets: {met} of {len(report['targets'])} met"]
        for t in report["targets"]:
            if not t["met"]:
                if t["unit"] == "of sgemm":
                    m, tg = f"{t['measured']:.0%}", f"{t['target']:.0%}"
                elif t["unit"] == "bytes":
                    m, tg = f"{t['measured'] / 2**20:.1f} MB", f"{t['target'] / 2**20:g} MB"
                else:
                    m, tg = f"{t['measured']:.3g}x", f"{t['target']:g}x"
                sign = "<=" if t["unit"] == "bytes" else ">="
                lines.append(f"  NOT MET  {t['what']}: {m} (target {sign} {tg})")
    return "\n".join(lines)

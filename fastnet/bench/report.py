"""The report of ``python -m fastnet bench``: every measurement in one dict, and the targets.

:func:`run` measures in phases under one single-thread limit: the GEMM
rate, then each (workload, dtype) with its peers taking turns
(fastnet/bench/timing.py) and fit's memory (fastnet/bench/memory.py), then,
with ``threads``, the scaling rows (fastnet/bench/scaling.py), then, when
scikit-learn is a peer, prediction with an imported scikit-learn model
(fastnet/bench/sklearn_predict.py) and L-BFGS against scikit-learn's
(fastnet/bench/lbfgs.py).
:func:`check_targets` reads the issue's targets against it, and
fastnet/bench/text.py prints it. The dict is what ``--json`` writes.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._version import __version__
from ..runtime.cpu import blas_kernel, forced_kernel_warning
from . import peers as _peers
from .lbfgs import lbfgs_section
from .memory import fit_memory
from .peers import Clock
from .prediction import measure_prediction
from .scaling import blas_thread_speedup, process_speedup, thread_speedup
from .sklearn_predict import prediction_speedup
from .timing import CLOCKS, Timing, gemm_rate, make_peer, single_thread, time_peers
from .workloads import (TARGET_BLAS_THREADS, TARGET_FIT_EXTRA_BYTES, TARGET_GEMM_FRACTION, TARGET_PREDICT_ONNXRUNTIME,
                        TARGET_THREAD_SPEEDUP, TARGETS, TARGETS_FLOAT64, WORKLOADS, Workload, get_workloads)

__all__ = ["run", "check_targets", "cpu_model", "Report"]

#: The report, as ``--json`` writes it: str -> JSON values.
Report = dict[str, Any]
Row = dict[str, Any]
Log = Callable[[str], None]


# ---------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------

def cpu_model() -> str:
    """The CPU's model name (lscpu's "Model name"), or platform.processor()."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


# ---------------------------------------------------------------------------
# The whole run, in phases
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Settings:
    """What every phase of one run needs to know."""

    peers: list[str]
    status: dict[str, str | None]
    quick: bool
    seed: int
    clock: Clock
    log: Log

    @property
    def min_repeats(self) -> int:
        return 1 if self.quick else 3

    @property
    def budget(self) -> float:
        # Seconds of runs per (workload, peer) after the warm-up: the default bench takes
        # about a minute on a 2-core machine, --quick about a third of that.
        return 0.25 if self.quick else 0.8


def run(workloads: str | Sequence[str] | None = None, dtypes: Sequence[str] = ("float32",),
        peers: Sequence[str] | None = None, quick: bool = False, threads: bool = False, memory: bool = True,
        sklearn_float64_digits: bool = True, log: Log | None = None, seed: int = 0, clock: str = "wall",
        predict: bool = True) -> Report:
    """Time every (workload, dtype, peer) side by side; returns a dict (text.format_report prints it).

    ``clock``: "wall" or "cpu" (see CLOCKS) for the single-thread rows; the
    2-thread rows are always wall time. ``predict``: also time ``Network.predict``
    against ONNX Runtime and NumPy (fastnet/bench/prediction.py).
    """
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, got {clock!r}")
    chosen = get_workloads(workloads)
    settings = _Settings(_peer_names(peers), _peers.peer_status(), quick, seed, CLOCKS[clock],
                         log or (lambda msg: None))
    report = _new_report(settings, clock)
    with single_thread() as how:
        report["threading"] = how
        jobs = _jobs(chosen, dtypes, settings, sklearn_float64_digits)
        _measure_gemm(report, jobs, settings)
        for workload, dtype in jobs:
            extra_only = dtype not in dtypes   # the float64 digits vs sklearn check
            report["results"] += _time_workload(report, workload, dtype, extra_only, settings)
            if memory and not extra_only:
                report["memory"].append(fit_memory(workload, dtype=dtype, seed=seed))
        if predict:
            report["prediction"] = measure_prediction(quick=quick, seed=seed, clock=settings.clock,
                                                      log=settings.log)
        if threads:
            _measure_scaling(report, chosen, dtypes[0], settings)
        if "sklearn" in settings.peers and settings.status["sklearn"] is None:
            settings.log("prediction with an imported scikit-learn model ...")
            report["sklearn_predict"] = prediction_speedup(
                dtype=dtypes[0], repeats=settings.min_repeats + 2, min_seconds=0.01 if quick else 0.03,
                seed=seed, clock=settings.clock)
        if "sklearn" in settings.peers:   # skipped, with the reason, when scikit-learn is not installed
            report["lbfgs"] = lbfgs_section(quick=quick, seed=seed, clock=settings.clock, log=settings.log)
    report["load_average_end"] = _load_average()
    report["targets"] = check_targets(report)
    return report


def _peer_names(peers: Sequence[str] | None) -> list[str]:
    """The peers asked for (DEFAULT_PEERS by default), fastnet first, every name checked."""
    if peers is None:
        return list(_peers.DEFAULT_PEERS)
    unknown = [p for p in peers if p not in _peers.PEERS]
    if unknown:
        raise ValueError(f"unknown peer(s) {', '.join(unknown)}; expected some of {', '.join(_peers.PEERS)}")
    return list(peers) if "fastnet" in peers else ["fastnet", *peers]


def _new_report(settings: _Settings, clock: str) -> Report:
    """The report's head: the machine, the versions, the peers; the measurements' lists, empty."""
    report: Report = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "cpu": cpu_model(), "n_cpus": os.cpu_count(),
        "load_average": _load_average(), "python": platform.python_version(), "fastnet": __version__,
        "numpy": np.__version__, "quick": settings.quick, "clock": clock,
        "peers": {p: settings.status[p] for p in settings.peers},
        # What users get depends on the kernel OpenBLAS runs: say which, and if the environment forced an older one.
        "blas_kernel": dataclasses.asdict(blas_kernel()), "blas_kernel_warning": forced_kernel_warning(),
        "results": [], "threads": [], "blas_threads": [], "memory": []}
    for name in ("torch", "sklearn"):
        if name in settings.peers and settings.status[name] is None:
            report[name] = __import__(name).__version__
    return report


def _jobs(workloads: list[Workload], dtypes: Sequence[str], settings: _Settings,
          sklearn_float64_digits: bool) -> list[tuple[Workload, str]]:
    """(workload, dtype) pairs to time: those asked for, and digits in float64 against scikit-learn."""
    jobs = [(w, dt) for dt in dtypes for w in workloads]
    if (sklearn_float64_digits and "float64" not in dtypes and "sklearn" in settings.peers
            and settings.status["sklearn"] is None and any(w.name == "digits" for w in workloads)):
        jobs.append((WORKLOADS["digits"], "float64"))
    return jobs


def _measure_gemm(report: Report, jobs: list[tuple[Workload, str]], settings: _Settings) -> None:
    settings.log("measuring the single-thread GEMM rate ...")
    repeats = 3 if settings.quick else 7
    report["gemm"] = gemm_rate(repeats=repeats, clock=settings.clock)
    if any(dt == "float64" for _, dt in jobs):
        report["gemm_float64"] = gemm_rate(repeats=repeats, dtype=np.float64, clock=settings.clock)


def _time_workload(report: Report, workload: Workload, dtype: str, extra_only: bool,
                   settings: _Settings) -> list[Row]:
    """One row per peer of (workload, dtype): the peers that can run here timed in turns."""
    data = workload.make_data(dtype=dtype, seed=settings.seed)
    names = [name for name in settings.peers if not extra_only or name in ("fastnet", "sklearn")]
    skipped = {name: settings.status[name] or _peers.PEERS[name].skip_reason(workload) for name in names}
    settings.log(f"{workload.name} {dtype}: {', '.join(n for n in names if skipped[n] is None)} ...")
    made = {}
    for name in names:
        if skipped[name] is None:
            try:
                made[name] = make_peer(workload, name, dtype, settings.seed, data=data)
            except _peers.PeerUnavailable as exc:   # found out by trying: a compiler that fails
                skipped[name] = str(exc)
    timings = time_peers(made, min_repeats=settings.min_repeats, budget=settings.budget, clock=settings.clock)
    gemm = report["gemm_float64" if dtype == "float64" else "gemm"]
    rows = []
    for name in names:
        row: Row = {"workload": workload.name, "sizes": list(workload.sizes), "batch_size": workload.batch_size,
                    "dtype": dtype, "peer": name, "n_samples": workload.n_samples}
        reason = skipped[name]
        if reason is not None:
            row["skipped"] = reason
        else:
            _add_timing(row, workload, made[name], timings[name], timings["fastnet"]["best"], gemm)
        rows.append(row)
    return rows


def _add_timing(row: Row, workload: Workload, peer: _peers.Peer, timing: Timing, fastnet_best: float,
                gemm: dict[str, Any]) -> None:
    seconds = timing["best"]
    row.update(samples_timed=peer.samples_per_run, seconds_per_epoch=seconds,
               median_seconds_per_epoch=timing["median"], runs=timing["runs"], loss=timing["loss"],
               samples_per_second=workload.n_samples / seconds,
               gflops=workload.flops_per_epoch() / seconds / 1e9)
    compile_seconds = getattr(peer, "compile_seconds", None)   # JAX, torch.compile, C: compiled once, not timed
    if compile_seconds is not None:
        row["compile_seconds"] = compile_seconds
    if row["peer"] == "fastnet":
        row["gemm_fraction"] = row["gflops"] / gemm["numpy_gflops"]
    else:
        row["fastnet_speedup"] = seconds / fastnet_best


def _measure_scaling(report: Report, workloads: list[Workload], dtype: str, settings: _Settings) -> None:
    """The --threads rows: 2 networks in 2 threads and in 2 processes; n_threads on one network."""
    quick, seed, log = settings.quick, settings.seed, settings.log
    for workload in workloads:
        log(f"{workload.name}: 2 networks in 2 threads ...")
        report["threads"].append(thread_speedup(workload, dtype=dtype, min_seconds=0.1 if quick else 0.3,
                                                repeats=2 if quick else 4, seed=seed))
    log("the same trainings in 2 processes (the machine's ceiling) ...")
    try:
        walls = process_speedup([(t["workload"], t["epochs_per_network"]) for t in report["threads"]],
                                dtype=dtype, repeats=2 if quick else 3, seed=seed)
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
            workload, dtype=dtype, n_threads=TARGET_BLAS_THREADS[1], repeats=2 if quick else 3, seed=seed))


# ---------------------------------------------------------------------------
# The targets
# ---------------------------------------------------------------------------

def _target(what: str, target: float, measured: float, unit: str, at_most: bool = False) -> Row:
    met = measured <= target if at_most else measured >= target
    return {"what": what, "target": target, "measured": measured, "met": met, "unit": unit}


def check_targets(report: Report) -> list[Row]:
    """The issue's targets that this report measured: [{"what", "target", "measured", "met", "unit"}]."""
    out = []
    for row in report["results"]:
        if "skipped" in row:
            continue
        key = (row["workload"], row["peer"])
        table = TARGETS if row["dtype"] == "float32" else TARGETS_FLOAT64
        if key in table:
            out.append(_target(f"{row['workload']} {row['dtype']}: fastnet vs {row['peer']}", table[key],
                               row["fastnet_speedup"], "x"))
        if row["peer"] == "fastnet" and row["workload"] == TARGET_GEMM_FRACTION[0] and row["dtype"] == "float32":
            out.append(_target(f"{row['workload']} float32: fastnet GFLOP/s / single-thread sgemm",
                               TARGET_GEMM_FRACTION[1], row["gemm_fraction"], "of sgemm"))
    for p in report.get("prediction", {}).get("rows", []):
        if "onnxruntime" in p["fastnet_speedup"] and p["rows"] in TARGET_PREDICT_ONNXRUNTIME:
            out.append(_target(f"{p['workload']} {p['dtype']}: predict {p['rows']} row(s), fastnet vs onnxruntime",
                               TARGET_PREDICT_ONNXRUNTIME[p["rows"]], p["fastnet_speedup"]["onnxruntime"], "x"))
    for m in report.get("memory", []):
        for suffix, how in (("", "fit"), ("_no_rollback", "fit(rollback=False)")):
            extra = "fit_extra_bytes" + suffix
            if extra in m:   # reports written before rollback=False existed have only the first
                out.append(_target(f"{m['workload']} {m['dtype']}: memory {how} allocates beyond one batch's "
                                   "activations", TARGET_FIT_EXTRA_BYTES, m[extra], "bytes", at_most=True))
    for row in report["threads"]:
        out.append(_target(f"{row['workload']} {row['dtype']}: 2 networks in 2 threads vs one after the other",
                           TARGET_THREAD_SPEEDUP, row["speedup"], "x"))
    _, _, vs_self, vs_torch = TARGET_BLAS_THREADS
    for row in report.get("blas_threads", []):
        prefix = f"{row['workload']} {row['dtype']}: n_threads={row['n_threads']}"
        out.append(_target(f"{prefix} vs fastnet on one thread", vs_self, row["speedup"], "x"))
        if "speedup_vs_torch" in row:
            out.append(_target(f"{prefix} vs PyTorch with {row['n_threads']} threads", vs_torch,
                               row["speedup_vs_torch"], "x"))
    return out

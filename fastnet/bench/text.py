"""The bench report (fastnet/bench/report.py) as text: the machine, then one section per measurement.

Each section is a function of the report that returns its lines (none when
the report did not measure it), so that :func:`format_report` reads as the
table of contents of the printout.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .report import Report, Row
from .workloads import TARGET_BLAS_THREADS, TARGET_FIT_EXTRA_BYTES, TARGET_PREDICT_ONNXRUNTIME, TARGET_THREAD_SPEEDUP

__all__ = ["format_report"]

_MB = 2**20


def format_report(report: Report) -> str:
    """The report as text: machine, GEMM rate, the table, prediction, memory, threads, targets."""
    lines = _heading(report)
    lines += _results_section(report)
    lines += _prediction_section(report)
    lines += _memory_section(report)
    lines += _threads_section(report)
    lines += _blas_threads_section(report)
    lines += _sklearn_predict_section(report)
    lines += _lbfgs_section(report)
    lines += _targets_section(report)
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Numbers and tables
# ---------------------------------------------------------------------------

def _fmt_time(s: float) -> str:
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} us"


def _fmt_num(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.3g}M"
    if x >= 1e3:
        return f"{x / 1e3:.3g}k"
    return f"{x:.3g}"


def _fmt_ratio(x: float) -> str:
    return f"{x:.3g}x" if x < 1000 else f"{x:,.0f}x"


def _fmt_us(us: float) -> str:
    return f"{us:.3g}" if us < 1000 else f"{us:,.0f}"


def _fmt_mb(n_bytes: float) -> str:
    return f"{n_bytes / _MB:.2f} MB"


def _met(met: bool) -> str:
    return "met" if met else "NOT MET"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """Columns padded to their widest cell; the columns in ``right`` right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(r: Sequence[str]) -> str:
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]


# ---------------------------------------------------------------------------
# The sections
# ---------------------------------------------------------------------------

def _heading(report: Report) -> list[str]:
    """The machine, the versions, how BLAS was limited, the GEMM rates; a warning on a busy machine."""
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
                if "gemm_float64" in report else "")]
    kernel = report.get("blas_kernel")
    if kernel is not None:
        lines.append(f"OpenBLAS kernel: {kernel['running'] or 'unknown (install threadpoolctl)'} "
                     f"(this CPU supports {kernel['best'] or 'unknown'}; "
                     f"OPENBLAS_CORETYPE={kernel['forced'] or 'not set'})")
    if report.get("blas_kernel_warning"):
        lines.append(f"WARNING: {report['blas_kernel_warning']}")
    load = max(report.get("load_average") or 0, report.get("load_average_end") or 0) or None
    if load is not None and load > 0.5 * (report["n_cpus"] or 1):
        advice = "" if report.get("clock") == "cpu" else "; --clock cpu leaves out the time spent waiting for a core"
        lines.append(f"WARNING: the machine was busy (load average {load:.1f} on {report['n_cpus']} CPUs): "
                     f"timings, and the 2-thread rows most, are unreliable{advice}")
    return [*lines, ""]


def _result_cells(row: Row, targets: dict[str, Row]) -> list[str]:
    """A timed row's cells from "impl" on: time, rate, GFLOP/s, the ratio and its target."""
    peer = row["peer"] + ("*" if row["samples_timed"] != row["n_samples"] else "")
    target = ""
    if row["peer"] == "fastnet":
        ratio = f"{row['gemm_fraction']:.0%} {'dgemm' if row['dtype'] == 'float64' else 'sgemm'}"
        t = targets.get(f"{row['workload']} float32: fastnet GFLOP/s / single-thread sgemm")
        if t is not None and row["dtype"] == "float32":
            target = f">={t['target']:.0%} sgemm {_met(t['met'])}"
    else:
        ratio = _speed_words(row["fastnet_speedup"])
        t = targets.get(f"{row['workload']} {row['dtype']}: fastnet vs {row['peer']}")
        if t is not None:
            target = f">={t['target']:g}x {_met(t['met'])}"
    return [peer, _fmt_time(row["seconds_per_epoch"]), _fmt_num(row["samples_per_second"]),
            f"{row['gflops']:.3g}", ratio, target]


def _results_section(report: Report) -> list[str]:
    """The main table, one row per (workload, dtype, peer), and how to read it."""
    targets = {t["what"]: t for t in report.get("targets", [])}
    header = ["workload", "layers", "batch", "dtype", "impl", "time/epoch", "samples/s", "GFLOP/s",
              "fastnet is", "target"]
    rows = []
    last = None
    for row in report["results"]:
        key = (row["workload"], row["dtype"])
        lead = ([row["workload"], "-".join(map(str, row["sizes"])), str(row["batch_size"]), row["dtype"]]
                if key != last else ["", "", "", ""])
        last = key
        if "skipped" in row:   # the reason goes below the table: in a cell it would widen the column
            rows.append(lead + [row["peer"], "skipped", "", "", "", ""])
        else:
            rows.append(lead + _result_cells(row, targets))
    lines = _table(header, rows, right={5, 6, 7, 8})
    reasons: dict[tuple[str, str], list[str]] = {}
    for r in report["results"]:
        if "skipped" in r:
            reasons.setdefault((r["peer"], r["skipped"]), []).append(r["workload"])
    for (peer, reason), workloads in reasons.items():
        lines.append(f"skipped: {peer} on {', '.join(dict.fromkeys(workloads))} ({reason})")
    subsampled: dict[tuple[str, int, int], list[str]] = {}
    for r in report["results"]:
        if "skipped" not in r and r["samples_timed"] != r["n_samples"]:
            subsampled.setdefault((r["workload"], r["samples_timed"], r["n_samples"]), []).append(r["peer"])
    if subsampled:
        lines.append("* timed on a subsample and scaled per sample to the full epoch: "
                     + "; ".join(f"{w} {'/'.join(dict.fromkeys(p))} {m} of {n} rows"
                                 for (w, m, n), p in subsampled.items()))
    compiled = [r for r in report["results"] if "compile_seconds" in r]
    if compiled:
        lines.append("compile time, once, not in the epoch times: "
                     + "; ".join(f"{r['workload']} {r['dtype']} {r['peer']} {_fmt_time(r['compile_seconds'])}"
                                 for r in compiled))
    lines.append("GFLOP/s counts 6 * sum(n_in * n_out) - 2 * n_0 * n_1 per sample (2 forward, 4 backward per "
                 "weight; no one computes the first layer's input gradient); "
                 "'fastnet is' = peer time / fastnet time; fastnet's GFLOP/s is also shown as a fraction "
                 "of the numpy gemm rate of its dtype.")
    return lines


def _speed_words(ratio: float) -> str:
    """fastnet's time against a peer's in words: "2.1x faster" or "1.5x slower"."""
    return f"{_fmt_ratio(ratio)} faster" if ratio >= 1 else f"{_fmt_ratio(1 / ratio)} slower"


def _prediction_section(report: Report) -> list[str]:
    """Network.predict against ONNX Runtime and NumPy: microseconds per call, fastnet's ratios, the targets."""
    prediction = report.get("prediction")
    if not prediction:
        return []
    peers = ["onnxruntime", "numpy"]
    rows = []
    for p in prediction["rows"]:
        us = p["us_per_call"]
        cells = [p["workload"], "-".join(map(str, p["sizes"])), p["dtype"], str(p["rows"]), _fmt_us(us["fastnet"])]
        for peer in peers:
            if peer in us:
                cells += [_fmt_us(us[peer]), _speed_words(p["fastnet_speedup"][peer])]
            else:
                cells += ["-", "-"]
        target = TARGET_PREDICT_ONNXRUNTIME.get(p["rows"])
        ratio = p["fastnet_speedup"].get("onnxruntime")
        cells.append("" if target is None or ratio is None else f">={target:g}x {_met(ratio >= target)}")
        rows.append(cells)
    lines = ["", "prediction, microseconds per call (best burst of calls in turns; one thread):",
             *_table(["workload", "layers", "dtype", "rows", "fastnet us", "onnxruntime us", "fastnet is",
                      "numpy us", "fastnet is", "target vs onnxruntime"], rows, right={3, 4, 5, 6, 7, 8})]
    if prediction.get("onnxruntime") is not None:
        lines.append(f"onnxruntime skipped: {prediction['onnxruntime']}")
    lines.append("fastnet: net.predict(X); onnxruntime: InferenceSession of net.to_onnx(), 1 intra-op and 1 inter-op "
                 "thread, sequential, ORT_ENABLE_ALL; numpy: the X @ W + b chain, relu, softmax.")
    return lines


def _memory_section(report: Report) -> list[str]:
    if not report["memory"]:
        return []
    rows = []
    for m in report["memory"]:
        no_rollback = m.get("fit_extra_bytes_no_rollback")
        if m["fit_extra_bytes"] <= TARGET_FIT_EXTRA_BYTES:
            verdict = "met"
        elif no_rollback is not None and no_rollback <= TARGET_FIT_EXTRA_BYTES:
            verdict = "met with rollback=False"
        else:
            verdict = "NOT MET"
        rows.append([m["workload"], m["dtype"], _fmt_mb(m["data_bytes"]), _fmt_mb(m["params_bytes"]),
                     _fmt_mb(m["activation_bytes"]), _fmt_mb(m["fit_peak_bytes"]), _fmt_mb(m["fit_extra_bytes"]),
                     "-" if no_rollback is None else _fmt_mb(no_rollback),
                     f"<={TARGET_FIT_EXTRA_BYTES / _MB:g} MB {verdict}"])
    return ["", "memory of one fresh Network.fit epoch (tracemalloc peak of what fit allocates, "
                "against one batch's activations and deltas, which every implementation keeps; "
                "rollback=False drops fit's copy of the parameters):",
            *_table(["workload", "dtype", "data", "params+grads", "activations", "fit allocates", "beyond them",
                     "rollback=False", "target"], rows, right={2, 3, 4, 5, 6, 7})]


def _threads_section(report: Report) -> list[str]:
    if not report["threads"]:
        return []
    rows = [[t["workload"], t["dtype"], str(t["epochs_per_network"]), _fmt_time(t["serial_seconds"]),
             _fmt_time(t["threaded_seconds"]), f"{t['threaded_concurrency']:.2f}", f"{t['speedup']:.2f}x",
             f"{t['process_speedup']:.2f}x" if "process_speedup" in t else "-",
             f">={TARGET_THREAD_SPEEDUP}x {_met(t['speedup'] >= TARGET_THREAD_SPEEDUP)}"]
            for t in report["threads"]]
    return ["", "2 networks: one after the other vs in 2 threads (the GIL is released):",
            *_table(["workload", "dtype", "epochs each", "serial", "2 threads", "CPU/wall", "throughput",
                     "2 processes", "target"], rows, right={2, 3, 4, 5, 6, 7}),
            "CPU/wall: process CPU time over wall time of the 2-thread run; above 1 only if both "
            "threads compute at once (GIL released); 2 at best on 2 free cores.",
            "2 processes: the same two trainings in two processes (no GIL, no shared memory), "
            "serial time over their wall time: what this machine gives two independent jobs."]


def _blas_threads_section(report: Report) -> list[str]:
    if not report.get("blas_threads"):
        return []
    _, _, vs_self, vs_torch = TARGET_BLAS_THREADS
    rows = []
    for t in report["blas_threads"]:
        k = t["n_threads"]
        rows.append([t["workload"], t["dtype"], f"fastnet n_threads={k}", _fmt_time(t["fastnet_seconds"]),
                     f"{t['speedup']:.2f}x fastnet n_threads=1 ({_fmt_time(t['fastnet_one_seconds'])})",
                     f">={vs_self}x {_met(t['speedup'] >= vs_self)}"])
        if "gemm_speedup" in t:
            rows.append(["", "", f"a batch's gemms, {k} threads", "",
                         f"{t['gemm_speedup']:.2f}x one thread (the ceiling)", ""])
        if "torch_seconds" in t:
            rows.append(["", "", f"torch {k} threads", _fmt_time(t["torch_seconds"]),
                         f"fastnet {t['speedup_vs_torch']:.2f}x faster",
                         f">={vs_torch}x {_met(t['speedup_vs_torch'] >= vs_torch)}"])
    return ["", "one network, more BLAS threads (Network.n_threads; wall time per epoch):",
            *_table(["workload", "dtype", "impl", "time/epoch", "ratio", "target"], rows, right={3})]


def _sklearn_predict_section(report: Report) -> list[str]:
    """scikit-learn's predict_proba against fastnet's predict of the same model (fastnet/bench/sklearn_predict.py)."""
    rows = report.get("sklearn_predict")
    if not rows:
        return []
    cells = [[f"{r['workload']} {'-'.join(map(str, r['sizes']))}", r["dtype"], str(r["rows"]),
              _fmt_time(r["sklearn_seconds"]), _fmt_time(r["fastnet_seconds"]), _fmt_ratio(r["speedup"]),
              f"{r['max_abs_difference']:.1e}"] for r in rows]
    first = rows[0]
    return ["", f"prediction with one scikit-learn {first['estimator']}: its {first['sklearn_method']} against "
                "fastnet's predict of Network.from_sklearn(est) (time per call):",
            *_table(["model", "dtype", "rows", f"sklearn {first['sklearn_method']}", "fastnet predict",
                     "sklearn / fastnet", "max |difference|"], cells, right={2, 3, 4, 5, 6})]


def _lbfgs_section(report: Report) -> list[str]:
    """fastnet.LBFGS against scikit-learn's solver="lbfgs": the objective each reached, time per fit (bench/lbfgs.py)."""
    section = report.get("lbfgs")
    if section is None:
        return []
    if "skipped" in section:
        return ["", f"L-BFGS against scikit-learn: skipped ({section['skipped']})"]
    rows = section["rows"]
    cells = [[r["problem"], "-".join(map(str, r["sizes"])), str(r["n_samples"]),
              f"{r['fastnet_iterations']} / {r['sklearn_iterations']}", f"{r['fastnet_loss']:.5g}",
              f"{r['sklearn_loss']:.5g}", _fmt_time(r["fastnet_seconds"]), _fmt_time(r["sklearn_seconds"]),
              _fmt_ratio(r["speedup"])] for r in rows]
    return ["", f"L-BFGS: fastnet.LBFGS against scikit-learn's solver=\"lbfgs\" from the same start, alpha "
                f"{rows[0]['alpha']:g}, max_iter {section['max_iter']}, float64, one thread;",
            "the loss is scikit-learn's objective (mean data loss + alpha/(2n) ||W||^2) for both; iterations "
            f"fastnet / sklearn; time per fit, best of {section['repeats']}:",
            *_table(["problem", "sizes", "rows", "iterations", "fastnet loss", "sklearn loss", "fastnet fit",
                     "sklearn fit", "sklearn / fastnet"], cells, right={2, 3, 4, 5, 6, 7, 8})]


def _targets_section(report: Report) -> list[str]:
    """How many targets were met, and each one that was not."""
    if not report.get("targets"):
        return []
    met = sum(t["met"] for t in report["targets"])
    lines = ["", f"targets: {met} of {len(report['targets'])} met"]
    for t in report["targets"]:
        if t["met"]:
            continue
        if t["unit"] == "of sgemm":
            measured, target = f"{t['measured']:.0%}", f"{t['target']:.0%}"
        elif t["unit"] == "bytes":
            measured, target = f"{t['measured'] / _MB:.1f} MB", f"{t['target'] / _MB:g} MB"
        else:
            measured, target = f"{t['measured']:.3g}x", f"{t['target']:g}x"
        sign = "<=" if t["unit"] == "bytes" else ">="
        lines.append(f"  NOT MET  {t['what']}: {measured} (target {sign} {target})")
    return lines

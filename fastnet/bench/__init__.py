"""``python -m fastnet bench``: fastnet against its peers, side by side, in one process.

The workloads (fastnet/bench/workloads.py) and the peer implementations
(fastnet/bench/peers.py) are the one source of truth that the asv suite in
``benchmarks/`` imports as well. See docs/BENCHMARKS.md.

The measurements: fastnet/bench/timing.py (one thread, the peers taking
turns), memory.py, scaling.py (threads, processes, BLAS threads); report.py
runs them into one dict and text.py prints it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .peers import PEERS
from .workloads import TARGETS, WORKLOADS, Workload, flops_per_sample, get_workloads

__all__ = ["main", "WORKLOADS", "Workload", "TARGETS", "get_workloads", "flops_per_sample"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m fastnet bench",
        description="Time one training epoch of each workload with fastnet, the pure-Python reference, "
                    "hand-written NumPy, PyTorch, JAX, scikit-learn (when installed) and a hand-written C "
                    "loop (batch 1, when a C compiler is there), on one thread, and print the ratios; "
                    "then Network.predict against ONNX Runtime and NumPy, and fastnet.LBFGS against "
                    "scikit-learn's solver='lbfgs' (when scikit-learn is a peer).")
    p.add_argument("--quick", action="store_true", help="fewer repeats (a rougher, faster measurement)")
    p.add_argument("--workloads", default=",".join(WORKLOADS),
                   help=f"comma-separated, from {', '.join(WORKLOADS)} (default: all)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64", "both"],
                   help="float32 (default), float64 or both")
    p.add_argument("--peers", default=None,
                   help="comma-separated peers to compare with, from "
                        f"{', '.join(p for p in PEERS if p != 'fastnet')} (default: all but torch_compile, "
                        "which compiles for tens of seconds per workload; those not installed are skipped)")
    p.add_argument("--threads", action="store_true",
                   help="add the 2-networks-in-2-threads rows (shows the GIL is released)")
    p.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                   help="wall: elapsed time (default); cpu: the process's CPU time, which leaves out "
                        "time spent waiting for a core on a busy machine (the 2-thread rows are always wall)")
    p.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    p.add_argument("--no-predict", action="store_true",
                   help="skip the prediction section (Network.predict vs ONNX Runtime and NumPy, 1 and 1024 rows)")
    p.add_argument("--json", metavar="PATH", help="also write every measurement to this JSON file")
    p.add_argument("--verbose", "-v", action="store_true", help="say what is being measured")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark command; returns the process exit code."""
    from .report import run
    from .text import format_report

    args = _parser().parse_args(argv)
    try:
        workloads = get_workloads(args.workloads)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    dtypes = ("float32", "float64") if args.dtype == "both" else (args.dtype,)
    peers = None if args.peers is None else [p.strip() for p in args.peers.split(",") if p.strip()]
    log = (lambda msg: print(msg, file=sys.stderr, flush=True)) if args.verbose else None
    try:
        report = run([w.name for w in workloads], dtypes=dtypes, peers=peers, quick=args.quick,
                     threads=args.threads, memory=not args.no_memory, log=log, clock=args.clock,
                     predict=not args.no_predict)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Before and after: ``python -m fastnet bench`` from two checkouts, taking turns, on the kernel users get.

A change's cost is a few percent at most, and this host's speed drifts by more
than that from one minute to the next; so the two builds run alternately (the
order flipping every round) and each workload's best epoch is compared. Each
run is a fresh process importing fastnet from its checkout's directory
(``PYTHONPATH``), so both checkouts must be built in place
(``python setup.py build_ext --inplace``). ``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE`` are unset for the runs (docs/BENCHMARKS.md, "The kernel
users get").

Usage, for example against the commit before a change, from the repository root:

    git worktree add --detach /tmp/before HEAD~1
    (cd /tmp/before && python setup.py build_ext --inplace)
    python benchmarks/interleave.py /tmp/before . --rounds 8

It prints, per workload, the best seconds per epoch of each and after/before.
Extra arguments after ``--`` go to the bench (``-- --workloads digits``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile


def _run(tree: str, bench_args: list[str], out: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env["PYTHONPATH"] = os.path.abspath(tree)
    subprocess.run([sys.executable, "-m", "fastnet", "bench", "--json", out, *bench_args], env=env,
                   cwd=tempfile.gettempdir(), check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        rows = json.load(f)["results"]
    return {f"{r['workload']} {r['dtype']}": r["seconds_per_epoch"] for r in rows if r["peer"] == "fastnet"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the checkout to compare against (built in place)")
    parser.add_argument("after", help="the checkout with the change (built in place)")
    parser.add_argument("--rounds", type=int, default=6, help="runs of each, taking turns (default: 6)")
    argv = sys.argv[1:] if argv is None else list(argv)
    # After "--": the bench's own arguments (default: --quick --no-memory --peers numpy).
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    bench_args = argv[split + 1:] or ["--quick", "--no-memory", "--peers", "numpy"]
    best: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for r in range(args.rounds):
            sides = [("before", args.before), ("after", args.after)]
            for side, tree in (sides if r % 2 == 0 else sides[::-1]):
                for key, seconds in _run(tree, bench_args, os.path.join(scratch, f"{side}.json")).items():
                    mine = best.setdefault(key, {})
                    mine[side] = min(seconds, mine.get(side, float("inf")))
    print(f"{'workload':18} {'before s':>11} {'after s':>11} {'after/before':>13}   "
          f"(best of {args.rounds} interleaved runs, seconds per epoch)")
    for key, sides in best.items():
        if "before" in sides and "after" in sides:
            print(f"{key:18} {sides['before']:11.4g} {sides['after']:11.4g} {sides['after'] / sides['before']:13.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where hand-written loops and BLAS gemm cross over in the dense layer kernel.

fastnet/_core/dense.pyx takes plain loops for products of at most SMALL_GEMM
multiply-adds (n * n_in * n_out) and BLAS gemm above. This script measures
where the crossover really is: it compiles two copies of dense.pyx (with its
blas.pyx) into a temporary directory with ``cythonize``, one with the
threshold forced so that every call takes the loops and one so that every
call takes gemm, plus a small timing module that calls the nogil C functions
``repeats`` times in one nogil loop (so the Python-callable twin's overhead,
about a microsecond, does not hide a 10 ns kernel). Then, for a grid of
shapes around the threshold, it prints the time of forward, backward and
backward without the input gradient (the first layer) on each path, and the
crossover.

Usage (from the repository root, about a minute; needs Cython, scipy and a C
compiler, the same as the build):

    python benchmarks/crossover.py [--quick] [--dtype float32|float64] [--json out.json]

BLAS runs on one thread (threadpoolctl, when installed), as in the benchmarks.

This is a script, not an asv benchmark module: it defines no time_/track_
names, and importing it does nothing.
"""

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# One BLAS thread, set before numpy (and later scipy's BLAS) load: threadpoolctl
# only limits libraries already loaded, and the variants load scipy's BLAS late.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE = os.path.join(ROOT, "fastnet", "_core")

# Variants: package name -> the SMALL_GEMM value compiled in.
VARIANTS = {"xover_loops": 2**30, "xover_blas": 0}

TIMING_PYX = '''
# Calls the dense kernels `repeats` times in one nogil loop (no Python per call).
from cython cimport floating
from .dense cimport dense_backward, dense_forward

def forward(const floating[:, ::1] x, const floating[:, ::1] w, const floating[::1] b,
            floating[:, ::1] z, Py_ssize_t repeats):
    cdef Py_ssize_t r
    with nogil:
        for r in range(repeats):
            dense_forward(x.shape[0], x.shape[1], w.shape[1], &x[0, 0], &w[0, 0], &b[0], &z[0, 0])

def backward(const floating[:, ::1] x, const floating[:, ::1] w, const floating[:, ::1] delta,
             floating[:, ::1] dw, floating[::1] db, floating[:, ::1] dx, bint with_dx,
             Py_ssize_t repeats):
    cdef Py_ssize_t r
    cdef floating* dx_ptr = &dx[0, 0] if with_dx else NULL
    with nogil:
        for r in range(repeats):
            dense_backward(x.shape[0], x.shape[1], w.shape[1], &x[0, 0], &w[0, 0], &delta[0, 0],
                           &dw[0, 0], &db[0], dx_ptr)
'''

SETUP_PY = '''
import sys
from Cython.Build import cythonize
from setuptools import Extension, setup

directives = {directives!r}
packages = {packages!r}
modules = {modules!r}
ext = [Extension(f"{{p}}.{{m}}", [f"{{p}}/{{m}}.pyx"], extra_compile_args={compile_args!r})
       for p in packages for m in modules]
setup(script_args=["build_ext", "--inplace"], ext_modules=cythonize(ext, compiler_directives=directives, quiet=True))
'''


def _small_gemm_source(path, value):
    text = open(path).read()
    new, count = re.subn(r"SMALL_GEMM\s*=\s*\d+", f"SMALL_GEMM = {value}", text)
    if count != 1:
        raise RuntimeError(f"expected one 'SMALL_GEMM = <number>' in {path}, found {count}: "
                           "update benchmarks/crossover.py to the kernel's new hook")
    return new


def _release_compile_args():
    """setup.py's release flags (its `compile_args = [...]` line), so the variants build alike."""
    text = open(os.path.join(ROOT, "setup.py")).read()
    m = re.search(r"compile_args\s*=\s*(\[[^\]]*\])\s*if not DEBUG", text)
    args = ast.literal_eval(m.group(1)) if m else ["-O3"]
    if os.environ.get("FASTNET_NATIVE") == "1":
        args.append("-march=native")
    return args


def current_threshold():
    m = re.search(r"SMALL_GEMM\s*=\s*(\d+)", open(os.path.join(CORE, "dense.pyx")).read())
    return int(m.group(1)) if m else None


def _cimported(module, seen=None):
    """``module`` and the fastnet._core modules it cimports from, recursively (``from .x cimport``)."""
    seen = set() if seen is None else seen
    if module in seen:
        return seen
    seen.add(module)
    for ext in (".pyx", ".pxd"):
        path = os.path.join(CORE, module + ext)
        if os.path.exists(path):
            for dep in re.findall(r"^\s*from\s+\.(\w+)\s+cimport", open(path).read(), re.M):
                _cimported(dep, seen)
    return seen


def build(workdir):
    """Compile the variants into ``workdir``; returns the imported timing modules by variant name."""
    needed = _cimported("dense")
    compiled = sorted(m for m in needed if os.path.exists(os.path.join(CORE, m + ".pyx"))) + ["timing"]
    for package, value in VARIANTS.items():
        pkg = os.path.join(workdir, package)
        os.makedirs(pkg, exist_ok=True)
        open(os.path.join(pkg, "__init__.py"), "w").close()
        for module in needed:
            for ext in (".pxd", ".pyx"):
                if module != "dense" or ext == ".pxd":
                    if os.path.exists(os.path.join(CORE, module + ext)):
                        shutil.copy(os.path.join(CORE, module + ext), pkg)
        with open(os.path.join(pkg, "dense.pyx"), "w") as f:
            f.write(_small_gemm_source(os.path.join(CORE, "dense.pyx"), value))
        with open(os.path.join(pkg, "timing.pyx"), "w") as f:
            f.write(TIMING_PYX)
    # The same directives and flags as setup.py's release build.
    directives = {"language_level": 3, "boundscheck": False, "wraparound": False, "initializedcheck": False,
                  "cdivision": True, "nonecheck": False, "cpow": True}
    compile_args = _release_compile_args()
    with open(os.path.join(workdir, "setup_xover.py"), "w") as f:
        f.write(SETUP_PY.format(directives=directives, packages=list(VARIANTS), modules=compiled,
                                compile_args=compile_args))
    proc = subprocess.run([sys.executable, "setup_xover.py"], cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise RuntimeError("compiling the dense.pyx variants failed")
    sys.path.insert(0, workdir)
    import importlib

    return {package: importlib.import_module(f"{package}.timing") for package in VARIANTS}


def _calibrate(fn, target_seconds):
    """A repeat count for which fn(repeats) takes about target_seconds."""
    repeats = 1
    while True:
        start = time.perf_counter()
        fn(repeats)
        elapsed = time.perf_counter() - start
        if elapsed > target_seconds / 4 or repeats >= 1 << 24:
            return max(1, int(repeats * target_seconds / max(elapsed, 1e-9)))
        repeats *= 4


def _best_per_call(fns, target_seconds, rounds):
    """Seconds per call of each fn(repeats), best of ``rounds``; the fns take turns in every
    round, so that a burst of load from elsewhere hits both paths alike."""
    repeats = _calibrate(fns[0], target_seconds)
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn(repeats)
            best[i] = min(best[i], (time.perf_counter() - start) / repeats)
    return best


def shapes():
    """(n, n_in, n_out) around the threshold: batch 1 (matrix-vector), small and larger batches."""
    out = []
    for n in (1, 4, 16, 32, 64):
        for n_in, n_out in ((2, 8), (8, 1), (8, 8), (16, 16), (16, 32), (32, 32), (64, 64), (64, 128),
                            (128, 10), (128, 128), (256, 256), (512, 512)):
            macs = n * n_in * n_out
            if 16 <= macs <= 4 * 1024 * 1024:
                out.append((n, n_in, n_out))
    return sorted(set(out), key=lambda s: (s[0], s[0] * s[1] * s[2]))


def measure(modules, dtype, quick=False):
    rng = np.random.default_rng(0)
    target, rounds = (0.003, 3) if quick else (0.01, 7)
    rows = []
    for n, n_in, n_out in shapes():
        x = rng.standard_normal((n, n_in)).astype(dtype)
        w = rng.standard_normal((n_in, n_out)).astype(dtype)
        b = rng.standard_normal(n_out).astype(dtype)
        z = np.empty((n, n_out), dtype=dtype)
        delta = rng.standard_normal((n, n_out)).astype(dtype)
        dw, db, dx = np.empty_like(w), np.empty_like(b), np.empty_like(x)
        row = {"n": n, "n_in": n_in, "n_out": n_out, "macs": n * n_in * n_out}
        paths = [variant.split("_")[1] for variant in modules]
        mods = list(modules.values())
        ops = {"forward": lambda mod: (lambda r: mod.forward(x, w, b, z, r)),
               "backward": lambda mod: (lambda r: mod.backward(x, w, delta, dw, db, dx, True, r)),
               "backward_no_dx": lambda mod: (lambda r: mod.backward(x, w, delta, dw, db, dx, False, r))}
        for op, make in ops.items():
            for path, seconds in zip(paths, _best_per_call([make(mod) for mod in mods], target, rounds)):
                row[f"{path}_{op}"] = seconds
        rows.append(row)
    return rows


def _total(r, path):
    return r[f"{path}_forward"] + r[f"{path}_backward"]


def crossover(rows, op=None):
    """The smallest MAC count from which BLAS wins on every larger shape of ``rows``, or None.

    ``op``: "forward", "backward", "backward_no_dx", or None for forward + backward.
    """
    def blas_wins(r):
        if op is None:
            return _total(r, "blas") < _total(r, "loops")
        return r[f"blas_{op}"] < r[f"loops_{op}"]

    rows = sorted(rows, key=lambda r: r["macs"])
    found = None
    for r in reversed(rows):
        if not blas_wins(r):
            break
        found = r["macs"]
    return found


def format_rows(rows, threshold):
    lines = [f"{'n x n_in x n_out':>18} {'MACs':>8} | {'forward loops/blas (ns)':>24} | "
             f"{'backward loops/blas (ns)':>25} | {'bwd no dx loops/blas':>21} | faster, fwd+bwd"]
    for r in rows:
        def pair(op):
            return f"{r['loops_' + op] * 1e9:10.0f} {r['blas_' + op] * 1e9:10.0f}"
        total_l = r["loops_forward"] + r["loops_backward"]
        total_b = r["blas_forward"] + r["blas_backward"]
        faster = "loops" if total_l <= total_b else "BLAS"
        now = "loops" if r["macs"] <= threshold else "BLAS"
        mark = "" if faster == now else f"  <- SMALL_GEMM={threshold} takes {now}"
        lines.append(f"{r['n']:>6} x{r['n_in']:>5} x{r['n_out']:>4} {r['macs']:>8} | {pair('forward'):>24} | "
                     f"{pair('backward'):>25} | {pair('backward_no_dx'):>21} | "
                     f"{faster} {max(total_l, total_b) / min(total_l, total_b):.2f}x{mark}")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--keep", action="store_true", help="keep the temporary build directory")
    args = p.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="fastnet-crossover-")
    limits = None
    try:
        print(f"compiling dense.pyx with SMALL_GEMM forced each way into {workdir} ...", file=sys.stderr)
        modules = build(workdir)
        try:
            from threadpoolctl import threadpool_limits
            limits = threadpool_limits(limits=1)   # after the build: scipy's BLAS is loaded now
            how = "single-thread BLAS (threadpoolctl)"
        except ImportError:
            how = f"BLAS threads from OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
        rows = measure(modules, np.dtype(args.dtype), quick=args.quick)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    threshold = current_threshold()
    print(f"dense layer kernel, {args.dtype}, {how}; times per call in ns; SMALL_GEMM now {threshold}")
    print(format_rows(rows, threshold))
    print("\nsmallest product (n * n_in * n_out multiply-adds) from which BLAS wins on every larger shape:")
    summary = {}
    for n in sorted({r["n"] for r in rows}):
        sub = [r for r in rows if r["n"] == n]
        summary[n] = {op: crossover(sub, op) for op in ("forward", "backward", "backward_no_dx", None)}
        print(f"  batch {n:3d}: forward {summary[n]['forward']}, backward {summary[n]['backward']}, "
              f"backward without dx {summary[n]['backward_no_dx']}, forward+backward {summary[n][None]}")
    print(f"  (None: the loops still win at the largest shape measured for that batch size; "
          f"SMALL_GEMM is {threshold} now)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"dtype": args.dtype, "threshold": threshold, "rows": rows,
                       "crossover": {str(n): {str(k): v for k, v in d.items()} for n, d in summary.items()}},
                      f, indent=1)
    if limits is not None:
        limits.restore_original_limits()
    return 0


if __name__ == "__main__":
    sys.exit(main())

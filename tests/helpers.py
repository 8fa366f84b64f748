"""Constants shared by the test modules (tests/ is on sys.path under pytest)."""

import os

import numpy as np

import fastnet
import fastnet.reference

#: The repository's root (tests/ mirrors fastnet/ one folder down): benchmarks/, README.md, ...
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

IMPLEMENTATIONS = {"compiled": fastnet, "reference": fastnet.reference}

# Agreement expected between the compiled core and the reference, per dtype.
RTOL = {np.float32: 2e-4, np.float64: 1e-10}
ATOL = {np.float32: 2e-5, np.float64: 1e-12}


def as_input(impl, array):
    """Arrays for the compiled core, nested lists for the reference."""
    return array.tolist() if impl is fastnet.reference else array


def child_process_env():
    """Environment for a child Python that must import the same fastnet as this process.

    The installed package or, in a development tree built in place, the source
    tree: the child runs from an empty directory (pytest's tmp_path, never a
    shared one such as /tmp, whose stray modules would shadow the stdlib's),
    with the directory holding this process's fastnet first on its path.
    """
    import os

    where = os.path.dirname(os.path.dirname(os.path.abspath(fastnet.__file__)))
    return dict(os.environ, PYTHONPATH=where + os.pathsep + os.environ.get("PYTHONPATH", ""))


def scope_spy(entered):
    """A stand-in for ``blas_threads`` that records each thread count it is entered with in ``entered``."""

    class Spy:
        def __init__(self, n):
            entered.append(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    return Spy


def write_linear_table(path, n_rows, noise=0.0, seed=0):
    """A CSV with features a, b, c and a target y = (1, -2, 0.5) . x (+ noise * a standard normal); its path."""
    import csv

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 3))
    y = X @ [1.0, -2.0, 0.5]
    if noise:
        y = y + noise * rng.normal(size=n_rows)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "c", "y"])
        writer.writerows([[*map("{:.6g}".format, row), f"{t:.6g}"] for row, t in zip(X, y)])
    return str(path)

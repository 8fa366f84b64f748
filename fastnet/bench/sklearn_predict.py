"""Prediction with one imported scikit-learn model: its ``predict_proba`` against fastnet's ``predict``.

A scikit-learn ``MLPClassifier`` (an ``MLPRegressor`` for a regression
workload) of the workload's shape (relu hidden layers) is fitted for a few
iterations on the workload's data (what it learned does not change the
cost), turned into a Network by ``Network.from_sklearn``, and both predict
the same rows: 1 row (a request served one at a time, where scikit-learn's
per-call input validation and Python dominate) and 1024 rows (a batch,
mostly the matrix products). Each call is timed as a loop long enough for
the clock, the best of several loops, scikit-learn's and fastnet's loops
taking turns (fastnet/bench/timing.py says why). The outputs are compared
too: the speed-up is for the same numbers.
"""

from __future__ import annotations

import importlib
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..nn.network import Network
from .peer import Clock
from .workloads import WORKLOADS, Workload

__all__ = ["PREDICT_ROWS", "PREDICT_WORKLOAD", "fitted_model", "per_call_seconds", "prediction_speedup"]

#: The batch sizes timed: one request, and a batch.
PREDICT_ROWS = (1, 1024)
#: The workload whose shape the model has: digits, 64-128-10, a softmax classifier.
PREDICT_WORKLOAD = "digits"


def fitted_model(workload: Workload, dtype: npt.DTypeLike = "float64", seed: int = 0,
                 n_rows: int = max(PREDICT_ROWS)) -> tuple[Any, npt.NDArray[Any]]:
    """(a scikit-learn MLP of the workload's shape fitted on its data, ``n_rows`` rows to predict)."""
    neural_network = importlib.import_module("sklearn.neural_network")
    exceptions = importlib.import_module("sklearn.exceptions")
    X, y = workload.make_data(dtype=dtype, seed=seed, n_samples=max(n_rows, workload.n_samples))
    cls = neural_network.MLPClassifier if workload.loss == "cross_entropy" else neural_network.MLPRegressor
    est = cls(hidden_layer_sizes=tuple(workload.sizes[1:-1]), activation="relu", max_iter=3, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", exceptions.ConvergenceWarning)
        est.fit(X[:workload.n_samples], y[:workload.n_samples].ravel() if y.ndim == 2 else y)
    return est, np.ascontiguousarray(X[:n_rows])


def per_call_seconds(calls: dict[str, Callable[[], object]], repeats: int = 5, min_seconds: float = 0.02,
                     clock: Clock = time.perf_counter) -> dict[str, float]:
    """Best seconds per call of each function: loops of at least ``min_seconds``, ``repeats`` rounds, in turns."""
    numbers = {}
    for name, call in calls.items():   # calibrate: double the loop until it lasts min_seconds
        number = 1
        while True:
            start = clock()
            for _ in range(number):
                call()
            if clock() - start >= min_seconds or number >= 1 << 20:
                break
            number *= 2
        numbers[name] = number
    best = {name: float("inf") for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            start = clock()
            for _ in range(numbers[name]):
                call()
            best[name] = min(best[name], (clock() - start) / numbers[name])
    return best


def prediction_speedup(workload: Workload | None = None, dtype: str = "float64", rows: Sequence[int] = PREDICT_ROWS,
                       repeats: int = 5, min_seconds: float = 0.02, seed: int = 0,
                       clock: Clock = time.perf_counter) -> list[dict[str, Any]]:
    """One row per batch size: scikit-learn's and fastnet's seconds per call, their ratio, the outputs' difference."""
    workload = WORKLOADS[PREDICT_WORKLOAD] if workload is None else workload
    est, X = fitted_model(workload, dtype=dtype, seed=seed, n_rows=max(rows))
    net = Network.from_sklearn(est)
    sk_predict = est.predict_proba if hasattr(est, "predict_proba") else est.predict
    out = []
    for n in rows:
        batch = X[:n]
        expected = np.asarray(sk_predict(batch))
        got = net.predict(batch)
        if expected.ndim == 1 or (expected.shape[1] == 2 and got.shape[1] == 1):   # one output, or binary
            expected = expected.reshape(n, -1)[:, -1:]
        seconds = per_call_seconds({"sklearn": lambda: sk_predict(batch), "fastnet": lambda: net.predict(batch)},
                                   repeats=repeats, min_seconds=min_seconds, clock=clock)
        out.append({"workload": workload.name, "sizes": list(workload.sizes), "dtype": dtype,
                    "estimator": type(est).__name__, "rows": n,
                    "sklearn_method": sk_predict.__name__, "sklearn_seconds": seconds["sklearn"],
                    "fastnet_seconds": seconds["fastnet"], "speedup": seconds["sklearn"] / seconds["fastnet"],
                    "max_abs_difference": float(np.abs(got - expected).max())})
    return out

"""Prediction speed: ``Network.predict`` against ONNX Runtime and plain NumPy, microseconds per call.

For the workloads in ``PREDICT_WORKLOADS`` (digits, mid) and the batch sizes in
``PREDICT_ROWS`` (1 and 1024 rows), float32, three predictors compute the same
thing, the network's output (class probabilities for the cross-entropy workloads):

- ``fastnet``: ``net.predict(X)``, the user-facing call (input checks included);
- ``onnxruntime``: an ``InferenceSession`` of ``net.to_onnx()`` on one
  intra-op and one inter-op thread, sequential execution, every graph
  optimisation on (``ORT_ENABLE_ALL``), the CPU provider; ``session.run``;
- ``numpy``: the ``X @ W + b`` chain with relu and the output softmax, written
  by hand (a new array per operation, as such code is usually written).

The predictors take turns (:func:`time_calls`): in each round each runs a
burst of calls, in an order that rotates from round to round, and the best
burst's time per call is kept, so that the three are timed on the same
stretch of a shared machine's drifting speed.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .numpy_mlp import split_params
from .peer import Array, Clock
from .workloads import PREDICT_ROWS, PREDICT_WORKLOADS, WORKLOADS, Workload

if TYPE_CHECKING:
    from fastnet.nn.network import Network

__all__ = ["onnxruntime_status", "onnxruntime_predictor", "numpy_predictor", "time_calls", "predict_row",
           "measure_prediction"]

Predictor = Callable[[Array], Array]


def onnxruntime_status() -> str | None:
    """None if ONNX Runtime and onnx (for the export) are installed, else why not."""
    for module, pip in (("onnxruntime", "onnxruntime"), ("onnx", "'fastnet[onnx]'")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install {pip})"
    return None


def onnxruntime_predictor(net: Network) -> Predictor:
    """``X -> Y`` by an ONNX Runtime session of ``net.to_onnx()``: one thread, sequential, all optimisations."""
    ort: Any = importlib.import_module("onnxruntime")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(net.to_onnx().SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    run = session.run
    outputs = [session.get_outputs()[0].name]
    name = session.get_inputs()[0].name

    def predict(X: Array) -> Array:
        result: Array = run(outputs, {name: X})[0]
        return result

    return predict


def numpy_predictor(net: Network) -> Predictor:
    """``X -> Y`` in plain NumPy: ``relu(X @ W + b)`` per hidden layer, softmax (or nothing) at the end."""
    layers = [(W.copy(), b.copy()) for W, b in split_params(net.params, net.sizes)]
    hidden, (W_out, b_out) = layers[:-1], layers[-1]
    softmax = net.criterion.name == "cross_entropy"

    def predict(X: Array) -> Array:
        a = X
        for W, b in hidden:
            a = np.maximum(a @ W + b, 0)
        z: Array = a @ W_out + b_out
        if softmax:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            z = e / e.sum(axis=1, keepdims=True)
        return z

    return predict


def time_calls(calls: Mapping[str, Callable[[], object]], rounds: int = 5, burst_seconds: float = 0.01,
               clock: Clock = time.perf_counter) -> dict[str, float]:
    """Best seconds per call of each of ``calls`` ({name: fn}), timed in turns.

    Each is called a few times first (warm-up) and its burst length set so that
    one burst takes about ``burst_seconds``; then ``rounds`` rounds, each of one
    burst per call in an order that rotates from round to round. The best
    burst's mean time per call is returned.
    """
    names = list(calls)
    bursts: dict[str, int] = {}
    for name in names:
        fn = calls[name]
        for _ in range(3):
            fn()
        start = clock()
        fn()
        one = max(clock() - start, 1e-7)
        bursts[name] = max(1, int(burst_seconds / one))
    best = {name: float("inf") for name in names}
    for r in range(max(rounds, 1)):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn, k = calls[name], bursts[name]
            start = clock()
            for _ in range(k):
                fn()
            best[name] = min(best[name], (clock() - start) / k)
    return best


def predict_row(workload: Workload, n_rows: int, onnxruntime: bool = True, rounds: int = 5,
                burst_seconds: float = 0.01, seed: int = 0, clock: Clock = time.perf_counter) -> dict[str, Any]:
    """One row of the prediction section: microseconds per call of each predictor, and fastnet's ratios."""
    net = workload.network(dtype="float32", seed=seed)
    X = np.ascontiguousarray(workload.make_data(dtype="float32", seed=seed, n_samples=max(n_rows, 2))[0][:n_rows])
    predictors: dict[str, Predictor] = {"fastnet": net.predict, "numpy": numpy_predictor(net)}
    if onnxruntime:
        predictors["onnxruntime"] = onnxruntime_predictor(net)
    expected = net.predict(X)
    for name, predict in predictors.items():   # the same outputs, or the timing compares unlike things
        got = predict(X)
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-4, atol=1e-6):
            raise RuntimeError(f"the {name} predictor's output differs from Network.predict's on {workload.name}")
    seconds = time_calls({name: functools.partial(p, X) for name, p in predictors.items()}, rounds=rounds,
                         burst_seconds=burst_seconds, clock=clock)
    return {"workload": workload.name, "sizes": list(workload.sizes), "dtype": "float32", "rows": n_rows,
            "us_per_call": {name: s * 1e6 for name, s in seconds.items()},
            "fastnet_speedup": {name: s / seconds["fastnet"] for name, s in seconds.items() if name != "fastnet"}}


def measure_prediction(quick: bool = False, seed: int = 0, clock: Clock = time.perf_counter,
                       log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The prediction section of the report: {"rows": [...], "onnxruntime": None or why it was skipped}."""
    status = onnxruntime_status()
    rows = []
    for name in PREDICT_WORKLOADS:
        for n_rows in PREDICT_ROWS:
            if log is not None:
                log(f"predict {name} {n_rows} row(s) ...")
            rows.append(predict_row(WORKLOADS[name], n_rows, onnxruntime=status is None,
                                    rounds=3 if quick else 7, burst_seconds=0.005 if quick else 0.02,
                                    seed=seed, clock=clock))
    return {"rows": rows, "onnxruntime": status}

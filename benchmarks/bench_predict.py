"""Prediction: microseconds of one ``predict`` call, fastnet vs ONNX Runtime vs NumPy, 1 and 1024 rows.

The predictors are fastnet.bench.prediction's (``net.predict(X)``; an ONNX
Runtime session of ``net.to_onnx()`` on one thread, sequential, all graph
optimisations; the NumPy ``X @ W + b`` chain), on the networks of
fastnet.bench.workloads.PREDICT_WORKLOADS, float32. ONNX Runtime is skipped
(NotImplementedError, asv's "n/a") when it or onnx is not installed.
"""

from fastnet.bench import WORKLOADS
from fastnet.bench import prediction as _prediction
from fastnet.bench.workloads import PREDICT_ROWS, PREDICT_WORKLOADS

from . import _common


class Predict:
    """Seconds of one predict call, by implementation and batch size."""

    params = [list(PREDICT_WORKLOADS), ["fastnet", "onnxruntime", "numpy"], list(PREDICT_ROWS)]
    param_names = ["workload", "impl", "rows"]

    def setup(self, workload, impl, rows):
        if impl == "onnxruntime":
            reason = _prediction.onnxruntime_status()
            if reason is not None:
                raise NotImplementedError(reason)
        _common.single_thread()
        w = WORKLOADS[workload]
        net = w.network(dtype="float32")
        self.X = w.make_data(dtype="float32", n_samples=max(rows, 2))[0][:rows].copy()
        self.predict = {"fastnet": net.predict, "onnxruntime": _prediction.onnxruntime_predictor,
                        "numpy": _prediction.numpy_predictor}[impl]
        if impl != "fastnet":
            self.predict = self.predict(net)
        self.predict(self.X)   # warm-up: buffers, the session's first run

    def time_predict(self, workload, impl, rows):
        self.predict(self.X)


class PredictSpeedup:
    """fastnet's speedup over ONNX Runtime and NumPy (their time / fastnet's), timed in turns."""

    params = [list(PREDICT_WORKLOADS), ["onnxruntime", "numpy"], list(PREDICT_ROWS)]
    param_names = ["workload", "peer", "rows"]
    timeout = 120

    def setup(self, workload, peer, rows):
        if peer == "onnxruntime":
            reason = _prediction.onnxruntime_status()
            if reason is not None:
                raise NotImplementedError(reason)
        _common.single_thread()

    def track_speedup(self, workload, peer, rows):
        row = _prediction.predict_row(WORKLOADS[workload], rows, onnxruntime=peer == "onnxruntime")
        return row["fastnet_speedup"][peer]

    track_speedup.unit = "x"

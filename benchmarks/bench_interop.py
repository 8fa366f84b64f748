"""Prediction with an imported model: scikit-learn's predict_proba against fastnet's predict.

SklearnPredict fits a scikit-learn MLPClassifier of the digits workload's
shape (64-128-10, relu; fastnet/bench/sklearn_predict.py), imports it with
``Network.from_sklearn`` and times one call of each on 1 row and on 1024
rows, on one BLAS thread; ``track_predict_speedup`` (on the fastnet rows) is
scikit-learn's time per call over fastnet's, the two timed in turns.
``python -m benchmarks.bench_interop`` prints the ratios once, without asv.
"""

from fastnet.bench.sklearn_predict import PREDICT_ROWS, PREDICT_WORKLOAD, fitted_model, prediction_speedup
from fastnet.bench.workloads import WORKLOADS

from . import _common


def _need_sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise NotImplementedError("scikit-learn is not installed") from None


class SklearnPredict:
    params = [["fastnet", "sklearn"], list(PREDICT_ROWS), ["float32", "float64"]]
    param_names = ["impl", "rows", "dtype"]
    timeout = 120

    def setup(self, impl, rows, dtype):
        _need_sklearn()
        _common.single_thread()
        import fastnet

        self.est, X = fitted_model(WORKLOADS[PREDICT_WORKLOAD], dtype=dtype, n_rows=rows)
        self.X = X[:rows]
        self.predict = (fastnet.Network.from_sklearn(self.est).predict if impl == "fastnet"
                        else self.est.predict_proba)

    def time_predict(self, impl, rows, dtype):
        self.predict(self.X)

    def track_predict_speedup(self, impl, rows, dtype):
        """scikit-learn's time per predict_proba over fastnet's per predict, the same model and rows."""
        if impl != "fastnet":
            raise NotImplementedError("the ratio is reported once, on the fastnet row")
        return prediction_speedup(dtype=dtype, rows=(rows,), repeats=3)[0]["speedup"]

    track_predict_speedup.unit = "x"


def report():
    """``python -m benchmarks.bench_interop``: the ratios once, without asv."""
    _need_sklearn()
    _common.single_thread()
    for dtype in ("float32", "float64"):
        for row in prediction_speedup(dtype=dtype):
            print(f"{row['workload']} {'-'.join(map(str, row['sizes']))} {dtype}, {row['rows']} rows: "
                  f"sklearn predict_proba {row['sklearn_seconds'] * 1e6:.1f} us, fastnet predict "
                  f"{row['fastnet_seconds'] * 1e6:.1f} us: fastnet {row['speedup']:.2f}x faster "
                  f"(max |difference| {row['max_abs_difference']:.1e})")


if __name__ == "__main__":
    report()

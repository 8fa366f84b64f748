"""fastnet.estimators against scikit-learn's MLP, and grid searches across threads.

DigitsFit times ``fit`` of fastnet's MLPClassifier and of scikit-learn's on
the digits data (1797 x 64, 10 classes), with the same settings and the same
number of epochs (``n_iter_no_change`` is set so that neither stops early),
on one BLAS thread; ``track_fit_time_ratio`` is scikit-learn's time over
fastnet's, and ``track_test_accuracy`` shows that the speed is not bought
with accuracy.

DigitsLBFGSFit is the same comparison with ``solver="lbfgs"`` (scikit-learn's
scipy L-BFGS-B against fastnet.LBFGS, one nogil call per function
evaluation), with ``tol=0`` so that both run all ``LBFGS_ITERATIONS``
iterations unless scipy's ftol stops it: ``track_training_loss`` shows the
loss each reaches.

ThreadedGridSearch runs one ``GridSearchCV`` over fastnet's MLPClassifier
with ``n_jobs=1`` and with ``n_jobs=2`` under joblib's threading backend.
Because each fit is nogil Cython, the two threads train on two cores at
once: ``track_thread_speedup`` approaches 2 on two free cores (scikit-learn's
own MLP, which holds the GIL between its numpy calls, stays near 1).
"""

import time
import warnings

import numpy as np

from . import _common

EPOCHS = 50
SETTINGS = dict(hidden_layer_sizes=(100,), solver="adam", batch_size=200, learning_rate_init=1e-3,
                alpha=1e-4, max_iter=EPOCHS, n_iter_no_change=EPOCHS + 1, random_state=0)


def _need_sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise NotImplementedError("scikit-learn is not installed") from None


def _digits(dtype):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return (scaler.transform(X_train).astype(dtype), scaler.transform(X_test).astype(dtype), y_train, y_test)


def _estimator(impl):
    if impl == "fastnet":
        from fastnet.estimators import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    return MLPClassifier(**SETTINGS)


def _fit_quietly(model, X, y):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


class DigitsFit:
    params = [["fastnet", "sklearn"], ["float32", "float64"]]
    param_names = ["impl", "dtype"]
    number = 1
    repeat = (1, 5, 30.0)
    timeout = 300

    def setup(self, impl, dtype):
        _need_sklearn()
        _common.single_thread()
        self.X_train, self.X_test, self.y_train, self.y_test = _digits(dtype)

    def time_fit(self, impl, dtype):
        _fit_quietly(_estimator(impl), self.X_train, self.y_train)

    def track_test_accuracy(self, impl, dtype):
        return float(_fit_quietly(_estimator(impl), self.X_train, self.y_train).score(self.X_test, self.y_test))

    track_test_accuracy.unit = "accuracy"

    def track_fit_time_ratio(self, impl, dtype):
        """scikit-learn's fit time over fastnet's (best of 3 each): how many fastnet fits per sklearn fit."""
        if impl != "fastnet":
            raise NotImplementedError("the ratio is reported once, on the fastnet row")
        best = {}
        for name in ("fastnet", "sklearn"):
            times = []
            for _ in range(3):
                started = time.perf_counter()
                _fit_quietly(_estimator(name), self.X_train, self.y_train)
                times.append(time.perf_counter() - started)
            best[name] = min(times)
        return best["sklearn"] / best["fastnet"]

    track_fit_time_ratio.unit = "x"


LBFGS_ITERATIONS = 100
LBFGS_SETTINGS = dict(hidden_layer_sizes=(100,), solver="lbfgs", alpha=1e-4, max_iter=LBFGS_ITERATIONS, tol=0.0,
                      random_state=0)


def _lbfgs_estimator(impl):
    if impl == "fastnet":
        from fastnet.estimators import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    return MLPClassifier(**LBFGS_SETTINGS)


class DigitsLBFGSFit:
    """fit(solver="lbfgs") on digits: scikit-learn's L-BFGS-B vs fastnet.LBFGS."""

    params = [["fastnet", "sklearn"], ["float32", "float64"]]
    param_names = ["impl", "dtype"]
    number = 1
    repeat = (1, 5, 30.0)
    timeout = 300

    def setup(self, impl, dtype):
        _need_sklearn()
        _common.single_thread()
        self.X_train, self.X_test, self.y_train, self.y_test = _digits(dtype)

    def time_fit(self, impl, dtype):
        _fit_quietly(_lbfgs_estimator(impl), self.X_train, self.y_train)

    def track_training_loss(self, impl, dtype):
        return float(_fit_quietly(_lbfgs_estimator(impl), self.X_train, self.y_train).loss_)

    track_training_loss.unit = "loss"


GRID = {"hidden_layer_sizes": [(64,), (128,)], "alpha": [1e-4, 1e-2]}
GRID_EPOCHS = 100   # about 0.2 s per fit: the search is the fits, not joblib's bookkeeping


def _grid_search(n_jobs, X, y):
    import joblib
    from sklearn.model_selection import GridSearchCV

    from fastnet.estimators import MLPClassifier

    base = MLPClassifier(max_iter=GRID_EPOCHS, n_iter_no_change=GRID_EPOCHS + 1, random_state=0)
    with joblib.parallel_backend("threading", n_jobs=n_jobs):
        return _fit_quietly(GridSearchCV(base, GRID, cv=3, n_jobs=n_jobs), X, y)


class ThreadedGridSearch:
    """GridSearchCV(fastnet MLPClassifier), 4 candidates x 3 folds, serial vs 2 threads."""

    params = [1, 2]
    param_names = ["n_jobs"]
    number = 1
    repeat = (1, 5, 30.0)
    timeout = 300

    def setup(self, n_jobs):
        _need_sklearn()
        _common.single_thread()
        self.X, _, self.y, _ = _digits("float32")

    def time_grid_search(self, n_jobs):
        _grid_search(n_jobs, self.X, self.y)

    def track_thread_speedup(self, n_jobs):
        """Time with n_jobs=1 over time with n_jobs (best of 3 each): 2.0 is perfect on 2 free cores."""
        if n_jobs == 1:
            raise NotImplementedError("the speedup is reported on the n_jobs > 1 rows")
        best = {}
        for jobs in (1, n_jobs):
            times = []
            for _ in range(3):
                started = time.perf_counter()
                _grid_search(jobs, self.X, self.y)
                times.append(time.perf_counter() - started)
            best[jobs] = min(times)
        return best[1] / best[n_jobs]

    track_thread_speedup.unit = "x"


def report():
    """``python -m benchmarks.bench_sklearn``: the figures once, without asv."""
    _need_sklearn()
    _common.single_thread()
    for dtype in ("float32", "float64"):
        bench = DigitsFit()
        bench.setup("fastnet", dtype)
        accuracy = {impl: DigitsFit.track_test_accuracy(bench, impl, dtype) for impl in ("fastnet", "sklearn")}
        ratio = bench.track_fit_time_ratio("fastnet", dtype)
        print(f"digits {dtype}, {EPOCHS} epochs: fit time sklearn / fastnet = {ratio:.1f}x; test accuracy "
              f"fastnet {accuracy['fastnet']:.4f}, sklearn {accuracy['sklearn']:.4f}")
    search = ThreadedGridSearch()
    search.setup(2)
    print(f"GridSearchCV, threading backend: n_jobs=2 is {search.track_thread_speedup(2):.2f}x n_jobs=1 "
          f"({np.prod([len(v) for v in GRID.values()])} candidates x 3 folds)")


if __name__ == "__main__":
    report()

"""L-BFGS against scikit-learn's: :class:`fastnet.LBFGS` and ``MLPClassifier/MLPRegressor(solver="lbfgs")``.

Three of scikit-learn's own small problems (iris, digits, a ``make_regression``
problem), each fitted by both from the same starting point, with the same
hidden sizes (relu), the same L2 penalty ``alpha`` (:data:`ALPHA`), the same iteration budget
(``max_iter``), the same stopping rules and the same evaluation budget
(``max_fun``), float64, under the bench's one-thread limit. For each: the
training objective each reached, its iterations, and the seconds per fit,
the two fits taking turns (fastnet/bench/timing.py says why), with fastnet's
speed-up (scikit-learn's time over fastnet's) from the same run.

Like with like. scikit-learn minimises, and reports as ``loss_``, the mean
data loss plus ``alpha / (2 n) ||W||^2`` over the weights (not the biases),
``n`` the number of rows; its data loss is the mean log-loss of the softmax
(fastnet's ``cross_entropy``) or half the mean squared error (fastnet's
``half_mse``, not ``mse``). fastnet's LBFGS minimises ``loss + wd/2 |x|^2``,
so its ``weight_decay`` is ``alpha / n`` on the weights and 0 on the biases:
the same objective. Both losses in the report are that objective computed
the same way, by :func:`objective`, from each fit's final parameters;
scikit-learn's own ``loss_`` is kept beside it (``sklearn_reported_loss``) and
agrees to rounding, which the tests check. scikit-learn starts from its own
initialisation, fastnet from its own: here both start from the network's
(fastnet's He uniform, zero biases), written into scikit-learn's ``coefs_``
before a ``warm_start`` fit, so that the runs differ only in the algorithm.
"""

from __future__ import annotations

import importlib
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..nn.network import Network
from ..optim.lbfgs import LBFGS
from .peer import Clock

__all__ = ["PROBLEMS", "LBFGSProblem", "objective", "compare_lbfgs", "lbfgs_section"]

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LBFGSProblem:
    """One data set of scikit-learn's, and the network both fit to it."""

    name: str
    hidden: tuple[int, ...]
    task: str            # "classification" (softmax, log-loss) or "regression" (half the squared error)

    @property
    def loss(self) -> str:
        return "cross_entropy" if self.task == "classification" else "half_mse"

    def data(self) -> tuple[Floats, npt.NDArray[Any]]:
        """(X, y): standardised features; class indices, or a standardised target."""
        datasets: Any = importlib.import_module("sklearn.datasets")
        if self.name == "iris":
            X, y = datasets.load_iris(return_X_y=True)
        elif self.name == "digits":
            X, y = datasets.load_digits(return_X_y=True)
        else:
            X, y = datasets.make_regression(n_samples=1000, n_features=10, n_informative=8, noise=20.0,
                                            random_state=0)
            y = (y - y.mean()) / y.std()   # half MSE in the target's standard deviations, not its units
        scale = X.std(axis=0)
        X = (X - X.mean(axis=0)) / np.where(scale > 0, scale, 1.0)   # digits has constant pixels
        return np.ascontiguousarray(X, dtype=np.float64), y


#: iris (150 x 4, 3 classes), digits (1797 x 64, 10 classes), make_regression (500 x 20)
PROBLEMS = {p.name: p for p in (LBFGSProblem("iris", (16,), "classification"),
                                LBFGSProblem("digits", (64,), "classification"),
                                LBFGSProblem("regression", (32,), "regression"))}
#: The L2 penalty of both. Not scikit-learn's default 1e-4: with it these networks interpolate the data,
#: both losses end near 1e-5 and their ratio is the noise of two paths to zero; with 1e-2 the objective
#: has a minimum that both approach, so the losses say how far each got.
ALPHA = 1e-2
MAX_FUN = 15000       # scikit-learn's default evaluation budget


def _weight_mask(net: Network) -> Floats:
    """1.0 where the flat buffer holds a weight, 0.0 where a bias (the layout: W then b, layer by layer)."""
    parts = [np.concatenate([np.ones(layer.W.size), np.zeros(layer.b.size)]) for layer in net.dense_layers]
    return np.concatenate(parts)


def objective(net: Network, X: Floats, y: npt.NDArray[Any], alpha: float) -> float:
    """scikit-learn's L-BFGS objective at the network's parameters: the mean loss + alpha/(2n) ||W||^2."""
    penalty = sum(float(np.dot(layer.W.ravel(), layer.W.ravel())) for layer in net.dense_layers)
    return float(net.loss(X, y) + alpha / (2 * X.shape[0]) * penalty)


def _sklearn_estimator(problem: LBFGSProblem, X: Floats, y: npt.NDArray[Any], max_iter: int) -> Any:
    """scikit-learn's L-BFGS MLP with its fitted attributes built, ready for warm_start fits."""
    neural_network: Any = importlib.import_module("sklearn.neural_network")
    cls = neural_network.MLPClassifier if problem.task == "classification" else neural_network.MLPRegressor
    # tol=0: scikit-learn's tol is L-BFGS-B's gtol; fastnet gets gtol=0 too, so both stop by max_iter,
    # scipy's ftol rule (fastnet's LBFGS tol has the same default) or max_fun.
    est = cls(hidden_layer_sizes=problem.hidden, activation="relu", solver="lbfgs", alpha=ALPHA, tol=0.0,
              max_iter=1, max_fun=MAX_FUN, random_state=0, warm_start=True)
    est.fit(X, y)          # one iteration: builds the fitted attributes a warm start needs (not timed)
    est.max_iter = max_iter
    return est


def _copy_parameters(source: Any, target: Any) -> None:
    """Each layer's W (n_in, n_out) and b from ``source`` to ``target``: a Network or scikit-learn's
    ``coefs_`` / ``intercepts_``, which have fastnet's layout."""
    def pairs(model: Any) -> list[tuple[npt.NDArray[Any], npt.NDArray[Any]]]:
        if isinstance(model, Network):
            return [(layer.W, layer.b) for layer in model.dense_layers]
        return list(zip(model.coefs_, model.intercepts_))
    for (W_to, b_to), (W, b) in zip(pairs(target), pairs(source)):
        W_to[:], b_to[:] = W, b


def _turns(fits: dict[str, Callable[[], None]], repeats: int, clock: Clock) -> dict[str, float]:
    """Best seconds of each fit over ``repeats`` rounds, the fits taking turns in each round."""
    best = {name: float("inf") for name in fits}
    for _ in range(repeats):
        for name, fit in fits.items():
            start = clock()
            fit()
            best[name] = min(best[name], clock() - start)
    return best


def compare_lbfgs(problem: LBFGSProblem, max_iter: int = 200, repeats: int = 3, seed: int = 0,
                  clock: Clock = time.perf_counter) -> dict[str, Any]:
    """One row: each fit's objective, iterations and best seconds per fit, and fastnet's speed-up."""
    X, y = problem.data()
    n_classes = int(y.max()) + 1 if problem.task == "classification" else 1
    sizes = [X.shape[1], *problem.hidden, n_classes]
    start, net, sklearn_net = (Network.mlp(sizes, activation="relu", loss=problem.loss, dtype="float64", seed=seed)
                               for _ in range(3))
    decay = _weight_mask(net) * (ALPHA / X.shape[0])   # alpha/(2n) ||W||^2 = wd/2 |x|^2 with wd = alpha/n on W
    optimizers: list[LBFGS] = []

    def fastnet_fit() -> None:
        net.params = start.params
        optimizer = LBFGS(gtol=0.0, max_fun=MAX_FUN, weight_decay=decay)
        net.fit(X, y, optimizer=optimizer, epochs=max_iter, batch_size=None, shuffle=False)
        optimizers.append(optimizer)

    def sklearn_fit() -> None:
        _copy_parameters(start, est)   # each fit resets its start inside the timing (microseconds), as fastnet_fit
        est.fit(X, y)

    exceptions: Any = importlib.import_module("sklearn.exceptions")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", exceptions.ConvergenceWarning)   # max_iter reached, as asked
        est = _sklearn_estimator(problem, X, y, max_iter)
        seconds = _turns({"sklearn": sklearn_fit, "fastnet": fastnet_fit}, repeats, clock)
    _copy_parameters(est, sklearn_net)   # scikit-learn's result, evaluated as fastnet's is
    last = optimizers[-1]
    return {"problem": problem.name, "estimator": type(est).__name__, "n_samples": int(X.shape[0]),
            "sizes": [int(n) for n in sizes], "alpha": ALPHA, "max_iter": max_iter,
            "fastnet_loss": objective(net, X, y, ALPHA), "sklearn_loss": objective(sklearn_net, X, y, ALPHA),
            "sklearn_reported_loss": float(est.loss_),
            "fastnet_iterations": int(last.t), "sklearn_iterations": int(est.n_iter_),
            "fastnet_evaluations": int(last.n_fun), "fastnet_stop_reason": last.stop_reason,
            "fastnet_seconds": seconds["fastnet"], "sklearn_seconds": seconds["sklearn"],
            "speedup": seconds["sklearn"] / seconds["fastnet"]}


def lbfgs_section(quick: bool = False, seed: int = 0, clock: Clock = time.perf_counter,
                  log: Callable[[str], None] = lambda msg: None) -> dict[str, Any]:
    """The bench's L-BFGS section: ``{"rows": [...]}``, or ``{"skipped": why}`` without scikit-learn.

    ``quick``: 50 iterations and one fit each (a few seconds in all), else 200 and the best of 3.
    """
    try:
        importlib.import_module("sklearn.neural_network")
    except ImportError as exc:
        return {"skipped": f"scikit-learn is not installed ({exc})"}
    max_iter, repeats = (50, 1) if quick else (200, 3)
    rows = []
    for problem in PROBLEMS.values():
        log(f"L-BFGS on {problem.name}: fastnet and scikit-learn, {max_iter} iterations ...")
        rows.append(compare_lbfgs(problem, max_iter=max_iter, repeats=repeats, seed=seed, clock=clock))
    return {"max_iter": max_iter, "repeats": repeats, "rows": rows}

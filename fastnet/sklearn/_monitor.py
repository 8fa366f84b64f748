"""What the estimators do after each epoch: scikit-learn's bookkeeping around fastnet's epoch loop.

``Network.fit`` runs the epochs (each one nogil call) and calls
:class:`EpochMonitor` after every one; the monitor records what scikit-learn
records (``loss_curve_`` with scikit-learn's penalty term, the validation
loss and score), applies scikit-learn's stopping rule and learning-rate
schedules, calls the user's callbacks of ``fit(callbacks=...)`` with what it
recorded, and returns True to stop.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks.monitor import Direction, Figures
from ..optim.optimizers import Optimizer
from ..train.callbacks import CallbackFn, give_network
from ..train.history import History
from ..train.monitoring import tell_monitors
from ._compat import ConvergenceWarning

if TYPE_CHECKING:
    from ._typing import ValidationSet
    from .base import _BaseMLP

__all__ = ["EpochMonitor", "update_no_improvement_count", "warn_lbfgs_not_converged"]


class EpochMonitor:
    """``Network.fit``'s callback for one estimator fit.

    ``n_samples`` and ``n_batches`` are those of an epoch (after dropping
    rows of weight 0), ``mean_weight`` the mean sample weight; ``may_stop``
    is False for ``partial_fit``, which trains the epochs it was asked for.
    ``callbacks`` are the user's: called after the bookkeeping with the
    estimator's figures (:meth:`estimator_logs`); True from one stops.
    """

    def __init__(self, est: _BaseMLP, optimizer: Optimizer, validation: ValidationSet | None, *,
                 n_samples: int, n_batches: int, mean_weight: float, may_stop: bool,
                 callbacks: Sequence[CallbackFn] = ()) -> None:
        self.est = est
        self.callbacks = list(callbacks)
        self.optimizer = optimizer
        self.validation = validation
        self.n_samples = n_samples
        self.may_stop = may_stop
        # scikit-learn reports its L2 penalty alpha/2 ||W||^2 / s summed over the epoch's batches.
        self.penalty_scale = (0.0 if est.solver == "adamw"
                              else 0.5 * float(est.alpha) * n_batches / (n_samples * mean_weight))
        self.loss_scale = est._reported_loss_scale()

    def __call__(self, epoch: int, logs: Mapping[str, float]) -> bool:
        est = self.est
        est.n_iter_ += 1
        est.t_ += self.n_samples
        self._record_loss(float(logs["loss"]) * self.loss_scale)
        if self.validation is not None:
            self._record_validation(self.validation)
        est._update_no_improvement_count()
        if est.solver == "sgd" and est.learning_rate == "invscaling":
            self.optimizer.lr = float(est.learning_rate_init) / (est.t_ + 1) ** float(est.power_t)
        # L-BFGS stops on its own rules (tol, max_fun): the training-loss patience rule is the stochastic solvers'.
        patience = est.early_stopping or est.solver != "lbfgs"
        stop = patience and est._no_improvement_count > est.n_iter_no_change and self._no_improvement()
        if self.callbacks:
            figures = self.estimator_logs(logs)
            for cb in self.callbacks:
                if cb(epoch, dict(figures)) is True:
                    stop = True
        return stop and self.may_stop

    def set_network(self, net: Any) -> None:
        """``Network.fit`` gives the network: passed on to the user's callbacks (``net_``)."""
        give_network(self.callbacks, net)

    def check_monitor(self, figures: Figures) -> None:
        """``Network.fit``, before its first epoch: the user's callbacks see the estimator's figures, not the
        network's, so they are told those (:meth:`estimator_logs`'s keys; ``val_score`` is accuracy or R²)."""
        own: dict[str, Direction | None] = {"loss": "min", "lr": None, "time": None}
        if self.validation is not None:
            own.update(val_loss="min", val_score="max")
        tell_monitors(self.callbacks, own)

    def estimator_logs(self, logs: Mapping[str, float]) -> dict[str, float]:
        """The figures the user's callbacks see: scikit-learn's loss and, with validation data, ``val_*``."""
        est = self.est
        figures = {"loss": est.loss_, "lr": float(logs["lr"]), "time": float(logs["time"])}
        if self.validation is not None:
            assert est.validation_scores_ is not None
            figures["val_loss"] = est.validation_loss_curve_[-1]
            figures["val_score"] = est.validation_scores_[-1]
        return figures

    def _record_loss(self, loss: float) -> None:
        est = self.est
        if self.penalty_scale:
            loss += self.penalty_scale * sum(float(np.dot(W.ravel(), W.ravel())) for W in est.coefs_)
        est.loss_ = loss
        est.loss_curve_.append(loss)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {loss:.8f}")

    def _record_validation(self, validation: ValidationSet) -> None:
        est = self.est
        X_val, Y_val, w_val = validation
        est.validation_loss_curve_.append(est.net_.loss(X_val, Y_val, sample_weight=w_val) * self.loss_scale)
        score = est._validation_score(X_val, Y_val, w_val)
        assert est.validation_scores_ is not None  # a list whenever there is validation data
        est.validation_scores_.append(score)
        if est.verbose:
            print(f"Validation score: {score:f}")

    def _no_improvement(self) -> bool:
        """scikit-learn's response to too many epochs without improvement: stop (True), or divide the rate by 5."""
        est, optimizer = self.est, self.optimizer
        what = ("Validation score did not improve more than tol=%f for %d consecutive epochs."
                if est.early_stopping else
                "Training loss did not improve more than tol=%f for %d consecutive epochs.")
        message = what % (est.tol, est.n_iter_no_change)
        stop = True
        if est.solver == "sgd" and est.learning_rate == "adaptive":
            if optimizer.lr <= 1e-6:
                message += " Learning rate too small. Stopping."
            else:
                optimizer.lr /= 5.0
                est._no_improvement_count = 0
                stop = False
                message += f" Setting learning rate to {optimizer.lr:f}"
        else:
            message += " Stopping."
        if est.verbose:
            print(message)
        return stop


def update_no_improvement_count(est: _BaseMLP) -> None:
    """scikit-learn's rule (BaseMultilayerPerceptron._update_no_improvement_count), after each epoch.

    An epoch that does not improve the best training loss by more than ``tol``
    (with early_stopping: the best validation score by at least ``tol``)
    counts; one that does resets the count. With early_stopping the
    parameters of the best validation epoch are kept in ``_best_params``.
    """
    tol = float(est.tol)
    if est.early_stopping:
        assert est.validation_scores_ is not None and est.best_validation_score_ is not None
        score = est.validation_scores_[-1]
        worse = score < est.best_validation_score_ + tol   # scikit-learn's comparisons, NaN included
        est._no_improvement_count = est._no_improvement_count + 1 if worse else 0
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            if est._best_params is None:
                est._best_params = est.net_.params.copy()
            else:
                est._best_params[:] = est.net_.params
        return
    if est.validation_scores_ is not None:  # validation_data given: recorded, not used to stop
        assert est.best_validation_score_ is not None
        est.best_validation_score_ = max(est.best_validation_score_, est.validation_scores_[-1])
    assert est.best_loss_ is not None  # set by _initialize and _set_validation_aside without early_stopping
    loss = est.loss_curve_[-1]
    worse = loss > est.best_loss_ - tol
    est._no_improvement_count = est._no_improvement_count + 1 if worse else 0
    est.best_loss_ = min(est.best_loss_, loss)


def warn_lbfgs_not_converged(optimizer: Optimizer, incremental: bool, history: History, n_iter: int,
                             max_iter: int) -> None:
    """Warn as scikit-learn does when L-BFGS stops on max_iter or max_fun rather than converging."""
    # stacklevel: the caller of the estimator's fit (through scikit-learn's fit wrapper)
    reason = getattr(optimizer, "stop_reason", None)
    if incremental or history.interrupted or reason in ("gtol", "tol"):
        return
    if reason == "max_fun" or (not history.stopped_early and n_iter == max_iter):
        limit = "max_fun" if reason == "max_fun" else "max_iter"
        warnings.warn(f"lbfgs failed to converge after {n_iter} iteration(s): it reached {limit}. Increase "
                      f"the number of iterations ({limit}) or scale the data.", ConvergenceWarning, stacklevel=6)

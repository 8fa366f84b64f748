"""``Network.fit``, in its phases: check the arguments, hold out validation data,
take the optimizer, run the epochs (one nogil call each), and finish.

This module drives the compiled engine through the network's own buffers
(``_arch``, ``_params``, ``_grads``, ``_workspace``, ``_lock``); it never names
a layer, an activation or a loss, so it imports nothing of :mod:`fastnet.nn`,
which calls it. What runs between two epochs -- the learning-rate schedule,
validation, early stopping, callbacks, the divergence rollback -- is here too,
each in its own small piece. A callback's exception ends fit between two
epochs, with the parameters of the last completed one (train/callbacks.py).
The user's optimizer object is never changed but for its state and step
count: a scheduled learning rate goes into fit's own copy of the
hyperparameters.
"""

from __future__ import annotations

import math
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .._core import network as _engine
from ..checks.arrays import Floats, as_sample_weight
from ..checks.monitor import auto_monitor
from ..checks.scalars import check_bool, check_int, check_real, check_seed
from ..optim.optimizers import Optimizer, default_optimizer, make_optimizer
from ..optim.schedules import LRSchedule, PerBatch, as_schedule
from ..runtime.caller import warn_caller
from ..runtime.threads import blas_threads
from .buffers import Buffers
from .callbacks import CallbackFn, check_callbacks, give_network
from .errors import TrainingDivergedError
from .full_batch import FullBatchEpoch, check_full_batch, is_full_batch
from .history import History
from .metrics import MetricSet, resolve_metrics
from .monitoring import recorded_figures, tell_monitors
from .progress import Progress, make_progress
from .python_epoch import PythonLossEpoch
from .python_loss import is_python_loss
from .schedule_rates import check_per_batch, checked_rates
from .validation import hard_classes, validation_rows

__all__ = ["fit"]

# -- phase 1: the arguments ------------------------------------------------------------
@dataclass
class _Plan:
    """The checked arguments of one ``fit``."""

    X: Any
    Y: Any
    weights: Any
    epochs: int
    batch_size: int
    shuffle: bool
    seed: int | None
    max_norm: float
    min_delta: float
    early_stopping: int | None
    lr_schedule: LRSchedule | None
    callbacks: list[CallbackFn]
    validation_data: tuple[Any, Any] | None
    reset_optimizer: bool
    rollback: bool

    @property
    def monitor(self) -> str:
        return auto_monitor(self.validation_data is not None)


def _split_validation(net: Any, X: Any, Y: Any, weights: Any, validation_split: Any,
                      shuffle: bool) -> tuple[Any, Any, Any, tuple[Any, Any]]:
    """Hold out a fraction of the rows as validation data: drawn at random (stratified by class for
    the classification losses) from the network's seed, or the last rows (Keras) without ``shuffle``."""
    fraction = check_real("validation_split", validation_split, low=0.0, high=1.0, low_open=True, high_open=True)
    n_val = int(round(X.shape[0] * fraction))
    if not 1 <= n_val < X.shape[0]:
        raise ValueError(f"validation_split={fraction} of {X.shape[0]} samples leaves "
                         f"{n_val} for validation and {X.shape[0] - n_val} for training; both must be >= 1")
    classes = hard_classes(Y) if shuffle and net.criterion.is_classification else None
    held = validation_rows(X.shape[0], n_val, net.seed, shuffle=shuffle, classes=classes)
    validation = (X[held], Y[held])
    X, Y = np.ascontiguousarray(X[~held]), np.ascontiguousarray(Y[~held])
    if weights.size:
        weights = np.ascontiguousarray(weights[~held])
        if not weights.sum() > 0:
            raise ValueError("sample_weight is zero on every training row left after validation_split")
    return X, Y, weights, validation


def _check_arguments(net: Any, X: Any, Y: Any, *, epochs: Any, batch_size: Any, shuffle: Any, seed: Any,
                     sample_weight: Any, validation_data: Any, validation_split: Any, validation_shuffle: Any,
                     early_stopping: Any,
                     min_delta: Any, lr_schedule: Any, max_norm: Any, callbacks: Any,
                     reset_optimizer: Any, rollback: Any) -> _Plan:
    X, Y = net._check_xy(X, Y)
    weights = as_sample_weight(sample_weight, X.shape[0], net.dtype)
    epochs = check_int("epochs", epochs, low=0)
    batch_size = check_int("batch_size", batch_size, low=1, allow_none=True)
    max_norm = 0.0 if max_norm is None else check_real("max_norm", max_norm, low=0.0, low_open=True)
    min_delta = check_real("min_delta", min_delta, low=0.0)
    if early_stopping is not None:
        early_stopping = check_int("early_stopping", early_stopping, low=0)
    lr_schedule = as_schedule(lr_schedule, epochs)   # a plain f(epoch) becomes a LambdaLR
    shuffle = check_bool("shuffle", shuffle)
    callbacks = check_callbacks(callbacks)
    if validation_data is not None and validation_split is not None:
        raise ValueError("give validation_data or validation_split, not both")
    validation_shuffle = check_bool("validation_shuffle", validation_shuffle)
    if validation_split is not None:
        X, Y, weights, validation_data = _split_validation(net, X, Y, weights, validation_split, validation_shuffle)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, Y_val)")
        validation_data = net._check_xy(*validation_data, names=("X_val", "Y_val"))
    n = X.shape[0]
    return _Plan(X=X, Y=Y, weights=weights, epochs=epochs, batch_size=n if batch_size is None else min(batch_size, n),
                 shuffle=shuffle, seed=None if seed is None else check_seed(seed), max_norm=max_norm,
                 min_delta=min_delta, early_stopping=early_stopping, lr_schedule=lr_schedule, callbacks=callbacks,
                 validation_data=validation_data, reset_optimizer=check_bool("reset_optimizer", reset_optimizer),
                 rollback=check_bool("rollback", rollback))


# -- what runs between epochs ------------------------------------------------------------
@dataclass
class _EarlyStopping:
    """Patience on the monitored loss; keeps the best epoch's parameters."""

    patience: int | None
    min_delta: float
    best_value: float = math.inf
    waited: int = 0
    best: Floats | None = field(default=None, repr=False)

    def should_stop(self, value: float, epoch: int, params: Floats, history: History) -> bool:
        if self.patience is None:
            return False
        if value < self.best_value - self.min_delta:
            self.best_value, self.waited, history.best_epoch = value, 0, epoch
            if self.best is None:
                self.best = params.copy()
            else:
                self.best[:] = params
            return False
        self.waited += 1
        return self.waited > self.patience


# -- the metrics (train/metrics.py) ----------------------------------------------------------
class _Metrics:
    """The metrics of one ``fit``: their accumulator for the epoch kernel, made once, and the validation set."""

    def __init__(self, net: Any, plan: _Plan, metrics: Any) -> None:
        self.training: MetricSet = resolve_metrics(metrics, net.criterion.name, net.n_outputs)
        # Only what this fit reports is made: most fits have neither metrics nor validation data.
        self.validation: MetricSet | None = (net._validation_metrics(metrics) if plan.validation_data is not None
                                             else None)
        self.acc = self.training.accumulator(plan.Y) if self.training else None

    def start_epoch(self) -> tuple[int, int, npt.NDArray[np.float64] | None]:
        """train_epoch's metric arguments, the sums zeroed (none without metrics: the kernel reads none)."""
        if self.acc is None:
            return 0, 0, None
        self.training.reset(self.acc)
        return self.training.flags, self.training.top_k, self.acc

    def training_figures(self) -> dict[str, float]:
        return self.training.figures(self.acc) if self.acc is not None else {}


_NO_SCHEDULE = np.empty(0)
_NO_BLAS: AbstractContextManager[None] = nullcontext()


# -- phase 2: the optimizer and the loop ----------------------------------------------------
def _take_optimizer(net: Any, optimizer: Any, reset: bool) -> Optimizer:
    if optimizer is None:
        optimizer = net._optimizer if net._optimizer is not None else default_optimizer()
    taken = make_optimizer(optimizer)
    if reset:
        taken.reset()
    taken.bind(net)
    net._optimizer = taken
    return taken


class _Loop:
    """The epochs of one ``fit``: every buffer they use is made once, in ``__init__`` (or kept: train/buffers.py)."""

    def __init__(self, net: Any, plan: _Plan, optimizer: Optimizer, history: History, metrics: _Metrics) -> None:
        self.net, self.plan, self.optimizer, self.history = net, plan, optimizer, history
        self.metrics = metrics
        buffers = Buffers.of(net)
        self.work = net._workspace(plan.batch_size)
        self.order = buffers.order_of(plan.X.shape[0])
        self.step = buffers.step
        self.step[0] = optimizer.t
        self.t_start, self.batches_per_epoch = optimizer.t, -(-plan.X.shape[0] // plan.batch_size)
        # The rollback copy is what fit allocates that scales with the parameters;
        # without it each batch's gradient is checked in the kernel instead.
        self.rollback = buffers.rollback_of(net._params) if plan.rollback else None
        self.checked_arrays = buffers.checked_arrays
        self.early = _EarlyStopping(plan.early_stopping, plan.min_delta)
        self.state: Floats | None = None   # the state array the running epoch updates (and a rollback restores)
        self.base_lr = optimizer.lr   # what a schedule starts from
        # Under a schedule, each epoch's hyperparameters: the optimizer's, with the
        # scheduled lr in place of its own (made once, filled every epoch).
        self.scheduled_hyper = (np.empty(len(optimizer.hyper_names)) if plan.lr_schedule is not None
                                else _NO_SCHEDULE)
        self.lr_index = optimizer.hyper_names.index("lr")
        self.rates: npt.NDArray[np.float64] | None = None   # a PerBatch schedule's, one per batch of the epoch
        self.warned_val = False
        # A full-batch optimizer (L-BFGS) runs its own epoch phase: train/full_batch.py; so does
        # a loss written in Python (a CustomLoss), one Python call per batch: train/python_epoch.py.
        self.full_batch: FullBatchEpoch | PythonLossEpoch | None = (
            FullBatchEpoch(net, plan.X, plan.Y, plan.weights, self.work, optimizer) if is_full_batch(optimizer)
            else PythonLossEpoch(net, plan, self.work, optimizer) if is_python_loss(net.criterion) else None)

    def run(self, display: Progress) -> None:
        for epoch in range(1, self.plan.epochs + 1):
            logs = self._epoch(epoch)
            self.history.append(epoch, **logs)
            display.update(epoch, logs)
            stop = self.early.should_stop(logs[self.plan.monitor], epoch, self.net._params, self.history)
            for cb in self.plan.callbacks:
                if cb(epoch, dict(logs)) is True:
                    stop = True
            if self.full_batch is not None and self.full_batch.converged:
                stop = True
            if stop:
                self.history.stopped_early = True
                break

    def _hyper(self, epoch: int, hyper: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], float]:
        """The hyperparameters of this epoch and their lr: the optimizer's, or with the schedule's lr."""
        schedule = self.plan.lr_schedule
        if schedule is None:
            return hyper, self.optimizer.lr
        if isinstance(schedule, PerBatch):   # the kernel reads each batch's rate from self.rates
            self.rates = checked_rates(schedule.rates(epoch - 1, self.batches_per_epoch, self.base_lr), epoch)
            return hyper, float(self.rates[0])
        # The one check of a scheduled rate: it reaches the kernel from here alone.
        lr = check_real("lr from lr_schedule", schedule.lr(epoch - 1, self.base_lr, self.history),
                        low=0.0, low_open=True)
        if self.scheduled_hyper.shape != hyper.shape:   # a subclass with its own vector (checked, so the kernel's)
            self.scheduled_hyper = np.empty_like(hyper)
        self.scheduled_hyper[:] = hyper
        self.scheduled_hyper[self.lr_index] = lr
        return self.scheduled_hyper, lr

    def _epoch(self, epoch: int) -> dict[str, float]:
        if self.full_batch is not None:
            return self.full_batch(epoch, self)
        net, plan, optimizer = self.net, self.plan, self.optimizer
        # Checked before every epoch: a callback may have reset or replaced them, and the kernel trusts their shapes.
        checked_hyper, state = self.checked_arrays(optimizer)
        hyper, lr = self._hyper(epoch, checked_hyper)
        self.state = state
        self.step[0] = optimizer.t
        if self.rollback is not None:
            self.rollback.take(net._params, state, optimizer)
        started = time.perf_counter()
        loss, status = _engine.train_epoch(
            net._arch, net._params, net._grads, plan.X, plan.Y, plan.weights, self.work, plan.batch_size,
            self.order, plan.shuffle, net._shuffle_state, optimizer.kernel_id, hyper,
            state, self.step, plan.max_norm, self.rollback is None, *self.metrics.start_epoch(),
            self.rates, self.lr_index)
        epoch_start_t, optimizer.t = optimizer.t, int(self.step[0])
        if status != _engine.EpochStatus.EPOCH_OK:
            self._diverged(epoch, epoch_start_t, state, lr)
        logs = {"loss": loss, **self.metrics.training_figures()}
        if plan.validation_data is not None:
            assert self.metrics.validation is not None, "made with the validation data"
            logs.update(net._evaluate(*plan.validation_data, self.metrics.validation))
            self._warn_nonfinite_validation(epoch, logs["val_loss"])
        logs["lr"] = lr
        logs["time"] = time.perf_counter() - started
        return logs

    def _diverged(self, epoch: int, epoch_start_t: int, state: Floats, lr: float) -> None:
        optimizer = self.optimizer
        if self.rollback is not None:
            self.rollback.restore(self.net._params, state, optimizer)
            raise TrainingDivergedError(epoch, self.history, lr)
        raise TrainingDivergedError(
            epoch, self.history, lr, batches_done=optimizer.t - epoch_start_t,
            params_kept="last_batch" if np.isfinite(self.net._params).all() else "none",
            state_finite=bool(np.isfinite(state).all()))

    def _warn_nonfinite_validation(self, epoch: int, value: float) -> None:
        if math.isfinite(value) or self.warned_val:
            return
        self.warned_val = True   # once per fit: the history holds every value
        warn_caller(f"epoch {epoch}: the validation loss is {value} (the outputs overflow on the validation "
                    "data; it is recorded as is, and early stopping never counts it as an improvement)",
                    RuntimeWarning)

    def interrupted(self) -> None:
        """Ctrl-C: keep a whole number of epochs (the signal is only seen between nogil calls)."""
        net, optimizer, history = self.net, self.optimizer, self.history
        # The step counter, advanced inside the kernel, tells how many epochs ran
        # even if the interrupt came before the epoch was recorded.
        optimizer.t = int(self.step[0])
        # The interrupt may have come between an epoch that diverged and its check.
        params_finite = bool(np.isfinite(net._params).all())
        if not params_finite or (self.state is not None and not np.isfinite(self.state).all()):
            # With rollback=False there is nothing to restore, and the warning below says so.
            if self.rollback is not None and self.rollback.taken and self.state is not None:
                self.rollback.restore(net._params, self.state, optimizer)
                params_finite = True
            epochs_done = len(history)
        else:
            epochs_done = (optimizer.t - self.t_start) // self.batches_per_epoch
        while len(history) < epochs_done:
            history.append(len(history) + 1)  # ran, but its figures were not recorded
        history.interrupted = True
        kept = ("the parameters of the last completed epoch are kept" if params_finite
                else "the parameters are not finite (the last epoch diverged, and rollback=False "
                     "keeps no copy to restore)")
        warn_caller(f"training interrupted by the user after {len(history)} epochs; {kept}", RuntimeWarning)

    def finish(self) -> None:
        if self.history.stopped_early and self.early.best is not None:
            self.net._params[:] = self.early.best  # the best epoch's parameters


# -- the whole ---------------------------------------------------------------------------
def fit(net: Any, X: Any, Y: Any, optimizer: Any = None, *, progress: Any = False, **options: Any) -> History:
    """Train ``net``; the arguments and the result are those of :meth:`fastnet.Network.fit`."""
    metrics = options.pop("metrics", None)
    plan = _check_arguments(net, X, Y, **options)
    check_full_batch(net._optimizer if optimizer is None else optimizer, options.get("batch_size"),
                     plan.X.shape[0], plan.lr_schedule, plan.max_norm, net._arch.has_dropout)
    check_per_batch(plan.lr_schedule, plan.epochs, plan.X.shape[0], plan.batch_size)
    checked_metrics = _Metrics(net, plan, metrics)
    tell_monitors([plan.lr_schedule, *plan.callbacks],
                  recorded_figures(checked_metrics.training, checked_metrics.validation))
    history = History()
    display = make_progress(progress, plan.epochs)
    # A batch-1 epoch of a small network calls no BLAS: no thread scope then (a tenth of its fit).
    needs_blas = plan.batch_size > Buffers.of(net).loop_rows or plan.validation_data is not None
    # Everything that changes the network's state happens under its lock, so
    # that a fit in another thread never sees half of it.
    with net._lock, (blas_threads(net._n_threads) if needs_blas else _NO_BLAS):
        give_network(plan.callbacks, net)   # first: a callback that refuses (no such directory) changes nothing
        if plan.seed is not None:
            net._restart_shuffle(plan.seed)
        loop = _Loop(net, plan, _take_optimizer(net, optimizer, plan.reset_optimizer), history,
                     checked_metrics)
        try:
            loop.run(display)
        except KeyboardInterrupt:
            loop.interrupted()
        finally:
            display.close()
            loop.finish()
    return history

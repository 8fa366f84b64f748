"""fit's epoch phase for a loss written in Python (``fastnet.CustomLoss``): one Python call per batch.

The built-in losses train a whole epoch in one nogil call. Here each batch
is the compiled forward pass, the loss's ``value`` and ``gradient`` in NumPy
(train/python_loss.py), the compiled backward pass from that output gradient,
and the compiled optimizer update (``_core.optimizers.step``), in the epoch
kernel's order: the same SplitMix64 shuffle (docs/MATH.md, "An epoch"), the
same batches, the same dropout masks, gradient clipping and step count, so a
custom loss that computes a built-in one trains to the same parameters, to
rounding. The rest of the epoch -- validation, metrics, ``lr`` and ``time``
in the logs, callbacks and early stopping (fit.py) -- is every loss's.

The loss is the user's code and may raise at any batch: the phase keeps the
parameters, the optimizer's state and step count and the random streams of
the epoch's start, and puts them back when anything (an exception, Ctrl-C,
a non-finite loss or parameter) ends the epoch early, with or without
``rollback``: a trained model is never lost.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from .._core import metrics as _metrics
from .._core import optimizers as _optimizers
from ..checks.arrays import Floats
from .errors import TrainingDivergedError
from .python_loss import forward_backward

__all__ = ["PythonLossEpoch", "shuffled_order"]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def shuffled_order(order: npt.NDArray[np.intp], state: npt.NDArray[np.uint64]) -> None:
    """``order[:]`` = the epoch kernel's permutation of ``range(len(order))``; ``state[0]`` advanced as it is.

    Fisher-Yates with SplitMix64 (docs/MATH.md): the i-th draw is the mix of
    ``state + i * gamma`` (mod 2**64), so the n - 1 draws are computed at once in
    uint64 arithmetic (which wraps); only the swaps run one by one.
    """
    n = order.shape[0]
    if n < 2:
        order[:] = np.arange(n)
        return
    z = state[0] + _GAMMA * np.arange(1, n, dtype=np.uint64)
    last = z[-1]
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z ^= z >> np.uint64(31)
    swaps = (z % np.arange(n, 1, -1, dtype=np.uint64)).tolist()   # draw for i = n-1 .. 1: mod (i + 1)
    rows = list(range(n))
    for i, j in zip(range(n - 1, 0, -1), swaps):
        rows[i], rows[j] = rows[j], rows[i]
    order[:] = rows
    state[0] = last


class _Start:
    """What the network was at the start of an epoch: parameters, optimizer state and step, random streams."""

    def __init__(self, net: Any) -> None:
        self.params = np.empty_like(net._params)
        self.state: Floats | None = None
        self.t = 0
        self.streams = net._shuffle_state.copy()

    def take(self, net: Any, state: Floats, optimizer: Any) -> None:
        self.params[:] = net._params
        if self.state is None or self.state.shape != state.shape:
            self.state = np.empty_like(state)
        self.state[...] = state
        self.t = optimizer.t
        self.streams[:] = net._shuffle_state

    def restore(self, net: Any, state: Floats, optimizer: Any, step: npt.NDArray[np.int64]) -> None:
        assert self.state is not None, "restore() before take()"
        net._params[:] = self.params
        state[...] = self.state
        optimizer.t = self.t
        step[0] = self.t
        net._shuffle_state[:] = self.streams


class PythonLossEpoch:
    """One epoch of mini-batches whose loss and gradient Python computes (fit.py's epoch hook)."""

    converged = False   # fit asks every epoch phase; only L-BFGS's ever converges

    def __init__(self, net: Any, plan: Any, work: Floats, optimizer: Any) -> None:
        self.net, self.plan, self.work, self.optimizer = net, plan, work, optimizer
        b, k = plan.batch_size, net.n_outputs
        self.order = np.empty(plan.X.shape[0], dtype=np.intp)
        self.xb = np.empty((b, net.n_features), dtype=net.dtype)
        self.yb = np.empty((b, k), dtype=net.dtype)
        self.wb = np.empty(b, dtype=net.dtype)
        self.out = np.empty((b, k), dtype=net.dtype)
        self.grad = np.empty((b, k), dtype=net.dtype)
        self.start = _Start(net)
        self.checked = False   # the loss's values are checked on the first batch of the fit

    def __call__(self, epoch: int, loop: Any) -> dict[str, float]:
        net, optimizer = self.net, self.optimizer
        checked_hyper, state = loop.checked_arrays(optimizer)
        hyper, lr = loop._hyper(epoch, checked_hyper)
        loop.state = state
        self.start.take(net, state, optimizer)
        started = time.perf_counter()
        try:   # the validation loss is the user's code too
            loss = self._batches(loop, hyper, state)
            if not (math.isfinite(loss) and np.isfinite(net._params).all() and np.isfinite(state).all()):
                raise TrainingDivergedError(epoch, loop.history, lr)
            logs = {"loss": loss, **loop.metrics.training_figures()}
            if self.plan.validation_data is not None:
                logs.update(net._evaluate(*self.plan.validation_data, loop.metrics.validation))
                loop._warn_nonfinite_validation(epoch, logs["val_loss"])
        except BaseException:
            self.start.restore(net, state, optimizer, loop.step)
            raise
        logs["lr"] = lr
        logs["time"] = time.perf_counter() - started
        return logs

    def _batch(self, s: int, m: int) -> tuple[Floats, Floats, Floats | None]:
        """The rows of the batch at ``s``: gathered in the shuffled order, or the slice where it stands."""
        plan = self.plan
        weights = plan.weights if plan.weights.size else None
        if not plan.shuffle:
            return plan.X[s:s + m], plan.Y[s:s + m], None if weights is None else weights[s:s + m]
        rows = self.order[s:s + m]
        xb, yb = np.take(plan.X, rows, axis=0, out=self.xb[:m]), np.take(plan.Y, rows, axis=0, out=self.yb[:m])
        return xb, yb, None if weights is None else np.take(weights, rows, out=self.wb[:m])

    def _batches(self, loop: Any, hyper: npt.NDArray[np.float64], state: Floats) -> float:
        """The epoch's batches; the (weighted) mean batch loss, or NaN at the first non-finite batch loss."""
        net, plan, optimizer = self.net, self.plan, self.optimizer
        n, b, params, grads = plan.X.shape[0], plan.batch_size, net._params, net._grads
        flags, top_k, acc = loop.metrics.start_epoch()
        if loop.rates is not None:
            hyper = hyper.copy()   # once per epoch: each batch writes its rate into it
        no_weights = plan.weights[:0]
        if plan.shuffle:
            shuffled_order(self.order, net._shuffle_state[:1])
        total = total_weight = 0.0
        t = optimizer.t
        for s in range(0, n, b):
            m = min(b, n - s)
            xb, yb, wb = self._batch(s, m)
            w_batch = float(wb.sum(dtype=np.float64)) if wb is not None else float(m)
            value = forward_backward(net.criterion, net._arch, params, grads, xb, yb, wb, self.work,
                                     self.out[:m], self.grad[:m], net._shuffle_state[1:], first=not self.checked)
            self.checked = True
            if flags:   # from the outputs before the update, as the epoch kernel takes them
                _metrics.accumulate(flags, top_k, int(net.criterion.id), 0.0, self.out[:m], yb,
                                    no_weights if wb is None else wb, acc)
            if not math.isfinite(value):
                return math.nan
            if plan.max_norm > 0:
                self._clip(grads, plan.max_norm)
            t += 1
            if loop.rates is not None:   # a PerBatch schedule: this batch's rate, as the epoch kernel takes it
                hyper[loop.lr_index] = loop.rates[s // b]
            _optimizers.step(optimizer.kernel_id, hyper, t, params, grads, state)
            loop.step[0] = optimizer.t = t
            total += value * w_batch
            total_weight += w_batch
        return total / total_weight if total_weight > 0 else 0.0

    @staticmethod
    def _clip(grads: Floats, max_norm: float) -> None:
        """torch.nn.utils.clip_grad_norm_, as the epoch kernel does it (the norm summed in float64)."""
        norm = float(np.linalg.norm(grads.astype(np.float64, copy=False)))
        if norm > max_norm:
            np.multiply(grads, max_norm / (norm + 1e-6), out=grads, casting="same_kind")

"""fit's epoch phase for a full-batch optimizer (:class:`fastnet.LBFGS`): one iteration per epoch.

The kernel optimizers run a whole epoch in one nogil call. A full-batch
method instead evaluates the loss and gradient of the whole training set at
each point its line search tries: each evaluation is one nogil call of the
engine's ``backward`` (with the sample weights), and the optimizer's NumPy
runs between them. The rest of the epoch -- the validation figures, ``lr``
and ``time`` in the logs, callbacks and early stopping (in ``fit.py``) -- is
the same as for every optimizer. The optimizer keeps the point an
iteration started from, so a non-finite loss or gradient puts the
parameters back there at no cost, with or without ``rollback``.
"""

from __future__ import annotations

import time
from typing import Any

from .errors import TrainingDivergedError
from .python_loss import engine

__all__ = ["is_full_batch", "check_full_batch", "FullBatchEpoch"]


def is_full_batch(optimizer: Any) -> bool:
    """True for an optimizer fit runs in this phase (it sets ``full_batch``), not in the epoch kernel."""
    return bool(getattr(optimizer, "full_batch", False))


def check_full_batch(optimizer: Any, batch_size: Any, n_samples: int, lr_schedule: Any, max_norm: float,
                     has_dropout: bool = False) -> None:
    """Refuse, before anything changes, what a full-batch optimizer cannot honour."""
    if not is_full_batch(optimizer):
        return
    name = type(optimizer).__name__
    if batch_size is not None and batch_size < n_samples:
        raise ValueError(f"{name} trains on the full batch: batch_size must be None (or >= the {n_samples} "
                         f"training samples), got {batch_size}")
    if lr_schedule is not None:
        raise ValueError(f"lr_schedule does not apply to {name}: its line search chooses each step")
    if max_norm:
        raise ValueError(f"max_norm does not apply to {name}: clipping the gradient would break its line search")
    if has_dropout:
        # Its evaluations draw no masks, and fresh masks per evaluation would break the line search:
        # the network would train as if it had no dropout, silently.
        raise ValueError(f"{name} cannot train a network with Dropout layers (its line search needs the same "
                         "loss at every evaluation, and dropout draws new masks): remove the Dropout layers "
                         "or use a stochastic optimizer such as fastnet.Adam")


class FullBatchEpoch:
    """One epoch = one iteration of the optimizer over (X, Y) as one batch."""

    def __init__(self, net: Any, X: Any, Y: Any, weights: Any, work: Any, optimizer: Any) -> None:
        self.net, self.X, self.Y, self.weights, self.work = net, X, Y, weights, work
        self.optimizer = optimizer
        self.stop_reason: str | None = None
        optimizer.begin()   # the loss and gradient of this fit's data, not the last one's

    def data_loss(self) -> float:
        """The loss of the whole training set at the current parameters; its gradient into ``net._grads``."""
        net = self.net
        # engine: the compiled one, or a CustomLoss's value and gradient in NumPy (train/python_loss.py).
        return float(engine(net.criterion).backward(net._arch, net._params, net._grads, self.X, self.Y,
                                                    self.weights, self.work))

    def __call__(self, epoch: int, loop: Any) -> dict[str, float]:
        net, optimizer = self.net, self.optimizer
        started = time.perf_counter()
        loss, self.stop_reason = optimizer.iterate(net._params, net._grads, self.data_loss)
        loop.step[0] = optimizer.t   # what Ctrl-C counts epochs by
        if self.stop_reason == "not_finite":
            raise TrainingDivergedError(epoch, loop.history, optimizer.lr)
        logs = {"loss": loss}
        if loop.metrics.training.flags:
            # L-BFGS has no batches to average over: the figures of the point the iteration reached,
            # in one more forward pass (unweighted, as evaluate's figures are).
            figures = net._evaluate(loop.plan.X, loop.plan.Y, loop.metrics.training)
            logs.update({name[len("val_"):]: value for name, value in figures.items() if name != "val_loss"})
        if loop.plan.validation_data is not None:
            logs.update(net._evaluate(*loop.plan.validation_data, loop.metrics.validation))
            loop._warn_nonfinite_validation(epoch, logs["val_loss"])
        logs["lr"] = optimizer.lr
        logs["time"] = time.perf_counter() - started
        return logs

    @property
    def converged(self) -> bool:
        """The last iteration met a stopping rule: fit ends after this epoch."""
        return self.stop_reason is not None

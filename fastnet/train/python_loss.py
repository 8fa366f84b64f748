"""A loss written in Python (``fastnet.CustomLoss``), batch by batch: its calls, their checks, and the
Python twins of the engine's ``loss``, ``evaluate`` and ``backward`` for it.

The loss is known here only by its two methods, ``value(output, target)`` (the
per-sample losses, (n,)) and ``gradient(output, target)`` (their derivatives
with respect to the output, (n, n_outputs)): this module imports nothing of
:mod:`fastnet.nn`. A batch is the compiled forward pass
(``_engine.output_pass``), the two Python calls, then the compiled backward
pass from the batch loss's output gradient: ``sum_i w_i g_i / sum_i w_i``
row by row (``g_i / n`` without weights), the gradient of the (weighted) mean
of docs/MATH.md's "Losses". :func:`engine` gives the network's loss, evaluate and
backward the engine's signatures for either kind of loss. What the methods return is checked on every batch
for shape (an O(1) look that gives a clear error instead of a broadcast), and
on a loss's first batch for its values (finite).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._core import metrics as _metrics
from .._core import network as _engine
from ..checks.arrays import Floats

__all__ = ["is_python_loss", "batch_loss_gradient", "forward_backward", "PythonEngine", "engine"]

_SIGNATURES = {"value": "value(output, target) -> the per-sample losses",
               "gradient": "gradient(output, target) -> d(per-sample loss)/d(output)"}


def is_python_loss(criterion: Any) -> bool:
    """True for a loss whose every value and gradient this module computes (a ``fastnet.CustomLoss``)."""
    return bool(getattr(criterion, "python_loss", False))


def _call(criterion: Any, method: str, out: Floats, target: Floats, shape: tuple[int, ...],
          first: bool) -> npt.NDArray[Any]:
    """``criterion.<method>(out, target)``, checked: a real array of ``shape``, finite on a first batch."""
    name = f"{type(criterion).__name__}.{method}"
    function = getattr(criterion, method, None)
    if not callable(function):
        raise TypeError(f"the loss {type(criterion).__name__} has no method {_SIGNATURES[method]}")
    result = np.asarray(function(out, target))
    if result.dtype.kind not in "fiu":
        raise TypeError(f"{name} must return real numbers ({_SIGNATURES[method]}), got dtype {result.dtype}")
    if result.shape != shape:
        raise ValueError(f"{name} must return an array of shape {shape} ({_SIGNATURES[method]}, for a batch "
                         f"of {out.shape[0]} samples and {out.shape[1]} outputs), got shape {result.shape}")
    if first and not np.isfinite(result).all():
        raise ValueError(f"{name} returned NaN or infinity on the first batch (outputs in "
                         f"[{out.min():g}, {out.max():g}]): it must be finite where the network starts")
    return result


def batch_loss_gradient(criterion: Any, out: Floats, target: Floats, weights: Floats | None, grad: Floats,
                        first: bool = False) -> float:
    """The batch loss, ``sum_i w_i l_i / sum_i w_i`` (the plain mean when ``weights`` is None), from
    ``criterion.value``; ``grad[:]`` = its gradient with respect to ``out`` from ``criterion.gradient``."""
    n = out.shape[0]
    values = _call(criterion, "value", out, target, (n,), first)
    per_sample = _call(criterion, "gradient", out, target, out.shape, first)
    if weights is None:
        np.divide(per_sample, n, out=grad, casting="same_kind")
        total: float = values.sum(dtype=np.float64).item()
        return total / float(n)
    w = weights.astype(np.float64)
    w_sum = float(w.sum())
    if not w_sum > 0:   # a batch of zero weights moves nothing (the kernels' rule)
        grad[:] = 0
        return 0.0
    np.multiply(per_sample, (w / w_sum)[:, None], out=grad, casting="same_kind")
    return float(w @ values.astype(np.float64)) / w_sum


def forward_backward(criterion: Any, arch: Any, params: Floats, grads: Floats, X: Floats, Y: Floats,
                     weights: Floats | None, work: Floats, out: Floats, grad: Floats,
                     rng: npt.NDArray[np.uint64] | None, first: bool = False) -> float:
    """One batch: the loss of (X, Y), its gradient into ``grads``; ``out`` and ``grad`` hold len(X) rows.

    ``rng``: the dropout stream (advanced by the forward pass), or None for no dropout.
    """
    _engine.output_pass(arch, params, grads, X, out, work, False, rng)
    value = batch_loss_gradient(criterion, out, Y, weights, grad, first)
    _engine.output_pass(arch, params, grads, X, grad, work, True, rng)
    return value


class PythonEngine:
    """The engine's ``loss``, ``evaluate`` and ``backward``, with its signatures, for a Python loss."""

    def __init__(self, criterion: Any) -> None:
        self.criterion = criterion

    def backward(self, arch: Any, params: Floats, grads: Floats, X: Floats, Y: Floats, weights: Floats,
                 work: Floats, rng: npt.NDArray[np.uint64] | None = None) -> float:
        """(X, Y) as one batch (``weights`` empty for the plain mean); the values checked as on a first batch."""
        out = np.empty((X.shape[0], Y.shape[1]), dtype=X.dtype)
        return forward_backward(self.criterion, arch, params, grads, X, Y, weights if weights.size else None,
                                work, out, np.empty_like(out), rng, first=True)

    def evaluate(self, arch: Any, params: Floats, X: Floats, Y: Floats, weights: Floats, work: Floats,
                 capacity: int, metric_flags: int = 0, top_k: int = 0,
                 metric_acc: npt.NDArray[np.float64] | None = None) -> float:
        """The (weighted) mean loss over (X, Y), in chunks of ``capacity`` rows (one call of ``value``
        each); the metric sums of the outputs added to ``metric_acc``."""
        n = X.shape[0]
        out = np.empty((min(capacity, n), Y.shape[1]), dtype=X.dtype)
        total, w_total = 0.0, float(weights.sum(dtype=np.float64)) if weights.size else float(n)
        for s in range(0, n, capacity):
            rows = out[:min(capacity, n - s)]
            _engine.predict(arch, params, X[s:s + rows.shape[0]], rows, work, capacity)
            target = Y[s:s + rows.shape[0]]
            chunk_weights = weights[s:s + rows.shape[0]] if weights.size else weights
            if metric_flags:
                assert metric_acc is not None, "metric sums need an accumulator"
                # A custom loss is a regression loss to the metric kernel (mae, rmse, r2 apply).
                _metrics.accumulate(metric_flags, top_k, self.criterion.id, 0.0, rows, target, chunk_weights,
                                    metric_acc)
            values = _call(self.criterion, "value", rows, target, (rows.shape[0],), first=False)
            values = values.astype(np.float64)
            total += float(chunk_weights.astype(np.float64) @ values) if weights.size else float(values.sum())
        return total / w_total if w_total > 0 else 0.0

    def loss(self, arch: Any, params: Floats, X: Floats, Y: Floats, weights: Floats, work: Floats,
             capacity: int) -> float:
        """:meth:`evaluate` without metrics."""
        return self.evaluate(arch, params, X, Y, weights, work, capacity)


def engine(criterion: Any) -> Any:
    """What computes a network's loss: the compiled engine, or a :class:`PythonEngine` for a Python loss."""
    return PythonEngine(criterion) if is_python_loss(criterion) else _engine

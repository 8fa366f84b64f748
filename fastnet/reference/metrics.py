"""The metrics in pure Python: the sums of ``fastnet/_core/metrics.pyx``, row by row (docs/MATH.md, "Metrics").

:func:`accumulate` adds one batch's sums to an accumulator laid out as the
kernel's (a list of floats); :class:`fastnet.train.metrics.MetricSet` turns
the sums into figures, for both networks. The reference's ``fit`` calls it on
each batch's outputs before the batch's update, as the epoch kernel does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..nn.losses import Loss
from ..train.metrics import Metric, MetricSet, resolve_metrics
from ._data import as_weights
from .losses import loss_gradient

if TYPE_CHECKING:
    from .network import Network

__all__ = ["accumulate", "accumulator", "evaluate"]

_COLUMNS = 6   # the kernel's SLOT_COLUMNS: weight, hits, top-k hits, |e|, e^2, log loss


def _argmax(row: Sequence[float]) -> int:
    return max(range(len(row)), key=row.__getitem__)   # the first of equal maxima


def accumulator(metrics: MetricSet, y_rows: Sequence[Sequence[float]]) -> list[float]:
    """Zeroed sums, then the shifts c_j (each column's mean) that r2's sums subtract."""
    k = metrics.n_outputs
    shifts = [sum(col) / len(y_rows) for col in zip(*y_rows)] if y_rows else [0.0] * k
    return [0.0] * (_COLUMNS + 3 * k) + list(shifts)


def _row(metrics: MetricSet, criterion: Loss, o: Sequence[float], t: Sequence[float], w: float,
         acc: list[float]) -> None:
    k = len(o)
    names = {m.name for m in metrics.metrics}
    acc[0] += w
    if criterion.name == "cross_entropy" and names & {"accuracy", "top_k_accuracy"}:
        truth = _argmax(t)
        if "accuracy" in names and _argmax(o) == truth:
            acc[1] += w
        if "top_k_accuracy" in names and sum(v > o[truth] for v in o) < metrics.top_k:
            acc[2] += w
    elif criterion.name == "binary_cross_entropy" and "accuracy" in names:
        acc[1] += w * sum((z >= 0) == (y >= 0.5) for z, y in zip(o, t))   # logits: sigmoid(z) >= 0.5 iff z >= 0
    if "log_loss" in names:
        value = loss_gradient(criterion, [o], [t])[0]
        acc[5] += w * (value * k if criterion.name == "binary_cross_entropy" else value)
    for j, (oj, yj) in enumerate(zip(o, t)):
        e = oj - yj
        acc[3] += w * abs(e)
        acc[4] += w * e * e
        shifted = yj - acc[_COLUMNS + 3 * k + j]
        acc[_COLUMNS + j] += w * shifted
        acc[_COLUMNS + k + j] += w * shifted * shifted
        acc[_COLUMNS + 2 * k + j] += w * e * e


def accumulate(metrics: MetricSet, criterion: Loss, out_rows: Sequence[Sequence[float]],
               y_rows: Sequence[Sequence[float]], weights: Sequence[float] | None, acc: list[float]) -> None:
    """Add the sums of a batch to ``acc``; out_rows: the logits for the cross-entropies, else the outputs."""
    for i, (o, t) in enumerate(zip(out_rows, y_rows)):
        _row(metrics, criterion, o, t, 1.0 if weights is None else weights[i], acc)


def evaluate(net: Network, X: object, Y: object, metrics: Iterable[Metric | str] | None,
             sample_weight: object) -> dict[str, float]:
    """``{"loss": ..., metric: ...}``, as :meth:`fastnet.Network.evaluate`."""
    chosen = resolve_metrics(metrics, net.criterion.name, net.n_outputs)
    rows, targets = net._check_data(X, Y)
    weights = as_weights(sample_weight, len(rows))
    a, z, _, _ = net._forward(rows)   # no generator: evaluation draws no dropout masks
    out = net._loss_input(a, z)
    acc = accumulator(chosen, targets)
    accumulate(chosen, net.criterion, out, targets, weights, acc)
    return {"loss": net._loss_gradient(out, targets, weights)[0], **chosen.figures(acc)}

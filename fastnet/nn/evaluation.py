"""``Network.evaluate`` and the validation figures of ``fit``: the loss and the metrics in one forward pass.

The metric sums are taken by the same kernel as the training metrics'
(``fastnet/_core/metrics.pyx``), on the same outputs (the logits for the
cross-entropies), and :mod:`fastnet.train.metrics` turns them into figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..checks.arrays import Floats, as_sample_weight, no_weights
from ..runtime.threads import blas_threads
from ..train.python_loss import engine
from ..train.metrics import Metric, MetricSet, resolve_metrics

if TYPE_CHECKING:
    from .network import Network

__all__ = ["evaluate", "validation_figures", "validation_metrics"]


def _figures(net: Network, X: Floats, Y: Floats, weights: Floats, metrics: MetricSet,
             prefix: str) -> dict[str, float]:
    """The loss and ``metrics`` on checked arrays (the caller holds the lock)."""
    capacity = net._chunk(X.shape[0])
    acc = metrics.accumulator(Y)
    loss = float(engine(net.criterion).evaluate(net._arch, net._params, X, Y, weights, net._workspace(capacity),
                                                capacity, metrics.flags, metrics.top_k, acc))
    return {prefix + "loss": loss, **metrics.figures(acc, prefix)}


def validation_metrics(net: Network, metrics: Iterable[Metric | str] | None) -> MetricSet:
    """What ``fit`` reports on validation data: ``metrics``, or accuracy for a classification loss when None."""
    if metrics is None and net.criterion.is_classification:
        metrics = ["accuracy"]   # fastnet 0.x's val_accuracy, kept when no metrics are asked for
    return resolve_metrics(metrics, net.criterion.name, net.n_outputs)


def validation_figures(net: Network, X: Floats, Y: Floats, metrics: MetricSet) -> dict[str, float]:
    """``val_loss`` and ``val_<metric>`` on the checked validation data (inside ``fit``)."""
    return _figures(net, X, Y, no_weights(net.dtype), metrics, "val_")


def evaluate(net: Network, X: npt.ArrayLike, Y: npt.ArrayLike, metrics: Iterable[Metric | str] | None,
             sample_weight: npt.ArrayLike | None) -> dict[str, float]:
    """``{"loss": ..., metric: ...}`` on (X, Y): see :meth:`fastnet.Network.evaluate`."""
    chosen = resolve_metrics(metrics, net.criterion.name, net.n_outputs)
    features, targets = net._check_xy(X, Y)
    weights: Floats = as_sample_weight(sample_weight, features.shape[0], net.dtype)
    if features.shape[0] == 0:
        raise ValueError("X has no rows: there is nothing to evaluate")
    with net._lock, blas_threads(net.n_threads):
        figures = _figures(net, features, targets, weights, chosen, "")
    net._check_finite_result(np.array(list(figures.values())), "loss")
    return figures

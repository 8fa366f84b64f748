"""Learning rates compared: one network trained at each rate, too small, good and too large."""

from __future__ import annotations

import math
import numbers
import pickle
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt

from ._mpl import Axes, Figure, Line2D
from ._shared import FIGSIZE, check_xy, spans_decades
from .optimizer_specs import OptimizerSpec, optimizer_factory
from ..nn.network import Network
from ..optim.optimizers import Optimizer
from ..train.errors import TrainingDivergedError

__all__ = ["plot_learning_rates"]

Losses = npt.NDArray[np.float64]


def _fresh_network(make_network: Callable[[], Network] | Network) -> Network:
    if isinstance(make_network, Network):
        copied: Network = pickle.loads(pickle.dumps(make_network))  # an independent copy, same parameters
        return copied
    if not callable(make_network):
        raise TypeError(f"make_network must be a function returning a fresh fastnet.Network (or a Network "
                        f"to copy), got {type(make_network).__name__}")
    net = make_network()
    if not isinstance(net, Network):
        raise TypeError(f"make_network() must return a fastnet.Network, got {type(net).__name__}")
    return net


def _train_at_rate(net: Network, X: npt.ArrayLike, Y: npt.ArrayLike, optimizer: Optimizer, epochs: int,
                   batch_size: int | None, divergence_factor: float) -> tuple[Losses, int | None]:
    """Losses from epoch 0 (before training) on, and the epoch where the run diverged (or None)."""
    start = net.loss(X, Y)
    limit = divergence_factor * start if start > 0 else math.inf
    losses, diverged = [start], None

    def blew_up(epoch: int, logs: dict[str, float]) -> bool:
        return not logs["loss"] <= limit   # also True for NaN

    try:
        history = net.fit(X, Y, optimizer=optimizer, epochs=epochs, batch_size=batch_size,
                          callbacks=[blew_up])
    except TrainingDivergedError as exc:     # the loss became inf or NaN
        losses += exc.history.loss if exc.history is not None else []
        diverged = exc.epoch
    else:
        losses += history.loss
        if history.stopped_early:
            diverged = len(history.loss)
    return np.array(losses, dtype=np.float64), diverged


def _check_rates(lrs: Iterable[float], divergence_factor: float) -> list[float]:
    listed = list(lrs)
    if not listed:
        raise ValueError("lrs must hold at least one learning rate")
    for lr in listed:
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0 or not math.isfinite(lr):
            raise ValueError(f"learning rates must be finite numbers > 0, got {lr!r}")
    if not divergence_factor > 1:
        raise ValueError(f"divergence_factor must be > 1, got {divergence_factor!r}")
    return listed


def _draw_run(ax: Axes, index: int, lr: float, losses: Losses, diverged: int | None) -> tuple[Losses, Line2D | None]:
    """One rate's curve up to its last finite loss, and the cross where it diverged (or None)."""
    finite = np.isfinite(losses)
    last = int(np.flatnonzero(finite)[-1]) if finite.any() else 0
    x = np.arange(last + 1)
    y = losses[:last + 1]
    label = f"lr={lr:g}" + (f" (diverged in epoch {diverged})" if diverged is not None else "")
    (line,) = ax.plot(x, y, color=f"C{index}", label=label, gid=f"lr={lr:g}")
    marker = None
    if diverged is not None:
        marker = ax.plot(x[-1:], y[-1:], marker="x", markersize=12, markeredgewidth=2.5, linestyle="none",
                         color=line.get_color(), clip_on=False, gid=f"diverged:lr={lr:g}")[0]
    return y, marker


def _scale_axis(ax: Axes, drawn: Sequence[Losses], converged: Sequence[bool], markers: Sequence[Line2D]) -> None:
    """The y axis fitted to the runs that did not diverge: logarithmic when they span a
    decade or more, else linear, so that a slow and a good rate are two curves, not one flat line.

    A diverging run climbs by decades in a few epochs; fitted to it, the axis
    would squash every other curve flat. Above the top it leaves the plot, and
    its cross sits on the top edge. When every run diverged the axis fits them all.
    """
    kept = [v[np.isfinite(v)] for v, ok in zip(drawn, converged) if ok and v.size] or \
        [v[np.isfinite(v)] for v in drawn if v.size]
    values = np.concatenate(kept) if kept else np.empty(0)
    if values.size == 0:
        return
    low, high = float(values.min()), float(values.max())
    if spans_decades(*kept):
        ax.set_yscale("log")
        bottom, top = low / 1.5, high * 1.5
    else:
        margin = 0.08 * (high - low) if high > low else 0.05 * max(abs(high), 1e-12)
        bottom, top = low - margin, high + margin
    ax.set_ylim(bottom, top)
    for marker in markers:
        marker.set_ydata(np.minimum(np.asarray(marker.get_ydata(), dtype=np.float64), top))


def plot_learning_rates(make_network: Callable[[], Network] | Network, X: npt.ArrayLike, Y: npt.ArrayLike,
                        lrs: Iterable[float] = (1e-3, 1e-1, 10.0), optimizer: OptimizerSpec = "sgd",
                        epochs: int = 50, batch_size: int | None = None, divergence_factor: float = 100.0,
                        title: str | None = None) -> Figure:
    """Loss curves of one network trained with each learning rate, on one axis.

    Parameters
    ----------
    make_network
        Function () -> fastnet.Network, called once per rate (give the
        same seed each time so that every run starts from the same weights), or
        a Network, copied once per rate.
    lrs
        Learning rates, typically (too small, good, too large).
    optimizer
        A name ("sgd", "momentum", "adam", ...), an Optimizer class, or a
        function lr -> Optimizer.
    epochs, batch_size
        As for ``Network.fit`` (batch_size None: full-batch gradient descent).
    divergence_factor
        A run whose loss exceeds this many times its starting
        loss (or becomes NaN or infinite) has diverged: its curve stops there,
        marked with a cross.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Notes
    -----
    Each curve starts at epoch 0, the loss before training.
    """
    X, Y = check_xy(X, Y)
    rates = _check_rates(lrs, divergence_factor)
    name, make_optimizer = optimizer_factory(optimizer)

    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    drawn, converged, markers = [], [], []
    for index, lr in enumerate(rates):
        net = _fresh_network(make_network)
        losses, diverged = _train_at_rate(net, X, Y, make_optimizer(float(lr)), epochs, batch_size,
                                          divergence_factor)
        y, marker = _draw_run(ax, index, lr, losses, diverged)
        drawn.append(y)
        converged.append(diverged is None)
        if marker is not None:
            markers.append(marker)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    _scale_axis(ax, drawn, converged, markers)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best")
    ax.set_title(title if title is not None else f"{name}: too small, good and too large learning rates"
                 if len(rates) == 3 else f"{name} at {len(rates)} learning rates")
    return fig

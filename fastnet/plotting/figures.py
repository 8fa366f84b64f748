"""Plots of training, as the seed texts draw them (optional: needs matplotlib).

* :func:`plot_history` -- the loss curve: training and validation loss per
  epoch (and accuracy, when there is one, on a second axis).
* :func:`plot_learning_rates` -- the same network trained with a learning
  rate that is too small, a good one and one that is too large: slow
  progress, fast progress, divergence.
* :func:`plot_loss_surface` -- the loss over a plane through parameter space
  around the network's parameters, with the path each optimizer takes
  downhill from one starting point.

Every function returns a :class:`matplotlib.figure.Figure` built with the
object API (no pyplot, no global state, safe in threads and on headless
machines); save it with ``fig.savefig("loss.png")``.
"""

import math
import numbers
import pickle

import numpy as np

try:
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure
except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
    raise ImportError("fastnet.plotting needs matplotlib: pip install matplotlib (or fastnet[plot])") from exc

from .._core import optimizers as _kernels
from ..train.errors import TrainingDivergedError
from ..nn.network import Network
from ..optim.optimizers import OPTIMIZERS, SGD, Optimizer

__all__ = ["plot_history", "plot_learning_rates", "plot_loss_surface"]

_FIGSIZE = (7.0, 4.5)


# -- helpers ------------------------------------------------------------------------
def _as_floats(values):
    """A list that may hold None as a float array (None -> NaN, so the line breaks there)."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _spans_decades(*arrays, ratio=10.0):
    """True when the positive finite values span at least ``ratio`` (a log axis reads better)."""
    values = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays] or [np.empty(0)])
    values = values[np.isfinite(values)]
    if values.size == 0 or (values <= 0).any():
        return False
    return values.max() / values.min() >= ratio


# Optimizers by name, each a function of the learning rate. "momentum" and
# "nesterov" are SGD with momentum 0.9, as the seed texts and most courses use.
_NAMED = {
    "gd": ("gradient descent", lambda lr: SGD(lr=lr)),
    "sgd": ("SGD", lambda lr: SGD(lr=lr)),
    "momentum": ("momentum 0.9", lambda lr: SGD(lr=lr, momentum=0.9)),
    "nesterov": ("Nesterov 0.9", lambda lr: SGD(lr=lr, momentum=0.9, nesterov=True)),
}


def _optimizer_factory(spec):
    """(label, make(lr) -> a fresh Optimizer, fixed lr or None) from a name, class, instance or callable."""
    if isinstance(spec, str):
        key = spec.lower()
        if key in _NAMED:
            return _NAMED[key]
        if key in OPTIMIZERS:
            cls = OPTIMIZERS[key]
            return cls.__name__, lambda lr: cls(lr=lr)
        raise ValueError(f"unknown optimizer {spec!r}; expected one of "
                         f"{', '.join(map(repr, [*_NAMED, *OPTIMIZERS]))}, a class or an instance")
    if isinstance(spec, type) and issubclass(spec, Optimizer):
        return spec.__name__, lambda lr: spec(lr=lr)
    if isinstance(spec, Optimizer):
        # A copy per use: an optimizer keeps state for one network only.
        hyper = dict(spec.hyperparameters)
        return (type(spec).__name__, lambda lr: type(spec)(**{**hyper, "lr": hyper["lr"] if lr is None else lr}))
    if callable(spec):
        return getattr(spec, "__name__", "optimizer"), spec
    raise TypeError(f"optimizer must be a name, an Optimizer class or instance, or a function of lr; "
                    f"got {type(spec).__name__}")


def _check_xy(X, Y):
    if X is None or Y is None:
        raise TypeError("X and Y must be arrays")
    return X, Y


# -- the loss curve ---------------------------------------------------------------------
def plot_history(history, title=None):
    """The training (and validation) loss per epoch; accuracy on a second axis when recorded.

    history : fastnet.History (what ``fit`` returns) or a dict of per-epoch lists
        (``{"loss": [...], "val_loss": [...], ...}``, Keras's ``history.history``).
    The loss axis is logarithmic when the losses span a decade or more. The
    best epoch of early stopping is marked.
    """
    series = dict(getattr(history, "history", history))
    if "loss" not in series:
        raise ValueError(f"history has no 'loss' series (it has {sorted(series)})")
    loss = _as_floats(series["loss"])
    epochs = list(getattr(history, "epoch", None) or range(1, len(loss) + 1))

    fig = Figure(figsize=_FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(epochs, loss, color="C0", label="training loss", gid="loss")
    curves = [loss]
    if series.get("val_loss") is not None and any(v is not None for v in series["val_loss"]):
        val_loss = _as_floats(series["val_loss"])
        ax.plot(epochs, val_loss, color="C1", label="validation loss", gid="val_loss")
        curves.append(val_loss)
    if _spans_decades(*curves):
        ax.set_yscale("log")
    best = getattr(history, "best_epoch", None)
    if best is not None and getattr(history, "stopped_early", False):
        ax.axvline(best, color="0.5", linestyle=":", label=f"best epoch ({best})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True, which="major", alpha=0.3)
    if not len(loss):
        ax.text(0.5, 0.5, "no epochs recorded", transform=ax.transAxes, ha="center", va="center")

    handles, labels = ax.get_legend_handles_labels()
    accuracy = [k for k in ("accuracy", "val_accuracy") if series.get(k) is not None
                and any(v is not None for v in series[k])]
    if accuracy:
        twin = ax.twinx()
        for key, color in zip(accuracy, ("C2", "C3")):
            twin.plot(epochs, _as_floats(series[key]), color=color, linestyle="--",
                      label=key.replace("val_", "validation ").replace("_", " "), gid=key)
        twin.set_ylabel("accuracy")
        twin.set_ylim(0.0, 1.0)
        more_handles, more_labels = twin.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.legend(handles, labels, loc="best")
    ax.set_title(title if title is not None else "Loss per epoch")
    return fig


# -- learning rates -----------------------------------------------------------------------
def _fresh_network(make_network):
    if isinstance(make_network, Network):
        return pickle.loads(pickle.dumps(make_network))  # an independent copy, same parameters
    if not callable(make_network):
        raise TypeError(f"make_network must be a function returning a fresh fastnet.Network (or a Network "
                        f"to copy), got {type(make_network).__name__}")
    net = make_network()
    if not isinstance(net, Network):
        raise TypeError(f"make_network() must return a fastnet.Network, got {type(net).__name__}")
    return net


def _train_at_rate(net, X, Y, optimizer, epochs, batch_size, divergence_factor):
    """Losses from epoch 0 (before training) on, and the epoch where the run diverged (or None)."""
    start = net.loss(X, Y)
    limit = divergence_factor * start if start > 0 else math.inf
    losses, diverged = [start], None

    def blew_up(epoch, logs):
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


def plot_learning_rates(make_network, X, Y, lrs=(1e-3, 1e-1, 10.0), optimizer="sgd", epochs=50,
                        batch_size=None, divergence_factor=100.0, title=None):
    """Loss curves of one network trained with each learning rate, on one axis.

    make_network : function () -> fastnet.Network, called once per rate (give the
        same seed each time so that every run starts from the same weights), or
        a Network, copied once per rate.
    lrs : learning rates, typically (too small, good, too large).
    optimizer : a name ("sgd", "momentum", "adam", ...), an Optimizer class, or a
        function lr -> Optimizer.
    epochs, batch_size : as for ``Network.fit`` (batch_size None: full-batch gradient descent).
    divergence_factor : a run whose loss exceeds this many times its starting
        loss (or becomes NaN or infinite) has diverged: its curve stops there,
        marked with a cross.

    Each curve starts at epoch 0, the loss before training.
    """
    X, Y = _check_xy(X, Y)
    lrs = list(lrs)
    if not lrs:
        raise ValueError("lrs must hold at least one learning rate")
    for lr in lrs:
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0 or not math.isfinite(lr):
            raise ValueError(f"learning rates must be finite numbers > 0, got {lr!r}")
    if not divergence_factor > 1:
        raise ValueError(f"divergence_factor must be > 1, got {divergence_factor!r}")
    name, make_optimizer = _optimizer_factory(optimizer)

    fig = Figure(figsize=_FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    drawn, starts, markers = [], [], []
    for index, lr in enumerate(lrs):
        net = _fresh_network(make_network)
        losses, diverged = _train_at_rate(net, X, Y, make_optimizer(float(lr)), epochs, batch_size,
                                          divergence_factor)
        finite = np.isfinite(losses)
        last = int(np.flatnonzero(finite)[-1]) if finite.any() else 0
        x = np.arange(last + 1)
        y = losses[:last + 1]
        label = f"lr={lr:g}" + (f" (diverged in epoch {diverged})" if diverged is not None else "")
        (line,) = ax.plot(x, y, color=f"C{index}", label=label, gid=f"lr={lr:g}")
        if diverged is not None:
            markers.append(ax.plot(x[-1:], y[-1:], marker="x", markersize=12, markeredgewidth=2.5,
                                   linestyle="none", color=line.get_color(), clip_on=False,
                                   gid=f"diverged:lr={lr:g}")[0])
        drawn.append(y)
        starts.append(losses[0])
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    if _spans_decades(*drawn):
        ax.set_yscale("log")
        # Keep the converging curves readable: a diverging run may climb by many decades
        # in its last epoch; beyond the top its cross sits on the edge of the plot.
        highest = max(float(v.max()) for v in drawn if v.size)
        top = min(2.0 * highest, divergence_factor * divergence_factor * max([s for s in starts if s > 0] or [1.0]))
        bottom = min(float(v.min()) for v in drawn if v.size) / 2
        if top > bottom > 0:
            ax.set_ylim(bottom, top)
            for marker in markers:
                marker.set_ydata(np.minimum(marker.get_ydata(), top))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best")
    ax.set_title(title if title is not None else f"{name}: too small, good and too large learning rates"
                 if len(lrs) == 3 else f"{name} at {len(lrs)} learning rates")
    return fig


# -- the loss surface ----------------------------------------------------------------------
class _Plane:
    """Two coordinates that stand in for a network, so that the real ``Optimizer.step``
    and the compiled update kernels move them (the optimizers only need
    ``params``, ``grads`` and these two hooks)."""

    dtype = np.dtype(np.float64)

    def __init__(self, start):
        self.params = np.array(start, dtype=np.float64)
        self.grads = np.zeros(2, dtype=np.float64)

    def _new_optimizer_state(self, optimizer):
        state = np.zeros((optimizer.n_state, 2), dtype=np.float64)
        for row in range(optimizer.n_state):
            state[row] = optimizer.initial_state_value(row)
        return state

    def _optimizer_update(self, optimizer):
        _kernels.step(optimizer.kernel_id, np.asarray(optimizer.hyper_vector(), dtype=np.float64),
                      optimizer.t, self.params, self.grads, optimizer.state)


def _random_directions(net, seed):
    """Two seeded Gaussian directions, each scaled neuron by neuron to the norm of that
    neuron's weights and bias (the filter normalisation of Li et al., 2018, "Visualizing
    the loss landscape of neural nets"), so that 1 unit along a direction is about
    as large a change for every neuron, whatever the layers' scales."""
    rng = np.random.default_rng(seed)
    p = net.params.astype(np.float64)
    directions = []
    for _ in range(2):
        d = rng.standard_normal(net.n_params)
        offset = 0
        for layer in net.layers:
            n_w = layer.n_in * layer.n_out
            W = p[offset:offset + n_w].reshape(layer.n_in, layer.n_out)
            b = p[offset + n_w:offset + n_w + layer.n_out]
            dW = d[offset:offset + n_w].reshape(layer.n_in, layer.n_out)   # views into d
            db = d[offset + n_w:offset + n_w + layer.n_out]
            target = np.sqrt((W * W).sum(axis=0) + b * b)
            current = np.sqrt((dW * dW).sum(axis=0) + db * db)
            scale = np.where(current > 0, target / np.where(current > 0, current, 1.0), 0.0)
            dW *= scale
            db *= scale
            offset += n_w + layer.n_out
        directions.append(d)
    return directions


class _Slice:
    """The loss on the plane ``p0 + a d1 + b d2`` and its gradient in (a, b), from the real kernels."""

    def __init__(self, net, X, Y, d1, d2):
        self.net, self.X, self.Y = net, X, Y
        self.p0 = net.params.astype(np.float64)
        self.d1, self.d2 = d1, d2
        self.point = np.empty_like(self.p0)

    def _move(self, a, b):
        np.multiply(self.d1, a, out=self.point)
        self.point += self.p0
        self.point += b * self.d2
        self.net.params[:] = self.point    # the live buffer; rounded to the network's dtype

    def loss(self, a, b):
        self._move(a, b)
        return self.net.loss(self.X, self.Y)

    def gradient(self, a, b, out):
        """Fill ``out`` with (dL/da, dL/db) = (g . d1, g . d2), g from backpropagation; returns L."""
        self._move(a, b)
        value = self.net.backward(self.X, self.Y)
        g = self.net.grads.astype(np.float64)
        out[0] = g @ self.d1
        out[1] = g @ self.d2
        return value


def _run_path(surface, make_optimizer, lr, start, steps, limit):
    """Plane coordinates visited (steps + 1, 2) by the optimizer, stopping early if it leaves
    ``limit`` or the loss stops being finite."""
    plane = _Plane(start)
    optimizer = make_optimizer(lr)
    visited = [plane.params.copy()]
    for _ in range(steps):
        value = surface.gradient(plane.params[0], plane.params[1], plane.grads)
        if not (math.isfinite(value) and np.isfinite(plane.grads).all()):
            break
        optimizer.step(plane)
        if not np.isfinite(plane.params).all():
            break
        visited.append(plane.params.copy())
        if np.abs(plane.params).max() > limit:
            break
    return np.array(visited)


def _calibrated_lr(surface, make_optimizer, start, target_step):
    """The lr whose first step from ``start`` has length ``target_step``.

    Every optimizer here takes a first step proportional to lr (SGD: lr g; Adam:
    about lr per coordinate; ...), so one trial step with lr = 1 gives the scale.
    """
    plane = _Plane(start)
    surface.gradient(plane.params[0], plane.params[1], plane.grads)
    trial = make_optimizer(1.0)
    trial.step(plane)
    length = float(np.hypot(*(plane.params - np.asarray(start, dtype=np.float64))))
    return target_step / length if length > 0 and math.isfinite(length) else None


def plot_loss_surface(net, X, Y, optimizers=("sgd", "momentum", "adam"), params=None, directions="random",
                      span=1.0, start=(0.0, 0.0), steps=60, lr=None, resolution=41, seed=0, title=None):
    """Contours of the loss over a plane around ``net.params``, with each optimizer's path across it.

    The plane is ``p0 + a d1 + b d2``: ``p0`` the current parameters, and
    ``d1``, ``d2`` either the unit vectors of two parameters (``params=(i, j)``,
    the axes then show those parameters' values) or two directions in the full
    parameter space (``directions="random"``: seeded Gaussian directions,
    filter-normalised as in Li et al., 2018; or a pair of arrays of length
    ``net.n_params``).

    Each optimizer starts at ``start`` (plane coordinates; (0, 0) is the
    current parameters) and trains only the two plane coordinates for
    ``steps`` full-batch steps: the gradient comes from the network's own
    backpropagation (``net.backward``) and is projected onto the plane
    (``dL/da = g . d1``), and the update is the optimizer's compiled kernel.

    optimizers : names ("sgd", "momentum", "nesterov", "adam", "rmsprop", ...),
        Optimizer classes or instances.
    lr : None, a float for all, or a dict name -> lr. None chooses, for each
        optimizer, the lr whose first step is span / 25 long (instances keep theirs).
    span : the half-width of the plotted square, in plane units (widened to
        show the paths, up to 4 x span).
    resolution : grid points per side for the contours.

    ``net.params`` and ``net.grads`` are restored afterwards, also on error.
    Use a modest sample of the data (a few hundred rows): the contours take
    ``resolution**2`` loss evaluations.
    """
    if not isinstance(net, Network):
        raise TypeError(f"plot_loss_surface takes a fastnet.Network, got {type(net).__name__}")
    X, Y = _check_xy(X, Y)
    if not (isinstance(span, numbers.Real) and math.isfinite(span) and span > 0):
        raise ValueError(f"span must be a finite number > 0, got {span!r}")
    steps = int(steps)
    resolution = int(resolution)
    if steps < 1 or resolution < 3:
        raise ValueError(f"steps must be >= 1 and resolution >= 3, got {steps} and {resolution}")
    start = np.asarray(start, dtype=np.float64)
    if start.shape != (2,) or not np.isfinite(start).all():
        raise ValueError(f"start must be two finite plane coordinates (a, b), got {start!r}")
    if isinstance(optimizers, (str, Optimizer)) or isinstance(optimizers, type):
        optimizers = (optimizers,)

    n = net.n_params
    if params is not None:
        i, j = (int(k) for k in params)
        if not (0 <= i < n and 0 <= j < n) or i == j:
            raise ValueError(f"params must be two different indices in [0, {n}), got {params!r}")
        d1, d2 = np.zeros(n), np.zeros(n)
        d1[i] = d2[j] = 1.0
    elif isinstance(directions, str):
        if directions != "random":
            raise ValueError(f"directions must be 'random' or a pair of arrays, got {directions!r}")
        d1, d2 = _random_directions(net, seed)
    else:
        d1, d2 = (np.asarray(d, dtype=np.float64) for d in directions)
        if d1.shape != (n,) or d2.shape != (n,):
            raise ValueError(f"directions must be two arrays of length n_params={n}, got shapes "
                             f"{d1.shape} and {d2.shape}")

    saved_params, saved_grads = net.params.copy(), net.grads.copy()
    surface = _Slice(net, X, Y, d1, d2)
    limit = 4.0 * span + np.abs(start).max()
    try:
        paths = []
        for spec in optimizers:
            label, make = _optimizer_factory(spec)
            key = spec if isinstance(spec, str) else label
            rate = lr.get(key) if isinstance(lr, dict) else lr
            if rate is None and isinstance(spec, Optimizer):
                rate = spec.lr
            if rate is None:
                rate = _calibrated_lr(surface, make, start, span / 25.0) or 0.01  # 0.01: a flat start
            path = _run_path(surface, make, float(rate), start, steps, limit)
            paths.append((label, float(rate), key, path))

        # The square shown: at least +-span around the current parameters, wide enough for the paths.
        reach = max([span] + [1.05 * float(np.abs(p).max()) for *_, p in paths])
        half = min(reach, limit)
        grid = np.linspace(-half, half, resolution)
        Z = np.empty((resolution, resolution))
        for row, b in enumerate(grid):
            for col, a in enumerate(grid):
                Z[row, col] = surface.loss(a, b)
    finally:
        net.params[:] = saved_params
        net.grads[:] = saved_grads

    # Axes: the two parameters' own values, or plane coordinates along the directions.
    if params is not None:
        offset = (float(saved_params[i]), float(saved_params[j]))
        xlabel, ylabel = f"params[{i}]", f"params[{j}]"
    else:
        offset = (0.0, 0.0)
        xlabel, ylabel = "direction 1", "direction 2"

    fig = Figure(figsize=(7.0, 6.0), layout="constrained")
    ax = fig.add_subplot()
    A, B = np.meshgrid(grid + offset[0], grid + offset[1])
    Z = np.ma.masked_invalid(Z)
    if Z.count() and Z.min() > 0 and Z.max() / Z.min() > 100:
        levels = np.geomspace(Z.min(), Z.max(), 25)
        filled = ax.contourf(A, B, Z, levels=levels, norm=LogNorm(), cmap="viridis")
        ax.contour(A, B, Z, levels=levels[::3], colors="white", linewidths=0.5, alpha=0.6)
    else:
        filled = ax.contourf(A, B, Z, levels=25, cmap="viridis")
        ax.contour(A, B, Z, levels=8, colors="white", linewidths=0.5, alpha=0.6)
    fig.colorbar(filled, ax=ax, label="loss")
    for index, (label, rate, key, path) in enumerate(paths):
        ax.plot(path[:, 0] + offset[0], path[:, 1] + offset[1], color=f"C{index + 1}", marker="o",
                markersize=2.5, linewidth=1.8, label=f"{label} (lr={rate:.3g}, {len(path) - 1} steps)",
                gid=f"path:{key}")
        ax.plot(path[-1:, 0] + offset[0], path[-1:, 1] + offset[1], color=f"C{index + 1}", marker="*",
                markersize=11, linestyle="none", gid=f"end:{key}")
    ax.plot([start[0] + offset[0]], [start[1] + offset[1]], marker="o", markersize=9, color="black",
            linestyle="none", label="start", gid="start")
    ax.set_xlim(offset[0] - half, offset[0] + half)
    ax.set_ylim(offset[1] - half, offset[1] + half)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper right", fontsize="small")
    ax.set_title(title if title is not None else "Loss surface and the paths of gradient descent")
    return fig

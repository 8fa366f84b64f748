"""The loss surface: contours of the loss over a plane around the parameters, and each optimizer's path."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from ._mpl import Axes, Figure, LogNorm
from ._shared import check_xy
from .optimizer_specs import OptimizerSpec, optimizer_factory
from .plane import Slice, Vector, calibrated_lr, random_directions, run_path
from ..nn.network import Network
from ..optim.optimizers import Optimizer

__all__ = ["plot_loss_surface"]


class _Path(NamedTuple):
    label: str                      # the optimizer, for the legend
    lr: float
    key: str                        # what the lines' gids and a dict of lrs name it by
    points: npt.NDArray[np.float64]  # (n_steps + 1, 2) plane coordinates


def _check_arguments(net: object, span: float, steps: int, resolution: int,
                     start: tuple[float, float]) -> tuple[int, int, Vector]:
    if not isinstance(net, Network):
        raise TypeError(f"plot_loss_surface takes a fastnet.Network, got {type(net).__name__}")
    if not (isinstance(span, numbers.Real) and math.isfinite(span) and span > 0):
        raise ValueError(f"span must be a finite number > 0, got {span!r}")
    steps, resolution = int(steps), int(resolution)
    if steps < 1 or resolution < 3:
        raise ValueError(f"steps must be >= 1 and resolution >= 3, got {steps} and {resolution}")
    origin = np.asarray(start, dtype=np.float64)
    if origin.shape != (2,) or not np.isfinite(origin).all():
        raise ValueError(f"start must be two finite plane coordinates (a, b), got {origin!r}")
    return steps, resolution, origin


def _as_specs(optimizers: OptimizerSpec | Iterable[OptimizerSpec]) -> list[OptimizerSpec]:
    """One optimizer or several, as a list."""
    if isinstance(optimizers, (str, Optimizer, type)) or not isinstance(optimizers, Iterable):
        return [optimizers]
    return list(optimizers)


def _directions(net: Network, params: tuple[int, int] | None,
                directions: Literal["random"] | tuple[npt.ArrayLike, npt.ArrayLike], seed: int) -> tuple[Vector, Vector]:
    """d1 and d2: the unit vectors of two parameters, seeded random directions, or the pair given."""
    n = net.n_params
    if params is not None:
        i, j = (int(k) for k in params)
        if not (0 <= i < n and 0 <= j < n) or i == j:
            raise ValueError(f"params must be two different indices in [0, {n}), got {params!r}")
        d1, d2 = np.zeros(n), np.zeros(n)
        d1[i] = d2[j] = 1.0
        return d1, d2
    if isinstance(directions, str):
        if directions != "random":
            raise ValueError(f"directions must be 'random' or a pair of arrays, got {directions!r}")
        return random_directions(net, seed)
    d1, d2 = (np.asarray(d, dtype=np.float64) for d in directions)
    if d1.shape != (n,) or d2.shape != (n,):
        raise ValueError(f"directions must be two arrays of length n_params={n}, got shapes "
                         f"{d1.shape} and {d2.shape}")
    return d1, d2


def _paths(surface: Slice, optimizers: Iterable[OptimizerSpec], lr: float | dict[str, float] | None,
           start: Vector, span: float, steps: int, limit: float) -> list[_Path]:
    """Each optimizer's path from ``start``, at the lr given, its own, or the calibrated one."""
    paths = []
    for spec in optimizers:
        label, make = optimizer_factory(spec)
        key = spec if isinstance(spec, str) else label
        rate = lr.get(key) if isinstance(lr, dict) else lr
        if rate is None and isinstance(spec, Optimizer):
            rate = spec.lr
        if rate is None:
            rate = calibrated_lr(surface, make, start, span / 25.0) or 0.01  # 0.01: a flat start
        paths.append(_Path(label, float(rate), key, run_path(surface, make, float(rate), start, steps, limit)))
    return paths


def _loss_grid(surface: Slice, half: float, resolution: int) -> tuple[Vector, npt.NDArray[np.float64]]:
    """The grid coordinates (resolution,) from -half to half and the loss at each point (b rows, a columns)."""
    grid = np.linspace(-half, half, resolution)
    Z = np.empty((resolution, resolution))
    for row, b in enumerate(grid):
        for col, a in enumerate(grid):
            Z[row, col] = surface.loss(a, b)
    return grid, Z


def _draw_contours(fig: Figure, ax: Axes, A: npt.NDArray[np.float64], B: npt.NDArray[np.float64],
                   loss: npt.NDArray[np.float64]) -> None:
    """Filled contours with a colour bar, on a log scale when the loss spans over two decades."""
    Z = np.ma.masked_invalid(loss)
    if Z.count() and Z.min() > 0 and Z.max() / Z.min() > 100:
        levels = np.geomspace(Z.min(), Z.max(), 25)
        filled = ax.contourf(A, B, Z, levels=levels, norm=LogNorm(), cmap="viridis")
        ax.contour(A, B, Z, levels=levels[::3], colors="white", linewidths=0.5, alpha=0.6)
    else:
        filled = ax.contourf(A, B, Z, levels=25, cmap="viridis")
        ax.contour(A, B, Z, levels=8, colors="white", linewidths=0.5, alpha=0.6)
    fig.colorbar(filled, ax=ax, label="loss")


def _draw_paths(ax: Axes, paths: Sequence[_Path], start: Vector, offset: tuple[float, float]) -> None:
    """Each path with a star where it ends, and the common start."""
    for index, path in enumerate(paths):
        x, y = path.points[:, 0] + offset[0], path.points[:, 1] + offset[1]
        ax.plot(x, y, color=f"C{index + 1}", marker="o", markersize=2.5, linewidth=1.8,
                label=f"{path.label} (lr={path.lr:.3g}, {len(path.points) - 1} steps)", gid=f"path:{path.key}")
        ax.plot(x[-1:], y[-1:], color=f"C{index + 1}", marker="*", markersize=11, linestyle="none",
                gid=f"end:{path.key}")
    ax.plot([start[0] + offset[0]], [start[1] + offset[1]], marker="o", markersize=9, color="black",
            linestyle="none", label="start", gid="start")


def _draw(loss: npt.NDArray[np.float64], grid: Vector, half: float, paths: Sequence[_Path], start: Vector,
          offset: tuple[float, float], labels: tuple[str, str], title: str | None) -> Figure:
    fig = Figure(figsize=(7.0, 6.0), layout="constrained")
    ax = fig.add_subplot()
    A, B = np.meshgrid(grid + offset[0], grid + offset[1])
    _draw_contours(fig, ax, A, B, loss)
    _draw_paths(ax, paths, start, offset)
    ax.set_xlim(offset[0] - half, offset[0] + half)
    ax.set_ylim(offset[1] - half, offset[1] + half)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.legend(loc="upper right", fontsize="small")
    ax.set_title(title if title is not None else "Loss surface and the paths of gradient descent")
    return fig


def plot_loss_surface(net: Network, X: npt.ArrayLike, Y: npt.ArrayLike,
                      optimizers: OptimizerSpec | Iterable[OptimizerSpec] = ("sgd", "momentum", "adam"),
                      params: tuple[int, int] | None = None,
                      directions: Literal["random"] | tuple[npt.ArrayLike, npt.ArrayLike] = "random",
                      span: float = 1.0, start: tuple[float, float] = (0.0, 0.0), steps: int = 60,
                      lr: float | dict[str, float] | None = None, resolution: int = 41, seed: int = 0,
                      title: str | None = None) -> Figure:
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

    Parameters
    ----------
    optimizers
        Names ("sgd", "momentum", "nesterov", "adam", "rmsprop", ...),
        Optimizer classes or instances.
    lr
        None, a float for all, or a dict name -> lr. None chooses, for each
        optimizer, the lr whose first step is span / 25 long (instances keep theirs).
    span
        The half-width of the plotted square, in plane units (widened to
        show the paths, up to 4 x span).
    resolution
        Grid points per side for the contours.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Notes
    -----
    ``net.params`` and ``net.grads`` are restored afterwards, also on error.
    Use a modest sample of the data (a few hundred rows): the contours take
    ``resolution**2`` loss evaluations.
    """
    steps, resolution, origin = _check_arguments(net, span, steps, resolution, start)
    X, Y = check_xy(X, Y)
    specs = _as_specs(optimizers)
    d1, d2 = _directions(net, params, directions, seed)

    saved_params, saved_grads = net.params.copy(), net.grads.copy()
    surface = Slice(net, X, Y, d1, d2)
    limit = 4.0 * span + float(np.abs(origin).max())
    try:
        paths = _paths(surface, specs, lr, origin, span, steps, limit)
        # The square shown: at least +-span around the current parameters, wide enough for the paths.
        half = min(max([span] + [1.05 * float(np.abs(p.points).max()) for p in paths]), limit)
        grid, loss = _loss_grid(surface, half, resolution)
    finally:
        net.params[:] = saved_params
        net.grads[:] = saved_grads

    # Axes: the two parameters' own values, or plane coordinates along the directions.
    if params is not None:
        i, j = (int(k) for k in params)
        offset, labels = (float(saved_params[i]), float(saved_params[j])), (f"params[{i}]", f"params[{j}]")
    else:
        offset, labels = (0.0, 0.0), ("direction 1", "direction 2")
    return _draw(loss, grid, half, paths, origin, offset, labels, title)

"""What a trained network learned, drawn over its data: a classifier's decision regions
in the plane, a regressor's curve through its samples."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ._mpl import Figure, ListedColormap
from ..nn.network import Network

__all__ = ["plot_decision_regions", "plot_regression_fit"]

#: Square: the plane is not stretched.
_SQUARE = (6.0, 5.5)


_Floats = npt.NDArray[np.float64]


def _arrays(net: Network, X: npt.ArrayLike, y: npt.ArrayLike, n_features: int) -> tuple[_Floats, _Floats]:
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fastnet.Network, got {type(net).__name__}")
    if net.n_features != n_features:
        raise ValueError(f"this figure needs a network of {n_features} input(s), got one of {net.n_features}")
    points = np.asarray(X, dtype=np.float64)
    targets = np.asarray(y, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != n_features or targets.shape[:1] != points.shape[:1]:
        raise ValueError(f"X must have shape (n, {n_features}) and y n rows, got {points.shape} and {targets.shape}")
    return points, targets


def plot_decision_regions(net: Network, X: npt.ArrayLike, y: npt.ArrayLike, resolution: int = 300,
                          title: str | None = None) -> Figure:
    """The class the network predicts at every point of the plane (shaded), and the points (X, y) on it.

    net : a classifier of two inputs; y : the class index of each row of X (n, 2).
    """
    points, targets = _arrays(net, X, y, 2)
    pad = 0.05 * (points.max(axis=0) - points.min(axis=0))
    low, high = points.min(axis=0) - pad, points.max(axis=0) + pad
    u, v = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    regions = regions_at(net, np.c_[u.ravel(), v.ravel()])
    labels = targets.astype(np.intp).ravel()
    n_classes = max(int(regions.max()), int(labels.max())) + 1
    fig = Figure(figsize=_SQUARE, layout="constrained")
    ax = fig.add_subplot()
    colors = [f"C{k % 10}" for k in range(n_classes)]
    ax.imshow(regions.reshape(u.shape), origin="lower", extent=(low[0], high[0], low[1], high[1]),
              cmap=ListedColormap(colors), vmin=-0.5, vmax=n_classes - 0.5, alpha=0.3, aspect="auto",
              interpolation="nearest", gid="regions")
    for k in range(n_classes):
        mine = labels == k
        ax.scatter(points[mine, 0], points[mine, 1], s=8, color=colors[k], edgecolors="none",
                   label=f"class {k}", gid=f"class {k}")
    accuracy = float(np.mean(regions_at(net, points) == labels))
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title=f"accuracy {accuracy:.3f}")
    ax.set_title(title if title is not None else "Decision regions")
    return fig


def regions_at(net: Network, X: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """The class the network predicts for each row of X."""
    out = net.predict(X)
    classes: npt.NDArray[np.intp] = (out.argmax(axis=1) if out.shape[1] > 1
                                      else (out[:, 0] >= 0.5).astype(np.intp))
    return classes


def plot_regression_fit(net: Network, X: npt.ArrayLike, y: npt.ArrayLike, truth: Callable[[_Floats], npt.ArrayLike] | None = None,
                        title: str | None = None) -> Figure:
    """The network's output over the range of X (n, 1), through the samples (X, y).

    truth : optionally a function x -> the noise-free target, drawn dashed.
    """
    points, targets = _arrays(net, X, y, 1)
    grid = np.linspace(points.min(), points.max(), 500)
    fig = Figure(figsize=(7.0, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(points[:, 0], targets.ravel(), s=6, color="0.6", label="noisy samples",
               gid="samples")
    if truth is not None:
        ax.plot(grid, truth(grid), color="k", linestyle="--", linewidth=1, label="noise-free target", gid="truth")
    ax.plot(grid, net.predict(grid.reshape(-1, 1))[:, 0], color="C3", linewidth=2, label="network", gid="fit")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title if title is not None else "Regression fit")
    return fig

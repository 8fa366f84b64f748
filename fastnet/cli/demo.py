"""``python -m fastnet demo``: fastnet's main job on built-in data, needing no files.

Trains a classifier on the two-spirals problem and a regressor on a noisy
sine, prints the progress, the final metrics and the time each epoch took,
and writes figures when matplotlib is installed: the spirals' decision
regions with the points, the sine's fit through the samples, and the loss
curves of both (the learning rate annealed by a cosine schedule). Also importable
as ``fastnet.demo`` (its fastnet 0.1 path): ``run_demo`` is its API.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from .. import datasets
from ..nn.network import Network
from ..optim.optimizers import Adam
from ..optim.schedules import CosineAnnealingLR
from ..train.history import History

__all__ = ["run_demo"]

#: (X, y): inputs (n_samples, n_features) and targets, as ``Network.fit`` takes them.
_Data: TypeAlias = tuple[npt.NDArray[np.floating[Any]], npt.NDArray[Any]]
#: A line about a trained network on the validation data.
_Report: TypeAlias = Callable[[Network, _Data], str]


def _split(X: npt.NDArray[np.floating[Any]], y: npt.NDArray[Any], fraction: float = 0.2) -> tuple[_Data, _Data]:
    """(train, validation): the first ``fraction`` of the rows validates (the data sets come shuffled)."""
    n_val = max(1, int(len(X) * fraction))
    return (X[n_val:], y[n_val:]), (X[:n_val], y[:n_val])


def _train(title: str, net: Network, train: _Data, val: _Data, epochs: int, batch_size: int, lr: float,
           report: _Report, progress: bool) -> History:
    """Fit ``net`` with Adam and print the speed and ``report``'s line.

    The learning rate anneals to zero over the epochs (a cosine schedule): the
    last epochs take ever smaller steps, so the loss curves end without a spike.
    """
    print(f"\n== {title}: {net}")
    t0 = time.perf_counter()
    history = net.fit(*train, optimizer=Adam(lr=lr), epochs=epochs, batch_size=batch_size,
                      validation_data=val, lr_schedule=CosineAnnealingLR(epochs), progress=progress)
    elapsed = time.perf_counter() - t0
    n_epochs = len(history.loss)
    print(f"   {n_epochs} epochs in {elapsed:.3f} s: {1e3 * elapsed / max(n_epochs, 1):.3f} ms per epoch, "
          f"{n_epochs * len(train[0]) / elapsed:,.0f} samples/s")
    print("   " + report(net, val))
    return history


def _accuracy(net: Network, val: _Data) -> str:
    acc = float(np.mean(net.predict(val[0]).argmax(axis=1) == val[1]))
    return f"validation accuracy {acc:.3f}, validation loss {net.loss(*val):.4f}"


def _rmse(net: Network, val: _Data) -> str:
    err = float(np.sqrt(np.mean((net.predict(val[0]) - val[1]) ** 2)))
    return f"validation RMSE {err:.4f} (the noise is 0.1)"


def run_demo(epochs: int = 100, seed: int = 0, plot_dir: str = ".", progress: bool = True
             ) -> tuple[History, History]:
    """Train the two demo networks; returns their histories. Plots go to ``plot_dir``."""
    spirals_train, spirals_val = _split(*datasets.two_spirals(2000, seed=seed))
    classifier = Network.mlp([2, 64, 64, 2], activation="relu", loss="cross_entropy", seed=seed)
    h_cls = _train("two spirals, softmax cross-entropy", classifier, spirals_train, spirals_val,
                   epochs, 16, 0.005, _accuracy, progress)

    sine_train, sine_val = _split(*datasets.noisy_sine(1000, seed=seed))
    regressor = Network.mlp([1, 64, 64, 1], activation="relu", loss="mse", seed=seed)
    h_reg = _train("noisy sine, mean squared error", regressor, sine_train, sine_val,
                   epochs, 8, 0.005, _rmse, progress)

    _plot(classifier, regressor, {"spirals": h_cls, "sine": h_reg}, (spirals_val, sine_val), plot_dir)
    return h_cls, h_reg


def _plot(classifier: Network, regressor: Network, histories: dict[str, History],
          validation: tuple[_Data, _Data], plot_dir: str) -> None:
    """The figures as PNGs in ``plot_dir`` (their paths printed); a hint instead when matplotlib is missing."""
    try:
        from .. import plotting  # needs matplotlib, an optional dependency
    except ImportError:
        print("\n(install matplotlib, or fastnet[demo], for the figures)")
        return
    os.makedirs(plot_dir, exist_ok=True)
    spirals, sine = validation
    figures = {
        "spirals-regions": plotting.plot_decision_regions(
            classifier, *spirals, title="fastnet demo: two spirals, decision regions (validation points)"),
        "sine-fit": plotting.plot_regression_fit(
            regressor, *sine, truth=lambda x: np.sin(2 * np.pi * x),
            title="fastnet demo: noisy sine, the fit (validation samples)"),
    }
    for name, history in histories.items():
        figures[f"{name}-loss"] = plotting.plot_history(history, title=f"fastnet demo: {name}, loss per epoch")
    print()
    for name, figure in figures.items():
        path = os.path.join(plot_dir, f"fastnet-demo-{name}.png")
        figure.savefig(path, dpi=100)
        print(f"wrote {path}")

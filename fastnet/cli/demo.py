"""``python -m fastnet demo``: fastnet's main job on built-in data, needing no files.

Trains a classifier on the two-spirals problem and a regressor on a noisy
sine, prints the progress, the final metrics and the time each epoch took,
and writes the loss-curve plots when matplotlib is installed.
"""

import os
import time

import numpy as np

from .. import datasets
from ..nn.network import Network
from ..optim.optimizers import Adam

__all__ = ["run_demo"]


def _split(X, y, fraction=0.2):
    n_val = max(1, int(len(X) * fraction))
    return (X[n_val:], y[n_val:]), (X[:n_val], y[:n_val])


def _train(title, net, train, val, epochs, batch_size, lr, report, progress):
    print(f"\n== {title}: {net}")
    opt = Adam(lr=lr)
    t0 = time.perf_counter()
    history = net.fit(*train, optimizer=opt, epochs=epochs, batch_size=batch_size,
                      validation_data=val, progress=progress)
    elapsed = time.perf_counter() - t0
    n_epochs = len(history.loss)
    print(f"   {n_epochs} epochs in {elapsed:.3f} s: {1e3 * elapsed / max(n_epochs, 1):.3f} ms per epoch, "
          f"{n_epochs * len(train[0]) / elapsed:,.0f} samples/s")
    print("   " + report(net, val))
    return history


def run_demo(epochs=300, seed=0, plot_dir=".", progress=True):
    """Train the two demo networks; returns their histories. Plots go to ``plot_dir``."""
    X, y = datasets.two_spirals(2000, seed=seed)
    spirals_train, spirals_val = _split(X, y)
    classifier = Network.mlp([2, 64, 64, 2], activation="relu", loss="cross_entropy", seed=seed)

    def accuracy(net, val):
        acc = float(np.mean(net.predict(val[0]).argmax(axis=1) == val[1]))
        return f"validation accuracy {acc:.3f}, validation loss {net.loss(*val):.4f}"

    h_cls = _train("two spirals, softmax cross-entropy", classifier, spirals_train, spirals_val,
                   epochs, 16, 0.01, accuracy, progress)

    X, y = datasets.noisy_sine(1000, seed=seed)
    sine_train, sine_val = _split(X, y)
    regressor = Network.mlp([1, 64, 64, 1], activation="relu", loss="mse", seed=seed)

    def rmse(net, val):
        err = float(np.sqrt(np.mean((net.predict(val[0]) - val[1]) ** 2)))
        return f"validation RMSE {err:.4f} (the noise is 0.1)"

    h_reg = _train("noisy sine, mean squared error", regressor, sine_train, sine_val,
                   epochs, 8, 0.01, rmse, progress)

    try:
        from .. import plotting
    except ImportError:
        print("\n(install matplotlib, or fastnet[plot], for the loss-curve plots)")
    else:
        os.makedirs(plot_dir, exist_ok=True)
        for name, history in (("spirals", h_cls), ("sine", h_reg)):
            path = os.path.join(plot_dir, f"fastnet-demo-{name}.png")
            plotting.plot_history(history, title=f"fastnet demo: {name}").savefig(path, dpi=100)
            print(f"wrote {path}")
    return h_cls, h_reg

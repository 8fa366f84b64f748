"""The plots (fastnet.plotting): real PNGs, and the data drawn is the data computed.

Skipped when matplotlib is not installed.
"""

import importlib
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.image import imread  # noqa: E402

import fastnet  # noqa: E402
from fastnet import History, Network, datasets, plotting  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 5_000
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300 and image.shape[2] in (3, 4)
    assert image[..., :3].std() > 0.05           # something is drawn, not a blank canvas


def lines_by_gid(ax, prefix):
    return {line.get_gid(): line for line in ax.get_lines() if (line.get_gid() or "").startswith(prefix)}


# -- loss curves -----------------------------------------------------------------------------
def test_plot_history_of_a_real_fit(tmp_path):
    X, y = datasets.two_spirals(200, seed=0)
    net = Network.mlp([2, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    history = net.fit(X, y, optimizer="adam", epochs=12, batch_size=16, validation_split=0.25)
    fig = plotting.plot_history(history, title="spirals")
    fig.savefig(tmp_path / "history.png")
    assert_png(tmp_path / "history.png")

    ax = fig.axes[0]
    assert ax.get_title() == "spirals"
    curves = lines_by_gid(ax, "")
    assert np.array_equal(curves["loss"].get_ydata(), history.loss)
    assert np.array_equal(curves["loss"].get_xdata(), history.epoch)
    assert np.array_equal(curves["val_loss"].get_ydata(), history.val_loss)
    accuracy = lines_by_gid(fig.axes[1], "val_accuracy")["val_accuracy"]   # on the twin axis
    assert np.array_equal(accuracy.get_ydata(), history.val_accuracy)
    assert fig.axes[1].get_ylim() == (0.0, 1.05)   # an accuracy of 1 is not on the border
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["training loss", "validation loss", "validation accuracy"]


def test_plot_history_log_scale_only_across_decades():
    spanning = plotting.plot_history({"loss": [10.0, 1.0, 0.1, 0.01]})
    assert spanning.axes[0].get_yscale() == "log"
    narrow = plotting.plot_history({"loss": [0.9, 0.8, 0.7], "val_loss": [1.0, 0.95, 0.9]})
    assert narrow.axes[0].get_yscale() == "linear"
    assert len(narrow.axes) == 1                       # no accuracy: no twin axis


def test_plot_history_marks_early_stopping_and_gaps():
    history = History()
    history.append(1, loss=1.0)
    history.append(2, loss=0.5, val_loss=0.6)
    history.append(3, loss=0.4, val_loss=0.7)
    history.stopped_early, history.best_epoch = True, 2
    ax = plotting.plot_history(history).axes[0]
    val = lines_by_gid(ax, "val_loss")["val_loss"].get_ydata()
    assert np.isnan(val[0]) and list(val[1:]) == [0.6, 0.7]
    assert any("best epoch (2)" == t.get_text() for t in ax.get_legend().get_texts())


def test_plot_history_needs_a_loss():
    with pytest.raises(ValueError, match="no 'loss'"):
        plotting.plot_history({"accuracy": [0.5]})


# -- learning rates --------------------------------------------------------------------------
def linear_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    Y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    return X, Y


def make_linear():
    return Network.mlp([3, 1], loss="mse", dtype="float64", seed=0)


def test_plot_learning_rates_too_small_good_too_large(tmp_path):
    X, Y = linear_problem()
    fig = plotting.plot_learning_rates(make_linear, X, Y, lrs=(0.005, 0.2, 1.5), epochs=30)
    fig.savefig(tmp_path / "lrs.png")
    assert_png(tmp_path / "lrs.png")

    ax = fig.axes[0]
    curves = lines_by_gid(ax, "lr=")
    assert list(curves) == ["lr=0.005", "lr=0.2", "lr=1.5"]
    small, good, large = (curves[k].get_ydata() for k in curves)
    start = make_linear().loss(X, Y)
    assert small[0] == good[0] == large[0] == start           # every run starts at epoch 0, same weights
    assert len(small) == len(good) == 31                      # epochs 0..30
    assert good[-1] < 1e-3 * start                            # the good rate converges
    assert good[-1] < small[-1] < start                       # the small one creeps down
    assert large[-1] > 10 * start and len(large) < 31         # the large one blows up, and stops there
    assert "diverged" in curves["lr=1.5"].get_label()
    assert "diverged" not in curves["lr=0.2"].get_label()
    marker = lines_by_gid(ax, "diverged:")
    assert list(marker) == ["diverged:lr=1.5"]
    assert marker["diverged:lr=1.5"].get_xdata()[0] == len(large) - 1
    assert ax.get_yscale() == "log"


def test_plot_learning_rates_fits_the_axis_to_the_runs_that_converge():
    # lr=0.001 and 0.1 differ by a few percent; lr=10 climbs by four decades. Fitted to
    # all three, the axis drew the first two as one flat line at the bottom.
    X, y = datasets.noisy_sine(200, seed=0)
    fig = plotting.plot_learning_rates(lambda: Network.mlp([1, 16, 1], activation="tanh", seed=0), X, y)
    ax = fig.axes[0]
    curves = lines_by_gid(ax, "lr=")
    small, good = curves["lr=0.001"].get_ydata(), curves["lr=0.1"].get_ydata()
    low, high = ax.get_ylim()
    both = np.r_[small, good]
    assert ax.get_yscale() == "linear" and low < both.min() and both.max() < high
    assert (both.max() - both.min()) > 0.8 * (high - low)      # the two curves fill the axis
    assert small[-1] - good[-1] > 0.3 * (high - low)           # and are far apart on it
    assert "diverged" in curves["lr=10"].get_label()
    assert lines_by_gid(ax, "diverged:")["diverged:lr=10"].get_ydata()[0] == high   # its cross on the top edge


def test_plot_learning_rates_copies_a_network_and_handles_inf():
    X, Y = linear_problem()
    net = make_linear()
    before = net.params.copy()
    # lr=50 with 10 steps an epoch overflows to inf: TrainingDivergedError inside, a curve outside.
    fig = plotting.plot_learning_rates(net, X, Y, lrs=(0.01, 50.0), optimizer="momentum", epochs=40,
                                       batch_size=10, divergence_factor=1e300)
    assert np.array_equal(net.params, before)                 # the given network was copied, not trained
    curves = lines_by_gid(fig.axes[0], "lr=")
    assert np.isfinite(curves["lr=50"].get_ydata()).all()
    assert "diverged" in curves["lr=50"].get_label() and len(curves["lr=50"].get_ydata()) < 41
    assert "diverged" not in curves["lr=0.01"].get_label()


def test_plot_learning_rates_checks_arguments():
    X, Y = linear_problem()
    with pytest.raises(ValueError, match="> 0"):
        plotting.plot_learning_rates(make_linear, X, Y, lrs=(0.1, -1.0))
    with pytest.raises(ValueError, match="unknown optimizer"):
        plotting.plot_learning_rates(make_linear, X, Y, optimizer="lion")
    with pytest.raises(TypeError, match="make_network"):
        plotting.plot_learning_rates(42, X, Y)


# -- the loss surface ------------------------------------------------------------------------
def spiral_net(dtype="float64"):
    X, y = datasets.two_spirals(80, seed=1)
    return Network.mlp([2, 6, 2], activation="tanh", loss="cross_entropy", dtype=dtype, seed=3), X, y


def test_loss_surface_along_random_directions(tmp_path):
    net, X, y = spiral_net("float32")
    net.fit(X, y, optimizer="adam", epochs=2)
    params, grads = net.params.copy(), net.grads.copy()
    optimizer_before = net._optimizer
    fig = plotting.plot_loss_surface(net, X, y, optimizers=("sgd", "momentum", "adam"), start=(0.4, -0.3),
                                     steps=15, resolution=15, seed=7)
    fig.savefig(tmp_path / "surface.png")
    assert_png(tmp_path / "surface.png")

    assert np.array_equal(net.params, params) and np.array_equal(net.grads, grads)   # restored
    assert net._optimizer is optimizer_before
    ax = fig.axes[0]
    paths = lines_by_gid(ax, "path:")
    assert list(paths) == ["path:sgd", "path:momentum", "path:adam"]
    for line in paths.values():
        xy = line.get_xydata()
        assert np.array_equal(xy[0], [0.4, -0.3])            # one start for all
        assert len(xy) > 2 and not np.allclose(xy[-1], xy[0])
    assert np.array_equal(lines_by_gid(ax, "start")["start"].get_xydata()[0], [0.4, -0.3])
    # The same seed gives the same directions, hence the same picture.
    again = plotting.plot_loss_surface(net, X, y, optimizers=("sgd",), start=(0.4, -0.3), steps=15,
                                       resolution=15, seed=7)
    assert np.array_equal(lines_by_gid(again.axes[0], "path:")["path:sgd"].get_xydata(),
                          paths["path:sgd"].get_xydata())


def test_loss_surface_paths_follow_backprop_and_the_update_rules():
    net, X, y = spiral_net()
    p0 = net.params.copy()
    i, j, a0, b0, lr = 1, 4, 0.3, -0.2, 0.5
    fig = plotting.plot_loss_surface(net, X, y, optimizers=("sgd", "momentum", "adam"), params=(i, j),
                                     start=(a0, b0), steps=25, lr={"sgd": lr, "momentum": lr, "adam": 0.05},
                                     resolution=9)
    assert np.array_equal(net.params, p0)

    # An independent first step: the gradient at the start from backpropagation.
    probe = Network.mlp([2, 6, 2], activation="tanh", loss="cross_entropy", dtype="float64", seed=3)
    start = p0.copy()
    start[i] += a0
    start[j] += b0
    probe.params = start
    probe.backward(X, y)
    g = probe.grads[[i, j]]
    origin = np.array([p0[i] + a0, p0[j] + b0])             # the axes show the parameters' own values

    paths = {gid[5:]: line.get_xydata() for gid, line in lines_by_gid(fig.axes[0], "path:").items()}
    for name in paths:
        np.testing.assert_allclose(paths[name][0], origin, rtol=0, atol=1e-15)
    np.testing.assert_allclose(paths["sgd"][1], origin - lr * g, rtol=1e-12)
    np.testing.assert_allclose(paths["momentum"][1], origin - lr * g, rtol=1e-12)   # buf = g at t = 1
    np.testing.assert_allclose(paths["adam"][1], origin - 0.05 * np.sign(g), rtol=1e-6)  # Adam: lr per coordinate
    assert not np.allclose(paths["momentum"][5], paths["sgd"][5])                 # momentum then differs

    # Gradient descent goes downhill on the plotted surface.
    def loss_at(point):
        q = p0.copy()
        q[i], q[j] = point
        probe.params = q
        return probe.loss(X, y)

    assert loss_at(paths["sgd"][-1]) < loss_at(paths["sgd"][0])


def test_loss_surface_restores_params_after_an_error():
    net, X, y = spiral_net()
    p0 = net.params.copy()
    with pytest.raises(ValueError):
        plotting.plot_loss_surface(net, X, y[:10], steps=3, resolution=5)      # X and y disagree
    assert np.array_equal(net.params, p0)


def test_loss_surface_checks_arguments():
    net, X, y = spiral_net()
    with pytest.raises(ValueError, match="two different indices"):
        plotting.plot_loss_surface(net, X, y, params=(0, 0))
    with pytest.raises(ValueError, match="directions"):
        plotting.plot_loss_surface(net, X, y, directions=(np.ones(3), np.ones(3)))
    with pytest.raises(ValueError, match="unknown optimizer"):
        plotting.plot_loss_surface(net, X, y, optimizers=("sgd", "lion"), steps=2, resolution=5)


def test_clear_error_without_matplotlib(monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)        # "import matplotlib..." now fails
    for name in [m for m in sys.modules if m == "fastnet.plotting" or m.startswith("fastnet.plotting.")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r"pip install matplotlib \(or fastnet\[plot\]\)"):
        importlib.import_module("fastnet.plotting")
    assert fastnet.Network is Network                       # the rest of fastnet is unaffected

"""plot_decision_regions and plot_regression_fit: the data drawn is the network's and the samples'."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from fastnet import Network, datasets, plotting  # noqa: E402


def _by_gid(ax, gid):
    return [a for a in ax.get_children() if getattr(a, "get_gid", lambda: None)() == gid]


def test_decision_regions_are_the_predicted_classes(tmp_path):
    X, y = datasets.two_spirals(200, seed=0)
    net = Network.mlp([2, 16, 2], activation="tanh", loss="cross_entropy", seed=0)
    net.fit(X, y, optimizer="adam", epochs=5, batch_size=16)
    fig = plotting.plot_decision_regions(net, X, y, resolution=40)
    fig.savefig(tmp_path / "regions.png")
    ax = fig.axes[0]
    (image,) = _by_gid(ax, "regions")
    regions = np.asarray(image.get_array())
    x0, x1, y0, y1 = image.get_extent()
    u, v = np.meshgrid(np.linspace(x0, x1, 40), np.linspace(y0, y1, 40))
    expected = net.predict(np.c_[u.ravel(), v.ravel()]).argmax(axis=1).reshape(40, 40)
    assert np.array_equal(regions, expected)
    for k in (0, 1):   # every point drawn, in its class
        (points,) = _by_gid(ax, f"class {k}")
        assert np.allclose(points.get_offsets(), X[y == k])
    accuracy = np.mean(net.predict(X).argmax(axis=1) == y)
    assert ax.get_legend().get_title().get_text() == f"accuracy {accuracy:.3f}"


def test_regression_fit_draws_the_network_through_the_samples():
    X, y = datasets.noisy_sine(100, seed=0)
    net = Network.mlp([1, 8, 1], activation="tanh", loss="mse", seed=0)
    fig = plotting.plot_regression_fit(net, X, y, truth=lambda x: np.sin(2 * np.pi * x))
    ax = fig.axes[0]
    (fit,) = _by_gid(ax, "fit")
    grid = fit.get_xdata()
    assert grid.min() == pytest.approx(X.min()) and grid.max() == pytest.approx(X.max())
    np.testing.assert_allclose(fit.get_ydata(), net.predict(grid.reshape(-1, 1))[:, 0])
    (truth,) = _by_gid(ax, "truth")
    np.testing.assert_allclose(truth.get_ydata(), np.sin(2 * np.pi * grid))
    (samples,) = _by_gid(ax, "samples")
    assert np.allclose(samples.get_offsets(), np.c_[X, y])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["noisy samples", "noise-free target", "network"]


def test_wrong_network_or_data_is_refused():
    X, y = datasets.noisy_sine(20, seed=0)
    with pytest.raises(ValueError, match="2 input"):
        plotting.plot_decision_regions(Network.mlp([1, 4, 2], loss="cross_entropy"), X, y)
    with pytest.raises(TypeError, match="fastnet.Network"):
        plotting.plot_regression_fit("net", X, y)
    with pytest.raises(ValueError, match=r"shape \(n, 1\)"):
        plotting.plot_regression_fit(Network.mlp([1, 4, 1]), X, y[:5])


def test_history_legend_is_beside_the_axes_and_accuracy_is_inside():
    fig = plotting.plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.6], "val_accuracy": [0.5, 1.0]})
    fig.canvas.draw()
    ax, twin = fig.axes
    assert twin.get_ylim()[1] > 1.0   # an accuracy of 1 is drawn below the top border
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= twin.get_window_extent().x1 - 1   # covers no curve

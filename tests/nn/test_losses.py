"""poisson, quantile and log_cosh through the Network: each fits the problem it is made for.

The kernels' agreement with the reference and with torch is in
tests/core/test_kernels_losses.py, the hand-worked values in
tests/reference/test_reference_kernels.py, the network-level parity and
finite differences in tests/nn/test_network.py; here each loss trains a
linear model on data whose answer is known, and bad parameters or targets
are refused before anything runs.
"""

import numpy as np
import pytest

import fastnet
from fastnet import Loss, Network

from helpers import IMPLEMENTATIONS, as_input

N = 2000


def _linear(loss, n_features=1):
    """One identity layer: the model whose best parameters the data below defines."""
    return Network.mlp([n_features, 1], loss=loss, dtype="float64", seed=1)


def test_poisson_recovers_the_log_rate_of_counts():
    # y ~ Poisson(exp(x . w + b)): the network's output is the log-rate x . w + b.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 2))
    w, b = np.array([0.6, -0.4]), 0.3
    Y = rng.poisson(np.exp(X @ w + b)).astype(float)
    net = _linear("poisson", 2)
    truth = _linear("poisson", 2)
    truth.layers[0].W[:, 0], truth.layers[0].b[:] = w, b
    start = net.loss(X, Y)
    history = net.fit(X, Y, optimizer=fastnet.Adam(lr=0.05), epochs=40, batch_size=64)
    assert history.loss[-1] < start / 3
    # As good as the true parameters on this sample (the fit may be slightly better).
    assert net.loss(X, Y) < truth.loss(X, Y) + 1e-3
    np.testing.assert_allclose(net.layers[0].W[:, 0], w, atol=0.06)
    np.testing.assert_allclose(net.layers[0].b, [b], atol=0.06)
    # predict gives the log-rate; its exponential is the expected count.
    np.testing.assert_allclose(np.exp(net.predict(X[:5])[:, 0]), np.exp(X[:5] @ w + b), rtol=0.15)


@pytest.mark.parametrize("q, z_q", [(0.1, -1.2816), (0.5, 0.0), (0.9, 1.2816)])
def test_quantile_fit_covers_q_of_the_targets(q, z_q):
    # y = 2x + 1 + N(0, 1): the q-quantile line is 2x + 1 + z_q (z_q the normal's quantile).
    rng = np.random.default_rng(1)
    x = rng.uniform(-2.0, 2.0, size=(N, 1))
    y = 2.0 * x[:, 0] + 1.0 + rng.normal(size=N)
    net = _linear(Loss("quantile", q=q))
    start = net.loss(x, y)
    history = net.fit(x, y, optimizer=fastnet.Adam(lr=0.02), epochs=60, batch_size=100)
    assert history.loss[-1] < start / 2
    covered = np.mean(y <= net.predict(x)[:, 0])
    assert abs(covered - q) < 0.03
    assert abs(net.layers[0].W[0, 0] - 2.0) < 0.15
    assert abs(net.layers[0].b[0] - (1.0 + z_q)) < 0.15


def test_log_cosh_shrugs_off_outliers_that_pull_mse():
    # 5% of the targets are 20 too high: mse's line moves up by about 1, log_cosh's hardly.
    rng = np.random.default_rng(2)
    x = rng.uniform(-2.0, 2.0, size=(N, 1))
    y = 2.0 * x[:, 0] + 1.0 + rng.normal(scale=0.3, size=N)
    y[rng.random(N) < 0.05] += 20.0
    fits = {}
    for name in ("log_cosh", "mse"):
        net = _linear(name)
        start = net.loss(x, y)
        history = net.fit(x, y, optimizer=fastnet.Adam(lr=0.05), epochs=60, batch_size=100)
        assert history.loss[-1] < start
        fits[name] = net.layers[0].b[0]
    assert abs(fits["log_cosh"] - 1.0) < 0.2
    assert fits["mse"] - 1.0 > 0.7


@pytest.mark.parametrize("loss", [Loss("poisson"), Loss("quantile", q=0.3), Loss("log_cosh")], ids=repr)
def test_gradcheck_on_a_small_network(loss):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(8, 3))
    Y = rng.poisson(2.0, size=(8, 2)).astype(float) if loss.name == "poisson" else rng.normal(size=(8, 2))
    net = Network.mlp([3, 5, 2], activation="tanh", loss=loss, dtype="float64", seed=4)
    assert fastnet.gradcheck(net, X, Y) < 1e-6


def test_mlp_takes_the_names_and_the_loss_with_q():
    assert Network.mlp([2, 3, 1], loss="poisson").criterion == Loss("poisson")
    assert Network.mlp([2, 3, 1], loss="log_cosh").layers[-1].activation.name == "identity"
    net = Network.mlp([2, 3, 1], loss=Loss("quantile", q=0.25))
    assert net.criterion.params == {"q": 0.25} and net.criterion.param == 0.25
    assert Loss("quantile").params == {"q": 0.5}


@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS), ids=list(IMPLEMENTATIONS))
@pytest.mark.parametrize("q", [0.0, 1.0, -0.2, 1.5, float("nan")])
def test_q_outside_the_open_unit_interval_is_refused(impl, q):
    lib = IMPLEMENTATIONS[impl]
    with pytest.raises(ValueError, match=r"^q must "):
        lib.Network.mlp([2, 3, 1], loss=Loss("quantile", q=q))


def test_q_must_be_a_number_and_only_quantile_takes_it():
    with pytest.raises(TypeError, match="q must be a real number, got str"):
        Loss("quantile", q="0.5")
    with pytest.raises(TypeError, match=r"loss 'poisson' takes no parameters, got \['q'\]"):
        Loss("poisson", q=0.5)


@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS), ids=list(IMPLEMENTATIONS))
@pytest.mark.parametrize("method", ["fit", "loss", "backward"])
def test_negative_counts_are_refused_before_training(impl, method):
    lib = IMPLEMENTATIONS[impl]
    net = lib.Network.mlp([2, 3, 1], loss="poisson", seed=0)
    before = np.array(net.params, dtype=float)
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    Y = np.array([[3.0], [-0.5], [0.0]])
    with pytest.raises(ValueError, match=r"Y holds counts for poisson and must be >= 0, got -0\.5"):
        getattr(net, method)(as_input(lib, X), as_input(lib, Y))
    np.testing.assert_array_equal(np.array(net.params, dtype=float), before)
    # Zero counts are fine (the loss is then exp(o) alone).
    assert np.isfinite(net.loss(as_input(lib, X), as_input(lib, np.abs(Y))))

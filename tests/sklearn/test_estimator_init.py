"""The estimators' ``init`` parameter: the initial weights follow the chosen scheme; None is the old default."""

import math
import pickle
import re
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the `sklearn` extra is not installed")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import fastnet  # noqa: E402
from fastnet.estimators import MLPClassifier, MLPRegressor  # noqa: E402

N_IN, N_HIDDEN = 500, 400   # a first layer of 200 000 weights: its sample std is within ~0.3%


def _data(n=60):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, N_IN))
    return X, X[:, 0] - X[:, 1]


def _initial_weights(estimator, **params):
    """The first layer's weights as the fit drew them: SGD with a rate of 1e-300 leaves them bit for bit."""
    X, y = _data()
    est = estimator(hidden_layer_sizes=(N_HIDDEN,), solver="sgd", learning_rate_init=1e-300, momentum=0.0,
                    max_iter=1, random_state=3, dtype="float64", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, (y > 0).astype(int) if estimator is MLPClassifier else y)
    W = est.coefs_[0].copy()
    est.net_.reset_parameters()   # the same draws again from the seed: the fit started from them
    np.testing.assert_array_equal(W, est.coefs_[0])
    return est, W


# (std, the largest |w| the draw allows, uniform?) of a first layer of N_IN -> N_HIDDEN, Keras's definitions
def _expected(init):
    fan_in, fan_avg = N_IN, (N_IN + N_HIDDEN) / 2
    std = {"he_uniform": math.sqrt(2 / fan_in), "he_normal": math.sqrt(2 / fan_in),
           "glorot_uniform": math.sqrt(1 / fan_avg), "glorot_normal": math.sqrt(1 / fan_avg),
           "lecun_uniform": math.sqrt(1 / fan_in), "lecun_normal": math.sqrt(1 / fan_in)}[init]
    if init.endswith("uniform"):
        return std, math.sqrt(3) * std, True
    return std, 2 * std / fastnet.nn.init.TRUNCATION_CORRECTION, False   # truncated at 2 raw stds


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("init", ["he_normal", "glorot_uniform", "glorot_normal", "lecun_uniform", "lecun_normal"])
def test_the_initial_weights_have_the_schemes_statistics(estimator, init):
    est, W = _initial_weights(estimator, init=init)
    std, bound, uniform = _expected(init)
    assert W.std() == pytest.approx(std, rel=0.01)
    assert abs(W.mean()) < 0.01 * std
    assert np.abs(W).max() <= bound * (1 + 1e-12) and np.abs(W).max() > 0.99 * bound
    # the shape, beyond the variance: a uniform has excess kurtosis -1.2, a normal cut at 2 stds -0.6345
    # (scipy.stats.truncnorm(-2, 2).stats(moments="k")); the sample's is within ~0.01 of it
    kurtosis = float(np.mean((W - W.mean()) ** 4) / W.var() ** 2 - 3)
    assert kurtosis == pytest.approx(-1.2 if uniform else -0.6345, abs=0.05)
    assert all(layer.init == init for layer in est.net_.dense_layers)
    assert not est.intercepts_[0].any()   # biases start at zero whatever the scheme


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_zeros_against_he_normal(estimator):
    _, zeros = _initial_weights(estimator, init="zeros")
    _, he = _initial_weights(estimator, init="he_normal")
    assert not zeros.any()
    assert he.std() == pytest.approx(math.sqrt(2 / N_IN), rel=0.01)


@pytest.mark.parametrize("activation, default", [("relu", "he_uniform"), ("tanh", "glorot_uniform"),
                                                 ("logistic", "glorot_uniform")])
def test_none_is_the_activations_default_bit_for_bit(activation, default):
    _, unset = _initial_weights(MLPRegressor, activation=activation)
    _, none = _initial_weights(MLPRegressor, activation=activation, init=None)
    _, named = _initial_weights(MLPRegressor, activation=activation, init=default)
    np.testing.assert_array_equal(unset, none)
    np.testing.assert_array_equal(unset, named)
    other = "lecun_normal"
    assert not np.array_equal(unset, _initial_weights(MLPRegressor, activation=activation, init=other)[1])


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_init_is_a_parameter_that_clones_and_pickles(estimator, tmp_path):
    assert estimator().init is None
    est = estimator(init="glorot_normal")
    assert clone(est).get_params()["init"] == "glorot_normal"
    assert est.set_params(init="zeros") is est and est.init == "zeros"
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 4))
    y = (X[:, 0] > 0).astype(int) if estimator is MLPClassifier else X[:, 0]
    est = estimator(hidden_layer_sizes=(6,), init="lecun_normal", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    copy = pickle.loads(pickle.dumps(est))
    assert copy.init == "lecun_normal" and [layer.init for layer in copy.net_.dense_layers] == ["lecun_normal"] * 2
    np.testing.assert_array_equal(copy.predict(X), est.predict(X))
    saved = fastnet.load(est.net_.save(tmp_path / "net.npz"))   # the network's file keeps each layer's scheme
    assert [layer.init for layer in saved.dense_layers] == ["lecun_normal"] * 2


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("bad", ["he", "Kaiming", "", 3, ["he_normal"]])
def test_a_bad_init_is_refused_in_fit_before_anything_is_built(estimator, bad):
    X, y = _data(20)
    est = estimator(init=bad)   # stored unchanged, as scikit-learn asks; checked in fit
    with pytest.raises(ValueError, match=r"init must be None or one of 'glorot_uniform', .*'zeros', got "
                                         + re.escape(repr(bad))):
        est.fit(X, (y > 0).astype(int) if estimator is MLPClassifier else y)
    assert not hasattr(est, "net_")

"""The estimators' ``dropout`` parameter: the network it builds, training with it, and its check in fit."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the `sklearn` extra is not installed")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import fastnet  # noqa: E402
from fastnet.estimators import MLPClassifier, MLPRegressor  # noqa: E402


def _regression(n=80):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, np.tanh(X @ np.array([1.0, -2.0, 0.5]))


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_dropout_defaults_to_none_and_is_a_parameter(estimator):
    assert estimator().dropout == 0.0
    assert clone(estimator(dropout=0.3)).get_params()["dropout"] == 0.3


def test_the_network_has_a_dropout_after_every_hidden_layer_and_matches_network_mlp():
    X, y = _regression()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MLPRegressor(hidden_layer_sizes=(8, 6), dropout=0.25, max_iter=3, random_state=1,
                           dtype="float64").fit(X, y)
        plain = MLPRegressor(hidden_layer_sizes=(8, 6), max_iter=3, random_state=1, dtype="float64").fit(X, y)
    kinds = [type(layer).__name__ for layer in est.net_.layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert [layer.p for layer in est.net_.layers if isinstance(layer, fastnet.Dropout)] == [0.25, 0.25]
    assert len(est.coefs_) == 3 and est.coefs_[1].shape == (8, 6)
    # The same initialisation and shuffles, but the masks change what is learnt.
    assert not np.array_equal(est.net_.params, plain.net_.params)
    # predict is the network without dropout: deterministic.
    np.testing.assert_array_equal(est.predict(X), est.predict(X))


def test_dropout_zero_is_the_network_without_dropout_bit_for_bit():
    X, y = _regression()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        zero = MLPRegressor(hidden_layer_sizes=(8,), dropout=0.0, max_iter=3, random_state=2).fit(X, y)
        default = MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=2).fit(X, y)
    np.testing.assert_array_equal(zero.net_.params, default.net_.params)


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("bad, match", [(1.0, r"dropout must lie in \[0.0, 1.0\), got 1.0"),
                                        (-0.5, r"dropout must lie in \[0.0, 1.0\), got -0.5"),
                                        ("0.1", "dropout must be a finite real number, got '0.1'")])
def test_a_bad_dropout_is_refused_in_fit(estimator, bad, match):
    X, y = _regression(20)
    est = estimator(dropout=bad)   # stored unchanged, as scikit-learn asks; ValueError, as its checks do
    with pytest.raises(ValueError, match=match):
        est.fit(X, (y > 0).astype(int) if estimator is MLPClassifier else y)
    assert not hasattr(est, "net_")


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_dropout_with_lbfgs_is_refused_in_fit(estimator):
    X, y = _regression(20)
    est = estimator(solver="lbfgs", dropout=0.3)
    with pytest.raises(ValueError, match=r"dropout=0.3 does not apply to solver='lbfgs'"):
        est.fit(X, (y > 0).astype(int) if estimator is MLPClassifier else y)
    assert not hasattr(est, "net_")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_params(dropout=0.0).fit(X, (y > 0).astype(int) if estimator is MLPClassifier else y)
    assert est.net_.dense_layers == est.net_.layers   # no Dropout in an L-BFGS network

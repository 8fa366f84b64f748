"""Network.from_sklearn: a fitted scikit-learn MLP predicts the same with fastnet."""

import warnings

import numpy as np
import pytest

import fastnet as fn

pytest.importorskip("sklearn")
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402

TOL = {"float32": 1e-6, "float64": 1e-12}


def _data(dtype="float64", n=120, n_features=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_features)).astype(dtype)
    return X, rng.integers(0, 3, n), rng


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_multiclass_predict_is_predict_proba(activation, dtype):
    X, y, _ = _data(dtype)
    est = _fit(MLPClassifier(hidden_layer_sizes=(7, 4), activation=activation, max_iter=30, random_state=0), X, y)
    net = fn.Network.from_sklearn(est)
    assert net.dtype == np.dtype(dtype) and net.criterion.name == "cross_entropy"
    assert net.sizes == [5, 7, 4, 3] and net.metadata["classes"] == [0, 1, 2]
    expected_act = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}[activation]
    assert [l.activation.name for l in net.layers] == [expected_act, expected_act, "softmax"]
    np.testing.assert_allclose(net.predict(X), est.predict_proba(X), rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_array_equal(net.layers[1].W, est.coefs_[1])
    np.testing.assert_array_equal(net.layers[2].b, est.intercepts_[2])


def test_binary_classifier_outputs_the_probability_of_the_second_class():
    X, y, _ = _data()
    labels = np.where(y == 1, "spam", "ham")
    est = _fit(MLPClassifier(hidden_layer_sizes=(6,), max_iter=40, random_state=1), X, labels)
    net = fn.Network.from_sklearn(est)
    assert net.n_outputs == 1 and net.criterion.name == "binary_cross_entropy"
    assert net.metadata["classes"] == ["ham", "spam"]
    p = net.predict(X)
    np.testing.assert_allclose(p[:, 0], est.predict_proba(X)[:, 1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.column_stack([1 - p, p]), est.predict_proba(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(np.asarray(net.metadata["classes"])[(p[:, 0] > 0.5).astype(int)],
                                  est.predict(X))


def test_multilabel_classifier():
    X, y, rng = _data()
    Y = (rng.random((len(X), 3)) < 0.4).astype(int)
    est = _fit(MLPClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0), X, Y)
    net = fn.Network.from_sklearn(est)
    assert net.layers[-1].activation.name == "sigmoid" and net.n_outputs == 3
    np.testing.assert_allclose(net.predict(X), est.predict_proba(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_regressor_predict_equals(n_outputs, dtype):
    X, _, rng = _data(dtype)
    Y = (X[:, :n_outputs] * 2 + rng.standard_normal((len(X), n_outputs))).astype(dtype)
    est = _fit(MLPRegressor(hidden_layer_sizes=(8, 3), activation="tanh", max_iter=40, random_state=0), X,
               Y.ravel() if n_outputs == 1 else Y)
    net = fn.Network.from_sklearn(est)
    assert net.criterion.name == "half_mse" and net.layers[-1].activation.name == "identity"
    assert "classes" not in net.metadata
    expected = est.predict(X).reshape(len(X), n_outputs)
    np.testing.assert_allclose(net.predict(X), expected, rtol=TOL[dtype], atol=TOL[dtype])


def test_dtype_argument():
    X, y, _ = _data()
    est = _fit(MLPClassifier(hidden_layer_sizes=(6,), max_iter=20, random_state=0), X, y)
    net = fn.Network.from_sklearn(est, dtype="float32")
    assert net.dtype == np.float32
    np.testing.assert_array_equal(net.layers[0].W, est.coefs_[0].astype(np.float32))
    np.testing.assert_allclose(net.predict(X.astype(np.float32)), est.predict_proba(X), atol=1e-5)


def test_the_network_trains_on():
    X, y, _ = _data()
    est = _fit(MLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0), X, y)
    net = fn.Network.from_sklearn(est)
    Y = np.eye(3)[y]
    before = net.loss(X, Y)
    net.fit(X, Y, optimizer="adam", epochs=20, batch_size=32)
    assert net.loss(X, Y) < before


def test_fastnet_estimators_are_accepted():
    from fastnet.sklearn import MLPClassifier as FastnetClassifier, MLPRegressor as FastnetRegressor

    X, y, _ = _data()
    est = _fit(FastnetClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0), X, y)
    net = fn.Network.from_sklearn(est)
    assert net is not est.net_
    np.testing.assert_array_equal(net.params, est.net_.params)
    np.testing.assert_allclose(net.predict(X), est.predict_proba(X), rtol=1e-12, atol=1e-12)
    as32 = fn.Network.from_sklearn(est, dtype="float32")
    assert as32.dtype == np.float32 and as32.criterion == est.net_.criterion
    np.testing.assert_array_equal(as32.params, est.net_.params.astype(np.float32))
    with pytest.raises(ValueError, match="not fitted yet"):
        fn.Network.from_sklearn(FastnetRegressor())


def test_unfitted_estimator():
    with pytest.raises(NotFittedError, match="MLPRegressor is not fitted yet"):
        fn.Network.from_sklearn(MLPRegressor())


@pytest.mark.parametrize("est", [LogisticRegression(), "model.pkl", None])
def test_other_objects(est):
    with pytest.raises(TypeError, match="takes a fitted sklearn.neural_network.MLPClassifier or MLPRegressor"):
        fn.Network.from_sklearn(est)


def test_poisson_regressor_is_refused():
    if "loss" not in MLPRegressor().get_params():
        pytest.skip("this scikit-learn's MLPRegressor has no loss='poisson' (1.7+)")
    X, _, rng = _data()
    est = _fit(MLPRegressor(hidden_layer_sizes=(4,), loss="poisson", max_iter=10, random_state=0), X, rng.poisson(2.0, len(X)))
    with pytest.raises(ValueError, match="out_activation_='exp' has no fastnet equivalent"):
        fn.Network.from_sklearn(est)


def test_without_sklearn_the_error_names_the_package(monkeypatch):
    X, y, _ = _data()
    est = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    monkeypatch.setitem(__import__("sys").modules, "sklearn.neural_network", None)
    with pytest.raises(ImportError, match="needs the scikit-learn package: pip install scikit-learn"):
        fn.Network.from_sklearn(est)


def test_a_fastnet_estimator_with_dropout_converts_to_another_dtype():
    pytest.importorskip("sklearn")
    from fastnet.sklearn import MLPClassifier as FnMLPClassifier

    X = np.random.default_rng(0).standard_normal((60, 4))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    est = FnMLPClassifier(hidden_layer_sizes=(8,), dropout=0.2, max_iter=5, random_state=0).fit(X, y)
    net = fn.Network.from_sklearn(est, dtype="float32")
    assert net.dtype == np.float32 and [type(layer).__name__ for layer in net.layers] == ["Dense", "Dropout", "Dense"]
    np.testing.assert_allclose(net.predict(X.astype(np.float32)), est.net_.predict(X), rtol=1e-5, atol=1e-6)

"""MLPClassifier / MLPRegressor(solver="lbfgs") against scikit-learn's L-BFGS MLP."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the `sklearn` extra is not installed")

from sklearn import datasets  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import fastnet as fn  # noqa: E402
from fastnet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

# fastnet's training loss is at most this factor of scikit-learn's (the mean over three seeds): both
# run L-BFGS from different random initialisations, on non-convex objectives.
TOLERANCE = 1.05


def _problems():
    iris = datasets.load_iris(return_X_y=True)
    digits = datasets.load_digits(return_X_y=True)
    X, y = datasets.make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    return [("iris", StandardScaler().fit_transform(iris[0]), iris[1], MLPClassifier, SkMLPClassifier),
            ("digits", StandardScaler().fit_transform(digits[0]), digits[1], MLPClassifier, SkMLPClassifier),
            ("regression", X, y, MLPRegressor, SkMLPRegressor)]


@pytest.mark.parametrize("name,X,y,ours,theirs", _problems(), ids=lambda v: v if isinstance(v, str) else "")
def test_training_loss_no_worse_than_sklearns(name, X, y, ours, theirs):
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for seed in range(3):
            kw = dict(hidden_layer_sizes=(20,), alpha=1e-4, max_iter=200, solver="lbfgs", random_state=seed)
            losses.append((ours(**kw).fit(X, y).loss_, theirs(**kw).fit(X, y).loss_))
    fastnet_loss, sklearn_loss = np.mean(losses, axis=0)
    assert fastnet_loss <= TOLERANCE * sklearn_loss


def test_max_iter_tol_and_max_fun_have_sklearns_meaning():
    X, y = datasets.load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        model = MLPClassifier(hidden_layer_sizes=(10,), solver="lbfgs", max_iter=5, random_state=0).fit(X, y)
    assert model.n_iter_ == 5 and len(model.loss_curve_) == 5
    assert isinstance(model.optimizer_, fn.LBFGS) and model.optimizer_.gtol == model.tol
    with pytest.warns(ConvergenceWarning, match="max_fun"):
        model = MLPClassifier(hidden_layer_sizes=(10,), solver="lbfgs", max_fun=8, random_state=0).fit(X, y)
    assert model.optimizer_.n_fun >= 8 and model.n_iter_ < 8
    model = MLPClassifier(hidden_layer_sizes=(10,), solver="lbfgs", tol=1e-1, random_state=0).fit(X, y)
    assert model.optimizer_.stop_reason in ("gtol", "tol") and model.n_iter_ < 200


def test_loss_curve_is_the_penalised_objective():
    X, y = datasets.make_regression(n_samples=60, n_features=3, noise=1.0, random_state=1)
    model = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", alpha=0.5, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    data = 0.5 * np.mean((model.predict(X) - y) ** 2)
    penalty = 0.5 * 0.5 * sum(float((W ** 2).sum()) for W in model.coefs_) / len(X)
    assert model.loss_ == pytest.approx(data + penalty, rel=1e-9)
    # the penalty is on the weights alone, alpha / n_samples, as scikit-learn's
    decay = model.optimizer_.weight_decay
    for layer in model.net_.layers:
        start = (layer.W.ctypes.data - model.net_.params.ctypes.data) // layer.W.itemsize
        assert np.all(decay[start:start + layer.W.size] == 0.5 / len(X))
        assert np.all(decay[start + layer.W.size:start + layer.W.size + layer.b.size] == 0.0)


def test_partial_fit_continues_the_memory():
    X, y = datasets.load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    a = MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0)
    b = MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0)
    a.partial_fit(X, y, classes=[0, 1, 2], epochs=3)
    a.partial_fit(X, y, epochs=3)
    b.partial_fit(X, y, classes=[0, 1, 2], epochs=6)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-12)

"""The estimators' warnings name the user's line, for both estimators, fit and partial_fit."""

import pytest

pytest.importorskip("sklearn", reason="the `sklearn` extra is not installed")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import fastnet  # noqa: E402
from fastnet.estimators import MLPClassifier, MLPRegressor  # noqa: E402


def _data():
    X, y = fastnet.datasets.blobs(60, n_features=4, n_classes=3, seed=0)
    return X, y


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_convergence_warning_names_this_file(Estimator):
    X, y = _data()
    with pytest.warns(ConvergenceWarning, match="Maximum iterations") as record:
        Estimator(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    assert record[0].filename == __file__


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_batch_size_warning_names_this_file(Estimator, method):
    X, y = _data()
    model = Estimator(hidden_layer_sizes=(4,), max_iter=2, batch_size=1000, random_state=0)
    kwargs = {"classes": [0, 1, 2]} if method == "partial_fit" and Estimator is MLPClassifier else {}
    with pytest.warns(UserWarning, match="batch_size") as record:
        getattr(model, method)(X, y, **kwargs)
    clipped = [w for w in record if "batch_size" in str(w.message)]
    assert clipped[0].filename == __file__

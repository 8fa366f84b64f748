"""fit(callbacks=...) of fastnet's scikit-learn estimators: checkpoints, CSV logs, Optuna's pruning.

``callbacks`` is a fit parameter, not a constructor parameter: a callback holds
the state of one fit (a file, the best value so far, an Optuna trial), which
``clone`` and ``get_params`` must not copy or share (as LightGBM's and Keras's fit take them).
"""

import csv
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the `sklearn` extra is not installed")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import fastnet  # noqa: E402
from fastnet.estimators import MLPClassifier, MLPRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def data(n=240, seed=0):
    X, y = fastnet.datasets.blobs(n, n_features=4, n_classes=3, seed=seed, dtype=np.float64)
    return X[: n * 3 // 4], y[: n * 3 // 4], X[n * 3 // 4:], y[n * 3 // 4:]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_callbacks_see_the_estimators_figures(tmp_path):
    X, y, Xv, yv = data()
    clf = MLPClassifier((8,), max_iter=15, learning_rate_init=0.05, random_state=0)
    clf.fit(X, y, validation_data=(Xv, yv), callbacks=[fastnet.CSVLogger(tmp_path / "log.csv")])
    rows = read_csv(tmp_path / "log.csv")
    assert list(rows[0]) == ["epoch", "loss", "lr", "time", "val_loss", "val_score"]
    assert [int(r["epoch"]) for r in rows] == list(range(1, clf.n_iter_ + 1))
    assert [float(r["loss"]) for r in rows] == clf.loss_curve_
    assert [float(r["val_loss"]) for r in rows] == clf.validation_loss_curve_
    assert [float(r["val_score"]) for r in rows] == clf.validation_scores_
    assert {float(r["lr"]) for r in rows} == {0.05}


def test_checkpoint_of_the_best_validation_score_is_the_early_stopping_model(tmp_path):
    X, y, _, _ = data()
    clf = MLPClassifier((8,), max_iter=60, learning_rate_init=0.05, early_stopping=True, n_iter_no_change=5,
                        random_state=0)
    checkpoint = fastnet.ModelCheckpoint(tmp_path / "best.npz", monitor="val_score")
    clf.fit(X, y, callbacks=[checkpoint])
    assert checkpoint.mode == "max" and checkpoint.best == clf.best_validation_score_
    assert clf.validation_scores_.index(clf.best_validation_score_) + 1 < clf.n_iter_   # not the last epoch
    # scikit-learn's early stopping keeps the first epoch of the best score; so does the checkpoint
    np.testing.assert_array_equal(fastnet.load(tmp_path / "best.npz").params, clf.net_.params)
    assert "callbacks" not in clf.get_params() and "callbacks" not in clone(clf).get_params()


def test_a_callback_returning_true_stops_the_estimator():
    X, y, _, _ = data()
    seen = []

    def stop_at_three(epoch, logs):
        seen.append((epoch, logs["loss"]))
        return epoch == 3

    reg = MLPRegressor((8,), max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)   # stopped, so no "maximum iterations reached"
        reg.fit(X, y.astype(float), callbacks=[stop_at_three])
    assert reg.n_iter_ == 3 and reg.history_.stopped_early
    assert seen == list(enumerate(reg.loss_curve_, start=1))


def test_pruning_an_estimator_keeps_it_fitted_at_the_last_epoch():
    optuna = pytest.importorskip("optuna")
    X, y, Xv, yv = data()

    class PruneAtFour:
        number = 0

        def __init__(self):
            self.reports = {}

        def report(self, value, step):
            self.reports[step] = value

        def should_prune(self):
            return len(self.reports) == 4

    trial = PruneAtFour()
    clf = MLPClassifier((8,), max_iter=30, random_state=0)
    with pytest.raises(optuna.TrialPruned):
        clf.fit(X, y, validation_data=(Xv, yv), callbacks=[fastnet.OptunaPruningCallback(trial)])
    assert clf.n_iter_ == 4 and list(trial.reports.values()) == clf.validation_loss_curve_
    four = MLPClassifier((8,), max_iter=4, random_state=0).fit(X, y, validation_data=(Xv, yv))
    np.testing.assert_array_equal(clf.net_.params, four.net_.params)
    np.testing.assert_array_equal(clf.predict(Xv), four.predict(Xv))


def test_callbacks_through_a_pipeline(tmp_path):
    X, y, _, _ = data()
    pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=5, random_state=0))
    pipe.fit(X, y, mlpclassifier__callbacks=[fastnet.ModelCheckpoint(tmp_path / "m", monitor="loss")])
    np.testing.assert_array_equal(fastnet.load(tmp_path / "m").params, pipe[-1].net_.params)


def test_bad_callbacks_are_refused_before_fitting():
    X, y, _, _ = data()
    clf = MLPClassifier((8,), max_iter=5)
    with pytest.raises(TypeError, match=r"callbacks must be callables f\(epoch, logs\), got 3"):
        clf.fit(X, y, callbacks=[3])
    assert not hasattr(clf, "net_")


def test_a_monitor_the_estimator_does_not_log_is_refused_before_the_first_epoch(tmp_path):
    # The callbacks see the estimator's figures (val_score, not val_accuracy), and are told so before training.
    X, y, Xv, yv = data()
    clf = MLPClassifier((8,), max_iter=5, random_state=0)
    seen = []
    with pytest.raises(ValueError, match=r"ModelCheckpoint\(monitor='val_accuracy'\) watches 'val_accuracy', which "
                                         r"this fit does not record: it records 'loss', 'lr', 'time', 'val_loss', "
                                         r"'val_score'"):
        clf.fit(X, y, validation_data=(Xv, yv),
                callbacks=[lambda epoch, logs: seen.append(epoch), fastnet.ModelCheckpoint(tmp_path / "m",
                                                                                         monitor="val_accuracy")])
    assert seen == [] and clf.n_iter_ == 0

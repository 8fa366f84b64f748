"""Issue 6: fastnet.estimators, scikit-learn's MLP API over fastnet's training.

The contract itself (get_params, clone, n_features_in_, pickling, ...) is
scikit-learn's own estimator checks, in tests/sklearn/test_estimator_checks.py. Here:
the parameter mapping against scikit-learn's MLP step by step, the stopping
rules against scikit-learn's iteration counts, partial_fit's kept optimizer
state, weights, dtypes, labels, and threads.
"""

import contextlib
import io
import os
import pickle
import threading
import time
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", reason="the `sklearn` extra is not installed")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import fastnet  # noqa: E402
from fastnet.estimators import MLPClassifier, MLPRegressor, _BaseMLP  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def blobs(n=120, n_features=5, n_classes=3, seed=0):
    X, y = fastnet.datasets.blobs(n, n_features=n_features, n_classes=n_classes, seed=seed, dtype=np.float64)
    return X, y.astype(np.int64)


def regression(n=200, n_features=4, n_outputs=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    Y = np.tanh(X @ rng.normal(size=(n_features, n_outputs))) + 0.05 * rng.normal(size=(n, n_outputs))
    return X, (Y.ravel() if n_outputs == 1 else Y)


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# ---------------------------------------------------------------------------
# Same accuracy as scikit-learn's MLP on digits (time reported, not asserted)
# ---------------------------------------------------------------------------

#: fastnet's mean test accuracy over the seeds must lie within this of scikit-learn's.
DIGITS_MARGIN = 0.02


def test_digits_accuracy_matches_sklearn(digits, record_property):
    """Same settings (one hidden layer of 100 relu, Adam 1e-3, batch 200, alpha 1e-4, 100 epochs).

    The initialisations differ (fastnet's He uniform, scikit-learn's Glorot
    with random biases), so the comparison is of mean test accuracy over
    three seeds, within DIGITS_MARGIN (9 of the 450 test images). The fit
    times are recorded, not asserted: benchmarks/bench_sklearn.py measures them.
    """
    X_train, X_test, y_train, y_test = digits
    settings = dict(hidden_layer_sizes=(100,), max_iter=100)
    scores = {"fastnet": [], "sklearn": []}
    seconds = {"fastnet": 0.0, "sklearn": 0.0}
    with contextlib.ExitStack() as stack:
        try:   # one BLAS thread for both, as in the benchmark
            from threadpoolctl import threadpool_limits
        except ImportError:
            pass
        else:
            stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
        for seed in range(3):
            for name, cls in (("fastnet", MLPClassifier), ("sklearn", SkMLPClassifier)):
                model = cls(random_state=seed, **settings)
                started = time.perf_counter()
                model.fit(X_train, y_train)
                seconds[name] += time.perf_counter() - started
                scores[name].append(model.score(X_test, y_test))
    fastnet_acc, sklearn_acc = np.mean(scores["fastnet"]), np.mean(scores["sklearn"])
    record_property("digits_accuracy", {"fastnet": fastnet_acc, "sklearn": sklearn_acc})
    record_property("digits_fit_time_ratio_sklearn_over_fastnet", seconds["sklearn"] / seconds["fastnet"])
    print(f"\ndigits accuracy: fastnet {fastnet_acc:.4f}, scikit-learn {sklearn_acc:.4f}; fit time "
          f"fastnet {seconds['fastnet']:.2f} s, scikit-learn {seconds['sklearn']:.2f} s")
    assert fastnet_acc > 0.95
    assert abs(fastnet_acc - sklearn_acc) <= DIGITS_MARGIN, scores


@pytest.mark.parametrize("estimator", [MLPRegressor, SkMLPRegressor])
def test_divergence_is_a_value_error_as_in_sklearn(estimator):
    # scikit-learn raises ValueError("Solver produced non-finite parameter weights ...");
    # fastnet's TrainingDivergedError is one too, with the last finite epoch restored.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)) * 100
    y = X.sum(axis=1) * 100
    model = estimator(solver="sgd", learning_rate_init=10.0, max_iter=50, random_state=0)
    with warnings.catch_warnings(), np.errstate(all="ignore"), pytest.raises(ValueError) as info:
        warnings.simplefilter("ignore", ConvergenceWarning)   # scikit-learn's overflows say so too
        model.fit(X, y)
    if estimator is MLPRegressor:
        assert isinstance(info.value, fastnet.TrainingDivergedError) and info.value.epoch > 1
        assert np.isfinite(model.net_.params).all() and np.isfinite(model.predict(X)).all()


def test_in_a_pipeline_and_float32_digits(digits):
    X_train, X_test, y_train, y_test = digits
    model = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,), max_iter=60, random_state=0,
                                                         dtype="float32"))
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.95
    assert model[-1].predict_proba(X_test).dtype == np.float32


# ---------------------------------------------------------------------------
# The parameter mapping, step by step against scikit-learn's MLP
# ---------------------------------------------------------------------------

def _sklearn_from(ours, cls, X, y, **params):
    """A scikit-learn MLP with the same parameters as ours (``net_``'s, biases zero), ready to warm-start."""
    sk = cls(warm_start=True, max_iter=1, shuffle=False, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.fit(X, y)
    for layer, (W, b) in enumerate(zip(ours.coefs_, ours.intercepts_)):
        sk.coefs_[layer][...] = W
        sk.intercepts_[layer][...] = b
    return sk


@pytest.mark.parametrize("problem", ["multiclass", "binary", "regression"])
def test_one_full_batch_sgd_step_equals_sklearn(problem):
    """alpha -> weight_decay = alpha / batch_size; losses and gradients as scikit-learn's, exactly.

    One full-batch SGD step from the same parameters (fastnet's initial
    biases are zero, so decaying them too changes nothing in this step).
    """
    if problem == "regression":
        X, y = regression(n=60, n_outputs=2)
        ours_cls, sk_cls = MLPRegressor, SkMLPRegressor
    else:
        X, y = blobs(n=60, n_classes=2 if problem == "binary" else 3)
        ours_cls, sk_cls = MLPClassifier, SkMLPClassifier
    params = dict(hidden_layer_sizes=(7, 5), activation="tanh", solver="sgd", alpha=0.3, batch_size=60,
                  learning_rate_init=0.1, momentum=0.0)
    ours = ours_cls(max_iter=1, shuffle=False, random_state=0, **params).fit(X, y)
    ours.set_params(warm_start=True)
    for b in ours.intercepts_:
        b[...] = 0.0
    sk = _sklearn_from(ours, sk_cls, X, y, **params)
    # Both now hold the same parameters (zero biases); one more step each:
    sk.fit(X, y)
    ours.fit(X, y)
    for ours_W, sk_W in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        np.testing.assert_allclose(ours_W, sk_W, rtol=1e-9, atol=1e-12)
    assert ours.optimizer_.weight_decay == pytest.approx(0.3 / 60)
    # loss_curve_: the data loss plus scikit-learn's penalty (on the end-of-epoch weights for
    # fastnet, the start-of-epoch ones for scikit-learn: close, not equal).
    assert ours.loss_curve_[-1] == pytest.approx(sk.loss_curve_[-1], rel=2e-2)


def test_one_adam_step_equals_sklearn_up_to_epsilon():
    """Adam: the same rule, epsilon excepted (scikit-learn adds it to sqrt(v) after the bias correction)."""
    X, y = blobs(n=80)
    params = dict(hidden_layer_sizes=(6,), solver="adam", alpha=1e-3, batch_size=80, learning_rate_init=1e-3,
                  beta_1=0.8, beta_2=0.99)
    ours = MLPClassifier(max_iter=1, shuffle=False, random_state=1, **params).fit(X, y)
    ours.set_params(warm_start=True)
    for b in ours.intercepts_:
        b[...] = 0.0
    sk = _sklearn_from(ours, SkMLPClassifier, X, y, **params)
    sk.fit(X, y)
    ours.fit(X, y)   # a warm-started fit builds a fresh Adam, as scikit-learn's does
    for ours_W, sk_W in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        np.testing.assert_allclose(ours_W, sk_W, rtol=0, atol=1e-3 * 1e-3)   # 0.1% of one step
    assert ours.optimizer_.betas == (0.8, 0.99)


def test_sgd_with_nesterov_momentum_matches_sklearn_over_several_steps():
    X, y = regression(n=40)
    params = dict(hidden_layer_sizes=(8,), activation="relu", solver="sgd", alpha=0.0, batch_size=40,
                  learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=True)
    ours = MLPRegressor(max_iter=1, shuffle=False, random_state=2, **params).fit(X, y)
    ours.set_params(warm_start=True, max_iter=6)   # alpha=0: no decay, so biases may be anything
    sk = _sklearn_from(ours, SkMLPRegressor, X, y, **params)
    sk.set_params(max_iter=6)
    sk.fit(X, y)
    ours.fit(X, y)
    for ours_W, sk_W in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        np.testing.assert_allclose(ours_W, sk_W, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cls,sk_cls,data", [(MLPClassifier, SkMLPClassifier, blobs),
                                             (MLPRegressor, SkMLPRegressor, regression)])
def test_tol_and_n_iter_no_change_stop_where_sklearn_stops(cls, sk_cls, data):
    """No epoch improves the loss by tol=10: the first epoch sets the best, n_iter_no_change + 1 more stop."""
    X, y = data()
    for n_iter_no_change in (1, 3):
        kw = dict(tol=10.0, n_iter_no_change=n_iter_no_change, max_iter=50, random_state=0)
        ours, sk = cls(**kw).fit(X, y), sk_cls(**kw).fit(X, y)
        assert ours.n_iter_ == sk.n_iter_ == n_iter_no_change + 2
        assert len(ours.loss_curve_) == ours.n_iter_ and ours.best_loss_ == min(ours.loss_curve_)
        assert ours.validation_scores_ is None and ours.best_validation_score_ is None


def test_adaptive_learning_rate_divides_by_five_as_sklearn():
    X, y = blobs()
    kw = dict(solver="sgd", learning_rate="adaptive", learning_rate_init=1e-3, tol=10.0, n_iter_no_change=1,
              max_iter=100, random_state=0)
    ours, sk = MLPClassifier(**kw).fit(X, y), SkMLPClassifier(**kw).fit(X, y)
    assert ours.n_iter_ == sk.n_iter_ < 100
    assert ours.optimizer_.lr == pytest.approx(sk._optimizer.learning_rate)
    assert ours.optimizer_.lr <= 1e-6


def test_invscaling_learning_rate():
    X, y = regression()
    ours = MLPRegressor(solver="sgd", learning_rate="invscaling", learning_rate_init=0.1, power_t=0.5,
                        max_iter=3, random_state=0).fit(X, y)
    assert ours.t_ == 3 * len(X)
    assert ours.optimizer_.lr == pytest.approx(0.1 / (ours.t_ + 1) ** 0.5)


def test_early_stopping_keeps_the_best_validation_epoch():
    X, y = blobs(n=300, seed=3)
    X_val, y_val = blobs(n=90, seed=4)
    model = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, n_iter_no_change=3, max_iter=200,
                          learning_rate_init=0.05, random_state=0)
    model.fit(X, y, validation_data=(X_val, y_val))
    assert len(model.validation_scores_) == len(model.validation_loss_curve_) == len(model.loss_curve_) \
        == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_)
    assert model.best_loss_ is None


def test_early_stopping_holds_out_validation_fraction():
    X, y = blobs(n=200)
    model = MLPRegressor(early_stopping=True, validation_fraction=0.2, max_iter=30, random_state=0)
    model.fit(X, y.astype(float))
    assert model.t_ == 160 * model.n_iter_   # trained on 80% of the rows
    assert len(model.validation_loss_curve_) == model.n_iter_
    assert np.isfinite(model.validation_scores_).all()
    with pytest.raises(ValueError, match="too small"):
        MLPRegressor(early_stopping=True, validation_fraction=0.01).fit(X[:50], y[:50].astype(float))


def test_validation_data_is_monitored_without_stopping():
    X, y = regression()
    Xv, yv = regression(n=50, seed=1)
    model = MLPRegressor(max_iter=12, tol=0.0, n_iter_no_change=100, random_state=0).fit(X, y,
                                                                                        validation_data=(Xv, yv))
    assert model.n_iter_ == 12 and len(model.validation_loss_curve_) == 12
    assert model.validation_loss_curve_[-1] == pytest.approx(model.net_.loss(Xv, yv))
    assert model.validation_scores_[-1] == pytest.approx(model.score(Xv, yv))


# ---------------------------------------------------------------------------
# partial_fit: several epochs per call, optimizer state kept
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_keeps_optimizer_state(solver):
    """Six epochs in one call, or three calls of two: the same parameters, bit for bit."""
    X, y = blobs(n=150)
    kw = dict(hidden_layer_sizes=(10,), solver=solver, batch_size=32, random_state=0)
    one = MLPClassifier(**kw).partial_fit(X, y, classes=[0, 1, 2], epochs=6)
    three = MLPClassifier(**kw)
    three.partial_fit(X, y, classes=[0, 1, 2], epochs=2)
    three.partial_fit(X, y, epochs=2)
    three.partial_fit(X, y, epochs=2)
    np.testing.assert_array_equal(one.net_.params, three.net_.params)
    np.testing.assert_array_equal(one.optimizer_.state, three.optimizer_.state)
    assert one.optimizer_.t == three.optimizer_.t == 6 * 5
    assert one.loss_curve_ == three.loss_curve_ and len(one.loss_curve_) == 6
    assert one.n_iter_ == 6 and three.n_iter_ == 2


def test_partial_fit_continues_after_pickling():
    X, y = regression()
    model = MLPRegressor(hidden_layer_sizes=(8,), random_state=0).partial_fit(X, y, epochs=3)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(X), model.predict(X))
    model.partial_fit(X, y, epochs=2)
    copy.partial_fit(X, y, epochs=2)
    np.testing.assert_array_equal(copy.net_.params, model.net_.params)


def test_partial_fit_checks():
    X, y = blobs()
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier().partial_fit(X, y)
    model = MLPClassifier(max_iter=5).partial_fit(X, y, classes=[0, 1, 2, 3])
    assert model.classes_.tolist() == [0, 1, 2, 3] and model.n_outputs_ == 4
    with pytest.raises(ValueError, match="not in classes_"):
        model.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="epochs"):
        model.partial_fit(X, y, epochs=0)
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="balanced"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


def test_warm_start_continues_from_the_previous_fit():
    X, y = blobs()
    model = MLPClassifier(max_iter=5, random_state=0, warm_start=True).fit(X, y)
    before = model.net_.params.copy()
    model.fit(X, y)
    assert len(model.loss_curve_) == 10 and model.n_iter_ == 5
    assert not np.array_equal(before, model.net_.params)
    cold = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(cold.net_.params, before)    # a cold fit starts over
    with pytest.raises(ValueError, match="same classes"):
        model.fit(X[y < 2], y[y < 2])


# ---------------------------------------------------------------------------
# Labels, weights, dtypes, inputs
# ---------------------------------------------------------------------------

def test_string_labels_binary_and_multiclass():
    X, y = blobs(n=150)
    names = np.array(["cat", "dog", "eel"])[y]
    model = MLPClassifier(max_iter=50, random_state=0).fit(X, names)
    assert model.classes_.tolist() == ["cat", "dog", "eel"]
    assert set(model.predict(X)) <= set(names) and model.score(X, names) > 0.9
    binary = names[y < 2]
    model = MLPClassifier(max_iter=50, random_state=0).fit(X[y < 2], binary)
    assert model.n_outputs_ == 1 and model.out_activation_ == "logistic"
    assert model.net_.criterion.name == "binary_cross_entropy"
    proba = model.predict_proba(X[y < 2])
    assert proba.shape == (len(binary), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X[y < 2]))


def test_multilabel_targets():
    X, y = blobs(n=150)
    Y = np.stack([y == 0, y != 1, y == 2], axis=1).astype(int)
    model = MLPClassifier(max_iter=80, random_state=0).fit(X, Y)
    assert model.predict(X).shape == Y.shape and model.predict_proba(X).shape == Y.shape
    assert model.score(X, Y) > 0.8


def test_class_weight_is_a_sample_weight_per_class():
    X, y = blobs()
    by_class = MLPClassifier(max_iter=10, random_state=0, class_weight={0: 3.0, 1: 1.0, 2: 0.5}).fit(X, y)
    by_sample = MLPClassifier(max_iter=10, random_state=0).fit(X, y, sample_weight=np.array([3.0, 1.0, 0.5])[y])
    np.testing.assert_array_equal(by_class.net_.params, by_sample.net_.params)
    balanced = MLPClassifier(max_iter=10, random_state=0, class_weight="balanced").fit(X[:100], y[:100])
    assert np.isfinite(balanced.net_.params).all()


def test_zero_sample_weight_drops_the_row_and_unit_weights_change_nothing():
    X, y = regression(n=100)
    w = np.ones(100)
    w[::4] = 0
    weighted = MLPRegressor(max_iter=5, batch_size=16, random_state=0).fit(X, y, sample_weight=w)
    dropped = MLPRegressor(max_iter=5, batch_size=16, random_state=0).fit(X[w > 0], y[w > 0])
    np.testing.assert_array_equal(weighted.net_.params, dropped.net_.params)
    ones = MLPRegressor(max_iter=5, batch_size=16, random_state=0).fit(X, y, sample_weight=np.ones(100))
    plain = MLPRegressor(max_iter=5, batch_size=16, random_state=0).fit(X, y)
    np.testing.assert_array_equal(ones.net_.params, plain.net_.params)


@pytest.mark.parametrize("cls,data", [(MLPClassifier, blobs), (MLPRegressor, regression)])
def test_float32_input_stays_float32(cls, data):
    X, y = data()
    model = cls(max_iter=5, random_state=0).fit(X.astype(np.float32), y)
    assert model.net_.dtype == np.float32 and model.coefs_[0].dtype == np.float32
    out = model.predict_proba(X) if cls is MLPClassifier else model.predict(X)
    assert out.dtype == np.float32
    model = cls(max_iter=5, random_state=0).fit(X.astype(np.int64), y)     # anything else: float64
    assert model.net_.dtype == np.float64
    model = cls(max_iter=5, random_state=0, dtype="float32").fit(X, y)
    assert model.net_.dtype == np.float32


def test_sparse_input_is_densified():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    X, y = blobs()
    dense = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    sparse = MLPClassifier(max_iter=5, random_state=0).fit(scipy_sparse.csr_matrix(X), y)
    np.testing.assert_array_equal(dense.net_.params, sparse.net_.params)
    np.testing.assert_array_equal(dense.predict_proba(X), sparse.predict_proba(scipy_sparse.csr_matrix(X)))


def test_regressor_multi_output_and_shapes():
    X, Y = regression(n_outputs=3)
    model = MLPRegressor(hidden_layer_sizes=(32,), max_iter=150, learning_rate_init=0.01, random_state=0).fit(X, Y)
    assert model.predict(X).shape == (200, 3) and model.score(X, Y) > 0.8
    assert model.net_.criterion.name == "half_mse" and model.out_activation_ == "identity"
    X, y = regression()
    assert MLPRegressor(max_iter=5, random_state=0).fit(X, y).predict(X).shape == (200,)


def test_random_state():
    X, y = blobs()
    a = MLPClassifier(max_iter=3, random_state=7).fit(X, y)
    b = MLPClassifier(max_iter=3, random_state=7).fit(X, y)
    np.testing.assert_array_equal(a.net_.params, b.net_.params)
    assert a.net_.seed == 7
    rs = np.random.RandomState(0)
    c = MLPClassifier(max_iter=3, random_state=rs).fit(X, y)
    d = MLPClassifier(max_iter=3, random_state=rs).fit(X, y)   # the RandomState moved on
    assert not np.array_equal(c.net_.params, d.net_.params)


def test_verbose_prints_each_epoch():
    X, y = blobs()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        MLPClassifier(max_iter=3, verbose=True, random_state=0).fit(X, y)
    assert out.getvalue().count("Iteration ") == 3 and "Iteration 3, loss = " in out.getvalue()


def test_convergence_warning_at_max_iter():
    X, y = blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match="Maximum iterations"):
            MLPClassifier(max_iter=2, random_state=0).fit(X, y)


def test_parameters_are_those_of_sklearn_plus_fastnets():
    ours = set(MLPClassifier().get_params())
    theirs = set(SkMLPClassifier().get_params())
    assert theirs - ours == set()
    assert ours - theirs == {"dtype", "optimizer_options", "n_threads", "dropout", "init", "class_weight"}
    assert set(MLPRegressor().get_params()) - set(SkMLPRegressor().get_params()) == \
        {"dtype", "optimizer_options", "n_threads", "dropout", "init"}
    assert set(SkMLPRegressor().get_params()) - set(MLPRegressor().get_params()) == {"loss"}
    model = clone(MLPClassifier(hidden_layer_sizes=(5, 4), solver="sgd"))
    assert model.get_params()["hidden_layer_sizes"] == (5, 4)


@pytest.mark.parametrize("params,error,match", [
    ({"solver": "lbfgs", "max_fun": 0}, ValueError, "max_fun must be an integer >= 1"),
    ({"solver": "lbfgs", "optimizer_options": {"gtol": 0.1}}, ValueError, "set by the estimator's tol"),
    ({"solver": "newton"}, ValueError, "solver must be one of"),
    ({"activation": "sigmoid"}, ValueError, "activation must be one of"),
    ({"hidden_layer_sizes": (10, 0)}, ValueError, "hidden_layer_sizes"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"learning_rate_init": 0.0}, ValueError, "learning_rate_init"),
    ({"learning_rate": "cyclic"}, ValueError, "learning_rate must be one of"),
    ({"beta_2": 1.0}, ValueError, "beta_2"),
    ({"dtype": "float16"}, ValueError, "dtype"),
    ({"optimizer_options": {"lr": 0.1}}, ValueError, "learning_rate_init"),
    ({"optimizer_options": {"weight_decay": 0.1}}, ValueError, "alpha"),
    ({"optimizer_options": {"amsgrad": "yes"}}, TypeError, "amsgrad"),
    ({"optimizer_options": [1]}, TypeError, "optimizer_options"),
])
def test_bad_parameters_are_named(params, error, match):
    X, y = blobs(n=30)
    with pytest.raises(error, match=match):
        MLPClassifier(max_iter=2, **params).fit(X, y)


def test_other_fastnet_optimizers_and_options():
    X, y = blobs()
    for solver, options in (("adamw", {"amsgrad": True}), ("rmsprop", {"alpha": 0.9}), ("adagrad", None)):
        model = MLPClassifier(solver=solver, optimizer_options=options, max_iter=20, random_state=0,
                              learning_rate_init=0.01).fit(X, y)
        assert type(model.optimizer_).__name__.lower() == solver
        assert model.score(X, y) > 0.8
    assert MLPClassifier(solver="adamw", alpha=0.05, max_iter=1).fit(X, y).optimizer_.weight_decay == 0.05


def test_one_class_is_an_error_naming_classes():
    X, _ = blobs(n=20)
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifier().fit(X, np.ones(20))


# ---------------------------------------------------------------------------
# Threads: parallel grid search, one BLAS thread
# ---------------------------------------------------------------------------

GRID = {"hidden_layer_sizes": [(16,), (32,)], "alpha": [1e-4, 1e-2]}


def test_grid_search_with_threads_equals_serial(digits):
    joblib = pytest.importorskip("joblib")
    X_train, _, y_train, _ = digits
    base = MLPClassifier(max_iter=15, random_state=0)
    serial = GridSearchCV(base, GRID, cv=3, n_jobs=1).fit(X_train, y_train)
    with joblib.parallel_backend("threading", n_jobs=2):
        threaded = GridSearchCV(base, GRID, cv=3, n_jobs=2).fit(X_train, y_train)
    assert threaded.best_params_ == serial.best_params_
    np.testing.assert_array_equal(threaded.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"])


def _fastnet_blas_threads():
    """Thread counts of the BLAS fastnet's gemm calls (fastnet/runtime/blas.py), as threadpoolctl reads them."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from fastnet.runtime import blas as _blas

    path = _blas.kernel_blas().path
    libs = [lib for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
    ours = [lib for lib in libs if path and os.path.realpath(lib["filepath"]) == os.path.realpath(path)]
    return [lib["num_threads"] for lib in (ours or libs)]


def _spy_blas_threads(monkeypatch):
    """Record, after every epoch, the BLAS thread count the fitting thread sees (and in which thread)."""
    seen = []
    original = _BaseMLP._update_no_improvement_count

    def spy(self):
        seen.append((threading.get_ident(), *_fastnet_blas_threads()))
        return original(self)

    monkeypatch.setattr(_BaseMLP, "_update_no_improvement_count", spy)
    return seen


def test_fit_and_predict_hold_blas_at_n_threads_through_the_shared_scope(monkeypatch):
    """fit and predict go through fastnet.runtime.threads.blas_threads (a fake BLAS setter here)."""
    from fastnet.runtime import threads

    current, seen = [4], []

    def setter(n):
        previous, current[0] = current[0], n
        return previous

    monkeypatch.setattr(threads, "_get_setter", lambda: setter)
    original = _BaseMLP._update_no_improvement_count

    def spy(self):   # called after every epoch, inside fit
        seen.append(current[0])
        return original(self)

    monkeypatch.setattr(_BaseMLP, "_update_no_improvement_count", spy)
    X, y = blobs()
    model = MLPClassifier(max_iter=3, random_state=0, n_threads=2).fit(X, y)
    assert seen == [2, 2, 2] and current == [4]
    model.predict(X)
    assert current == [4]


def test_fit_uses_one_blas_thread_and_leaves_the_limit_alone(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = _fastnet_blas_threads()
        if not before or max(before) < 2:
            pytest.skip("the BLAS fastnet calls cannot run 2 threads here")
        seen = _spy_blas_threads(monkeypatch)
        X, y = blobs()
        MLPClassifier(max_iter=3, random_state=0).fit(X, y)
        assert len(seen) == 3 and {s[1] for s in seen} == {1}
        assert _fastnet_blas_threads() == before
        seen.clear()
        MLPClassifier(max_iter=3, random_state=0, n_threads=2).fit(X, y)
        assert {s[1] for s in seen} == {2}


def test_grid_search_threads_each_use_one_blas_thread(monkeypatch, digits):
    """Under joblib's threading backend each fit runs in its own thread, on one BLAS thread."""
    joblib = pytest.importorskip("joblib")
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        if max(_fastnet_blas_threads() or [0]) < 2:
            pytest.skip("the BLAS fastnet calls cannot run 2 threads here")
        seen = _spy_blas_threads(monkeypatch)
        X_train, _, y_train, _ = digits
        for _ in range(5):   # the fits of two threads overlap in many ways
            with joblib.parallel_backend("threading", n_jobs=2):
                GridSearchCV(MLPClassifier(max_iter=3, random_state=0), {"alpha": [1e-4, 1e-2]}, cv=2,
                             n_jobs=2).fit(X_train, y_train)
        assert len({s[0] for s in seen}) >= 2          # fits ran in more than one thread
        assert {s[1] for s in seen} == {1}
        assert max(_fastnet_blas_threads()) == 2       # and the other threads' setting is untouched


# ---------------------------------------------------------------------------
# The asv benchmark module runs
# ---------------------------------------------------------------------------

def test_bench_sklearn_runs_once(monkeypatch):
    import importlib
    import sys

    from helpers import REPO as root
    if not os.path.exists(os.path.join(root, "benchmarks", "bench_sklearn.py")):
        pytest.skip("the benchmarks are not beside the tests (a wheel test)")
    if root not in sys.path:
        sys.path.append(root)
    bench = importlib.import_module("benchmarks.bench_sklearn")
    monkeypatch.setattr(bench, "GRID_EPOCHS", 5)   # the code path, not the timing
    fit = bench.DigitsFit()
    fit.setup("fastnet", "float64")
    fit.time_fit("fastnet", "float64")
    assert 0.9 < fit.track_test_accuracy("fastnet", "float64") <= 1.0
    search = bench.ThreadedGridSearch()
    search.setup(1)
    search.time_grid_search(1)

"""fit(metrics=...) and evaluate(): every metric against NumPy / scikit-learn formulas on the same outputs.

The kernel's sums (fastnet/_core/metrics.pyx) against the reference's
(fastnet/reference/metrics.py) and against the formulas; the training metrics
as running averages over the epoch's batches (each batch's outputs before its
update), recomputed batch by batch with the reference network; evaluate()
against the metrics of predict()'s outputs.
"""

import math

import numpy as np
import pytest

import fastnet
import fastnet.reference as ref
from fastnet._core import metrics as kernel
from fastnet._core.losses import LossId
from fastnet.nn.losses import Loss
from fastnet.reference import metrics as ref_metrics
from fastnet.train.metrics import METRICS, Metric, resolve_metrics

from helpers import ATOL, RTOL

DTYPES = [np.float32, np.float64]


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _data(loss, n=40, k=4, seed=0):
    """(out, y): logits and one-hot / 0-1 targets for the cross-entropies, outputs and targets otherwise."""
    rng = np.random.default_rng(seed)
    out = rng.normal(size=(n, k))
    if loss == "cross_entropy":
        y = np.eye(k)[rng.integers(0, k, n)]
    elif loss == "binary_cross_entropy":
        y = (rng.random((n, k)) < 0.5).astype(float)
    else:
        y = out + rng.normal(size=(n, k)) + 3.0   # an offset: r2 far from 1, and the shift matters
    return out, y


def _expected(name, loss, out, y, w, k_top=5):
    """The metric by its formula (scikit-learn's where it has one), on logits for the cross-entropies."""
    sk = pytest.importorskip("sklearn.metrics")
    if name == "accuracy" and loss == "cross_entropy":
        return sk.accuracy_score(y.argmax(1), out.argmax(1), sample_weight=w)
    if name == "accuracy":
        hits = ((_sigmoid(out) >= 0.5) == (y >= 0.5)).mean(axis=1)
        return np.average(hits, weights=w)
    if name == "top_k_accuracy":
        truth = y.argmax(1)
        above = (out > out[np.arange(len(out)), truth][:, None]).sum(axis=1)
        return np.average(above < k_top, weights=w)
    if name == "log_loss" and loss == "cross_entropy":
        return sk.log_loss(y.argmax(1), _softmax(out), sample_weight=w, labels=range(out.shape[1]))
    if name == "log_loss":
        p = _sigmoid(out)
        return np.average((-(y * np.log(p) + (1 - y) * np.log(1 - p))).mean(axis=1), weights=w)
    if name == "mae":
        return sk.mean_absolute_error(y, out, sample_weight=w)
    if name == "rmse":   # Keras's: the root of the mean over every entry
        return math.sqrt(np.average(((out - y) ** 2).mean(axis=1), weights=w))
    return sk.r2_score(y, out, sample_weight=w)


def _metrics_for(loss):
    if loss == "cross_entropy":
        return ["accuracy", Metric("top_k_accuracy", k=2), "log_loss"]
    if loss == "binary_cross_entropy":
        return ["accuracy", "log_loss"]
    return ["mae", "rmse", "r2"]


CASES = [("cross_entropy", LossId.CROSS_ENTROPY), ("binary_cross_entropy", LossId.BINARY_CROSS_ENTROPY),
         ("mse", LossId.MSE)]


# ---------------------------------------------------------------------------
# The sums, kernel and reference, against the formulas
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss, loss_id", CASES)
def test_kernel_sums_give_each_metric_of_its_formula(loss, loss_id, weighted, dtype):
    out, y = _data(loss)
    w = np.random.default_rng(1).uniform(0.1, 2.0, len(out)) if weighted else None
    out, y = out.astype(dtype), y.astype(dtype)
    w_arr = np.empty(0, dtype) if w is None else w.astype(dtype)
    chosen = resolve_metrics(_metrics_for(loss), loss, out.shape[1])
    acc = chosen.accumulator(y)
    # Two calls: the sums of two batches add up to those of the whole.
    kernel.accumulate(chosen.flags, chosen.top_k, int(loss_id), 0.0, out[:15], y[:15], w_arr[:15], acc)
    kernel.accumulate(chosen.flags, chosen.top_k, int(loss_id), 0.0, out[15:], y[15:], w_arr[15:], acc)
    got = chosen.figures(acc)
    ref_acc = ref_metrics.accumulator(chosen, y.tolist())
    ref_metrics.accumulate(chosen, Loss(loss), out.tolist(), y.tolist(), None if w is None else w_arr.tolist(),
                           ref_acc)
    expected_ref = chosen.figures(ref_acc)
    o64, y64, w64 = out.astype(np.float64), y.astype(np.float64), None if w is None else w_arr.astype(np.float64)
    for metric in chosen.metrics:
        want = _expected(metric.name, loss, o64, y64, w64, metric.k)
        assert got[metric.key] == pytest.approx(want, rel=RTOL[dtype], abs=ATOL[dtype]), metric.key
        assert expected_ref[metric.key] == pytest.approx(want, rel=1e-10, abs=1e-12), metric.key


def test_top_k_counts_ties_at_the_boundary_as_in():
    # tf.math.in_top_k: fewer than k classes strictly above the true one.
    out = np.array([[1.0, 1.0, 1.0, 0.0], [2.0, 3.0, 4.0, 1.0]])
    y = np.array([[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    chosen = resolve_metrics([Metric("top_k_accuracy", k=1)], "cross_entropy", 4)
    acc = chosen.accumulator(y)
    kernel.accumulate(chosen.flags, 1, int(LossId.CROSS_ENTROPY), 0.0, out, y, np.empty(0), acc)
    assert chosen.figures(acc) == {"top_1_accuracy": 0.5}


def test_r2_of_a_constant_column_is_sklearns_force_finite():
    y = np.array([[2.0, 1.0], [2.0, 2.0], [2.0, 3.0]])
    out = np.array([[2.0, 1.0], [2.0, 2.0], [2.0, 2.0]])   # the constant column predicted exactly: 1
    chosen = resolve_metrics(["r2"], "mse", 2)
    acc = chosen.accumulator(y)
    kernel.accumulate(chosen.flags, 0, int(LossId.MSE), 0.0, out, y, np.empty(0), acc)
    sk = pytest.importorskip("sklearn.metrics")
    assert chosen.figures(acc)["r2"] == pytest.approx(sk.r2_score(y, out)) == pytest.approx(0.75)


def test_r2_keeps_its_precision_far_from_zero():
    # y = 1e8 + small spread: sum y^2 - (sum y)^2 / n would cancel every digit without the shift.
    rng = np.random.default_rng(0)
    y = 1e8 + rng.normal(size=(500, 1))
    out = y + 0.5 * rng.normal(size=(500, 1))
    chosen = resolve_metrics(["r2"], "mse", 1)
    acc = chosen.accumulator(y)
    kernel.accumulate(chosen.flags, 0, int(LossId.MSE), 0.0, out, y, np.empty(0), acc)
    sk = pytest.importorskip("sklearn.metrics")
    assert chosen.figures(acc)["r2"] == pytest.approx(sk.r2_score(y, out), rel=1e-9)


# ---------------------------------------------------------------------------
# fit: History keys, running averages, compiled against reference
# ---------------------------------------------------------------------------

def _problem(loss, n=48, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    if loss == "cross_entropy":
        return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5), 3
    if loss == "binary_cross_entropy":
        return X, (X[:, :2] > 0).astype(float), 2
    return X, X[:, :2] * [1.0, -2.0] + 1.0, 2


def test_history_holds_each_metric_for_training_and_validation_in_keras_order():
    X, y, k = _problem("cross_entropy")
    net = fastnet.Network.mlp([3, 8, k], loss="cross_entropy", seed=1)
    h = net.fit(X, y, "adam", epochs=3, batch_size=16, metrics=["accuracy", "top_2_accuracy", "log_loss"],
                validation_split=0.25, validation_shuffle=False)   # the last rows, as evaluated below
    assert list(h.history)[:7] == ["loss", "accuracy", "top_2_accuracy", "log_loss",
                                   "val_loss", "val_accuracy", "val_top_2_accuracy"]
    assert all(len(series) == 3 for series in h.history.values())
    last = net.evaluate(X[36:], y[36:], metrics=["accuracy", "top_2_accuracy", "log_loss"])   # the held-out rows
    assert (h.val_loss[-1], h.val_accuracy[-1], h.val_top_2_accuracy[-1], h.val_log_loss[-1]) == (
        last["loss"], last["accuracy"], last["top_2_accuracy"], last["log_loss"])
    # log_loss is the cross-entropy itself, so it equals the loss (both running averages)
    assert h.log_loss == pytest.approx(h.loss, rel=1e-5)


def test_no_metrics_keeps_val_accuracy_for_classification_only():
    X, y, k = _problem("cross_entropy")
    net = fastnet.Network.mlp([3, 8, k], loss="cross_entropy", seed=1)
    h = net.fit(X, y, epochs=2, validation_split=0.25)
    assert set(h.history) == {"loss", "val_loss", "val_accuracy", "lr", "time"}
    h = net.fit(X, y, epochs=2, validation_split=0.25, metrics=[])
    assert set(h.history) == {"loss", "val_loss", "lr", "time"}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy", "mse"])
def test_fit_metrics_match_the_reference_fit(loss, weighted, dtype):
    X, Y, k = _problem(loss)
    w = np.random.default_rng(2).uniform(0.2, 2.0, len(X)) if weighted else None
    metrics = _metrics_for(loss)
    net = fastnet.Network.mlp([3, 6, k], loss=loss, dtype=dtype, seed=4)
    twin = ref.Network.mlp([3, 6, k], loss=loss, seed=4)
    h = net.fit(X, Y, fastnet.Adam(lr=0.05), epochs=3, batch_size=10, seed=7, sample_weight=w, metrics=metrics)
    g = twin.fit(X.tolist(), Y.tolist(), fastnet.Adam(lr=0.05), epochs=3, batch_size=10, seed=7,
                 sample_weight=None if w is None else w.tolist(), metrics=metrics)
    keys = [Metric.coerce(m).key for m in metrics]
    for key in keys:
        # accuracies are counts of 48 rows: a flipped row would differ by ~0.02
        assert np.allclose(getattr(h, key), getattr(g, key), rtol=5e-3 if dtype == "float32" else 1e-9,
                           atol=1e-4 if dtype == "float32" else 1e-12), key


def test_training_metrics_are_running_averages_of_each_batchs_outputs_before_its_update():
    # Recomputed by hand with the reference: for each batch, its outputs, then one SGD step.
    X, Y, k = _problem("mse", n=30)
    lr, batch = 0.1, 8
    net = fastnet.Network.mlp([3, 5, k], dtype="float64", seed=3)
    twin = ref.Network.mlp([3, 5, k], seed=3)
    h = net.fit(X, Y, fastnet.SGD(lr=lr), epochs=2, batch_size=batch, shuffle=False, metrics=["mae", "rmse", "r2"])
    for epoch in range(2):
        outs = []
        for start in range(0, len(X), batch):
            outs.append(np.array(twin.predict(X[start:start + batch].tolist())))
            twin.backward(X[start:start + batch].tolist(), Y[start:start + batch].tolist())
            twin.params = [p - lr * g for p, g in zip(twin.params, twin.grads)]
        out = np.concatenate(outs)
        for name in ("mae", "rmse", "r2"):
            assert getattr(h, name)[epoch] == pytest.approx(_expected(name, "mse", out, Y, None), rel=1e-9)
        # ... and not the metric of the epoch's final parameters
    assert h.mae[-1] != pytest.approx(net.evaluate(X, Y, ["mae"])["mae"], rel=1e-3)


# ---------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy", "mse"])
def test_evaluate_gives_the_metrics_of_predicts_outputs(loss, weighted, dtype):
    X, Y, k = _problem(loss, n=300)
    w = np.random.default_rng(5).uniform(0.0, 3.0, len(X)) if weighted else None
    net = fastnet.Network.mlp([3, 7, k], loss=loss, dtype=dtype, seed=2)
    net.fit(X, Y, "adam", epochs=3, batch_size=32)
    metrics = _metrics_for(loss)
    got = net.evaluate(X, Y, metrics=metrics, sample_weight=w)
    assert got["loss"] == pytest.approx(net.loss(X, Y, sample_weight=w), rel=1e-6)
    p = net.predict(X).astype(np.float64)
    targets = np.eye(k)[Y] if loss == "cross_entropy" else Y
    # the formulas read logits: those of predict's probabilities (monotone, so ranks and thresholds agree)
    out = np.log(p) if loss == "cross_entropy" else np.log(p / (1 - p)) if loss == "binary_cross_entropy" else p
    tol = dict(rel=2e-4, abs=2e-5) if dtype == "float32" else dict(rel=1e-7, abs=1e-9)
    for metric in map(Metric.coerce, metrics):
        assert got[metric.key] == pytest.approx(_expected(metric.name, loss, out, targets, w, metric.k), **tol)
    assert list(got) == ["loss"] + [Metric.coerce(m).key for m in metrics]
    twin = ref.Network.mlp([3, 7, k], loss=loss, seed=2)
    twin.params = net.params.astype(np.float64).tolist()
    expected = twin.evaluate(X.tolist(), Y.tolist(), metrics, None if w is None else w.tolist())
    assert got == pytest.approx(expected, **tol)


def test_evaluate_without_metrics_is_the_loss():
    X, Y, k = _problem("mse")
    net = fastnet.Network.mlp([3, 4, k], dtype="float64")
    assert net.evaluate(X, Y) == {"loss": pytest.approx(net.loss(X, Y), rel=1e-12)}


# ---------------------------------------------------------------------------
# Bad metrics
# ---------------------------------------------------------------------------

def test_an_unknown_metric_names_the_valid_ones():
    X, Y, k = _problem("mse")
    net = fastnet.Network.mlp([3, 4, k])
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"unknown metric 'precision'; expected one of accuracy, top_k_accuracy, "
                                         r"log_loss, mae, rmse, r2"):
        net.fit(X, Y, epochs=1, metrics=["mae", "precision"])
    assert np.array_equal(net.params, before)   # nothing ran
    with pytest.raises(ValueError, match="unknown metric"):
        net.evaluate(X, Y, metrics=["precision"])
    assert set(fastnet.METRICS) == set(METRICS) == {"accuracy", "top_k_accuracy", "log_loss", "mae", "rmse", "r2"}


@pytest.mark.parametrize("loss, metric, message", [
    ("mse", "accuracy", "needs a classification loss"),
    ("binary_cross_entropy", "top_k_accuracy", "needs the cross_entropy loss"),
    ("cross_entropy", "mae", "is a regression metric"),
])
def test_a_metric_for_another_kind_of_loss_is_refused(loss, metric, message):
    with pytest.raises(ValueError, match=message):
        resolve_metrics([metric], loss, 3)


def test_metric_arguments_are_checked():
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        Metric("top_k_accuracy", k=0)
    with pytest.raises(ValueError, match="takes no k"):
        Metric("mae", k=3)
    with pytest.raises(TypeError, match="a metric is a name or a fastnet.Metric"):
        resolve_metrics([3], "mse", 1)
    with pytest.raises(ValueError, match=r"one top_k_accuracy per fit, got k = \[2, 3\]"):
        resolve_metrics(["top_2_accuracy", "top_3_accuracy"], "cross_entropy", 4)
    assert Metric("top_k_accuracy").key == "top_k_accuracy" and Metric("top_3_accuracy").k == 3

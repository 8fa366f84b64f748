"""fit with fastnet.LBFGS: history, callbacks, early stopping, validation data, divergence rollback."""

import numpy as np
import pytest

import fastnet as fn


def _problem(dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(80, 4)), rng.normal(size=(80, 1))
    net = fn.Network.mlp([4, 6, 1], activation="tanh", loss="mse", dtype=dtype, seed=seed)
    return net, X, Y


def test_history_has_one_iteration_per_epoch():
    net, X, Y = _problem()
    history = net.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=6, validation_data=(X[:20], Y[:20]))
    assert history.epoch == [1, 2, 3, 4, 5, 6]
    assert history.lr == [1.0] * 6 and len(history.time) == 6
    assert all(b < a for a, b in zip(history.loss, history.loss[1:]))   # the line search always decreases
    assert history.loss[-1] == pytest.approx(net.loss(X, Y), rel=1e-12)  # the loss where the epoch ended
    assert history.val_loss[-1] == pytest.approx(net.loss(X[:20], Y[:20]), rel=1e-12)
    assert net._optimizer.t == 6


def test_the_sample_weights_weight_the_loss():
    net, X, Y = _problem(seed=1)
    twin, _, _ = _problem(seed=1)
    w = np.r_[np.full(40, 2.0), np.zeros(40)]
    a = net.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=4, sample_weight=w)
    b = twin.fit(X[:40], Y[:40], optimizer=fn.LBFGS(tol=0, gtol=0), epochs=4)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-10)


def test_a_callback_stops_and_a_new_fit_continues_the_memory():
    net, X, Y = _problem(seed=2)
    twin, _, _ = _problem(seed=2)
    history = net.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=10, callbacks=[lambda e, logs: e == 3])
    assert len(history) == 3 and history.stopped_early
    rest = net.fit(X, Y, epochs=4)   # optimizer=None: the same LBFGS, its pairs kept
    whole = twin.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=7)
    np.testing.assert_allclose(history.loss + rest.loss, whole.loss, rtol=1e-12)


def test_early_stopping_restores_the_best_epoch():
    net, X, Y = _problem(seed=3)
    twin, _, _ = _problem(seed=3)
    # min_delta so large that no epoch after the first counts as an improvement
    history = net.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=10, early_stopping=2, min_delta=1e9)
    assert len(history) == 4 and history.stopped_early and history.best_epoch == 1
    twin.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=1)
    np.testing.assert_array_equal(net.params, twin.params)


def test_convergence_ends_fit():
    net, X, Y = _problem(seed=4)
    optimizer = fn.LBFGS(gtol=1e-3)
    history = net.fit(X, Y, optimizer=optimizer, epochs=1000)
    assert optimizer.stop_reason == "gtol" and history.stopped_early and len(history) < 1000
    net.backward(X, Y)
    assert np.abs(net.grads).max() <= 1e-3


def test_divergence_restores_the_last_finite_parameters_and_raises():
    net, X, Y = _problem(dtype="float32", seed=5)
    blown = {}

    def blow_up(epoch, logs):
        if epoch == 2:   # the forward pass of epoch 3 overflows float32
            net.params = net.params * np.float32(1e20)
            blown["params"] = net.params.copy()

    with pytest.raises(fn.TrainingDivergedError) as info:
        net.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=5, callbacks=[blow_up])
    assert info.value.epoch == 3 and len(info.value.history) == 2
    np.testing.assert_array_equal(net.params, blown["params"])
    assert np.isfinite(net.params).all()

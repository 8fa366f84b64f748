"""fit with a PerBatch schedule: the epoch kernel puts each batch's rate in the update, from a table."""

import numpy as np
import pytest

import fastnet as fn

S = fn.schedules


def _data(n=20, dtype="float64"):
    rng = np.random.default_rng(3)
    return rng.normal(size=(n, 3)).astype(dtype), rng.normal(size=(n, 2)).astype(dtype)


def _net(dtype, loss="mse"):
    return fn.Network.mlp([3, 6, 2], activation="tanh", loss=loss, dtype=dtype, seed=1)


OPTIMIZERS = [lambda: fn.SGD(lr=0.1, momentum=0.9, nesterov=True), lambda: fn.Adam(lr=0.01),
              lambda: fn.RMSprop(lr=0.01, momentum=0.5)]


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_each_batch_steps_at_its_own_rate(dtype, make_optimizer):
    # Independent of the table: one fit per batch, the rate set by hand, the optimizer's state carried on.
    X, Y = _data(dtype=dtype)
    schedule = S.OneCycleLR(0.1, total_steps=15)
    net = _net(dtype)
    history = net.fit(X, Y, optimizer=make_optimizer(), epochs=3, batch_size=4, shuffle=False,
                      lr_schedule=S.PerBatch(schedule))
    by_hand, optimizer = _net(dtype), make_optimizer()
    rates = schedule.lr_steps(np.arange(15), optimizer.lr)
    for step in range(15):
        b = step % 5
        optimizer.lr = float(rates[step])
        by_hand.fit(X[4 * b:4 * b + 4], Y[4 * b:4 * b + 4], optimizer=optimizer, epochs=1, shuffle=False)
    np.testing.assert_array_equal(net.params, by_hand.params)
    assert history.lr == [rates[0], rates[5], rates[10]]   # each epoch's first rate
    assert net._optimizer.lr == make_optimizer().lr          # the user's rate is not changed


def test_a_constant_per_batch_rate_trains_as_no_schedule(dtype):
    X, Y = _data(37, dtype)
    nets = [_net(dtype), _net(dtype)]
    nets[0].fit(X, Y, optimizer=fn.Adam(lr=0.02), epochs=3, batch_size=5)
    nets[1].fit(X, Y, optimizer=fn.Adam(lr=0.02), epochs=3, batch_size=5,
                lr_schedule=S.PerBatch(S.StepLR(step_size=10**6)))
    np.testing.assert_array_equal(nets[0].params, nets[1].params)


def test_one_batch_per_epoch_is_the_per_epoch_schedule(dtype):
    X, Y = _data(dtype=dtype)
    nets = [_net(dtype), _net(dtype)]
    nets[0].fit(X, Y, optimizer=fn.SGD(lr=0.1), epochs=6, lr_schedule=S.CosineAnnealingLR(6, 0.01))
    nets[1].fit(X, Y, optimizer=fn.SGD(lr=0.1), epochs=6, lr_schedule=S.PerBatch(S.CosineAnnealingLR(6, 0.01)))
    np.testing.assert_allclose(nets[0].params, nets[1].params, rtol=1e-6 if np.dtype(dtype) == np.float32 else 1e-13)


def test_a_custom_loss_follows_the_same_rates(dtype):
    class HalfMSE(fn.CustomLoss):
        def value(self, output, target):
            return 0.5 * ((output - target) ** 2).sum(axis=1)

        def gradient(self, output, target):
            return output - target

    X, Y = _data(dtype=dtype)
    schedule = S.PerBatch(S.LinearWarmup(7, then=S.ExponentialLR(0.9)))
    built_in, custom = _net(dtype, "half_mse"), _net(dtype, HalfMSE())
    for net in (built_in, custom):
        net.fit(X, Y, optimizer=fn.SGD(lr=0.1, momentum=0.5), epochs=3, batch_size=6, lr_schedule=schedule)
    np.testing.assert_allclose(custom.params, built_in.params, rtol=1e-5 if np.dtype(dtype) == np.float32 else 1e-10)


def test_a_schedule_too_short_trains_nothing():
    X, Y = _data()
    net = _net("float64")
    before = net.params.copy()
    with pytest.raises(ValueError, match="3 epochs of 5 batches"):
        net.fit(X, Y, epochs=3, batch_size=4, lr_schedule=S.PerBatch(S.OneCycleLR(0.1, total_steps=14)))
    np.testing.assert_array_equal(net.params, before)


def test_a_rate_of_zero_stops_before_its_epoch_with_the_batch_named():
    X, Y = _data()
    net = _net("float64")
    # Cosine annealing to 0 reaches it at step T_max = 7: batch 2 of epoch 2 (batches of 5 per epoch).
    with pytest.raises(ValueError, match="batch 2 .* of epoch 2"):
        net.fit(X, Y, optimizer=fn.SGD(lr=0.1), epochs=3, batch_size=4,
                lr_schedule=S.PerBatch(S.CosineAnnealingLR(7, eta_min=0.0)))
    after_one = _net("float64")
    after_one.fit(X, Y, optimizer=fn.SGD(lr=0.1), epochs=1, batch_size=4,
                  lr_schedule=S.PerBatch(S.CosineAnnealingLR(7, eta_min=0.0)))
    np.testing.assert_array_equal(net.params, after_one.params)   # the first epoch kept, nothing of the second

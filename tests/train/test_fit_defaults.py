"""What ``fit`` does when it is not told: ``Adam(lr=1e-3)``, one epoch, the full batch (issue 21).

The expected parameters come from ``fastnet.reference``: its backward pass and its
Adam update rule (reference/optimizers.py), applied by hand step by step, so a
compiled fit that took another optimizer, another rate, more than one batch or
more than one epoch lands elsewhere.
"""

import numpy as np
import pytest

import fastnet
from fastnet import reference as ref
from fastnet.optim.optimizers import default_optimizer
from fastnet.reference.optimizers import update

SIZES = [3, 5, 2]


def _data(n=12):
    rng = np.random.default_rng(21)
    return rng.normal(size=(n, SIZES[0])), rng.normal(size=(n, SIZES[-1]))


def _tolerance(dtype):
    return dict(rtol=2e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-13)


def _adam_steps_by_hand(X, Y, steps):
    """The reference network's parameters after ``steps`` full-batch Adam(lr=1e-3) steps, from its
    gradient and the update rule alone (no fit): the oracle of the default."""
    rnet = ref.Network.mlp(SIZES, activation="tanh", seed=3)
    params, opt = rnet.params, ref.Adam(lr=1e-3)
    state = [[0.0] * len(params) for _ in opt.state_rows]
    for t in range(1, steps + 1):
        rnet.params = params
        rnet.backward(X.tolist(), Y.tolist())
        update(opt, params, rnet.grads, state, t)
    return np.array(params)


def test_the_default_is_a_fresh_adam_at_1e_3():
    first, second = default_optimizer(), default_optimizer()
    assert type(first) is fastnet.Adam and first.lr == 1e-3
    assert first.hyperparameters == fastnet.Adam().hyperparameters   # torch's betas, eps; no decay, no amsgrad
    assert first is not second   # never shared between networks


def test_fit_without_an_optimizer_takes_one_full_batch_adam_step_at_1e_3(dtype):
    X, Y = _data()
    net = fastnet.Network.mlp(SIZES, activation="tanh", dtype=dtype, seed=3)
    history = net.fit(X, Y)
    assert len(history) == 1                                        # epochs: 1
    assert type(net._optimizer) is fastnet.Adam and net._optimizer.lr == 1e-3
    assert net._optimizer.t == 1                                    # batch_size None: one batch of 12 rows
    np.testing.assert_allclose(net.params, _adam_steps_by_hand(X, Y, 1), **_tolerance(dtype))


def test_the_default_step_is_not_the_old_sgd_step():
    # Adam's first step moves every parameter by about lr = 1e-3 (m / sqrt(v) = sign(g));
    # SGD(lr=0.01), the default up to 0.1, by 0.01 * g: they differ, and so the test above can fail.
    X, Y = _data()
    net = fastnet.Network.mlp(SIZES, activation="tanh", dtype="float64", seed=3)
    old = fastnet.Network.mlp(SIZES, activation="tanh", dtype="float64", seed=3)
    start = net.params.copy()
    net.fit(X, Y)
    old.fit(X, Y, optimizer=fastnet.SGD(lr=0.01))
    moved = np.abs(net.params - start)
    np.testing.assert_allclose(moved[moved > 0], 1e-3, rtol=1e-3)
    assert not np.allclose(old.params, net.params, rtol=1e-6, atol=1e-9)


def test_a_second_fit_without_an_optimizer_continues_the_default_adam(dtype):
    X, Y = _data()
    net = fastnet.Network.mlp(SIZES, activation="tanh", dtype=dtype, seed=3)
    net.fit(X, Y)
    first = net._optimizer
    moments = first.state.copy()
    net.fit(X, Y)
    assert net._optimizer is first and first.t == 2                 # the same Adam, its step count on
    assert not np.array_equal(first.state, moments)
    np.testing.assert_allclose(net.params, _adam_steps_by_hand(X, Y, 2), **_tolerance(dtype))
    # a fresh Adam at the second step would have taken another first step: not the same place
    restarted = fastnet.Network.mlp(SIZES, activation="tanh", dtype="float64", seed=3)
    restarted.fit(X, Y)
    restarted.fit(X, Y, reset_optimizer=True)
    assert not np.allclose(restarted.params, _adam_steps_by_hand(X, Y, 2), rtol=1e-6, atol=1e-9)


def test_the_reference_fit_has_the_same_default():
    X, Y = _data()
    rnet = ref.Network.mlp(SIZES, activation="tanh", seed=3)
    rnet.fit(X.tolist(), Y.tolist())
    assert type(rnet._optimizer) is ref.Adam and rnet._optimizer.lr == 1e-3 and rnet._optimizer.t == 1
    np.testing.assert_allclose(rnet.params, _adam_steps_by_hand(X, Y, 1), rtol=1e-13, atol=1e-15)
    rnet.fit(X.tolist(), Y.tolist())
    assert rnet._optimizer.t == 2
    np.testing.assert_allclose(rnet.params, _adam_steps_by_hand(X, Y, 2), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("given", [lambda: fastnet.SGD(lr=0.01), lambda: "rmsprop"])
def test_an_optimizer_given_once_is_continued_not_replaced_by_the_default(given):
    X, Y = _data()
    net = fastnet.Network.mlp(SIZES, activation="tanh", dtype="float64", seed=3)
    net.fit(X, Y, optimizer=given())
    chosen = net._optimizer
    net.fit(X, Y)
    assert net._optimizer is chosen and type(chosen) is not fastnet.Adam and chosen.t == 2


def test_the_old_default_is_one_argument_away():
    # The migration line of the CHANGELOG: optimizer=SGD(lr=0.01) is one plain gradient step.
    X, Y = _data()
    net = fastnet.Network.mlp(SIZES, activation="tanh", dtype="float64", seed=3)
    start = net.params.copy()
    net.backward(X, Y)
    g = net.grads.copy()
    net.fit(X, Y, optimizer=fastnet.SGD(lr=0.01))
    np.testing.assert_allclose(net.params, start - 0.01 * g, rtol=1e-12, atol=1e-15)

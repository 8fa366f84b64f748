"""fastnet.Dropout: compiled against the reference, the masks' stream and rate, evaluation, gradients, errors."""

import pickle
import tracemalloc

import numpy as np
import pytest

import fastnet
import fastnet.reference as ref
from fastnet import Dense, Dropout, Network

from helpers import ATOL, RTOL
from test_network import LOSS_CASES, make_targets

RATES = [0.0, 0.2, 0.5]
# mae and quantile have kinks, across which a finite difference is no derivative.
SMOOTH_LOSS_CASES = [case for case in LOSS_CASES if case[0] not in ("mae", "quantile")]


def _stack(module, p, loss, dtype="float64", hidden="tanh"):
    """5 -> 7 -> 6 -> 3 with a Dropout(p) after each hidden layer; the output activation the loss's."""
    out = fastnet.Loss.coerce(loss).fused_activation or "identity"
    return module.Network([module.Dense(5, 7, hidden), Dropout(p), module.Dense(7, 6, "sigmoid"), Dropout(p),
                           module.Dense(6, 3, out)], loss=loss, dtype=dtype, seed=7)


def _pair(p, loss, dtype, hidden="tanh"):
    return _stack(fastnet, p, loss, dtype, hidden), _stack(ref, p, loss, "float64", hidden)


def _tolerance(dtype):
    # float64: to 1e-12 (rtol and atol) after every step; float32: its rounding, grown over a few steps.
    return (1e-12, 1e-12) if dtype == np.float64 else (RTOL[dtype] * 20, ATOL[dtype] * 20)


@pytest.mark.parametrize("p", RATES)
@pytest.mark.parametrize("loss_name,loss_params,target_kind", LOSS_CASES,
                         ids=[f"{n}-{k}-{'-'.join(map(str, p.values()))}" for n, p, k in LOSS_CASES])
def test_training_matches_the_reference_step_by_step(loss_name, loss_params, target_kind, p, dtype):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(9, 5))
    Y = make_targets(target_kind, 9, 3, rng)
    loss = fastnet.Loss(loss_name, **loss_params)
    net, rnet = _pair(p, loss, dtype)
    rtol, atol = _tolerance(dtype)
    opt, ropt = fastnet.Adam(lr=0.05), ref.Adam(lr=0.05)
    for step in range(4):   # one full batch a call: one optimizer step, compared after each
        h = net.fit(X, Y, optimizer=opt, epochs=1, shuffle=False)
        rh = rnet.fit(X.tolist(), Y.tolist(), optimizer=ropt, epochs=1, shuffle=False)
        np.testing.assert_allclose(h.loss, rh.loss, rtol=rtol, atol=atol, err_msg=f"step {step}")
        np.testing.assert_allclose(net.params, rnet.params, rtol=rtol, atol=atol, err_msg=f"step {step}")
    # Then shuffled mini-batches (batch 1 takes the engine's no-gather path, 4 the gather), several epochs.
    for batch_size in (4, 1):
        h = net.fit(X, Y, epochs=2, batch_size=batch_size, seed=3)
        rh = rnet.fit(X.tolist(), Y.tolist(), epochs=2, batch_size=batch_size, seed=3)
        np.testing.assert_allclose(h.loss, rh.loss, rtol=rtol * 10, atol=atol * 10)
        np.testing.assert_allclose(net.params, rnet.params, rtol=rtol * 10, atol=atol * 10)


@pytest.mark.parametrize("p", [0.2, 0.5])
@pytest.mark.parametrize("hidden", ["relu", "gelu", "softplus", "elu"])   # backward from a, and from z
def test_backward_matches_the_reference_with_the_same_masks(hidden, p, dtype):
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(6, 5)), rng.normal(size=(6, 3))
    net, rnet = _pair(p, fastnet.Loss("mse"), dtype, hidden)
    rtol, atol = _tolerance(dtype)
    for _ in range(3):   # the networks' own streams, advancing call by call
        assert net.backward(X, Y) == pytest.approx(rnet.backward(X.tolist(), Y.tolist()), rel=rtol, abs=atol)
        np.testing.assert_allclose(net.grads, rnet.grads, rtol=rtol, atol=atol)
    net.backward(X, Y, dropout_seed=99)
    rnet.backward(X.tolist(), Y.tolist(), dropout_seed=99)
    np.testing.assert_allclose(net.grads, rnet.grads, rtol=rtol, atol=atol)


def test_rate_zero_is_no_dropout_bit_for_bit(dtype):
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(20, 4)), rng.normal(size=(20, 2))
    plain = Network([Dense(4, 8, "relu"), Dense(8, 8, "tanh"), Dense(8, 2)], dtype=dtype, seed=5)
    zero = Network([Dense(4, 8, "relu"), Dropout(0.0), Dense(8, 8, "tanh"), Dropout(0), Dense(8, 2)],
                   dtype=dtype, seed=5)
    mlp_zero = Network.mlp([4, 8, 8, 2], activation="relu", dtype=dtype, seed=5, dropout=0.0)
    assert [type(l) for l in mlp_zero.layers] == [Dense, Dense, Dense]
    for net in (zero, plain):
        net.fit(X, Y, optimizer="adam", epochs=3, batch_size=6)
    np.testing.assert_array_equal(zero.params, plain.params)
    assert zero.backward(X, Y) == plain.backward(X, Y)
    np.testing.assert_array_equal(zero.grads, plain.grads)


def test_dropout_changes_neither_the_initialisation_nor_the_shuffle_order(dtype):
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(30, 4)), rng.normal(size=(30, 2))
    plain = Network([Dense(4, 16, "relu"), Dense(16, 2)], dtype=dtype, seed=8)
    dropped = Network([Dense(4, 16, "relu"), Dropout(0.5), Dense(16, 2)], dtype=dtype, seed=8)
    np.testing.assert_array_equal(plain.params, dropped.params)
    plain.fit(X, Y, epochs=3, batch_size=7)
    dropped.fit(X, Y, epochs=3, batch_size=7)
    assert plain._shuffle_state[0] == dropped._shuffle_state[0]          # the same shuffles were drawn
    assert dropped._shuffle_state[1] != dropped.seed ^ fastnet.nn.layers.DROPOUT_SEED_XOR   # masks were drawn
    assert not np.array_equal(plain.params, dropped.params)             # and they changed the training


def test_a_seed_reproduces_a_run_bit_for_bit(dtype):
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(25, 4)), rng.normal(size=(25, 2))
    runs = []
    for seed in (1, 1, 2):
        net = Network.mlp([4, 12, 12, 2], activation="relu", dtype=dtype, seed=seed, dropout=0.3)
        net.fit(X, Y, optimizer="adam", epochs=3, batch_size=5)
        runs.append(net.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])
    # fit(seed=...) restarts the dropout stream as well as the shuffle: the same epoch twice.
    net = Network.mlp([4, 12, 2], dtype=dtype, seed=1, dropout=0.3)
    start = net.params.copy()
    net.fit(X, Y, epochs=1, batch_size=5, seed=4)
    first = net.params.copy()
    net.params = start
    net._optimizer = None
    net.fit(X, Y, epochs=1, batch_size=5, seed=4)
    np.testing.assert_array_equal(net.params, first)


def _masks(p, draws, width=500, seed=0):
    """The masks backward applied to one row's hidden layer, ``draws`` times, read back from the gradients.

    With one row and one linear output, dW2[i] = a_i * m_i * d and db2 = d, so
    m_i = (dW2[i] / db2) / a_i, and a_i comes from the same network without dropout.
    """
    x, y = np.full((1, 3), 0.3), np.array([[2.0]])
    dropped = Network([Dense(3, width, "sigmoid"), Dropout(p), Dense(width, 1)], dtype="float64", seed=seed)
    plain = Network([Dense(3, width, "sigmoid"), Dense(width, 1)], dtype="float64", seed=seed)
    plain.backward(x, y)
    a = plain.layers[1].dW[:, 0] / plain.layers[1].db[0]
    masks = []
    for _ in range(draws):
        dropped.backward(x, y)
        masks.append(dropped.layers[2].dW[:, 0] / dropped.layers[2].db[0] / a)
    return np.array(masks)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_masks_keep_one_minus_p_of_the_units_scaled_by_its_inverse(p):
    masks = _masks(p, draws=20)
    kept = masks != 0
    np.testing.assert_allclose(masks[kept], 1 / (1 - p), rtol=1e-12)
    n = masks.size
    assert abs(kept.mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / n)   # 4 standard deviations of 10,000 draws
    # A new mask every call, and not the same pattern for every unit.
    assert not np.array_equal(kept[0], kept[1])


def test_the_masks_are_the_reference_streams_uniforms():
    from fastnet.reference.random import SplitMix64
    p, width = 0.4, 50
    rng = SplitMix64(0 ^ fastnet.nn.layers.DROPOUT_SEED_XOR)   # the network's seed is 0
    expected = [[1 / (1 - p) if rng.uniform() >= p else 0.0 for _ in range(width)] for _ in range(2)]
    np.testing.assert_allclose(_masks(p, draws=2, width=width), expected, rtol=1e-12, atol=1e-15)


def test_predict_and_loss_are_deterministic_and_unscaled(dtype):
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(15, 4)), rng.normal(size=(15, 2))
    dropped = Network([Dense(4, 9, "relu"), Dropout(0.5), Dense(9, 2)], dtype=dtype, seed=2)
    plain = Network([Dense(4, 9, "relu"), Dense(9, 2)], dtype=dtype, seed=2)
    dropped.fit(X, Y, epochs=2, batch_size=4)
    plain.params = dropped.params
    state = dropped._shuffle_state.copy()
    first = dropped.predict(X)
    np.testing.assert_array_equal(first, dropped.predict(X))
    np.testing.assert_array_equal(first, plain.predict(X))
    assert dropped.loss(X, Y) == plain.loss(X, Y)
    np.testing.assert_array_equal(dropped._shuffle_state, state)   # evaluation draws nothing


def test_backward_is_in_training_mode():
    rng = np.random.default_rng(7)
    X, Y = rng.normal(size=(8, 4)), rng.normal(size=(8, 2))
    net = Network([Dense(4, 9, "tanh"), Dropout(0.5), Dense(9, 2)], dtype="float64", seed=2)
    plain = Network([Dense(4, 9, "tanh"), Dense(9, 2)], dtype="float64", seed=2)
    no_dropout = plain.backward(X, Y)
    grads = plain.grads.copy()
    value = net.backward(X, Y)
    assert value != no_dropout and value != net.loss(X, Y)
    assert not np.allclose(net.grads, grads)
    first = net.grads.copy()
    net.backward(X, Y)
    assert not np.array_equal(net.grads, first)          # the stream moved on: a new mask
    state = net._shuffle_state.copy()
    a = net.backward(X, Y, dropout_seed=5)
    fixed = net.grads.copy()
    assert net.backward(X, Y, dropout_seed=5) == a
    np.testing.assert_array_equal(net.grads, fixed)
    np.testing.assert_array_equal(net._shuffle_state, state)   # a given seed leaves the network's stream


class _FixedMask:
    """gradcheck's view of a network whose loss is backward's, with the masks of ``seed`` (training mode)."""

    def __init__(self, net, seed, loss_seed=None):
        self.net, self.seed = net, seed
        self.loss_seed = seed if loss_seed is None else loss_seed
        self.dtype = "float64"

    @property
    def params(self):
        return self.net.params

    @params.setter
    def params(self, values):
        self.net.params = values

    @property
    def grads(self):
        return self.net.grads

    def loss(self, X, Y):
        return self.net.backward(X, Y, dropout_seed=self.loss_seed)

    def backward(self, X, Y):
        return self.net.backward(X, Y, dropout_seed=self.seed)


@pytest.mark.parametrize("module", [fastnet, ref], ids=["compiled", "reference"])
@pytest.mark.parametrize("loss_name,loss_params,target_kind", SMOOTH_LOSS_CASES,
                         ids=[f"{n}-{k}" for n, _, k in SMOOTH_LOSS_CASES])
def test_gradcheck_with_the_mask_held_fixed(module, loss_name, loss_params, target_kind):
    rng = np.random.default_rng(8)
    X = rng.normal(size=(5, 5))
    Y = make_targets(target_kind, 5, 3, rng)
    net = _stack(module, 0.5, fastnet.Loss(loss_name, **loss_params))
    if module is ref:
        X, Y = X.tolist(), Y.tolist()
    assert fastnet.gradcheck(_FixedMask(net, seed=3), X, Y) < 1e-6
    # Held to a different mask than backward's, the check fails: it sees the mask.
    assert fastnet.gradcheck(_FixedMask(net, seed=3, loss_seed=4), X, Y, max_params=20) > 1e-2


def test_the_layers_list_and_mlp():
    net = Network.mlp([4, 8, 6, 2], dropout=0.25)
    assert [type(l).__name__ for l in net.layers] == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert repr(net.layers[1]) == "Dropout(0.25)"
    assert net.dense_layers == [net.layers[0], net.layers[2], net.layers[4]]
    assert net.sizes == [4, 8, 6, 2] and net.n_params == 4 * 8 + 8 + 8 * 6 + 6 + 6 * 2 + 2
    rnet = ref.Network.mlp([4, 8, 2], dropout=0.25)
    assert [type(l).__name__ for l in rnet.layers] == ["Dense", "Dropout", "Dense"]


def test_pickle_keeps_the_dropout_and_its_stream():
    rng = np.random.default_rng(9)
    X, Y = rng.normal(size=(12, 4)), rng.normal(size=(12, 2))
    net = Network.mlp([4, 8, 2], dropout=0.4, dtype="float64", seed=3)
    net.fit(X, Y, optimizer="adam", epochs=2, batch_size=3)
    copy = pickle.loads(pickle.dumps(net))
    assert repr(copy.layers) == repr(net.layers)
    np.testing.assert_array_equal(copy._shuffle_state, net._shuffle_state)
    net.fit(X, Y, epochs=2, batch_size=3)
    copy.fit(X, Y, epochs=2, batch_size=3)
    np.testing.assert_array_equal(copy.params, net.params)


@pytest.mark.parametrize("bad, error, match", [
    (1.0, ValueError, r"Dropout p .* must be < 1.0, got 1.0"),
    (-0.1, ValueError, r"Dropout p .* must be >= 0.0, got -0.1"),
    (float("nan"), ValueError, "must be finite"),
    ("0.5", TypeError, "must be a real number, got str"),
])
def test_bad_rates_are_refused(bad, error, match):
    with pytest.raises(error, match=match):
        Dropout(bad)
    with pytest.raises(error, match=match.replace("Dropout p .*", "dropout")):
        Network.mlp([3, 4, 1], dropout=bad)
    with pytest.raises(error, match=match.replace("Dropout p .*", "dropout")):
        ref.Network.mlp([3, 4, 1], dropout=bad)


@pytest.mark.parametrize("module", [fastnet, ref], ids=["compiled", "reference"])
@pytest.mark.parametrize("layers, match", [
    (lambda D: [Dropout(0.1), D(3, 4), D(4, 1)], r"layers\[0\] is a Dropout, .* it is the first layer"),
    (lambda D: [D(3, 4), D(4, 1), Dropout(0.1)], r"layers\[2\] is a Dropout, .* it is the last layer"),
    (lambda D: [D(3, 4), Dropout(0.1), Dropout(0.2), D(4, 1)], r"layers\[1\] and layers\[2\] are both Dropout"),
    (lambda D: [D(3, 4), Dropout(0.1), D(5, 1)], r"layers\[2\] takes 5 inputs but layers\[0\] gives 4"),
])
def test_misplaced_dropouts_are_refused(module, layers, match):
    with pytest.raises(ValueError, match=match):
        module.Network(layers(module.Dense))


def test_bad_dropout_seed_is_refused():
    net = Network.mlp([3, 4, 1], dropout=0.5)
    with pytest.raises(ValueError, match=r"dropout_seed must be an integer in \[0, 2\*\*64\), got -1"):
        net.backward(np.zeros((2, 3)), np.zeros((2, 1)), dropout_seed=-1)


def test_no_allocation_grows_with_the_number_of_batches():
    # The masks live in the workspace, allocated once: 4000 one-row batches allocate no more than 40.
    rng = np.random.default_rng(9)
    X, Y = rng.normal(size=(4000, 8)), rng.normal(size=(4000, 1))
    net = Network.mlp([8, 16, 16, 1], dtype="float64", dropout=0.3)
    net.fit(X, Y, epochs=1, batch_size=1)
    tracemalloc.start()
    try:
        net.fit(X[:40], Y[:40], epochs=1, batch_size=1)
        _, small = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        net.fit(X, Y, epochs=1, batch_size=1)
        _, large = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert large - base < small + 8 * 4000 + 4096


def test_the_engine_refuses_a_single_state_for_a_network_with_dropout():
    from fastnet._core import network as engine
    net = Network.mlp([3, 4, 1], dtype="float64", dropout=0.5)
    X, Y = np.zeros((2, 3)), np.zeros((2, 1))
    with pytest.raises(ValueError, match="rng must hold the shuffle and the dropout states"):
        engine.train_epoch(net._arch, net._params, net._grads, X, Y, np.empty(0), net._workspace(2), 2,
                           np.zeros(2, dtype=np.intp), True, np.zeros(1, dtype=np.uint64), 0,
                           np.array([0.01, 0.0, 0.0, 0.0]), np.empty((0, net.n_params)),
                           np.zeros(1, dtype=np.int64), 0.0)

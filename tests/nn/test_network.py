"""The compiled Network against fastnet.reference, and the properties only it has.

Parity: forward outputs, losses, gradients, optimizer steps and whole epochs,
for every activation, loss, optimizer and hyperparameter that changes the
result, for float64 (tight) and float32 (loose), for batch sizes 1, a divisor
of n, a non-divisor of n, and n.
"""

import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest

import fastnet
import fastnet.reference as ref
from fastnet import ACTIVATIONS, INITIALIZERS, Activation, Loss

from helpers import ATOL, RTOL, scope_spy

# Hidden activations, including each value of a parameter that changes the result.
HIDDEN = [Activation(name) for name in ACTIVATIONS] + [
    Activation("leaky_relu", negative_slope=0.3), Activation("elu", alpha=0.4),
    Activation("softplus", beta=2.0, threshold=0.5)]

# Losses, including each option: huber's delta, cross-entropy's label forms.
LOSS_CASES = [
    ("half_mse", {}, "real"),
    ("mse", {}, "real"),
    ("mae", {}, "real"),
    ("huber", {"delta": 1.0}, "real"),
    ("huber", {"delta": 0.3}, "real"),
    ("binary_cross_entropy", {}, "binary"),
    ("binary_cross_entropy", {}, "probabilities"),
    ("cross_entropy", {}, "indices"),
    ("cross_entropy", {}, "probabilities"),
    ("poisson", {}, "counts"),
    ("quantile", {"q": 0.5}, "real"),
    ("quantile", {"q": 0.1}, "real"),
    ("quantile", {"q": 0.8}, "real"),
    ("log_cosh", {}, "real"),
]


def make_targets(kind, n, k, rng):
    if kind == "real":
        return rng.normal(size=(n, k))
    if kind == "binary":
        return (rng.uniform(size=(n, k)) > 0.5).astype(float)
    if kind == "indices":
        return rng.integers(0, k, size=n)
    if kind == "counts":
        return rng.poisson(2.0, size=(n, k)).astype(float)
    p = rng.uniform(0.1, 1.0, size=(n, k))
    return p / p.sum(axis=1, keepdims=True) if kind == "probabilities" else p


def pair(sizes, activation, loss, dtype, seed=3):
    """The same network, compiled and reference."""
    compiled = fastnet.Network.mlp(sizes, activation=activation, loss=loss, dtype=dtype, seed=seed)
    reference = ref.Network.mlp(sizes, activation=activation, loss=loss, seed=seed)
    return compiled, reference


def assert_close(actual, expected, dtype, scale=1.0):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=RTOL[dtype] * scale, atol=ATOL[dtype] * scale)


# ---------------------------------------------------------------------------
# Initialisation and layout
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("init", [None, *INITIALIZERS])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_initialisation_is_the_reference_bit_for_bit(activation, init, dtype):
    net = fastnet.Network.mlp([4, 7, 3], activation=activation, dtype=dtype, seed=12345, init=init)
    rnet = ref.Network.mlp([4, 7, 3], activation=activation, seed=12345, init=init)
    expected = np.asarray(rnet.params, dtype=np.float64).astype(dtype)
    np.testing.assert_array_equal(net.params, expected)
    assert [layer.init for layer in rnet.layers] == [layer.init for layer in net.layers]
    assert not net.layers[0].b.any()
    if init is None:  # He uniform for relu, Glorot uniform for tanh
        W0 = net.layers[0].W
        limit = np.sqrt(6 / 4) if activation == "relu" else np.sqrt(6 / 11)
        assert np.abs(W0).max() <= limit and np.abs(W0).max() > 0.5 * limit


def test_params_is_one_flat_buffer_with_layer_views():
    net = fastnet.Network.mlp([3, 4, 2], dtype="float64")
    assert net.params.ndim == 1 and net.params.size == 3 * 4 + 4 + 4 * 2 + 2 == net.n_params
    assert np.shares_memory(net.layers[0].W, net.params)
    assert np.shares_memory(net.layers[1].b, net.params)
    net.layers[1].b[:] = 7.0  # writing a view writes the flat buffer
    np.testing.assert_array_equal(net.params[-2:], [7.0, 7.0])
    assert net.layers[0].W[1, 2] == net.params[1 * 4 + 2]
    assert net.grads.shape == net.params.shape and np.shares_memory(net.layers[0].dW, net.grads)


# ---------------------------------------------------------------------------
# Forward, loss, backward: every activation x every loss
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("activation", HIDDEN, ids=repr)
@pytest.mark.parametrize("loss_name,loss_params,target_kind", LOSS_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in LOSS_CASES])
def test_forward_and_backward_match_the_reference(activation, loss_name, loss_params, target_kind, dtype):
    rng = np.random.default_rng(0)
    n, sizes = 7, [3, 5, 4, 3]
    loss = Loss(loss_name, **loss_params)
    X = rng.normal(size=(n, sizes[0]))
    Y = make_targets(target_kind, n, sizes[-1], rng)
    net, rnet = pair(sizes, activation, loss, dtype)
    assert_close(net.predict(X), rnet.predict(X.tolist()), dtype)
    assert_close(net.loss(X, Y), rnet.loss(X.tolist(), Y.tolist()), dtype)
    value = net.backward(X, Y)
    assert_close(value, rnet.backward(X.tolist(), Y.tolist()), dtype)
    assert_close(net.grads, rnet.grads, dtype, scale=10)


@pytest.mark.parametrize("activation", HIDDEN, ids=repr)
@pytest.mark.parametrize("loss_name,loss_params,target_kind", LOSS_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in LOSS_CASES])
def test_gradcheck_passes_on_compiled_float64(activation, loss_name, loss_params, target_kind):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 3))
    Y = make_targets(target_kind, 6, 2 if loss_name != "cross_entropy" else 3, rng)
    sizes = [3, 4, Y.shape[1] if Y.ndim == 2 else 3]
    net = fastnet.Network.mlp(sizes, activation=activation, loss=Loss(loss_name, **loss_params),
                              dtype="float64", seed=5)
    assert fastnet.gradcheck(net, X, Y) < 1e-6


def test_predict_and_loss_in_chunks_equal_one_pass(monkeypatch):
    # predict() and loss() walk large inputs in chunks; the chunking must not show.
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(1000, 5)), rng.integers(0, 3, size=1000)
    net = fastnet.Network.mlp([5, 8, 3], loss="cross_entropy", dtype="float64")
    whole_p, whole_l = net.predict(X), net.loss(X, Y)
    monkeypatch.setattr(fastnet.network, "_CHUNK_ELEMENTS", 7 * net._arch.workspace_size(1))
    np.testing.assert_allclose(net.predict(X), whole_p, rtol=1e-13)
    assert net.loss(X, Y) == pytest.approx(whole_l, rel=1e-12)


# ---------------------------------------------------------------------------
# Optimizers and whole epochs
# ---------------------------------------------------------------------------

OPTIMIZER_CASES = [
    lambda: fastnet.SGD(lr=0.1),
    lambda: fastnet.SGD(lr=0.05, momentum=0.9),
    lambda: fastnet.SGD(lr=0.05, momentum=0.9, dampening=0.5),
    lambda: fastnet.SGD(lr=0.05, momentum=0.9, nesterov=True),
    lambda: fastnet.SGD(lr=0.05, weight_decay=0.1),
    lambda: fastnet.Adam(lr=0.01),
    lambda: fastnet.Adam(lr=0.01, betas=(0.8, 0.9), eps=1e-3),
    lambda: fastnet.Adam(lr=0.01, weight_decay=0.1),
    lambda: fastnet.Adam(lr=0.01, amsgrad=True),
    lambda: fastnet.AdamW(lr=0.01),
    lambda: fastnet.AdamW(lr=0.01, weight_decay=0.3, amsgrad=True),
    lambda: fastnet.RMSprop(lr=0.01),
    lambda: fastnet.RMSprop(lr=0.01, alpha=0.9, eps=1e-4, weight_decay=0.1),
    lambda: fastnet.RMSprop(lr=0.01, momentum=0.5, centered=True),
    lambda: fastnet.Adagrad(lr=0.1),
    lambda: fastnet.Adagrad(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.5, weight_decay=0.1, eps=1e-3),
]
OPTIMIZER_IDS = [repr(case()) for case in OPTIMIZER_CASES]


@pytest.mark.parametrize("make_optimizer", OPTIMIZER_CASES, ids=OPTIMIZER_IDS)
def test_optimizer_steps_match_the_reference(make_optimizer, dtype):
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    net, rnet = pair([3, 4, 2], "tanh", "mse", dtype)
    opt, ropt = make_optimizer(), make_optimizer()
    for _ in range(4):
        net.backward(X, Y)
        rnet.backward(X.tolist(), Y.tolist())
        opt.step(net)
        ropt.step(rnet)
    assert opt.t == ropt.t == 4
    assert_close(net.params, rnet.params, dtype, scale=20)
    assert opt.state.shape == (opt.n_state, net.n_params) and len(ropt.state) == opt.n_state
    assert_close(opt.state, np.reshape(ropt.state, opt.state.shape), dtype, scale=20)


# n = 12 rows: batch 1, a divisor (4), a non-divisor (5) and the whole set.
@pytest.mark.parametrize("batch_size", [1, 4, 5, None])
@pytest.mark.parametrize("make_optimizer", OPTIMIZER_CASES, ids=OPTIMIZER_IDS)
def test_fit_matches_the_reference(make_optimizer, batch_size, dtype):
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(12, 3)), rng.normal(size=(12, 2))
    net, rnet = pair([3, 5, 2], "tanh", "mse", dtype)
    history = net.fit(X, Y, optimizer=make_optimizer(), epochs=3, batch_size=batch_size, seed=9)
    rhistory = rnet.fit(X.tolist(), Y.tolist(), optimizer=make_optimizer(), epochs=3,
                        batch_size=batch_size, seed=9)
    assert len(history.loss) == len(rhistory.loss) == 3
    assert_close(history.loss, rhistory.loss, dtype, scale=20)
    assert_close(net.params, rnet.params, dtype, scale=50)


@pytest.mark.parametrize("loss_name,target_kind", [("cross_entropy", "indices"),
                                                   ("binary_cross_entropy", "binary"),
                                                   ("huber", "real"), ("mae", "real"),
                                                   ("poisson", "counts"), ("quantile", "real"),
                                                   ("log_cosh", "real")])
@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_matches_the_reference_for_each_loss(loss_name, target_kind, shuffle, dtype):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(11, 4))
    Y = make_targets(target_kind, 11, 3, rng)
    net, rnet = pair([4, 6, 3], "relu", loss_name, dtype)
    h = net.fit(X, Y, optimizer=fastnet.Adam(lr=0.01), epochs=2, batch_size=3, shuffle=shuffle)
    rh = rnet.fit(X.tolist(), Y.tolist(), optimizer=fastnet.Adam(lr=0.01), epochs=2, batch_size=3,
                  shuffle=shuffle)
    assert_close(h.loss, rh.loss, dtype, scale=20)
    assert_close(net.params, rnet.params, dtype, scale=50)


def test_fit_continues_the_shuffle_stream_and_optimizer_state():
    # Two fits of one epoch each equal one fit of two epochs.
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    a = fastnet.Network.mlp([3, 4, 1], dtype="float64", seed=1)
    b = fastnet.Network.mlp([3, 4, 1], dtype="float64", seed=1)
    opt = fastnet.Adam(lr=0.01)
    a.fit(X, Y, optimizer=opt, epochs=1, batch_size=3)
    a.fit(X, Y, epochs=1, batch_size=3)  # None: the same optimizer carries on
    assert opt.t == 8
    b.fit(X, Y, optimizer=fastnet.Adam(lr=0.01), epochs=2, batch_size=3)
    np.testing.assert_array_equal(a.params, b.params)


# ---------------------------------------------------------------------------
# Determinism, divergence, allocation
# ---------------------------------------------------------------------------

def test_same_seed_same_data_gives_bit_identical_parameters(dtype):
    rng = np.random.default_rng(7)
    X, Y = rng.normal(size=(50, 4)), rng.integers(0, 3, size=50)
    runs = []
    for _ in range(2):
        net = fastnet.Network.mlp([4, 16, 3], loss="cross_entropy", dtype=dtype, seed=11)
        net.fit(X, Y, optimizer=fastnet.Adam(lr=0.01), epochs=5, batch_size=8)
        runs.append(net.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    other = fastnet.Network.mlp([4, 16, 3], loss="cross_entropy", dtype=dtype, seed=11)
    other.fit(X, Y, optimizer=fastnet.Adam(lr=0.01), epochs=5, batch_size=8, seed=12)
    assert not np.array_equal(runs[0], other.params)


def test_divergence_raises_and_restores_the_last_finite_parameters():
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(20, 2)) * 10, rng.normal(size=(20, 1)) * 10
    net = fastnet.Network.mlp([2, 8, 1], activation="relu", dtype="float64")
    with pytest.raises(fastnet.TrainingDivergedError, match="epoch") as info:
        net.fit(X, Y, optimizer=fastnet.SGD(lr=50.0), epochs=50, batch_size=4)
    assert np.isfinite(net.params).all()
    assert info.value.epoch >= 1 and len(info.value.history.loss) == info.value.epoch - 1


def test_no_allocation_grows_with_the_number_of_batches():
    # Workspaces are allocated once per (network, batch size): an epoch of
    # 4000 single-sample batches allocates no more than one of 40 batches.
    rng = np.random.default_rng(9)
    X, Y = rng.normal(size=(4000, 8)), rng.normal(size=(4000, 1))
    net = fastnet.Network.mlp([8, 16, 1], dtype="float64")
    net.fit(X, Y, epochs=1, batch_size=1)  # warm: workspace allocated
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
    # The only per-fit arrays that scale with n are the shuffle order (8 bytes a row).
    assert large - base < small + 8 * 4000 + 4096


@pytest.mark.parametrize("n", [1, 4095, 4096, 4097, 10000])
def test_all_finite_finds_any_nan_or_infinity(n, dtype):
    from fastnet._core import network as engine

    values = np.full(n, np.finfo(dtype).max, dtype=dtype)   # the largest finite value is finite
    values[::2] *= -1
    assert engine.all_finite(values) and engine.all_finite(values[:0])
    for position in sorted({0, n // 2, 4095 % n, 4096 % n, n - 1}):
        for bad in (np.nan, np.inf, -np.inf):
            broken = values.copy()
            broken[position] = bad
            broken.flags.writeable = False   # data may be read-only (a memmap)
            assert not engine.all_finite(broken), (position, bad)


def test_checking_the_data_allocates_no_array_as_large_as_it():
    # np.isfinite(X).all() allocated one bool per element: 4 MB here, 25% of a float32 data set.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20000, 200)).astype(np.float32)    # 16 MB
    Y = rng.normal(size=(20000, 1)).astype(np.float32)
    net = fastnet.Network.mlp([200, 4, 1], dtype="float32")
    net.fit(X[:10], Y[:10], batch_size=32)   # the workspace of batches of 32 rows, made once
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        net.fit(X, Y, epochs=0, batch_size=32)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak < 0.5e6, peak


# ---------------------------------------------------------------------------
# The GIL is really released
# ---------------------------------------------------------------------------

@pytest.fixture
def no_forced_switches():
    """A huge switch interval: a thread then runs only while the others release the GIL."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    yield
    sys.setswitchinterval(old)


def _big_problem():
    # One epoch of this at batch size 2 is 10000 batches: long enough (0.1 s or
    # more) that a thread barred by the GIL would visibly stall.
    rng = np.random.default_rng(10)
    X = rng.normal(size=(20000, 64)).astype(np.float32)
    Y = rng.integers(0, 10, size=20000)
    return X, Y


def test_fit_releases_the_gil(no_forced_switches):
    X, Y = _big_problem()
    net = fastnet.Network.mlp([64, 128, 128, 10], loss="cross_entropy", seed=0)
    net.fit(X[:4], Y[:4], epochs=1)  # first-call imports release the GIL too: keep them out of the window
    span = {}
    done = threading.Event()

    def train():
        span["start"] = time.perf_counter()
        net.fit(X, Y, epochs=1, batch_size=2)
        span["end"] = time.perf_counter()
        done.set()

    ticks = []
    worker = threading.Thread(target=train)
    worker.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
        time.sleep(0)  # hand the GIL back so that the worker can leave its nogil block
    worker.join()
    # With the GIL held through the epoch, this thread could not run from the
    # epoch's start to fit's return: one gap would cover nearly the whole fit.
    # With it released, this thread ticks all through the epoch. (A gap, not a
    # count of ticks: the count depends on the machine's speed and load.)
    inside = [t for t in ticks if span["start"] <= t <= span["end"]]
    edges = [span["start"], *inside, span["end"]]
    longest_gap = max(b - a for a, b in zip(edges, edges[1:]))
    assert longest_gap < 0.5 * (span["end"] - span["start"])


def test_networks_never_share_a_cache_line_the_kernels_write():
    # Two networks trained in two threads write their parameters, gradients,
    # workspaces and optimizer state at every batch; a 64-byte line shared by
    # two of them would bounce between the cores (false sharing).
    from fastnet.checks.arrays import CACHE_LINE

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    nets = [fastnet.Network.mlp([2, 3, 1], dtype=dtype, seed=i) for i in range(12) for dtype in ("float32", "float64")]
    for i, net in enumerate(nets):
        net.fit(X, Y, optimizer=fastnet.Adam() if i % 2 else fastnet.SGD(lr=0.1, momentum=0.5), batch_size=1 + i % 3)
    owner = {}
    for k, net in enumerate(nets):
        buffers = [net._params, net._grads, net._optimizer.state, *net._workspaces.values()]
        for buf in buffers:
            assert buf.ctypes.data % CACHE_LINE == 0
            for line in range(buf.ctypes.data // CACHE_LINE, (buf.ctypes.data + buf.nbytes - 1) // CACHE_LINE + 1):
                assert owner.setdefault(line, k) == k, f"networks {owner[line]} and {k} share a cache line"


def test_two_threads_train_two_networks_at_once(no_forced_switches):
    X, Y = _big_problem()
    slow = fastnet.Network.mlp([64, 128, 128, 10], loss="cross_entropy", seed=0)
    quick = fastnet.Network.mlp([64, 8, 10], loss="cross_entropy", seed=1)
    in_fit, done = threading.Event(), threading.Event()
    quick_epochs = []

    def train_slow():
        in_fit.set()
        slow.fit(X, Y, epochs=1, batch_size=2)  # one long nogil call
        done.set()

    worker = threading.Thread(target=train_slow)
    worker.start()
    in_fit.wait()
    while not done.is_set():
        quick.fit(X[:100], Y[:100], epochs=1, batch_size=10)
        quick_epochs.append(done.is_set())
        time.sleep(0)
    worker.join()
    # The second network finished many whole epochs while the first was inside
    # its single epoch (with the GIL held there, only the few moments before the
    # first network entered its epoch would have been free).
    assert quick_epochs.count(False) >= 30


# ---------------------------------------------------------------------------
# Sample weights
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("loss_name,target_kind", [("mse", "real"), ("half_mse", "real"), ("huber", "real"),
                                                   ("cross_entropy", "indices"),
                                                   ("binary_cross_entropy", "binary"),
                                                   ("poisson", "counts"), ("quantile", "real"),
                                                   ("log_cosh", "real")])
def test_weighted_loss_and_gradients_match_the_reference(loss_name, target_kind, dtype):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(9, 3))
    Y = make_targets(target_kind, 9, 2, rng)
    w = rng.uniform(0.0, 3.0, size=9)
    net, rnet = pair([3, 4, 2], "tanh", loss_name, dtype)
    assert_close(net.loss(X, Y, sample_weight=w), rnet.loss(X.tolist(), Y.tolist(), sample_weight=w.tolist()), dtype)
    assert_close(net.backward(X, Y, sample_weight=w),
                 rnet.backward(X.tolist(), Y.tolist(), sample_weight=w.tolist()), dtype)
    assert_close(net.grads, rnet.grads, dtype, scale=10)


@pytest.mark.parametrize("batch_size", [1, 4, None])
def test_weighted_fit_matches_the_reference(batch_size, dtype):
    rng = np.random.default_rng(12)
    X, Y = rng.normal(size=(10, 3)), rng.integers(0, 3, size=10)
    w = rng.uniform(0.5, 2.0, size=10)
    net, rnet = pair([3, 5, 3], "relu", "cross_entropy", dtype)
    h = net.fit(X, Y, optimizer=fastnet.Adam(lr=0.01), epochs=2, batch_size=batch_size, sample_weight=w)
    rh = rnet.fit(X.tolist(), Y.tolist(), optimizer=fastnet.Adam(lr=0.01), epochs=2, batch_size=batch_size,
                  sample_weight=w.tolist())
    assert_close(h.loss, rh.loss, dtype, scale=20)
    assert_close(net.params, rnet.params, dtype, scale=50)


def test_integer_weights_equal_repeated_rows_and_zero_weights_drop_rows():
    rng = np.random.default_rng(13)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    w = np.array([2, 1, 0, 3, 1, 1])
    net = fastnet.Network.mlp([3, 4, 2], activation="tanh", dtype="float64", seed=2)
    weighted = net.backward(X, Y, sample_weight=w)
    g_weighted = net.grads.copy()
    repeated = np.repeat(np.arange(6), w)
    plain = net.backward(X[repeated], Y[repeated])
    assert weighted == pytest.approx(plain, rel=1e-13)
    np.testing.assert_allclose(g_weighted, net.grads, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad,match", [
    (np.ones(5), r"sample_weight.*6"),
    (-np.ones(6), ">= 0"),
    (np.zeros(6), "positive sum"),
    (np.array([1, 1, np.nan, 1, 1, 1]), "(NaN|non-finite)"),
    (np.ones((6, 1)), r"sample_weight"),
])
def test_bad_sample_weights_get_clear_errors(bad, match, impl):
    X, Y = np.zeros((6, 3)), np.zeros((6, 1))
    net = impl.Network.mlp([3, 2, 1])
    arg = bad if impl is fastnet else bad.tolist()
    with pytest.raises((ValueError, TypeError), match=match):
        net.loss(X if impl is fastnet else X.tolist(), Y if impl is fastnet else Y.tolist(), sample_weight=arg)


@pytest.mark.parametrize("batch_size", [1, 3, None])
@pytest.mark.parametrize("sizes", [[2, 8, 1], [16, 32, 32, 1], [3, 1]])
def test_one_output_networks_match_the_reference(sizes, batch_size, dtype):
    # One output unit takes its own kernel path (a dot product per row).
    rng = np.random.default_rng(14)
    X, Y = rng.normal(size=(10, sizes[0])), rng.normal(size=(10, 1))
    net, rnet = pair(sizes, "relu", "half_mse", dtype)
    h = net.fit(X, Y, optimizer=fastnet.SGD(lr=0.05, momentum=0.5), epochs=3, batch_size=batch_size)
    rh = rnet.fit(X.tolist(), Y.tolist(), optimizer=fastnet.SGD(lr=0.05, momentum=0.5), epochs=3,
                  batch_size=batch_size)
    assert_close(h.loss, rh.loss, dtype, scale=20)
    assert_close(net.params, rnet.params, dtype, scale=50)


# ---------------------------------------------------------------------------
# BLAS threads: one by default, more only when asked
# ---------------------------------------------------------------------------

def test_fit_enters_the_blas_thread_scope_only_where_blas_runs(monkeypatch):
    from fastnet.train import fit as fit_module

    entered = []
    monkeypatch.setattr(fit_module, "blas_threads", scope_spy(entered))
    X, Y = np.zeros((8, 3)), np.zeros((8, 1))
    tiny = fastnet.Network.mlp([3, 4, 1])
    tiny.fit(X, Y, epochs=1, batch_size=1)
    tiny.fit(X, Y, epochs=1)            # 8 rows of 3 x 4: the loops too
    assert entered == []
    tiny.fit(X, Y, epochs=1, validation_data=(X, Y))   # the validation pass may take any size
    wide = fastnet.Network.mlp([3, 64, 64, 1])
    wide.fit(X, Y, epochs=1, batch_size=1)   # 4481 parameters: SGD's axpy may thread
    wide.fit(X, Y, epochs=1)
    assert entered == [tiny.n_threads, wide.n_threads, wide.n_threads]


def test_blas_runs_single_threaded_unless_asked():
    from fastnet.runtime import threads as _threads

    if _threads.blas_threading() != "per-thread":
        pytest.skip("this BLAS has no per-thread thread count")
    get = _threads._get_setter()
    seen = []

    class Spy(fastnet.schedules.LRSchedule):
        # Called between epochs, inside fit: reads this thread's BLAS thread count.
        def lr(self, epoch, base_lr, history):
            previous = get(1)  # set_num_threads_local returns the current count
            get(previous)
            seen.append(previous)
            return base_lr

    X, Y = np.zeros((8, 3)), np.zeros((8, 1))
    net = fastnet.Network.mlp([3, 64, 64, 1])   # 8-row batches of 64 x 64 layers: gemm's
    outside = get(1)
    get(outside)
    net.fit(X, Y, epochs=2, lr_schedule=Spy())
    net.n_threads = 2
    net.fit(X, Y, epochs=1, lr_schedule=Spy())
    assert seen == [1, 1, min(2, outside)]
    if outside >= 2:
        # A tighter limit set outside fastnet (threadpoolctl, OPENBLAS_NUM_THREADS) stays in force.
        get(1)
        try:
            seen.clear()
            net.fit(X, Y, epochs=1, lr_schedule=Spy())
            assert seen == [1]
        finally:
            get(outside)
    with pytest.raises(ValueError, match="n_threads must be >= 1, got 0"):
        net.n_threads = 0


def test_more_blas_threads_give_the_same_training():
    rng = np.random.default_rng(15)
    X, Y = rng.normal(size=(512, 128)), rng.integers(0, 4, size=512)
    runs = []
    for n_threads in (1, 2):
        net = fastnet.Network.mlp([128, 256, 4], loss="cross_entropy", dtype="float64", n_threads=n_threads)
        net.fit(X, Y, optimizer=fastnet.SGD(lr=0.05), epochs=2, batch_size=128)
        runs.append(net.params.copy())
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-10, atol=1e-12)


def test_overlapping_fits_share_one_blas_setting_and_restore_it():
    # The BLAS thread count is process-wide: overlapping calls must neither
    # undo each other's limit nor leave the process limited afterwards.
    from fastnet.runtime import threads as _threads

    if _threads.blas_threading() != "per-thread":
        pytest.skip("this BLAS has no thread-count setter fastnet can call")
    setter = _threads._get_setter()

    def current():
        value = setter(1)
        setter(value)
        return value

    before = current()
    with _threads.blas_threads(2):
        assert current() == min(2, before)   # never above the count in force outside
        with _threads.blas_threads(1):  # another call starts: the tighter limit wins
            assert current() == 1
        assert current() == min(2, before)   # it ended: back to the remaining call's limit
    assert current() == before            # all ended: the process's own count again

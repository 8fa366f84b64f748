"""Issue 8: numbers at the edges.

Very large and very small logits in cross-entropy and sigmoid give finite
losses and gradients (the stable formulas of docs/MATH.md); float32 training
on inputs of magnitude 1e4 does not overflow silently; relu's derivative at
exactly 0 is 0 (and leaky_relu's is its slope), as docs/MATH.md says.
"""

import math

import numpy as np
import pytest

import fastnet
import fastnet.reference
from fastnet._core import activations as act_kernels
from fastnet._core import losses as loss_kernels

ROWS = np.array([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.25]])


def one_layer(n_out, activation, loss, dtype, logits):
    """A single Dense(2, n_out) with W = 0 and b = logits: every row's logits are exactly ``logits``."""
    net = fastnet.Network([fastnet.Dense(2, n_out, activation)], loss=loss, dtype=dtype)
    net.layers[0].W[:] = 0
    net.layers[0].b[:] = logits
    return net


def reference_twin(net):
    ref = fastnet.reference.Network([fastnet.reference.Dense(l.n_in, l.n_out, l.activation) for l in net.layers],
                                    loss=net.criterion, dtype="float64")
    ref.params = net.params.astype(np.float64).tolist()
    return ref


def exact_cross_entropy(z, label):
    m = max(z)
    return m + math.log(math.fsum(math.exp(v - m) for v in z)) - z[label]


def exact_bce(z, y):
    return max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))


HUGE = {"float32": [1e4, 1e30, 3e38], "float64": [1e4, 1e30, 1e300]}
TINY = {"float32": [1e-30, 1e-45], "float64": [1e-300, 5e-324]}


# ---------------------------------------------------------------------------
# Cross-entropy (fused softmax) with huge and tiny logits
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("scale_index", [0, 1, 2])
def test_cross_entropy_with_huge_logits_is_finite_and_exact(dtype, scale_index):
    big = HUGE[dtype][scale_index]
    logits = np.array([big, -big, 0.0], dtype=dtype)
    net = one_layer(3, "softmax", "cross_entropy", dtype, logits)
    labels = np.array([0, 1, 2])
    z = [float(v) for v in logits]
    expected = math.fsum(exact_cross_entropy(z, k) for k in labels) / 3
    loss = net.backward(ROWS, labels)
    assert math.isfinite(loss)
    assert loss == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(net.grads).all()
    # dL/db = mean over rows of softmax(z) - onehot = [1, 0, 0] - [1/3, 1/3, 1/3].
    np.testing.assert_allclose(net.layers[0].db, [2 / 3, -1 / 3, -1 / 3], rtol=1e-6)
    assert abs(float(net.layers[0].db.sum())) < 1e-6  # softmax - y sums to zero per row
    probs = net.predict(ROWS)
    np.testing.assert_array_equal(probs, np.tile([1.0, 0.0, 0.0], (3, 1)))
    assert net.loss(ROWS, labels) == loss


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("tiny_index", [0, 1])
def test_cross_entropy_with_tiny_logits_is_log_k(dtype, tiny_index):
    tiny = TINY[dtype][tiny_index]
    net = one_layer(4, "softmax", "cross_entropy", dtype, [tiny, -tiny, 0.0, tiny])
    loss = net.backward(ROWS, [0, 1, 3])
    assert loss == pytest.approx(math.log(4), rel=1e-6)
    assert np.isfinite(net.grads).all()
    np.testing.assert_allclose(net.predict(ROWS), 0.25, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_huge_logits_agree_with_the_reference(dtype):
    big = HUGE[dtype][1]
    net = one_layer(3, "softmax", "cross_entropy", dtype, [big, -big, 0.5])
    ref = reference_twin(net)
    Y = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    assert net.backward(ROWS, Y) == pytest.approx(ref.backward(ROWS.tolist(), Y.tolist()), rel=1e-6)
    np.testing.assert_allclose(net.grads, ref.grads, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------
# Binary cross-entropy (fused sigmoid) and sigmoid itself
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("scale_index", [0, 1, 2])
def test_binary_cross_entropy_with_huge_logits_is_finite_and_exact(dtype, scale_index):
    big = HUGE[dtype][scale_index]
    logits = np.array([big, -big, big, -big], dtype=dtype)
    net = one_layer(4, "sigmoid", "binary_cross_entropy", dtype, logits)
    Y = np.array([[1.0, 0.0, 0.0, 1.0], [0.5, 0.5, 1.0, 0.0], [0.0, 1.0, 0.25, 0.75]])
    z = [float(v) for v in logits]
    expected = math.fsum(exact_bce(z[j], Y[i, j]) for i in range(3) for j in range(4)) / 12
    loss = net.backward(ROWS, Y)
    assert math.isfinite(loss) and loss == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(net.grads).all()
    sig = np.array([1.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(net.layers[0].db, (sig - Y).sum(axis=0) / 12, rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(net.predict(ROWS), np.tile(sig, (3, 1)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("tiny_index", [0, 1])
def test_binary_cross_entropy_with_tiny_logits_is_log_2(dtype, tiny_index):
    tiny = TINY[dtype][tiny_index]
    net = one_layer(2, "sigmoid", "binary_cross_entropy", dtype, [tiny, -tiny])
    loss = net.backward(ROWS, np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))
    assert loss == pytest.approx(math.log(2), rel=1e-6)
    assert np.isfinite(net.grads).all()
    np.testing.assert_allclose(net.predict(ROWS), 0.5, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_kernels_stay_finite_at_the_largest_finite_logits(dtype):
    top = np.finfo(dtype).max
    z = np.array([[top, -top, 0.0]], dtype=dtype)
    y = np.array([[0.0, 1.0, 0.0]], dtype=dtype)
    grad = np.empty_like(z)
    for loss_id in (loss_kernels.LossId.BINARY_CROSS_ENTROPY, loss_kernels.LossId.CROSS_ENTROPY):
        value = loss_kernels.loss_gradient_py(loss_id, 0.0, z, y, grad)
        # The exact loss (about 2 * top, or top) may itself exceed the double range
        # only for float64's max; then inf is the correctly rounded answer.
        if dtype is np.float32:
            assert math.isfinite(value)
        assert not math.isnan(value)
        assert np.isfinite(grad).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_tanh_softmax_kernels_saturate_without_nan(dtype):
    top = np.finfo(dtype).max
    row = np.array([[top, -top, 1e30, -1e30, 0.0, np.finfo(dtype).tiny]], dtype=dtype)
    for act_id, expected in [
        (act_kernels.ActivationId.SIGMOID, [1.0, 0.0, 1.0, 0.0, 0.5, 0.5]),
        (act_kernels.ActivationId.TANH, [1.0, -1.0, 1.0, -1.0, 0.0, np.finfo(dtype).tiny]),
    ]:
        z = row.copy()
        act_kernels.forward(act_id, [], z)
        np.testing.assert_allclose(z[0], expected, rtol=1e-6)
        delta = np.ones_like(z)
        act_kernels.backward(act_id, [], z, delta)
        assert np.isfinite(delta).all()
    z = row.copy()
    act_kernels.forward(act_kernels.ActivationId.SOFTMAX, [], z)
    np.testing.assert_array_equal(z, [[1.0, 0, 0, 0, 0, 0]])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_saturated_hidden_units_give_finite_gradients(activation, dtype):
    net = fastnet.Network.mlp([2, 3, 1], activation=activation, dtype=dtype, seed=4)
    net.layers[0].W[:] = 0
    net.layers[0].b[:] = [1e30, -1e30, 0.0]
    ref = reference_twin(net)
    Y = np.array([[1.0], [0.0], [2.0]])
    loss = net.backward(ROWS, Y)
    assert math.isfinite(loss) and np.isfinite(net.grads).all()
    assert loss == pytest.approx(ref.backward(ROWS.tolist(), Y.tolist()), rel=1e-5)
    np.testing.assert_allclose(net.grads, ref.grads, rtol=1e-4, atol=1e-6)
    assert net.layers[0].db[0] == 0 and net.layers[0].db[1] == 0  # derivative 0 where saturated


@pytest.mark.parametrize("activation", ["gelu", "gelu_tanh", "silu", "elu", "softplus"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_smooth_hidden_units_at_large_pre_activations_give_finite_gradients(activation, dtype):
    # z = +-1e4 and +-100 in every row: each unit is z (slope 1) on the right and flat on the left.
    net = fastnet.Network.mlp([2, 4, 1], activation=activation, dtype=dtype, seed=4)
    net.layers[0].W[:] = 0
    net.layers[0].b[:] = [1e4, -1e4, 100.0, -100.0]
    net.layers[1].W[:] = 1e-4
    ref = reference_twin(net)
    Y = np.array([[1.0], [0.0], [2.0]])
    loss = net.backward(ROWS, Y)
    assert math.isfinite(loss) and np.isfinite(net.grads).all()
    assert np.isfinite(net.predict(ROWS)).all()
    assert loss == pytest.approx(ref.backward(ROWS.tolist(), Y.tolist()), rel=1e-5)
    np.testing.assert_allclose(net.grads, ref.grads, rtol=1e-4, atol=1e-6)
    db = net.layers[0].db
    assert db[0] == pytest.approx(db[2], rel=1e-5) and db[0] != 0   # slope 1 at 1e4 and at 100
    assert db[1] == 0 and abs(db[3]) < 1e-30                       # slope e^-100 at most at -100


# ---------------------------------------------------------------------------
# relu at exactly 0 (docs/MATH.md: the derivative at 0 is 0, as PyTorch)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_kernel_derivative_at_zero_is_zero(dtype):
    a = np.array([[0.0, -0.0, 1e-45 if dtype is np.float32 else 5e-324, 2.0]], dtype=dtype)
    delta = np.full_like(a, 3.0)
    act_kernels.backward(act_kernels.ActivationId.RELU, [], a, delta)
    np.testing.assert_array_equal(delta, [[0.0, 0.0, 3.0, 3.0]])
    delta = np.full_like(a, 3.0)
    act_kernels.backward(act_kernels.ActivationId.LEAKY_RELU, [0.1], a, delta)
    np.testing.assert_allclose(delta, [[0.3, 0.3, 3.0, 3.0]], rtol=1e-7)
    z = np.array([[-0.0, 0.0, -1.0]], dtype=dtype)
    act_kernels.forward(act_kernels.ActivationId.RELU, [], z)
    np.testing.assert_array_equal(z, [[0.0, 0.0, 0.0]])


@pytest.mark.parametrize("activation,slope", [("relu", 0.0), ("leaky_relu", 0.2)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_network_gradient_at_a_relu_sitting_exactly_at_zero(activation, slope, dtype):
    kw = {"negative_slope": slope} if activation == "leaky_relu" else {}
    net = fastnet.Network.mlp([2, 3, 2], activation=activation, dtype=dtype, seed=5, **kw)
    net.layers[0].W[:, 1] = 0
    net.layers[0].b[1] = 0  # unit 1's pre-activation is exactly 0 on every row
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]])
    net.backward(ROWS, Y)
    # g = dL/da of unit 1 on each row; dL/dz = 0 * g for relu, slope * g for leaky_relu.
    out = net.predict(ROWS).astype(np.float64)
    g = (2 * (out - Y) / Y.size) @ net.layers[1].W.astype(np.float64).T
    np.testing.assert_allclose(net.layers[0].db[1], slope * g[:, 1].sum(), rtol=1e-5, atol=0)
    np.testing.assert_allclose(net.layers[0].dW[:, 1], slope * ROWS.T @ g[:, 1], rtol=1e-5, atol=0)
    if activation == "relu":
        assert net.layers[0].db[1] == 0 and (net.layers[0].dW[:, 1] == 0).all()
    ref = reference_twin(net)
    ref.backward(ROWS.tolist(), Y.tolist())
    np.testing.assert_allclose(net.grads, ref.grads, rtol=1e-4, atol=1e-7)


def test_mae_and_huber_at_their_kinks():
    out = np.array([[1.0, 2.0, 3.0]])
    y = np.array([[1.0, 1.0, 3.5]])
    grad = np.empty_like(out)
    loss_kernels.loss_gradient_py(loss_kernels.LossId.MAE, 0.0, out, y, grad)
    np.testing.assert_array_equal(grad, [[0.0, 1 / 3, -1 / 3]])  # sign(0) = 0
    value = loss_kernels.loss_gradient_py(loss_kernels.LossId.HUBER, 0.5, out, y, grad)
    # |d| = 1 > delta, |d| = 0.5 = delta (both branches agree there): continuous value and slope.
    np.testing.assert_allclose(grad, [[0.0, 0.5 / 3, -0.5 / 3]])
    assert value == pytest.approx((0.0 + 0.5 * (1 - 0.25) + 0.5 * 0.25) / 3)


# ---------------------------------------------------------------------------
# float32 at magnitude 1e4: no silent overflow
# ---------------------------------------------------------------------------

def big_regression(scale=1e4, n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5)) * scale
    Y = X @ rng.normal(size=(5, 1)) + rng.normal(size=(n, 1)) * scale * 0.01
    return X, Y


def test_float32_prediction_at_1e4_matches_float64():
    X, _ = big_regression()
    net32 = fastnet.Network.mlp([5, 16, 16, 3], activation="tanh", dtype="float32", seed=1)
    net64 = fastnet.Network.mlp([5, 16, 16, 3], activation="tanh", dtype="float64", seed=1)
    net64.params = net32.params.astype(np.float64)
    out32, out64 = net32.predict(X), net64.predict(X)
    assert np.isfinite(out32).all()
    np.testing.assert_allclose(out32, out64, rtol=1e-4, atol=1e-4 * np.abs(out64).max())
    relu32 = fastnet.Network.mlp([5, 32, 1], dtype="float32", seed=2)
    relu64 = fastnet.Network.mlp([5, 32, 1], dtype="float64", seed=2)
    relu64.params = relu32.params.astype(np.float64)
    np.testing.assert_allclose(relu32.predict(X), relu64.predict(X), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("loss", ["mse", "half_mse", "mae", "huber"])
def test_float32_training_at_1e4_tracks_float64(loss):
    X, Y = big_regression()
    hist = {}
    nets = {}
    for dtype in ("float32", "float64"):
        nets[dtype] = fastnet.Network.mlp([5, 16, 1], loss=loss, dtype=dtype, seed=3)
    nets["float64"].params = nets["float32"].params.astype(np.float64)
    for dtype, net in nets.items():
        hist[dtype] = net.fit(X, Y, optimizer=fastnet.Adam(lr=1e-2), epochs=15, batch_size=20, seed=0).loss
    assert np.isfinite(hist["float32"]).all() and np.isfinite(nets["float32"].params).all()
    np.testing.assert_allclose(hist["float32"], hist["float64"], rtol=1e-3)
    assert hist["float32"][-1] < hist["float32"][0]


@pytest.mark.parametrize("optimizer", [lambda: fastnet.SGD(lr=1.0), lambda: fastnet.SGD(lr=0.1, momentum=0.9),
                                       lambda: fastnet.Adam(lr=1e30)])
def test_float32_overflow_in_training_is_reported_and_parameters_restored(optimizer):
    X, Y = big_regression()
    net = fastnet.Network.mlp([5, 16, 1], dtype="float32", seed=3)
    net.fit(X / 1e4, Y / 1e4, optimizer=fastnet.SGD(lr=1e-3), epochs=1)  # one sane epoch first
    start = net.params.copy()
    seen = []
    with pytest.raises(fastnet.TrainingDivergedError, match=r"epoch \d+") as info:
        net.fit(X, Y, optimizer=optimizer(), epochs=50, batch_size=10,
                callbacks=[lambda epoch, logs: seen.append(net.params.copy())])
    assert np.isfinite(net.params).all()
    np.testing.assert_array_equal(net.params, seen[-1] if seen else start)
    assert all(np.isfinite(v) for v in info.value.history.loss)


def test_float32_cross_entropy_at_1e4_gives_finite_losses():
    X, _ = big_regression()
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
    net = fastnet.Network.mlp([5, 16, 3], loss="cross_entropy", dtype="float32", seed=6)
    loss = net.backward(X, y)
    assert math.isfinite(loss) and np.isfinite(net.grads).all()
    assert np.isfinite(net.predict(X)).all()
    h = net.fit(X, y, optimizer=fastnet.Adam(lr=1e-3), epochs=5, batch_size=25)
    assert np.isfinite(h.loss).all()


def test_float32_forward_overflow_is_not_silent():
    net = fastnet.Network.mlp([3, 4, 2], loss="cross_entropy", dtype="float32", seed=0)
    X = np.full((2, 3), 3e38, np.float32)
    with pytest.raises((FloatingPointError, ValueError), match="float32|overflow"):
        net.predict(X)


def test_float32_loss_overflow_is_not_silent():
    net = fastnet.Network.mlp([3, 4, 2], loss="cross_entropy", dtype="float32", seed=0)
    X = np.full((2, 3), 3e38, np.float32)
    with pytest.raises((FloatingPointError, ValueError), match="float32|overflow"):
        net.loss(X, [0, 1])
    with pytest.raises((FloatingPointError, ValueError), match="float32|overflow"):
        net.backward(X, [0, 1])


def test_float32_gradient_overflow_is_not_silent():
    # Loss ~8e39: finite in double. dW = x^T delta ~ 1e20 * 1e20: beyond float32.
    net = fastnet.Network([fastnet.Dense(2, 1)], loss="mse", dtype="float32")
    X = np.full((3, 2), 1e20, np.float32)
    try:
        net.backward(X, np.zeros((3, 1)))
    except FloatingPointError:
        return
    assert np.isfinite(net.grads).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make", [lambda: fastnet.Adam(lr=0.1), lambda: fastnet.RMSprop(lr=0.1),
                                  lambda: fastnet.Adagrad(lr=0.1)])
def test_a_step_that_overflows_the_optimizer_state_is_undone(make, dtype):
    # A finite gradient of 100 * sqrt(max): its square overflows the state, and the
    # parameters alone would not show it (those weights just stop moving).
    net = fastnet.Network([fastnet.Dense(1, 1)], loss="mse", dtype=dtype, seed=0)
    opt = make()
    net.backward(np.ones((1, 1)), np.ones((1, 1)))
    opt.step(net)
    before = net.params.copy(), opt.state.copy(), opt.t
    net.grads[:] = 100 * np.sqrt(np.finfo(dtype).max)
    with pytest.raises(FloatingPointError, match="step overflowed the optimizer's state; it was undone"):
        opt.step(net)
    np.testing.assert_array_equal(net.params, before[0])
    np.testing.assert_array_equal(opt.state, before[1])
    assert opt.t == before[2]


@pytest.mark.parametrize("make", [lambda: fastnet.SGD(lr=0.1), lambda: fastnet.Adam(lr=0.1)])
def test_an_optimizer_step_never_leaves_non_finite_parameters(make):
    X, Y = big_regression(scale=1.0, n=8)
    net = fastnet.Network.mlp([5, 4, 1], dtype="float32", seed=0)
    opt = make()
    net.backward(X, Y)
    opt.step(net)
    trained = net.params.copy()
    net.grads[0] = np.inf  # what an overflowing backward leaves (see the test above)
    try:
        opt.step(net)
    except (FloatingPointError, ValueError):
        np.testing.assert_array_equal(net.params, trained)  # refused, the model kept
        return
    assert np.isfinite(net.params).all()

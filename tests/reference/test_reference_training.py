"""fastnet.reference.Network: initialisation, forward, backpropagation and training."""

import math
import random

import pytest

from fastnet.activations import Activation
from fastnet.errors import TrainingDivergedError
from fastnet.history import History
from fastnet.losses import Loss
from fastnet.reference import SGD, Adam, Dense, Network, RMSprop, gradcheck
from fastnet.reference.random import SplitMix64

SHUFFLE_XOR = 0x243F6A8885A308D3


def uniform_from(output):
    return (output >> 11) / 2**53


# -- initialisation ------------------------------------------------------------------

def test_first_weights_follow_the_spec_by_hand():
    # seed 0's first two outputs (test_reference_kernels checks them) -> W[0][0], W[0][1]
    net = Network([Dense(3, 2, "tanh"), Dense(2, 1)], seed=0)
    glorot = math.sqrt(6 / (3 + 2))
    assert net.layers[0].W[0][0] == (2 * uniform_from(0xE220A8397B1DCDAF) - 1) * glorot
    assert net.layers[0].W[0][1] == (2 * uniform_from(0x6E789E6AA1B965F4) - 1) * glorot
    assert net.layers[0].W[1][0] == (2 * uniform_from(0x06C45D188009454F) - 1) * glorot
    relu = Network([Dense(3, 2, "relu"), Dense(2, 1)], seed=0)
    assert relu.layers[0].W[0][0] == (2 * uniform_from(0xE220A8397B1DCDAF) - 1) * math.sqrt(6 / 3)


def test_one_generator_runs_across_layers_in_flat_order():
    net = Network.mlp([3, 4, 2], activation="relu", seed=11)
    rng = SplitMix64(11)
    he, glorot = math.sqrt(6 / 3), math.sqrt(6 / (4 + 2))
    expected = [(2 * rng.uniform() - 1) * he for _ in range(12)] + [0.0] * 4
    expected += [(2 * rng.uniform() - 1) * glorot for _ in range(8)] + [0.0] * 2   # biases draw nothing
    assert net.params == expected


@pytest.mark.parametrize("activation, scheme", [("relu", "he"), ("leaky_relu", "he"), ("tanh", "glorot"),
                                                ("sigmoid", "glorot"), ("identity", "glorot"),
                                                ("softmax", "glorot")])
def test_initial_weights_fill_their_limits(activation, scheme):
    net = Network.mlp([50, 40, 30], activation=activation, seed=3)
    hidden, output = net.layers
    limits = [math.sqrt(6 / 50) if scheme == "he" else math.sqrt(6 / 90), math.sqrt(6 / 70)]
    for layer, limit in zip(net.layers, limits):
        weights = [w for row in layer.W for w in row]
        assert max(abs(w) for w in weights) <= limit
        assert max(abs(w) for w in weights) > 0.99 * limit          # it is this limit, not a smaller one
        assert abs(sum(weights) / len(weights)) < 0.05 * limit       # centred on 0
        assert layer.b == [0.0] * layer.n_out
    assert output.activation.name == "identity"


def test_same_seed_same_params_different_seed_different_params():
    a = Network.mlp([4, 6, 3], activation="tanh", seed=5)
    b = Network.mlp([4, 6, 3], activation="tanh", seed=5)
    c = Network.mlp([4, 6, 3], activation="tanh", seed=6)
    assert a.params == b.params
    assert all(x != y for x, y in zip(a.params[:24], c.params[:24]))
    top = Network.mlp([4, 6, 3], seed=2**64 - 1)
    assert all(math.isfinite(p) for p in top.params)


# -- structure and the flat layout ---------------------------------------------------------

def test_mlp_structure_and_defaults():
    net = Network.mlp([4, 8, 5, 3], activation="tanh", loss="cross_entropy", seed=1)
    assert [(l.n_in, l.n_out) for l in net.layers] == [(4, 8), (8, 5), (5, 3)]
    assert [l.activation.name for l in net.layers] == ["tanh", "tanh", "softmax"]
    assert net.criterion == Loss("cross_entropy")
    assert (net.n_features, net.n_outputs, net.n_params) == (4, 3, 4 * 8 + 8 + 8 * 5 + 5 + 5 * 3 + 3)
    assert (net.seed, net.dtype) == (1, "float64")
    assert Network.mlp([2, 1], loss="binary_cross_entropy").layers[-1].activation.name == "sigmoid"
    assert Network.mlp([2, 1], loss="huber").layers[-1].activation.name == "identity"
    assert Network.mlp([2, 3, 1], output_activation="tanh").layers[-1].activation.name == "tanh"
    assert Network.mlp([2, 3, 1], dtype="float32").dtype == "float32"


def test_mlp_hidden_activation_options():
    net = Network.mlp([2, 3, 3, 1], activation="leaky_relu", negative_slope=0.2)
    assert [l.activation for l in net.layers[:2]] == [Activation("leaky_relu", negative_slope=0.2)] * 2
    assert net.layers[-1].activation == Activation("identity")
    obj = Network.mlp([2, 3, 1], activation=Activation("leaky_relu", negative_slope=0.05))
    assert obj.layers[0].activation.params == {"negative_slope": 0.05}


def test_params_layout_is_w_row_major_then_b_per_layer():
    net = Network([Dense(2, 3, "relu"), Dense(3, 1)])
    net.params = range(net.n_params)
    first, second = net.layers
    assert first.W == [[0, 1, 2], [3, 4, 5]] and first.b == [6, 7, 8]
    assert second.W == [[9], [10], [11]] and second.b == [12]
    assert net.params == [float(i) for i in range(13)]
    assert all(type(p) is float for p in net.params)


def test_params_getter_returns_a_new_list():
    net = Network.mlp([2, 2, 1], seed=0)
    p = net.params
    p[0] = 123.0
    assert net.params[0] != 123.0
    assert net.params is not net.params
    net.params = tuple(p)
    assert net.params[0] == 123.0


def test_params_setter_accepts_numpy_arrays():
    np = pytest.importorskip("numpy")
    net = Network.mlp([2, 2, 1], seed=0)
    net.params = np.arange(net.n_params, dtype=np.float64)
    assert net.params == [float(i) for i in range(net.n_params)]


# -- forward ----------------------------------------------------------------------------

def test_forward_by_hand():
    net = Network([Dense(2, 2, "relu"), Dense(2, 1, "sigmoid")], loss="mse")
    # W1 = [[1, -1], [2, 0.5]], b1 = [0.5, -1]; W2 = [[1], [-2]], b2 = [0.25]
    net.params = [1, -1, 2, 0.5, 0.5, -1, 1, -2, 0.25]
    # x = (1, 2): z1 = (1 + 4 + 0.5, -1 + 1 - 1) = (5.5, -1) -> a1 = (5.5, 0); z2 = 5.5 + 0.25 = 5.75
    # x = (-1, 0): z1 = (-1 + 0.5, 1 - 1) = (-0.5, 0) -> a1 = (0, 0); z2 = 0.25
    out = net.predict([[1, 2], [-1, 0]])
    assert out == [[1 / (1 + math.exp(-5.75))], [1 / (1 + math.exp(-0.25))]]


def test_predict_gives_probabilities_for_the_cross_entropies():
    ce = Network.mlp([3, 4, 3], loss="cross_entropy", seed=2)
    for row in ce.predict([[1, 2, 3], [-1, 0, 0.5]]):
        assert sum(row) == pytest.approx(1.0, abs=1e-15) and all(0 < p < 1 for p in row)
    bce = Network([Dense(2, 1, "sigmoid")], loss="binary_cross_entropy")
    bce.params = [1.0, 1.0, -0.5]
    assert bce.predict([[1.0, 2.0]]) == [[1 / (1 + math.exp(-2.5))]]


def test_fused_losses_read_logits():
    # binary cross-entropy of p = sigmoid(z) with y = 1 is -log p
    net = Network([Dense(1, 1, "sigmoid")], loss="binary_cross_entropy")
    net.params = [2.0, 0.0]
    assert net.loss([[1.0]], [1.0]) == pytest.approx(-math.log(1 / (1 + math.exp(-2.0))), rel=1e-14)
    # and its gradient with respect to w is (p - y) * x (the sigmoid's own derivative is not applied)
    net.backward([[3.0]], [1.0])
    assert net.grads == pytest.approx([(1 / (1 + math.exp(-6.0)) - 1) * 3.0, 1 / (1 + math.exp(-6.0)) - 1],
                                      rel=1e-14)


def test_linear_layer_gradient_by_hand():
    # one identity layer, half_mse: dW = X^T (o - y) / n, db = sum (o - y) / n
    net = Network([Dense(2, 1)], loss="half_mse")
    net.params = [1.0, -1.0, 0.5]
    X, y = [[1.0, 2.0], [3.0, 0.0]], [0.0, 1.0]
    # o = (1 - 2 + 0.5, 3 + 0.5) = (-0.5, 3.5); r = o - y = (-0.5, 2.5)
    loss = net.backward(X, y)
    assert loss == (0.25 + 6.25) / 4
    assert net.grads == [(1 * -0.5 + 3 * 2.5) / 2, (2 * -0.5 + 0 * 2.5) / 2, (-0.5 + 2.5) / 2]


def test_backward_overwrites_and_loss_agrees():
    net = Network.mlp([3, 4, 2], activation="tanh", seed=4)
    X, Y = [[0.1, 0.2, 0.3], [1, -1, 0]], [[1, 0], [0, 1]]
    assert net.grads == [0.0] * net.n_params       # before any backward
    value = net.backward(X, Y)
    first = net.grads
    assert net.backward(X, Y) == value == net.loss(X, Y)
    assert net.grads == first                      # not accumulated
    net.backward(X[:1], Y[:1])
    assert net.grads != first


# -- targets in their accepted forms -------------------------------------------------------------

def test_flat_targets_for_one_output():
    net = Network.mlp([2, 3, 1], seed=0)
    X = [[0.1, 0.2], [0.3, -0.4]]
    assert net.loss(X, [1.0, 2.0]) == net.loss(X, [[1.0], [2.0]])


def test_class_labels_equal_one_hot_rows():
    net = Network.mlp([2, 3, 3], loss="cross_entropy", seed=0)
    X = [[0.1, 0.2], [0.3, -0.4], [1.0, 1.0]]
    one_hot = [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert net.loss(X, [2, 0, 1]) == net.loss(X, one_hot)
    assert net.loss(X, [2.0, 0.0, 1.0]) == net.loss(X, one_hot)
    assert net.backward(X, [2, 0, 1]) == net.backward(X, one_hot)
    # a column of labels, shape (n, 1), as the compiled Network takes it
    assert net.loss(X, [[2], [0], [1]]) == net.loss(X, one_hot)
    with pytest.raises(ValueError, match="class label 3"):
        net.loss(X, [[2], [0], [3]])


def test_numpy_inputs():
    np = pytest.importorskip("numpy")
    net = Network.mlp([2, 3, 3], loss="cross_entropy", seed=0)
    X = [[0.1, 0.2], [0.3, -0.4]]
    assert net.loss(np.array(X), np.array([2, 0])) == net.loss(X, [2, 0])
    assert net.loss(np.array(X, dtype=np.float32), np.eye(3)[[2, 0]]) == net.loss(
        [[float(np.float32(v)) for v in row] for row in X], [[0, 0, 1], [1, 0, 0]])


# -- backpropagation against finite differences: every activation x every loss -------------------

HIDDEN = ["identity", "relu", Activation("leaky_relu", negative_slope=0.01),
          Activation("leaky_relu", negative_slope=0.3), "sigmoid", "tanh", "softmax"]
LOSS_CASES = [("half_mse", "rows"), ("mse", "rows"), ("mae", "rows"),
              (Loss("huber", delta=0.5), "rows"), (Loss("huber", delta=2.0), "rows"),
              ("binary_cross_entropy", "unit"), ("cross_entropy", "labels"),
              ("cross_entropy", "one_hot"), ("cross_entropy", "probabilities")]


def make_targets(kind, n, k, rng):
    if kind == "rows":
        return [[rng.uniform(-2, 2) for _ in range(k)] for _ in range(n)]
    if kind == "unit":
        return [[rng.random() for _ in range(k)] for _ in range(n)]
    labels = [rng.randrange(k) for _ in range(n)]
    if kind == "labels":
        return labels
    if kind == "one_hot":
        return [[float(j == c) for j in range(k)] for c in labels]
    rows = [[rng.random() for _ in range(k)] for _ in range(n)]
    return [[v / sum(row) for v in row] for row in rows]


def random_problem(seed, sizes, hidden, loss, kind, n=5):
    """A network with random parameters everywhere (no zero bias puts a unit exactly at a kink)."""
    rng = random.Random(seed)
    net = Network.mlp(sizes, activation=hidden, loss=loss, seed=seed)
    net.params = [rng.uniform(-1, 1) for _ in range(net.n_params)]
    X = [[rng.uniform(-2, 2) for _ in range(sizes[0])] for _ in range(n)]
    return net, X, make_targets(kind, n, sizes[-1], rng)


@pytest.mark.parametrize("hidden", HIDDEN, ids=str)
@pytest.mark.parametrize("loss, kind", LOSS_CASES, ids=lambda v: str(v))
def test_backprop_matches_centred_differences(hidden, loss, kind):
    seed = HIDDEN.index(hidden) * 100 + LOSS_CASES.index((loss, kind))
    net, X, Y = random_problem(seed, [3, 4, 3, 3], hidden, loss, kind)
    assert gradcheck(net, X, Y) < 1e-6


@pytest.mark.parametrize("output", ["identity", "relu", "leaky_relu", "sigmoid", "tanh", "softmax"])
@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_backprop_through_every_output_activation(output, loss):
    net, X, Y = random_problem(7, [3, 4, 3], "tanh", loss, "rows")
    net = Network.mlp([3, 4, 3], activation="tanh", output_activation=output, loss=loss, seed=7)
    net.params = [random.Random(8).uniform(-1, 1) for _ in range(net.n_params)]
    assert gradcheck(net, X, Y) < 1e-6


def test_backprop_through_a_single_layer_and_a_deep_stack():
    for sizes in ([3, 2], [2, 3, 3, 3, 3, 2]):
        net, X, Y = random_problem(9, sizes, "tanh", "cross_entropy", "labels")
        assert gradcheck(net, X, Y) < 1e-6


# -- training behaves as the seed texts describe ---------------------------------------------

# y = 2 x1 - 3 x2 + 1 plus a little noise: least squares is not an exact fit
LIN_X = [[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [2.0, 1.0], [-1.0, -0.5], [0.0, 0.3]]
LIN_Y = [2 * a - 3 * b + 1 + e for (a, b), e in zip(LIN_X, [0.1, -0.2, 0.05, 0.0, 0.15, -0.1])]


def least_squares_by_hand(X, y):
    """[w1, w2, b] from the 3x3 normal equations, by Cramer's rule."""
    rows = [[a, b, 1.0] for a, b in X]
    A = [[sum(r[i] * r[j] for r in rows) for j in range(3)] for i in range(3)]
    rhs = [sum(r[i] * t for r, t in zip(rows, y)) for i in range(3)]

    def det(m):
        return (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))

    d = det(A)
    return [det([[rhs[i] if j == c else A[i][j] for j in range(3)] for i in range(3)]) / d for c in range(3)]


def test_linear_regression_reaches_least_squares():
    solution = least_squares_by_hand(LIN_X, LIN_Y)
    assert solution == pytest.approx([2, -3, 1], abs=0.1)        # the hand solver is sane
    net = Network([Dense(2, 1)], loss="half_mse", seed=0)
    history = net.fit(LIN_X, LIN_Y, optimizer=SGD(lr=0.3), epochs=3000)   # full-batch gradient descent
    assert net.params == pytest.approx(solution, abs=1e-9)
    assert history.loss[-1] < history.loss[0]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(history.loss, history.loss[1:]))   # GD never goes up here
    assert net.grads == pytest.approx([0, 0, 0], abs=1e-9)        # the normal equations hold


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_is_learned_with_a_tanh_hidden_layer(seed):
    X, y = [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]
    net = Network.mlp([2, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=seed)
    net.fit(X, y, optimizer=Adam(lr=0.05), epochs=300)
    p = [row[0] for row in net.predict(X)]
    assert p[0] < 0.5 and p[1] > 0.5 and p[2] > 0.5 and p[3] < 0.5


def test_xor_is_learned_with_a_sigmoid_hidden_layer_and_momentum():
    X, y = [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]
    net = Network.mlp([2, 4, 1], activation="sigmoid", loss="half_mse", seed=0)
    net.fit(X, y, optimizer=SGD(lr=0.5, momentum=0.9), epochs=300)
    p = [row[0] for row in net.predict(X)]
    assert p[0] < 0.5 and p[1] > 0.5 and p[2] > 0.5 and p[3] < 0.5


def test_too_large_a_learning_rate_diverges_and_restores_the_last_finite_epoch():
    net = Network([Dense(2, 1)], loss="half_mse", seed=0)
    with pytest.raises(TrainingDivergedError, match="lr=5") as info:
        net.fit(LIN_X, LIN_Y, optimizer=SGD(lr=5.0), epochs=1000)
    err = info.value
    assert err.epoch > 2 and len(err.history) == err.epoch - 1
    assert all(math.isfinite(v) for v in err.history.loss)
    assert err.history.loss[-1] > 1e100 * err.history.loss[0]      # it did blow up first
    assert all(math.isfinite(p) for p in net.params)
    # the parameters are those after epoch err.epoch - 1
    replay = Network([Dense(2, 1)], loss="half_mse", seed=0)
    replay.fit(LIN_X, LIN_Y, optimizer=SGD(lr=5.0), epochs=err.epoch - 1)
    assert net.params == replay.params


@pytest.mark.parametrize("optimizer", [lambda: SGD(lr=0.1, momentum=0.9), lambda: Adam(lr=0.1),
                                       lambda: RMSprop(lr=0.01, centered=True)])
def test_divergence_restores_the_optimizer_state_and_step_count_too(optimizer):
    net, opt = Network([Dense(2, 1)], loss="half_mse", seed=0), optimizer()
    net.fit(LIN_X, LIN_Y, optimizer=opt, epochs=3, batch_size=2)
    before = net.params, [list(row) for row in opt.state], opt.t
    assert opt.t == 9 and any(v != 0 for row in opt.state for v in row)
    opt.lr = 1e200   # the first step overflows the next batch's loss
    with pytest.raises(TrainingDivergedError, match="epoch 1 "):
        net.fit(LIN_X, LIN_Y, epochs=5, batch_size=2)   # the same optimizer, continued
    assert net.params == before[0]
    assert opt.state == before[1] and opt.t == before[2]


def test_divergence_in_the_first_epoch_restores_the_starting_params():
    net = Network([Dense(2, 1)], loss="half_mse", seed=0)
    start = net.params
    with pytest.raises(TrainingDivergedError) as info:
        net.fit(LIN_X, LIN_Y, optimizer=SGD(lr=1e200), batch_size=1, epochs=3)
    assert info.value.epoch == 1 and len(info.value.history) == 0
    assert net.params == start


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "cross_entropy"])
def test_huge_steps_on_the_cross_entropies_never_overflow_exp(loss):
    # logits of 1e300 and beyond go through the stable forms; only TrainingDivergedError may come out
    net = Network.mlp([2, 8, 2], activation="relu", loss=loss, seed=0)
    X = [[1.0, 2.0], [-1.0, 0.5], [3.0, -2.0], [0.0, 1.0]]
    Y = [[1, 0], [0, 1], [1, 1], [0, 0]] if loss == "binary_cross_entropy" else [0, 1, 1, 0]
    try:
        history = net.fit(X, Y, optimizer=SGD(lr=1e150), epochs=20, batch_size=1)
        assert all(math.isfinite(v) for v in history.loss)
    except TrainingDivergedError:
        pass
    assert all(math.isfinite(p) for p in net.params)


def test_a_tiny_learning_rate_barely_moves_the_loss():
    net = Network([Dense(2, 1)], loss="half_mse", seed=0)
    before = net.loss(LIN_X, LIN_Y)
    net.fit(LIN_X, LIN_Y, optimizer=SGD(lr=1e-9), epochs=5)
    after = net.loss(LIN_X, LIN_Y)
    assert after < before
    assert (before - after) / before < 1e-7


@pytest.mark.parametrize("batch_size", [None, 1, 2])
def test_full_batch_stochastic_and_mini_batch_all_reduce_the_loss(batch_size):
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(20)]
    Y = [math.sin(2 * a) + b * b for a, b in X]
    net = Network.mlp([2, 8, 1], activation="tanh", loss="mse", seed=1)
    before = net.loss(X, Y)
    history = net.fit(X, Y, optimizer=SGD(lr=0.1), epochs=30, batch_size=batch_size)
    assert len(history) == 30 and history.epoch == list(range(1, 31))
    assert net.loss(X, Y) < 0.5 * before
    assert history.loss[-1] < 0.5 * history.loss[0]


def test_fit_with_the_same_seed_is_deterministic():
    def train(seed):
        net = Network.mlp([2, 5, 1], activation="tanh", seed=3)
        history = net.fit(LIN_X, LIN_Y, optimizer=RMSprop(lr=0.01), epochs=4, batch_size=2, seed=seed)
        return net.params, history.loss

    assert train(10) == train(10)
    assert train(10) != train(11)


def replay_epochs(net, X, Y, lr, epochs, batch_size, rng):
    """The epoch of MATH.md written out again: Fisher-Yates, batches, SGD, weighted mean."""
    n, losses = len(X), []
    for _ in range(epochs):
        order = list(range(n))
        for i in range(n - 1, 0, -1):
            j = rng.next() % (i + 1)
            order[i], order[j] = order[j], order[i]
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            loss = net.backward([X[i] for i in batch], [Y[i] for i in batch])
            net.params = [p - lr * g for p, g in zip(net.params, net.grads)]
            total += loss * len(batch)
        losses.append(total / n)
    return losses


def test_an_epoch_is_exactly_the_spec_and_the_shuffle_generator_carries_on():
    X = LIN_X + [[0.7, 0.7]]                   # n = 7, batches of 3: 3 + 3 + 1
    Y = LIN_Y + [0.0]
    net = Network.mlp([2, 3, 1], activation="tanh", seed=21)
    twin = Network.mlp([2, 3, 1], activation="tanh", seed=21)
    rng = SplitMix64(21 ^ SHUFFLE_XOR)          # the network's shuffle generator at construction

    history = net.fit(X, Y, optimizer=SGD(lr=0.05), epochs=2, batch_size=3)
    assert history.loss == replay_epochs(twin, X, Y, 0.05, 2, 3, rng)
    assert net.params == twin.params

    history = net.fit(X, Y, epochs=1, batch_size=3)           # carries on: same generator, same SGD
    assert history.loss == replay_epochs(twin, X, Y, 0.05, 1, 3, rng)
    assert net.params == twin.params

    history = net.fit(X, Y, epochs=1, batch_size=3, seed=99)  # restarts at 99 ^ SHUFFLE_XOR
    assert history.loss == replay_epochs(twin, X, Y, 0.05, 1, 3, SplitMix64(99 ^ SHUFFLE_XOR))
    assert net.params == twin.params


def test_shuffle_false_keeps_the_order_and_draws_nothing():
    a = Network.mlp([2, 3, 1], activation="tanh", seed=5)
    b = Network.mlp([2, 3, 1], activation="tanh", seed=5)
    a.fit(LIN_X, LIN_Y, optimizer=SGD(lr=0.05), batch_size=1, shuffle=False, epochs=2)
    for _ in range(2):
        for x, y in zip(LIN_X, LIN_Y):
            b.backward([x], [y])
            b.params = [p - 0.05 * g for p, g in zip(b.params, b.grads)]
    assert a.params == b.params
    # no draws were taken: the next shuffled epoch is the first one from seed ^ SHUFFLE_XOR
    a.fit(LIN_X, LIN_Y, batch_size=2, epochs=1)
    replay_epochs(b, LIN_X, LIN_Y, 0.05, 1, 2, SplitMix64(5 ^ SHUFFLE_XOR))
    assert a.params == b.params


def test_zero_epochs_changes_nothing():
    net = Network.mlp([2, 3, 1], seed=0)
    before = net.params
    history = net.fit(LIN_X, LIN_Y, epochs=0)
    assert isinstance(history, History) and len(history) == 0 and net.params == before


def test_continued_fit_carries_the_optimizer_state():
    net = Network.mlp([2, 4, 1], activation="tanh", seed=8)
    opt = Adam(lr=0.01)
    net.fit(LIN_X, LIN_Y, optimizer=opt, epochs=2, shuffle=False)
    assert opt.t == 2
    net.fit(LIN_X, LIN_Y, epochs=3, shuffle=False)           # optimizer=None: the previous one
    assert opt.t == 5 and net._optimizer is opt
    once = Network.mlp([2, 4, 1], activation="tanh", seed=8)
    once.fit(LIN_X, LIN_Y, optimizer=Adam(lr=0.01), epochs=5, shuffle=False)
    assert net.params == once.params
    net.fit(LIN_X, LIN_Y, optimizer=opt, epochs=1, batch_size=2)
    assert opt.t == 5 + 3


def test_sgd_lr_0_01_the_old_default_is_one_plain_gradient_step():
    # The default up to 0.1, now given explicitly (tests/train/test_fit_defaults.py: the default is Adam(lr=1e-3)).
    net = Network([Dense(2, 1)], loss="half_mse", seed=0)
    start = net.params
    net.backward(LIN_X, LIN_Y)
    step = [p - 0.01 * g for p, g in zip(start, net.grads)]
    net.fit(LIN_X, LIN_Y, optimizer=SGD(lr=0.01), epochs=1)
    assert net.params == step
    assert type(net._optimizer) is SGD and net._optimizer.lr == 0.01


def test_default_optimizer_is_adam_lr_1e_3():
    net = Network([Dense(2, 1)], loss="half_mse", seed=0)
    start = net.params
    net.backward(LIN_X, LIN_Y)
    # Adam's first step, bias-corrected: m_hat = g and v_hat = g^2, so p - lr g / (|g| + eps).
    step = [p - 1e-3 * g / (abs(g) + 1e-8) for p, g in zip(start, net.grads)]
    net.fit(LIN_X, LIN_Y)
    assert net.params == pytest.approx(step, rel=1e-12, abs=1e-15)
    assert type(net._optimizer) is Adam and net._optimizer.lr == 1e-3 and net._optimizer.t == 1


def test_an_optimizer_name_builds_a_fresh_one():
    net = Network.mlp([2, 3, 1], seed=0)
    net.fit(LIN_X, LIN_Y, optimizer="adam", epochs=2)
    first = net._optimizer
    assert type(first) is Adam and first.t == 2
    net.fit(LIN_X, LIN_Y, optimizer="adam", epochs=1)
    assert net._optimizer is not first and net._optimizer.t == 1


def test_optimizer_step_hooks():
    net = Network.mlp([2, 3, 1], seed=0)
    opt = SGD(lr=0.5)
    net.backward(LIN_X, LIN_Y)
    expected = [p - 0.5 * g for p, g in zip(net.params, net.grads)]
    opt.step(net)
    assert net.params == expected and opt.t == 1
    assert net._new_optimizer_state(Adam()) == [[0.0] * net.n_params] * 2            # m, v
    assert net._new_optimizer_state(Adam(amsgrad=True)) == [[0.0] * net.n_params] * 3  # and v_max
    assert net._new_optimizer_state(SGD(lr=0.1)) == []                                  # plain SGD keeps none
    from fastnet.optimizers import Adagrad
    assert net._new_optimizer_state(Adagrad(initial_accumulator_value=0.5)) == [[0.5] * net.n_params]

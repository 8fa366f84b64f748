"""fastnet.reference.Network: bad input gets an error that says what is wrong."""

import math

import pytest

from fastnet.activations import Activation
from fastnet.losses import Loss
from fastnet.reference import SGD, Dense, Network

X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]
Y1 = [[0.0], [1.0], [0.5]]


@pytest.fixture
def net():
    return Network.mlp([2, 3, 1], activation="tanh", seed=0)


@pytest.fixture
def ce_net():
    return Network.mlp([2, 3, 3], activation="tanh", loss="cross_entropy", seed=0)


@pytest.fixture(params=["predict", "loss", "backward", "fit"])
def method(request):
    """Each entry point that takes X (and Y), called as ``method(net, X, Y)``."""
    name = request.param
    if name == "predict":
        return lambda net, X, Y: net.predict(X)
    return lambda net, X, Y: getattr(net, name)(X, Y)


# -- X ------------------------------------------------------------------------------------

def test_empty_X(net, method):
    with pytest.raises(ValueError, match="X is empty"):
        method(net, [], [])


def test_ragged_X(net, method):
    with pytest.raises(ValueError, match="X is ragged: row 0 has 2 values but row 2 has 1"):
        method(net, [[0.0, 1.0], [1.0, 0.0], [0.5]], Y1)


def test_wrong_number_of_features(net, method):
    with pytest.raises(ValueError, match="X has 3 features but the network expects 2"):
        method(net, [[0.0, 1.0, 2.0]] * 3, Y1)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_X(net, method, bad):
    with pytest.raises(ValueError, match=r"X contains a non-finite value .* at row 1, column 0"):
        method(net, [[0.0, 1.0], [bad, 0.0], [0.5, 0.5]], Y1)


def test_non_numeric_X(net, method):
    with pytest.raises(TypeError, match="X must hold real numbers, got str '1'"):
        method(net, [[0.0, "1"], [1.0, 0.0], [0.5, 0.5]], Y1)
    with pytest.raises(ValueError, match="X must hold numbers, got None at row 0, column 1; remove or impute"):
        method(net, [[0.0, None], [1.0, 0.0], [0.5, 0.5]], Y1)


def test_flat_X(net, method):
    # A ValueError, as the compiled network raises for a 1-D X: numbers, of the wrong shape.
    with pytest.raises(ValueError, match=r"X must be 2-D .* \[\[v\] for v in X\]"):
        method(net, [0.0, 1.0, 2.0], Y1)


def test_X_deeper_than_2d(net, method):
    with pytest.raises(ValueError, match=r"X must be 2-D .* holds a sequence at row 0, column 0"):
        method(net, [[[0.0], [1.0]], [[1.0], [0.0]], [[0.5], [0.5]]], Y1)


def test_X_not_a_sequence(net, method):
    with pytest.raises(ValueError, match="X must be a sequence of rows .*got a single number 3.0"):
        method(net, 3.0, Y1)
    with pytest.raises(TypeError, match="X must be a sequence of rows"):
        method(net, "abc", Y1)
    with pytest.raises(TypeError, match="X must be a sequence of rows"):
        method(net, None, Y1)


# -- Y ------------------------------------------------------------------------------------

def test_length_mismatch(net):
    for call in (net.loss, net.backward, net.fit):
        with pytest.raises(ValueError, match="X has 3 samples but Y has 2"):
            call(X, Y1[:2])


def test_wrong_number_of_target_columns(ce_net):
    with pytest.raises(ValueError, match="Y has 2 columns but the network's output layer expects 3"):
        ce_net.loss(X, [[1, 0], [0, 1], [1, 0]])


def test_flat_Y_needs_one_output():
    net = Network.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match="Y has 1 value per sample .* but the network has 2 outputs"):
        net.loss(X, [0.0, 1.0, 0.5])


def test_mixed_Y(net):
    with pytest.raises(TypeError, match="Y mixes numbers and rows"):
        net.loss(X, [0.0, [1.0], 0.5])


def test_ragged_Y():
    net = Network.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match="Y is ragged"):
        net.loss(X, [[0.0, 1.0], [1.0], [0.5, 0.5]])


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_Y(net, bad):
    with pytest.raises(ValueError, match="Y contains a non-finite value"):
        net.backward(X, [0.0, bad, 0.5])
    with pytest.raises(ValueError, match="Y contains a non-finite value"):
        net.fit(X, [[0.0], [bad], [0.5]])


@pytest.mark.parametrize("label", [3, -1, 10])
def test_class_label_out_of_range(ce_net, label):
    with pytest.raises(ValueError, match=rf"Y has class label {label} at position 1 but the network has 3 outputs, so labels must lie in \[0, 2\]"):
        ce_net.loss(X, [0, label, 1])


@pytest.mark.parametrize("label", [1.5, math.nan])
def test_non_integer_class_label(ce_net, label):
    with pytest.raises(ValueError, match="class labels, which must be integers"):
        ce_net.loss(X, [0, label, 1])


def test_non_numeric_class_label(ce_net):
    with pytest.raises(TypeError, match="Y must hold integer class labels"):
        ce_net.loss(X, [0, True, 1])


@pytest.mark.parametrize("target", [-0.1, 1.5])
def test_bce_targets_outside_0_1(target):
    net = Network.mlp([2, 3, 1], loss="binary_cross_entropy", seed=0)
    with pytest.raises(ValueError, match=r"Y must lie in \[0, 1\] for binary_cross_entropy"):
        net.fit(X, [0.0, target, 1.0])


@pytest.mark.parametrize("method", ["fit", "loss", "backward"])
def test_poisson_counts_below_zero(method):
    net = Network.mlp([2, 3, 1], loss="poisson", seed=0)
    with pytest.raises(ValueError, match="Y holds counts for poisson and must be >= 0, got -1"):
        getattr(net, method)(X, [0.0, -1.0, 4.0])


@pytest.mark.parametrize("q", [0.0, 1.0, -0.5, 2.0])
def test_quantile_q_outside_0_1(q):
    with pytest.raises(ValueError, match=r"q must lie in the open interval \(0, 1\)"):
        Network.mlp([2, 3, 1], loss=Loss("quantile", q=q))


# -- construction ------------------------------------------------------------------------------

def test_unknown_names():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        Dense(2, 3, "swish")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        Network.mlp([2, 3, 1], activation="swish")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        Network.mlp([2, 3, 1], output_activation="swish")
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        Network.mlp([2, 3, 1], loss="hinge")
    with pytest.raises(ValueError, match="unknown optimizer 'newton'"):
        Network.mlp([2, 3, 1]).fit(X, Y1, optimizer="newton")
    with pytest.raises(ValueError, match="the reference network has no LBFGS"):
        Network.mlp([2, 3, 1]).fit(X, Y1, optimizer="lbfgs")
    with pytest.raises(TypeError, match="optimizer must be an Optimizer or a name"):
        Network.mlp([2, 3, 1]).fit(X, Y1, optimizer=0.1)


def test_layers_must_chain():
    with pytest.raises(ValueError, match=r"layers\[1\] takes 4 inputs but layers\[0\] gives 3 outputs"):
        Network([Dense(2, 3), Dense(4, 1)])


def test_layers_must_be_dense_and_present():
    with pytest.raises(ValueError, match="layers must hold at least one Dense layer, got none"):
        Network([])
    with pytest.raises(TypeError, match=r"layers\[1\] must be a fastnet.reference.Dense or a fastnet.Dropout, got str"):
        Network([Dense(2, 3), "relu"])
    with pytest.raises(TypeError, match="layers must be a list of fastnet.reference.Dense layers"):
        Network(3)
    shared = Dense(2, 2)
    with pytest.raises(ValueError, match="the same Dense object appears twice"):
        Network([shared, shared])


@pytest.mark.parametrize("sizes", [[2, 0, 1], [0, 1], [2, 3, -1]])
def test_sizes_below_one(sizes):
    with pytest.raises(ValueError, match=r"sizes\[\d\] must be >= 1"):
        Network.mlp(sizes)


def test_dense_sizes_below_one():
    with pytest.raises(ValueError, match="n_in must be >= 1, got 0"):
        Dense(0, 3)
    with pytest.raises(ValueError, match="n_out must be >= 1, got -2"):
        Dense(3, -2)
    with pytest.raises(TypeError, match="n_out must be an integer, got float"):
        Dense(3, 2.0)


@pytest.mark.parametrize("sizes", [[3], []])
def test_sizes_need_two_entries(sizes):
    with pytest.raises(ValueError, match="sizes must list at least an input and an output width"):
        Network.mlp(sizes)


@pytest.mark.parametrize("sizes", [5, "23", None])
def test_sizes_must_be_a_list(sizes):
    with pytest.raises(TypeError, match="sizes must be a list of layer widths"):
        Network.mlp(sizes)


def test_loss_must_fit_the_output_layer():
    with pytest.raises(ValueError, match="loss 'cross_entropy' needs the output layer's activation to be 'softmax'"):
        Network([Dense(2, 3)], loss="cross_entropy")
    with pytest.raises(ValueError, match="'binary_cross_entropy' needs .* 'sigmoid', got 'tanh'"):
        Network.mlp([2, 3, 1], output_activation="tanh", loss="binary_cross_entropy")
    with pytest.raises(ValueError, match="'cross_entropy' needs at least 2 output units, got 1"):
        Network.mlp([2, 3, 1], loss="cross_entropy")


def test_negative_slope_needs_leaky_relu():
    with pytest.raises(ValueError, match="negative_slope applies to activation 'leaky_relu', got .*'relu'"):
        Network.mlp([2, 3, 1], activation="relu", negative_slope=0.1)
    with pytest.raises(ValueError, match="negative_slope must be >= 0"):
        Network.mlp([2, 3, 1], activation="leaky_relu", negative_slope=-0.1)
    with pytest.raises(ValueError, match="negative_slope must be >= 0"):
        Activation("leaky_relu", negative_slope=-1)


def test_bad_dtype_and_seed():
    # The compiled network's checks and messages (tests/checks/test_same_errors.py).
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64', got 'float16'"):
        Network.mlp([2, 1], dtype="float16")
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64', got None"):
        Network.mlp([2, 1], dtype=None)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*64\), got -1"):
        Network.mlp([2, 1], seed=-1)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*64\), got 18446744073709551616"):
        Network.mlp([2, 1], seed=2**64)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*64\), got 0.5"):
        Network.mlp([2, 1], seed=0.5)


def test_dtype_from_numpy():
    np = pytest.importorskip("numpy")
    assert Network.mlp([2, 1], dtype=np.float32).dtype == "float32"
    assert Network.mlp([2, 1], dtype=np.dtype("float64")).dtype == "float64"


# -- fit arguments and the flat parameter setter ---------------------------------------------

def test_non_positive_learning_rate():
    with pytest.raises(ValueError, match="lr must be > 0"):
        SGD(lr=0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        SGD(lr=-0.1)


def test_bad_epochs_batch_size_shuffle_seed(net):
    with pytest.raises(ValueError, match="epochs must be >= 0, got -1"):
        net.fit(X, Y1, epochs=-1)
    with pytest.raises(TypeError, match="epochs must be an integer"):
        net.fit(X, Y1, epochs=2.5)
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        net.fit(X, Y1, batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        net.fit(X, Y1, batch_size=1.0)
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        net.fit(X, Y1, shuffle="yes")
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*64\), got -3"):
        net.fit(X, Y1, seed=-3)


def test_failed_fit_leaves_the_network_alone(net):
    before = net.params
    with pytest.raises(ValueError):
        net.fit(X, Y1, optimizer=SGD(lr=1.0), batch_size=0)
    assert net.params == before and net._optimizer is None


def test_params_setter(net):
    with pytest.raises(ValueError, match=f"params must have {net.n_params} entries .* got 3"):
        net.params = [0.0, 1.0, 2.0]
    with pytest.raises(TypeError, match="params must hold real numbers, got str"):
        net.params = ["a"] * net.n_params
    with pytest.raises(ValueError, match="params must be a sequence"):
        net.params = 1.0
    with pytest.raises(ValueError, match="params contains NaN or infinity"):
        net.params = [math.nan] * net.n_params


def test_one_optimizer_per_network(net):
    opt = SGD(lr=0.1)
    net.fit(X, Y1, optimizer=opt)
    other = Network.mlp([2, 3, 1], seed=1)
    with pytest.raises(ValueError, match="already holds state for another network"):
        other.fit(X, Y1, optimizer=opt)

"""Weight initialisers (fastnet.nn.init): Keras's definitions, the defaults of 0.1, the draws.

The expected limits and standard deviations are written out here from Keras's
VarianceScaling (not read from fastnet.nn.init), the statistics are those of
large layers, and the defaults are pinned to the weights the code gave before
``init`` existed. (tests/nn/test_network.py holds every initialiser of the
compiled network to the reference's, bit for bit.)
"""

import hashlib
import math

import numpy as np
import pytest

import fastnet
import fastnet.reference as ref
from fastnet import ACTIVATIONS, INITIALIZERS, Activation, Dense, Network
from fastnet._core.network import InitDistribution
from fastnet.nn.init import ALIASES

N_IN, N_OUT = 1000, 600  # n_in != n_out, so that fan_in and fan_avg give different variances

#: name -> (uniform or truncated normal, the variance Keras gives the weights of an n_in x n_out layer)
KERAS = {
    "glorot_uniform": ("uniform", 2.0 / (N_IN + N_OUT)),
    "glorot_normal": ("normal", 2.0 / (N_IN + N_OUT)),
    "he_uniform": ("uniform", 2.0 / N_IN),
    "he_normal": ("normal", 2.0 / N_IN),
    "lecun_uniform": ("uniform", 1.0 / N_IN),
    "lecun_normal": ("normal", 1.0 / N_IN),
}
#: The standard deviation of N(0, 1) truncated to [-2, 2], and the share of it within [-1, 1].
TRUNCATED_STD = 0.87962566103423978
TRUNCATED_WITHIN_ONE = math.erf(1 / math.sqrt(2)) / math.erf(2 / math.sqrt(2))


def weights(init, dtype, seed=7):
    net = Network.mlp([N_IN, N_OUT], init=init, dtype=dtype, seed=seed)
    assert net.layers[0].init == init and not net.layers[0].b.any()
    return net.layers[0].W


def test_the_list_is_keras_s_and_the_kernel_knows_every_distribution():
    assert set(INITIALIZERS) == {*KERAS, "zeros"}
    assert {f"INIT_{d.upper()}" for d, _, _ in INITIALIZERS.values()} == {m.name for m in InitDistribution}


@pytest.mark.parametrize("init", [name for name, (kind, _) in KERAS.items() if kind == "uniform"])
def test_uniform_initialisers_fill_plus_minus_limit_with_variance_limit_squared_over_3(init, dtype):
    W = weights(init, dtype).astype(np.float64)
    variance = KERAS[init][1]
    limit = math.sqrt(3 * variance)
    assert np.abs(W).max() <= float(np.asarray(limit, dtype=dtype)) and np.abs(W).max() > 0.999 * limit
    assert abs(W.mean()) < 5 * math.sqrt(variance / W.size)
    assert W.var() == pytest.approx(limit ** 2 / 3, rel=5e-3)
    # Uniform: a tenth of the range holds a tenth of the weights.
    assert np.mean(np.abs(W) < 0.1 * limit) == pytest.approx(0.1, abs=3e-3)


@pytest.mark.parametrize("init", [name for name, (kind, _) in KERAS.items() if kind == "normal"])
def test_normal_initialisers_are_keras_s_truncated_normals(init, dtype):
    W = weights(init, dtype).astype(np.float64)
    variance = KERAS[init][1]
    std = math.sqrt(variance) / TRUNCATED_STD  # of the normal before it is cut at 2 std
    bound = float(np.asarray(2 * std, dtype=dtype))
    assert np.abs(W).max() <= bound and np.abs(W).max() > 0.999 * bound
    assert abs(W.mean()) < 5 * math.sqrt(variance / W.size)
    assert W.std() == pytest.approx(math.sqrt(variance), rel=5e-3)  # Keras's std is the weights' std
    # The shape of a truncated normal, not of a uniform or an uncut normal of that variance.
    assert np.mean(np.abs(W) <= std) == pytest.approx(TRUNCATED_WITHIN_ONE, abs=3e-3)
    assert np.mean(W > 0) == pytest.approx(0.5, abs=3e-3)


def test_zeros_is_exactly_zero_and_draws_nothing(dtype):
    W = weights("zeros", dtype)
    assert not W.any() and not np.signbit(W).any()
    # The layer after a zeros layer gets the draws a first layer would have got.
    net = Network.mlp([3, 4, 2], init=["zeros", "he_uniform"], dtype=dtype, seed=5)
    np.testing.assert_array_equal(net.layers[1].W, Network.mlp([4, 2], init="he_uniform", dtype=dtype, seed=5).layers[0].W)


@pytest.mark.parametrize("init", list(INITIALIZERS))
def test_float32_networks_start_from_the_float64_weights_rounded(init):
    wide = Network.mlp([30, 20, 4], init=init, dtype="float64", seed=11)
    narrow = Network.mlp([30, 20, 4], init=init, dtype="float32", seed=11)
    np.testing.assert_array_equal(narrow.params, wide.params.astype(np.float32))


def test_reference_and_compiled_agree_layer_by_layer_with_mixed_initialisers(dtype):
    inits = ["he_normal", "lecun_uniform", "zeros", "glorot_normal"]
    layers = [Dense(5, 8, "relu", inits[0]), Dense(8, 6, "tanh", init=inits[1]),
              Dense(6, 4, "relu", init=inits[2]), Dense(4, 2, init=inits[3])]
    ref_layers = [ref.Dense(l.n_in, l.n_out, l.activation, init=l.init) for l in layers]
    compiled, reference = Network(layers, dtype=dtype, seed=42), ref.Network(ref_layers, seed=42)
    np.testing.assert_array_equal(compiled.params, np.asarray(reference.params).astype(dtype))
    assert np.count_nonzero(compiled.layers[2].W) == 0 < np.count_nonzero(compiled.layers[3].W)
    # A chosen initialiser does not depend on the activation: mlp's list gives the same weights.
    via_mlp = Network.mlp([5, 8, 6, 4, 2], activation="relu", init=inits, dtype=dtype, seed=42)
    np.testing.assert_array_equal(via_mlp.params, compiled.params)


# -- the defaults of fastnet 0.1 --------------------------------------------------------------
# What Network.mlp([3, 2, 2], activation="relu", dtype="float64", seed=2024) gave before init existed.
WEIGHTS_OF_0_1 = [
    "0x1.63912542c8f67p-2", "-0x1.23a29fbd30695p+0", "-0x1.23b1605b3f21ap-1", "-0x1.15e9160ac603ep+0",
    "0x1.deba5d2bde86ap-1", "0x1.2fa8164119ea3p-3", "0x0.0p+0", "0x0.0p+0",
    "-0x1.c78fb188b7619p-1", "0x1.e350dfce8b0b4p-3", "-0x1.9f4e1865d3d1bp-1", "-0x1.6eed602b6ad86p-3",
    "0x0.0p+0", "0x0.0p+0",
]
# sha256 of the little-endian params of Network.mlp([30, 40, 5], activation, loss="cross_entropy", seed=99).
DIGESTS_OF_0_1 = {
    ("relu", "float32"): "a41351f92b1fb64c7b29141bce24af968d8d04ebaf159ad76bc22bce36e412e4",
    ("relu", "float64"): "7dd29cdc300d529c90df579bb94c057230425b14d3469b58c769f957ad5a7333",
    ("tanh", "float32"): "a1aaa4b4f0c552b4f0ea0007e94c83032f34245ae1930617cf9cc1e7059a890b",
    ("tanh", "float64"): "9ce13909050d8bced72a33aa8e7fb29faf140744a49411153a28c12e421f6866",
}


def test_the_default_weights_are_those_of_0_1_bit_for_bit():
    net = Network.mlp([3, 2, 2], activation="relu", dtype="float64", seed=2024)
    assert [float(v).hex() for v in net.params] == WEIGHTS_OF_0_1
    assert [layer.init for layer in net.layers] == ["he_uniform", "glorot_uniform"]
    reference = ref.Network.mlp([3, 2, 2], activation="relu", seed=2024)
    assert [float(v).hex() for v in reference.params] == WEIGHTS_OF_0_1


@pytest.mark.parametrize("activation, dtype_name", list(DIGESTS_OF_0_1))
def test_larger_default_networks_are_those_of_0_1_bit_for_bit(activation, dtype_name):
    net = Network.mlp([30, 40, 5], activation=activation, loss="cross_entropy", dtype=dtype_name, seed=99)
    data = np.ascontiguousarray(net.params, dtype=net.params.dtype.newbyteorder("<")).tobytes()
    assert hashlib.sha256(data).hexdigest() == DIGESTS_OF_0_1[activation, dtype_name]


@pytest.mark.parametrize("short, full", list(ALIASES.items()))
def test_the_short_names_of_0_1_are_aliases(short, full):
    assert Dense(4, 3, "relu", init=short).init == full
    np.testing.assert_array_equal(Network.mlp([6, 5, 2], init=short, seed=1).params,
                                  Network.mlp([6, 5, 2], init=full, seed=1).params)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_s_default_is_a_known_initialiser(activation):
    default = Dense(3, 3, activation).init
    assert default in INITIALIZERS
    assert default == ALIASES.get(Activation(activation).init, Activation(activation).init)
    explicit = Network([Dense(3, 3, activation, init=default)], seed=4).params
    np.testing.assert_array_equal(Network([Dense(3, 3, activation)], seed=4).params, explicit)


def test_relu_layers_default_to_he_and_others_to_glorot():
    assert [Dense(2, 2, a).init for a in ("relu", "leaky_relu", "identity", "sigmoid", "tanh", "softmax")] == \
        ["he_uniform"] * 2 + ["glorot_uniform"] * 4
    net = Network.mlp([4, 5, 3], init=[None, "zeros"], seed=1)
    assert [layer.init for layer in net.layers] == ["he_uniform", "zeros"]
    assert repr(net.layers[0]) == "Dense(4, 5, 'relu')" and repr(net.layers[1]) == "Dense(5, 3, 'identity', init='zeros')"


def test_reset_parameters_draws_the_layers_initialisers_again():
    net = Network.mlp([5, 6, 2], init="lecun_normal", seed=8)
    first = net.params.copy()
    net.params = np.zeros(net.n_params)
    net.reset_parameters()
    np.testing.assert_array_equal(net.params, first)


# -- torch defines the same limits and standard deviations ------------------------------------
def test_torch_s_initialisers_have_the_same_limits_and_standard_deviations():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    init = torch.nn.init
    std_of = {"he_normal": math.sqrt(2 / N_IN), "glorot_normal": math.sqrt(2 / (N_IN + N_OUT)),
              "lecun_normal": math.sqrt(1 / N_IN)}
    theirs = {  # torch's Linear weight is (n_out, n_in); its fan_in is n_in
        "he_uniform": lambda w: init.kaiming_uniform_(w, nonlinearity="relu"),
        "glorot_uniform": init.xavier_uniform_,
        "lecun_uniform": lambda w: init.kaiming_uniform_(w, nonlinearity="linear"),
        **{name: (lambda s: lambda w: init.trunc_normal_(w, std=s / TRUNCATED_STD, a=-2 * s / TRUNCATED_STD,
                                                         b=2 * s / TRUNCATED_STD))(s) for name, s in std_of.items()},
    }
    for name, fill in theirs.items():
        w = fill(torch.empty(N_OUT, N_IN, dtype=torch.float64)).numpy()
        mine = weights(name, "float64")
        assert np.abs(mine).max() == pytest.approx(np.abs(w).max(), rel=2e-3), name
        assert mine.std() == pytest.approx(w.std(), rel=1e-2), name


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("impl", [fastnet, ref], ids=["compiled", "reference"])
@pytest.mark.parametrize("make, error, pattern", [
    (lambda lib: lib.Dense(3, 2, init="orthogonal"), ValueError,
     r"unknown init 'orthogonal'; expected one of 'glorot_uniform', .*'he_normal', .*'zeros', 'he', 'glorot'"),
    (lambda lib: lib.Dense(3, 2, init="He_Normal"), ValueError, r"unknown init 'He_Normal'"),
    (lambda lib: lib.Dense(3, 2, init=3), TypeError, r"init must be a string, one of 'glorot_uniform'"),
    (lambda lib: lib.Network.mlp([3, 2], init="kaiming"), ValueError, r"unknown init 'kaiming'"),
    (lambda lib: lib.Network.mlp([3, 4, 2], init=["he_normal"]), ValueError,
     r"init lists 1 initialisers but the network has 2 layers"),
    (lambda lib: lib.Network.mlp([3, 4, 2], init=["he_normal", "xavier"]), ValueError, r"unknown init\[1\] 'xavier'"),
    (lambda lib: lib.Network.mlp([3, 4, 2], init=[None, 1.5]), TypeError, r"init\[1\] must be a string"),
    (lambda lib: lib.Network.mlp([3, 4, 2], init={"he_normal"}), TypeError,
     r"init must be an initialiser's name, None or a list of one per layer, got set"),
    (lambda lib: lib.Network.mlp([3, 4, 2], init=2), TypeError, r"init must be .* got int"),
])
def test_bad_initialisers_are_refused_naming_init(impl, make, error, pattern):
    with pytest.raises(error, match=pattern):
        make(impl)

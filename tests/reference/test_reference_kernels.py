"""fastnet.reference's kernels against values worked out by hand.

Every expected number here comes from arithmetic written out in the test (or
from the published SplitMix64 outputs), never from calling the code under test
a second way.
"""

import ast
import math
import pathlib

import pytest

import fastnet
from fastnet.activations import ACTIVATIONS, Activation
from fastnet.losses import LOSSES, Loss
from fastnet.optimizers import OPTIMIZERS, SGD, Adagrad, Adam, AdamW, RMSprop
from fastnet.reference import activations as ref_act
from fastnet.reference import losses as ref_loss
from fastnet.reference import optimizers as ref_opt
from fastnet.reference.random import SplitMix64, shuffled_order

PACKAGE = pathlib.Path(fastnet.__file__).parent


# -- pure Python, one list of names ----------------------------------------------------

@pytest.mark.parametrize("path", sorted((PACKAGE / "reference").glob("*.py")),
                         ids=lambda p: p.name)
def test_no_numpy_import(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert "numpy" not in imported
    assert "scipy" not in imported


def test_kernel_tables_cover_the_shared_name_tables():
    assert list(ref_act.FORWARD) == list(ACTIVATIONS)
    assert list(ref_act.BACKWARD) == list(ACTIVATIONS)
    assert list(ref_loss.KERNELS) == list(LOSSES)
    assert list(ref_opt.UPDATES) == list(OPTIMIZERS)


# -- SplitMix64 ----------------------------------------------------------------------

def test_splitmix64_known_outputs_for_seed_0():
    rng = SplitMix64(0)
    assert [rng.next() for _ in range(3)] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    assert rng.state == (3 * 0x9E3779B97F4A7C15) % 2**64


def test_splitmix64_uniform_is_the_top_53_bits():
    rng = SplitMix64(0)
    assert rng.uniform() == (0xE220A8397B1DCDAF >> 11) / 2**53
    draws = [SplitMix64(s).uniform() for s in range(200)]
    assert all(0.0 <= u < 1.0 for u in draws)
    assert SplitMix64(2**64 - 1).next() < 2**64


def _box_muller(out1, out2):
    u1, u2 = 1.0 - (out1 >> 11) / 2**53, (out2 >> 11) / 2**53
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def test_truncated_normal_is_box_muller_s_cosine_half_of_two_draws():
    rng = SplitMix64(0)
    z = _box_muller(0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4)
    assert abs(z) <= 2 and rng.truncated_normal() == z
    assert rng.state == (2 * 0x9E3779B97F4A7C15) % 2**64


def test_truncated_normal_draws_again_beyond_two():
    def tries(seed):
        raw = SplitMix64(seed)
        return [_box_muller(raw.next(), raw.next()) for _ in range(3)]
    seed = next(s for s in range(10_000) if abs(tries(s)[0]) > 2 and abs(tries(s)[1]) <= 2)
    rng = SplitMix64(seed)
    assert rng.truncated_normal() == tries(seed)[1]
    assert rng.state == (seed + 4 * 0x9E3779B97F4A7C15) % 2**64
    draws = [rng.truncated_normal() for _ in range(20_000)]
    assert max(map(abs, draws)) <= 2.0
    # The variance of N(0, 1) cut at +-2, Keras's 0.87962566103423978 squared.
    assert sum(d * d for d in draws) / len(draws) == pytest.approx(0.87962566103423978 ** 2, rel=0.03)


def test_splitmix64_state_wraps_modulo_2_64():
    rng = SplitMix64(2**64 - 1)
    rng.next()
    assert rng.state == (2**64 - 1 + 0x9E3779B97F4A7C15) - 2**64


def test_shuffled_order_is_fisher_yates_as_specified():
    # n = 3: i = 2 swaps with j = out1 % 3, then i = 1 swaps with j = out2 % 2.
    out1, out2 = 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4
    expected = [0, 1, 2]
    j = out1 % 3
    expected[2], expected[j] = expected[j], expected[2]
    j = out2 % 2
    expected[1], expected[j] = expected[j], expected[1]
    assert shuffled_order(3, SplitMix64(0)) == expected


def test_shuffled_order_is_a_deterministic_permutation():
    a = shuffled_order(50, SplitMix64(7))
    assert sorted(a) == list(range(50))
    assert a == shuffled_order(50, SplitMix64(7))
    assert a != shuffled_order(50, SplitMix64(8))
    assert a != list(range(50))
    rng = SplitMix64(7)
    shuffled_order(50, rng)
    assert rng.state == (7 + 49 * 0x9E3779B97F4A7C15) % 2**64   # n - 1 draws
    assert shuffled_order(0, SplitMix64(0)) == [] and shuffled_order(1, SplitMix64(0)) == [0]


@pytest.mark.parametrize("seed, exc", [(-1, ValueError), (2**64, ValueError), (1.5, TypeError), ("0", TypeError)])
def test_splitmix64_rejects_bad_seeds(seed, exc):
    with pytest.raises(exc, match="seed"):
        SplitMix64(seed)


# -- activations ------------------------------------------------------------------------

def test_identity():
    assert ref_act.forward("identity", [-1.5, 0.0, 2.0]) == [-1.5, 0.0, 2.0]
    assert ref_act.backward("identity", [9.0, 9.0], [0.25, -3.0]) == [0.25, -3.0]


def test_relu_and_its_derivative_at_zero():
    assert ref_act.forward("relu", [-1.0, 0.0, 2.0]) == [0.0, 0.0, 2.0]
    # relu'(0) = 0: a = 0 lets nothing through
    assert ref_act.backward("relu", [0.0, 0.0, 2.0], [5.0, 5.0, 5.0]) == [0.0, 0.0, 5.0]


@pytest.mark.parametrize("slope", [0.01, 0.3])
def test_leaky_relu_uses_its_slope(slope):
    act = Activation("leaky_relu", negative_slope=slope)
    assert ref_act.forward(act, [-2.0, 3.0]) == [-2.0 * slope, 3.0]
    assert ref_act.backward(act, [-2.0 * slope, 3.0], [4.0, 4.0]) == [4.0 * slope, 4.0]


def test_leaky_relu_by_name_has_the_default_slope():
    assert ref_act.forward("leaky_relu", [-1.0]) == [-0.01]


def test_sigmoid_values():
    assert ref_act.forward("sigmoid", [0.0]) == [0.5]
    (s2,) = ref_act.forward("sigmoid", [2.0])
    assert s2 == pytest.approx(1.0 / (1.0 + math.e ** -2), rel=1e-15)
    (s_neg,) = ref_act.forward("sigmoid", [-40.0])
    assert s_neg == pytest.approx(math.exp(-40.0), rel=1e-12)    # no cancellation for z < 0
    assert ref_act.backward("sigmoid", [0.5, 0.25], [1.0, 2.0]) == [0.25, 2.0 * 0.25 * 0.75]


def test_sigmoid_is_stable_at_huge_arguments():
    assert ref_act.forward("sigmoid", [1e308, -1e308, 800.0, -800.0]) == [1.0, 0.0, 1.0, 0.0]
    assert ref_act.forward("sigmoid", [-700.0])[0] > 0.0


def test_tanh_values():
    (t,) = ref_act.forward("tanh", [0.5])
    assert t == pytest.approx((math.e - 1) / (math.e + 1), rel=1e-15)   # tanh(1/2) = (e - 1) / (e + 1)
    assert ref_act.forward("tanh", [1e308, -1e308]) == [1.0, -1.0]
    assert ref_act.backward("tanh", [0.5], [2.0]) == [2.0 * (1 - 0.25)]


def test_softmax_values():
    a = ref_act.forward("softmax", [0.0, math.log(3.0)])
    assert a == pytest.approx([0.25, 0.75], rel=1e-15)
    a = ref_act.forward("softmax", [1.0, 2.0, 3.0, -4.0])
    assert sum(a) == pytest.approx(1.0, rel=1e-15)
    assert ref_act.forward("softmax", [1000.0, 1000.0, -1000.0]) == [0.5, 0.5, 0.0]   # no overflow
    assert ref_act.forward("softmax", [1e308, -1e308]) == [1.0, 0.0]
    # dL/dz_j = a_j (g_j - sum_i g_i a_i): with a = (1/2, 1/2), g = (1, 0): (1/4, -1/4)
    assert ref_act.backward("softmax", [0.5, 0.5], [1.0, 0.0]) == [0.25, -0.25]


def test_softmax_rows_are_independent_of_a_shift():
    a = ref_act.forward("softmax", [0.3, -1.2, 2.0])
    b = ref_act.forward("softmax", [100.3, 98.8, 102.0])
    assert a == pytest.approx(b, rel=1e-12)


def test_gelu_values():
    # z Phi(z): Phi(0) = 1/2, Phi(1) = (1 + erf(1 / sqrt 2)) / 2 = 0.8413447460685429 (normal tables).
    assert ref_act.forward("gelu", [0.0, 1.0, -1.0]) == pytest.approx([0.0, 0.8413447460685429,
                                                                       -(1 - 0.8413447460685429)], rel=1e-15)
    # Far left z Phi(z) ~ -phi(z) (1 - 1/z^2): with erfc it keeps its digits (1 + erf would give 0).
    (far,) = ref_act.forward("gelu", [-30.0])
    assert far == pytest.approx(-math.exp(-450.0) / math.sqrt(2 * math.pi) * (1 - 1 / 900 + 3 / 900**2), rel=1e-5)
    # Phi(z) + z phi(z): at 0 one half; at 1, 0.8413447460685429 + exp(-1/2) / sqrt(2 pi).
    assert ref_act.backward("gelu", [0.0, 0.0], [1.0, 2.0], z_row=[0.0, 1.0]) == pytest.approx(
        [0.5, 2.0 * (0.8413447460685429 + math.exp(-0.5) / math.sqrt(2 * math.pi))], rel=1e-15)


def test_gelu_tanh_values():
    # z (1 + tanh(u)) / 2 with u = sqrt(2/pi) (z + 0.044715 z^3), written out at z = 1 and z = -2.
    for z in (1.0, -2.0):
        u = math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)
        assert ref_act.forward("gelu_tanh", [z]) == pytest.approx([0.5 * z * (1 + math.tanh(u))], rel=1e-14)
    # torch's derivative: (1 + t) / 2 + z (1 - t^2) / 2 * sqrt(2/pi) (1 + 3 * 0.044715 z^2), t = tanh(u)
    z = 0.5
    t = math.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3))
    slope = (1 + t) / 2 + z * (1 - t * t) / 2 * math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * z * z)
    assert ref_act.backward("gelu_tanh", [9.0], [3.0], z_row=[z]) == pytest.approx([3.0 * slope], rel=1e-14)


def test_silu_values():
    assert ref_act.forward("silu", [0.0, 2.0]) == pytest.approx([0.0, 2.0 / (1 + math.exp(-2.0))], rel=1e-15)
    s = 1 / (1 + math.exp(-2.0))
    assert ref_act.backward("silu", [9.0], [1.0], z_row=[2.0]) == pytest.approx([s * (1 + 2.0 * (1 - s))], rel=1e-15)
    assert ref_act.forward("silu", [-1e308, 1e308]) == [-0.0, 1e308]


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu_values_and_derivative_from_a(alpha):
    act = Activation("elu", alpha=alpha)
    assert ref_act.forward(act, [2.0, -1.0, 0.0]) == pytest.approx([2.0, alpha * (math.exp(-1.0) - 1), 0.0],
                                                                   rel=1e-15)
    # alpha e^z = a + alpha below 0: at z = -1, alpha / e; at z = 0 (a = 0), alpha
    a = alpha * (math.exp(-1.0) - 1)
    assert ref_act.backward(act, [2.0, a, 0.0], [4.0, 4.0, 4.0]) == pytest.approx(
        [4.0, 4.0 * alpha / math.e, 4.0 * alpha], rel=1e-15)


def test_softplus_values_and_threshold():
    assert ref_act.forward("softplus", [0.0, 20.0, 20.5]) == pytest.approx([math.log(2.0), math.log1p(math.exp(20.0)),
                                                                            20.5], rel=1e-15)
    act = Activation("softplus", beta=2.0, threshold=1.0)
    # beta z = 1 is not above the threshold: log(1 + e) / 2; beta z = 1.2 is: z itself
    assert ref_act.forward(act, [0.5, 0.6]) == pytest.approx([math.log1p(math.e) / 2, 0.6], rel=1e-15)
    assert ref_act.backward(act, [9.0, 9.0], [1.0, 1.0], z_row=[0.5, 0.6]) == pytest.approx(
        [1 / (1 + math.exp(-1.0)), 1.0], rel=1e-15)
    # No overflow, whatever the threshold: log(1 + e^800) = 800 + log1p(e^-800)
    assert ref_act.forward(Activation("softplus", threshold=1e4), [800.0, -800.0]) == [800.0, 0.0]


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu", "softplus"])
def test_backward_that_reads_z_asks_for_it(name):
    with pytest.raises(ValueError, match=f"backward pass of {name} reads z"):
        ref_act.backward(name, [0.5], [1.0])


ALL_ACTIVATIONS = ["identity", "relu", Activation("leaky_relu", negative_slope=0.01),
                   Activation("leaky_relu", negative_slope=0.3), "sigmoid", "tanh", "softmax",
                   "gelu", "gelu_tanh", "silu", "elu", Activation("elu", alpha=0.3), "softplus",
                   Activation("softplus", beta=3.0, threshold=2.0)]


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS, ids=str)
def test_backward_is_the_vector_jacobian_product_of_forward(activation):
    # d/dz_j sum_i g_i a_i(z), by centred differences of forward alone.
    z = [0.7, -1.3, 0.2, 2.1]
    g = [0.5, -2.0, 1.5, 0.25]
    a = ref_act.forward(activation, z)
    got = ref_act.backward(activation, a, g, z_row=z)
    h = 1e-6
    for j in range(len(z)):
        up = ref_act.forward(activation, [v + h if i == j else v for i, v in enumerate(z)])
        down = ref_act.forward(activation, [v - h if i == j else v for i, v in enumerate(z)])
        numeric = sum(gi * (u - d) for gi, u, d in zip(g, up, down)) / (2 * h)
        assert got[j] == pytest.approx(numeric, rel=1e-7, abs=1e-9)


def test_activation_names_and_objects_agree():
    assert ref_act.forward("tanh", [0.3]) == ref_act.forward(Activation("tanh"), [0.3])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        ref_act.forward("swish", [0.0])


# -- losses -------------------------------------------------------------------------

# o - y = [[1, 1, 0], [2, 3, -2]]: n = 2 rows, k = 3 outputs, sum of squares 19, sum of |d| 9.
O = [[1.0, 2.0, 0.0], [3.0, 5.0, 1.0]]
Y = [[0.0, 1.0, 0.0], [1.0, 2.0, 3.0]]
D = [[1.0, 1.0, 0.0], [2.0, 3.0, -2.0]]


def flat(rows):
    return [v for row in rows for v in row]


def test_half_mse():
    value, grad = ref_loss.loss_gradient("half_mse", O, Y)
    assert value == 19 / 4                                  # 1/(2n) sum d^2
    assert grad == [[d / 2 for d in row] for row in D]      # d / n


def test_mse():
    value, grad = ref_loss.loss_gradient("mse", O, Y)
    assert value == pytest.approx(19 / 6, rel=1e-15)         # 1/(nk) sum d^2
    assert flat(grad) == pytest.approx([2 * d / 6 for d in flat(D)], rel=1e-15)   # 2 d / (nk)


def test_the_two_mse_conventions_differ_by_2_over_k():
    half, _ = ref_loss.loss_gradient("half_mse", O, Y)
    plain, _ = ref_loss.loss_gradient("mse", O, Y)
    assert plain == pytest.approx(half * 2 / 3, rel=1e-15)


def test_mae_with_sign_of_zero_zero():
    value, grad = ref_loss.loss_gradient("mae", O, Y)
    assert value == 9 / 6
    assert grad == [[1 / 6, 1 / 6, 0.0], [1 / 6, 1 / 6, -1 / 6]]


def test_huber_both_branches():
    value, grad = ref_loss.loss_gradient(Loss("huber", delta=1.0), O, Y)
    # |d| <= 1: d^2/2 -> 0.5, 0.5, 0; beyond: 1 * (|d| - 1/2) -> 1.5, 2.5, 1.5
    assert value == pytest.approx((0.5 + 0.5 + 0 + 1.5 + 2.5 + 1.5) / 6, rel=1e-15)
    assert grad == [[1 / 6, 1 / 6, 0.0], [1 / 6, 1 / 6, -1 / 6]]     # clip(d, -1, 1) / (nk)
    value, grad = ref_loss.loss_gradient(Loss("huber", delta=2.5), O, Y)
    # |d| <= 2.5 for all but d = 3: 2.5 * (3 - 1.25) = 4.375
    assert value == pytest.approx((0.5 + 0.5 + 0 + 2 + 4.375 + 2) / 6, rel=1e-15)
    assert flat(grad) == pytest.approx([1 / 6, 1 / 6, 0.0, 2 / 6, 2.5 / 6, -2 / 6], rel=1e-15)


def test_huber_default_delta_is_one():
    assert ref_loss.loss_gradient("huber", O, Y) == ref_loss.loss_gradient(Loss("huber", delta=1.0), O, Y)


def test_binary_cross_entropy_moderate_values():
    z, y = 2.0, 0.3
    p = 1 / (1 + math.exp(-z))
    value, grad = ref_loss.loss_gradient("binary_cross_entropy", [[z, 0.0]], [[y, 1.0]])
    expected = (-(y * math.log(p) + (1 - y) * math.log(1 - p)) + math.log(2.0)) / 2   # n k = 2
    assert value == pytest.approx(expected, rel=1e-14)
    assert flat(grad) == pytest.approx([(p - y) / 2, (0.5 - 1.0) / 2], rel=1e-14)


def test_binary_cross_entropy_extreme_logits():
    value, grad = ref_loss.loss_gradient("binary_cross_entropy", [[1e4], [1e4], [-1e4], [-1e4]],
                                         [[1.0], [0.0], [1.0], [0.0]])
    # right and confident: 0; wrong and confident: |z| = 1e4
    assert value == (0.0 + 1e4 + 1e4 + 0.0) / 4
    assert grad == [[0.0], [0.25], [-0.25], [0.0]]
    value, grad = ref_loss.loss_gradient("binary_cross_entropy", [[1e300], [-1e300]], [[0.0], [0.0]])
    assert value == 1e300 / 2 and math.isfinite(value)
    assert grad == [[0.5], [0.0]]


def test_cross_entropy_one_hot():
    value, grad = ref_loss.loss_gradient("cross_entropy", [[0.0, 0.0], [0.0, math.log(3.0)]],
                                         [[1.0, 0.0], [0.0, 1.0]])
    # row 1: p = (1/2, 1/2), -log(1/2); row 2: p = (1/4, 3/4), -log(3/4); mean over n = 2
    assert value == pytest.approx((math.log(2.0) - math.log(0.75)) / 2, rel=1e-14)
    assert flat(grad) == pytest.approx([(0.5 - 1) / 2, 0.5 / 2, 0.25 / 2, (0.75 - 1) / 2], rel=1e-14)


def test_cross_entropy_probability_rows():
    p = [1 / (1 + math.e), math.e / (1 + math.e)]   # softmax of (1, 2)
    y = [0.25, 0.75]
    value, grad = ref_loss.loss_gradient("cross_entropy", [[1.0, 2.0]], [y])
    assert value == pytest.approx(-(y[0] * math.log(p[0]) + y[1] * math.log(p[1])), rel=1e-14)
    assert flat(grad) == pytest.approx([p[0] - y[0], p[1] - y[1]], rel=1e-14)


def test_cross_entropy_gradient_scales_softmax_by_the_target_mass():
    # rows that do not sum to 1: d/dz_j = p_j * sum(y) - y_j
    value, grad = ref_loss.loss_gradient("cross_entropy", [[0.0, 0.0]], [[0.5, 0.0]])
    assert value == pytest.approx(0.5 * math.log(2.0), rel=1e-15)
    assert grad == [[0.5 * 0.5 - 0.5, 0.5 * 0.5]]


def test_cross_entropy_extreme_logits():
    value, grad = ref_loss.loss_gradient("cross_entropy", [[1e4, 0.0], [1e4, 0.0]], [[0.0, 1.0], [1.0, 0.0]])
    assert value == 1e4 / 2
    assert grad == [[0.5, -0.5], [0.0, 0.0]]
    value, _ = ref_loss.loss_gradient("cross_entropy", [[1e300, -1e300, 0.0]], [[0.0, 1.0, 0.0]])
    assert value == 2e300


def test_poisson_reads_the_log_rate():
    # o = log-rate: exp(o) - y o per entry, gradient exp(o) - y, mean over n k = 4.
    o, y = [[0.0, math.log(2.0)], [1.0, -1.0]], [[1.0, 3.0], [0.0, 2.0]]
    value, grad = ref_loss.loss_gradient("poisson", o, y)
    terms = [1.0 - 0.0, 2.0 - 3.0 * math.log(2.0), math.e - 0.0, math.exp(-1.0) + 2.0]
    assert value == pytest.approx(sum(terms) / 4, rel=1e-15)
    assert flat(grad) == pytest.approx([0.0, (2.0 - 3.0) / 4, math.e / 4, (math.exp(-1.0) - 2.0) / 4], rel=1e-15)


def test_quantile_weighs_the_two_sides_by_q_and_1_minus_q():
    # r = y - o = -D = [[-1, -1, 0], [-2, -3, 2]]: the output is above the target
    # five times (weight 1 - q), exactly on it once, below it once (weight q).
    value, grad = ref_loss.loss_gradient(Loss("quantile", q=0.9), O, Y)
    assert value == pytest.approx((0.1 * (1 + 1 + 2 + 3) + 0.9 * 2) / 6, rel=1e-15)
    # d/do: 1 - q above, -q below, 0 at r = 0 (the subgradient convention).
    assert flat(grad) == pytest.approx([0.1 / 6, 0.1 / 6, 0.0, 0.1 / 6, 0.1 / 6, -0.9 / 6], rel=1e-15)


def test_quantile_at_one_half_is_half_of_mae():
    value, grad = ref_loss.loss_gradient("quantile", O, Y)
    mae_value, mae_grad = ref_loss.loss_gradient("mae", O, Y)
    assert value == pytest.approx(mae_value / 2, rel=1e-15)
    assert flat(grad) == pytest.approx([g / 2 for g in flat(mae_grad)], rel=1e-15)


def test_log_cosh_moderate_and_huge_errors():
    value, grad = ref_loss.loss_gradient("log_cosh", O, Y)
    assert value == pytest.approx(sum(math.log(math.cosh(d)) for d in flat(D)) / 6, rel=1e-14)
    assert flat(grad) == pytest.approx([math.tanh(d) / 6 for d in flat(D)], rel=1e-15)
    # cosh(1000) overflows a double; log cosh(d) = |d| - log 2 there, gradient sign(d).
    value, grad = ref_loss.loss_gradient("log_cosh", [[1000.0, -1000.0]], [[0.0, 0.0]])
    assert value == pytest.approx(1000.0 - math.log(2.0), rel=1e-15)
    assert grad == [[0.5, -0.5]]


def test_losses_accept_names_and_objects():
    assert ref_loss.loss_gradient("mse", O, Y) == ref_loss.loss_gradient(Loss("mse"), O, Y)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        ref_loss.loss_gradient("hinge", O, Y)
    with pytest.raises(ValueError, match="target rows"):
        ref_loss.loss_gradient("mse", O, Y[:1])


# -- optimizers: every hyperparameter, by hand ---------------------------------------------
#
# Parameters start at P0 and step t uses gradient G[t-1]; the gradients do not depend on
# the parameters (except through weight decay), so each case is a few lines of arithmetic.

P0 = [1.0, -2.0]
G = [[0.5, -1.0], [-0.25, 2.0], [1.0, 0.5]]
EPS = 1e-8
sqrt = math.sqrt


def run(optimizer, steps):
    params = list(P0)
    state = [[optimizer.initial_state_value(r)] * 2 for r in range(optimizer.n_state)]
    for t in range(1, steps + 1):
        grads = list(G[t - 1])
        ref_opt.update(optimizer, params, grads, state, t)
        assert grads == G[t - 1]            # the gradient is never modified
    return params


def adam_first_step(lr, g, eps=EPS):
    # bias correction makes m_hat = g and v_hat = g^2 at t = 1
    return lr * g / (abs(g) + eps)


# Each case: (optimizer, steps, expected parameters, the same optimizer with the
# hyperparameter under test at its default -- which must give something else).

def hand_sgd():
    return {
        "plain": (SGD(lr=0.1), 2, [1 - 0.1 * 0.5 + 0.1 * 0.25, -2 + 0.1 * 1 - 0.1 * 2], None),
        "lr": (SGD(lr=0.5), 1, [1 - 0.25, -2 + 0.5], SGD(lr=0.1)),
        # buf1 = g1; buf2 = 0.9 buf1 + g2 = (0.2, 1.1); buf3 = 0.9 buf2 + g3 = (1.18, 1.49)
        "momentum": (SGD(lr=0.1, momentum=0.9), 3,
                     [1 - 0.1 * (0.5 + 0.2 + 1.18), -2 - 0.1 * (-1.0 + 1.1 + 1.49)], SGD(lr=0.1)),
        # dampening leaves step 1 alone; buf2 = 0.9 buf1 + 0.5 g2 = (0.325, 0.1)
        "dampening": (SGD(lr=0.1, momentum=0.9, dampening=0.5), 2,
                      [1 - 0.1 * (0.5 + 0.325), -2 - 0.1 * (-1.0 + 0.1)], SGD(lr=0.1, momentum=0.9)),
        # Nesterov steps along g + 0.9 buf: step 1 (0.95, -1.9), step 2 (-0.25 + 0.18, 2 + 0.99)
        "nesterov": (SGD(lr=0.1, momentum=0.9, nesterov=True), 2,
                     [1 - 0.1 * (0.95 - 0.07), -2 - 0.1 * (-1.9 + 2.99)], SGD(lr=0.1, momentum=0.9)),
        # g1' = g1 + 0.1 p0 = (0.6, -1.2) -> p1 = (0.94, -1.88); g2' = g2 + 0.1 p1 = (-0.156, 1.812)
        "weight_decay": (SGD(lr=0.1, weight_decay=0.1), 2, [0.94 + 0.0156, -1.88 - 0.1812], SGD(lr=0.1)),
    }


def hand_adam():
    cases = {}
    # default betas, t = 2: m2 = 0.9 * 0.1 g1 + 0.1 g2 = (0.02, 0.11);
    # v2 = 0.999 * 0.001 g1^2 + 0.001 g2^2 = (0.00031225, 0.004999); 1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999
    p1 = [1 - adam_first_step(0.1, 0.5), -2 - adam_first_step(0.1, -1.0)]
    cases["plain"] = (Adam(lr=0.1), 2, [
        p1[0] - (0.1 / 0.19) * 0.02 / (sqrt(0.00031225) / sqrt(0.001999) + EPS),
        p1[1] - (0.1 / 0.19) * 0.11 / (sqrt(0.004999) / sqrt(0.001999) + EPS)], None)
    cases["lr"] = (Adam(lr=0.5), 1, [1 - adam_first_step(0.5, 0.5), -2 - adam_first_step(0.5, -1.0)],
                   Adam(lr=0.1))
    # betas (0.5, 0.75): m1 = (0.25, -0.5), v1 = (0.0625, 0.25); corrections 0.5 and 0.25
    # m2 = (0, 0.75), v2 = (0.0625, 1.1875); corrections 0.75 and 0.4375
    p1 = [1 - 0.2 * 0.25 / (0.25 / 0.5 + EPS), -2 + 0.2 * 0.5 / (0.5 / 0.5 + EPS)]
    cases["betas"] = (Adam(lr=0.1, betas=(0.5, 0.75)), 2, [
        p1[0] - 0.0,
        p1[1] - (0.1 / 0.75) * 0.75 / (sqrt(1.1875) / sqrt(0.4375) + EPS)], Adam(lr=0.1))
    cases["eps"] = (Adam(lr=0.1, eps=1.0), 1, [1 - 0.1 * 0.5 / 1.5, -2 + 0.1 * 1.0 / 2.0], Adam(lr=0.1))
    # weight decay 0.5: g1' = g1 + 0.5 p0 = (1, -2) -> p1 ~ (0.9, -1.9); g2' = g2 + 0.5 p1 ~ (0.2, 1.05)
    # m2 = 0.9 * 0.1 g1' + 0.1 g2' ~ (0.11, -0.075); v2 = 0.999 * 0.001 g1'^2 + 0.001 g2'^2 ~ (0.001039, 0.0050985)
    p1 = [1 - adam_first_step(0.1, 1.0), -2 - adam_first_step(0.1, -2.0)]
    g2 = [-0.25 + 0.5 * p1[0], 2.0 + 0.5 * p1[1]]
    m2 = [0.09 * 1.0 + 0.1 * g2[0], 0.09 * -2.0 + 0.1 * g2[1]]
    v2 = [0.000999 * 1.0 + 0.001 * g2[0] * g2[0], 0.000999 * 4.0 + 0.001 * g2[1] * g2[1]]
    cases["weight_decay"] = (Adam(lr=0.1, weight_decay=0.5), 2, [
        p1[0] - (0.1 / 0.19) * m2[0] / (sqrt(v2[0]) / sqrt(0.001999) + EPS),
        p1[1] - (0.1 / 0.19) * m2[1] / (sqrt(v2[1]) / sqrt(0.001999) + EPS)], Adam(lr=0.1))
    # amsgrad, betas (0.9, 0.5): v1 = (0.125, 0.5), v2 = (0.09375, 2.25), v3 = (0.546875, 1.25)
    # v_max2 = (0.125, 2.25), v_max3 = (0.546875, 2.25); m2 = (0.02, 0.11), m3 = (0.118, 0.149)
    # corrections: 1 - 0.9^t = 0.1, 0.19, 0.271; 1 - 0.5^t = 0.5, 0.75, 0.875
    p1 = [1 - 0.05 / (sqrt(0.125) / sqrt(0.5) + EPS), -2 + 0.1 / (sqrt(0.5) / sqrt(0.5) + EPS)]
    p2 = [p1[0] - (0.1 / 0.19) * 0.02 / (sqrt(0.125) / sqrt(0.75) + EPS),
          p1[1] - (0.1 / 0.19) * 0.11 / (sqrt(2.25) / sqrt(0.75) + EPS)]
    p3 = [p2[0] - (0.1 / 0.271) * 0.118 / (sqrt(0.546875) / sqrt(0.875) + EPS),
          p2[1] - (0.1 / 0.271) * 0.149 / (sqrt(2.25) / sqrt(0.875) + EPS)]
    cases["amsgrad"] = (Adam(lr=0.1, betas=(0.9, 0.5), amsgrad=True), 3, p3, Adam(lr=0.1, betas=(0.9, 0.5)))
    return cases


def hand_adamw():
    # decay first: p <- p (1 - 0.1 * 0.5) = 0.95 p, then Adam without weight decay
    p1 = [1 * 0.95 - adam_first_step(0.1, 0.5), -2 * 0.95 - adam_first_step(0.1, -1.0)]   # (0.85, -1.8)
    p2 = [p1[0] * 0.95 - (0.1 / 0.19) * 0.02 / (sqrt(0.00031225) / sqrt(0.001999) + EPS),
          p1[1] * 0.95 - (0.1 / 0.19) * 0.11 / (sqrt(0.004999) / sqrt(0.001999) + EPS)]
    return {
        "weight_decay": (AdamW(lr=0.1, weight_decay=0.5), 2, p2, AdamW(lr=0.1)),
        # AdamW's default weight_decay is 0.01: step 1 is p0 * 0.999 - 0.1 sign(g)
        "default_decay": (AdamW(lr=0.1), 1, [0.999 - adam_first_step(0.1, 0.5),
                                              -1.998 - adam_first_step(0.1, -1.0)], AdamW(lr=0.1, weight_decay=0)),
    }


def hand_rmsprop():
    cases = {}
    # defaults (alpha 0.99): s1 = 0.01 g1^2 = (0.0025, 0.01); s2 = 0.99 s1 + 0.01 g2^2 = (0.0031, 0.0499)
    p1 = [1 - 0.01 * 0.5 / (0.05 + EPS), -2 + 0.01 * 1.0 / (0.1 + EPS)]
    cases["plain"] = (RMSprop(lr=0.01), 2, [p1[0] + 0.01 * 0.25 / (sqrt(0.0031) + EPS),
                                             p1[1] - 0.01 * 2.0 / (sqrt(0.0499) + EPS)], None)
    cases["lr"] = (RMSprop(lr=0.1), 1, [1 - 0.1 * 0.5 / (0.05 + EPS), -2 + 0.1 * 1.0 / (0.1 + EPS)],
                   RMSprop(lr=0.01))
    # alpha 0.5: s1 = (0.125, 0.5), s2 = (0.09375, 2.25)
    p1 = [1 - 0.1 * 0.5 / (sqrt(0.125) + EPS), -2 + 0.1 * 1.0 / (sqrt(0.5) + EPS)]
    cases["alpha"] = (RMSprop(lr=0.1, alpha=0.5), 2, [p1[0] + 0.1 * 0.25 / (sqrt(0.09375) + EPS),
                                                       p1[1] - 0.1 * 2.0 / (sqrt(2.25) + EPS)], RMSprop(lr=0.1))
    base = RMSprop(lr=0.1, alpha=0.5)   # the remaining cases vary one thing from this
    cases["eps"] = (RMSprop(lr=0.1, alpha=0.5, eps=0.5), 1, [1 - 0.1 * 0.5 / (sqrt(0.125) + 0.5),
                                                              -2 + 0.1 * 1.0 / (sqrt(0.5) + 0.5)], base)
    # momentum 0.9: buf1 = g1 / d1, buf2 = 0.9 buf1 + g2 / d2
    buf1 = [0.5 / (sqrt(0.125) + EPS), -1.0 / (sqrt(0.5) + EPS)]
    buf2 = [0.9 * buf1[0] - 0.25 / (sqrt(0.09375) + EPS), 0.9 * buf1[1] + 2.0 / (sqrt(2.25) + EPS)]
    cases["momentum"] = (RMSprop(lr=0.1, alpha=0.5, momentum=0.9), 2,
                         [1 - 0.1 * buf1[0] - 0.1 * buf2[0], -2 - 0.1 * buf1[1] - 0.1 * buf2[1]], base)
    # centered: g_avg1 = (0.25, -0.5), variance1 = (0.0625, 0.25) -> d1 = (0.25, 0.5);
    # g_avg2 = (0, 0.75), variance2 = (0.09375, 2.25 - 0.5625)
    p1 = [1 - 0.1 * 0.5 / (0.25 + EPS), -2 + 0.1 * 1.0 / (0.5 + EPS)]
    cases["centered"] = (RMSprop(lr=0.1, alpha=0.5, centered=True), 2,
                         [p1[0] + 0.1 * 0.25 / (sqrt(0.09375) + EPS), p1[1] - 0.1 * 2.0 / (sqrt(1.6875) + EPS)],
                         base)
    # weight decay 0.5: g1' = (1, -2), s1 = (0.5, 2); g2' = g2 + 0.5 p1; s2 = 0.5 s1 + 0.5 g2'^2
    p1 = [1 - 0.1 * 1.0 / (sqrt(0.5) + EPS), -2 + 0.1 * 2.0 / (sqrt(2.0) + EPS)]
    g2 = [-0.25 + 0.5 * p1[0], 2.0 + 0.5 * p1[1]]
    s2 = [0.25 + 0.5 * g2[0] * g2[0], 1.0 + 0.5 * g2[1] * g2[1]]
    cases["weight_decay"] = (RMSprop(lr=0.1, alpha=0.5, weight_decay=0.5), 2,
                             [p1[0] - 0.1 * g2[0] / (sqrt(s2[0]) + EPS), p1[1] - 0.1 * g2[1] / (sqrt(s2[1]) + EPS)],
                             base)
    return cases


def hand_adagrad():
    e = 1e-10
    cases = {}
    # s1 = g1^2 = (0.25, 1), s2 = s1 + g2^2 = (0.3125, 5)
    p1 = [1 - 0.1 * 0.5 / (0.5 + e), -2 + 0.1 * 1.0 / (1.0 + e)]
    cases["plain"] = (Adagrad(lr=0.1), 2, [p1[0] + 0.1 * 0.25 / (sqrt(0.3125) + e),
                                            p1[1] - 0.1 * 2.0 / (sqrt(5.0) + e)], None)
    # lr_decay 0.5: step 2 uses lr / (1 + 1 * 0.5)
    cases["lr_decay"] = (Adagrad(lr=0.1, lr_decay=0.5), 2, [p1[0] + (0.1 / 1.5) * 0.25 / (sqrt(0.3125) + e),
                                                             p1[1] - (0.1 / 1.5) * 2.0 / (sqrt(5.0) + e)],
                         Adagrad(lr=0.1))
    # s starts at 0.75: s1 = (1.0, 1.75)
    cases["initial_accumulator_value"] = (Adagrad(lr=0.1, initial_accumulator_value=0.75), 1,
                                          [1 - 0.1 * 0.5 / (1.0 + e), -2 + 0.1 * 1.0 / (sqrt(1.75) + e)],
                                          Adagrad(lr=0.1))
    # weight decay 0.5: g1' = (1, -2) -> p1 ~ (0.9, -1.9); g2' = g2 + 0.5 p1 ~ (0.2, 1.05); s2 = g1'^2 + g2'^2
    p1 = [1 - 0.1 * 1.0 / (1.0 + e), -2 + 0.1 * 2.0 / (2.0 + e)]
    g2 = [-0.25 + 0.5 * p1[0], 2.0 + 0.5 * p1[1]]
    s2 = [1.0 + g2[0] * g2[0], 4.0 + g2[1] * g2[1]]
    cases["weight_decay"] = (Adagrad(lr=0.1, weight_decay=0.5), 2,
                             [p1[0] - 0.1 * g2[0] / (sqrt(s2[0]) + e), p1[1] - 0.1 * g2[1] / (sqrt(s2[1]) + e)],
                             Adagrad(lr=0.1))
    cases["eps"] = (Adagrad(lr=0.1, eps=0.5), 1, [1 - 0.1 * 0.5 / 1.0, -2 + 0.1 * 1.0 / 1.5], Adagrad(lr=0.1))
    return cases


HAND = {"sgd": hand_sgd(), "adam": hand_adam(), "adamw": hand_adamw(),
        "rmsprop": hand_rmsprop(), "adagrad": hand_adagrad()}
HAND_CASES = [(name, case) for name, cases in HAND.items() for case in cases]


@pytest.mark.parametrize("name, case", HAND_CASES, ids=[f"{n}-{c}" for n, c in HAND_CASES])
def test_optimizer_steps_match_hand_arithmetic(name, case):
    optimizer, steps, expected, baseline = HAND[name][case]
    assert optimizer.name == name
    assert run(optimizer, steps) == pytest.approx(expected, rel=1e-13, abs=1e-15)
    if baseline is not None:
        # the hyperparameter under test changes the result, so the check above tests it
        assert max(abs(a - b) for a, b in zip(run(baseline, steps), expected)) > 1e-6


def test_adamw_decay_differs_from_adam_l2():
    adam = run(Adam(lr=0.1, weight_decay=0.5), 2)
    adamw = run(AdamW(lr=0.1, weight_decay=0.5), 2)
    assert max(abs(a - b) for a, b in zip(adam, adamw)) > 1e-3


def test_amsgrad_differs_only_where_v_shrank():
    plain = run(Adam(lr=0.1, betas=(0.9, 0.5)), 2)
    ams = run(Adam(lr=0.1, betas=(0.9, 0.5), amsgrad=True), 2)
    assert ams[0] != pytest.approx(plain[0], rel=1e-6)     # v fell at step 2 for entry 0 only
    assert ams[1] == plain[1]


def test_update_checks_state_shape():
    with pytest.raises(ValueError, match=r"state must be 2 lists of 2 floats for 'adam' \(rows m, v\)"):
        ref_opt.update(Adam(), [0.0, 0.0], [1.0, 1.0], [[0.0, 0.0]], 1)
    with pytest.raises(ValueError, match=r"state must be 3 lists of 2 floats for 'adam' \(rows m, v, v_max\)"):
        ref_opt.update(Adam(amsgrad=True), [0.0, 0.0], [1.0, 1.0], [[0.0, 0.0]] * 2, 1)
    with pytest.raises(ValueError, match=r"state must be 0 lists of 2 floats for 'sgd' \(rows none\)"):
        ref_opt.update(SGD(), [0.0, 0.0], [1.0, 1.0], [[0.0, 0.0]], 1)
    with pytest.raises(ValueError, match="grads has 1 entries"):
        ref_opt.update(SGD(), [0.0, 0.0], [1.0], [[0.0, 0.0]], 1)


TORCH_CONFIGS = [
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.1, betas=(0.9, 0.5), eps=1e-3, weight_decay=0.2, amsgrad=True)),
    ("AdamW", dict(lr=0.1, weight_decay=0.5)),
    ("RMSprop", dict(lr=0.1, alpha=0.5, eps=1e-3, weight_decay=0.1, momentum=0.9, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.5, weight_decay=0.1, initial_accumulator_value=0.75, eps=1e-3)),
]


@pytest.mark.parametrize("cls_name, kwargs", TORCH_CONFIGS)
def test_optimizers_match_torch(cls_name, kwargs):
    torch = pytest.importorskip("torch")
    p = torch.tensor(P0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls_name)([p], **kwargs)
    for g in G:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    ours = getattr(fastnet.optimizers, cls_name)(**kwargs)
    assert run(ours, len(G)) == pytest.approx(p.detach().tolist(), rel=1e-12)

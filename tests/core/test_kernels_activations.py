"""The activation kernels of fastnet._core.activations against fastnet.reference.

The compiled twins work in place on (n_rows, n_cols) float32 / float64 arrays;
the reference works on one row of Python floats. The reference is given the
very values the kernel sees (float32 values are exact as Python floats), so the
only differences left are the kernel's rounding to its dtype. Where torch is
installed, the smooth activations are also held to torch.nn.functional.
"""

import numpy as np
import pytest

from fastnet._core import activations as kernels
from fastnet._core.activations import ActivationId
from fastnet.activations import ACTIVATIONS, Activation
from fastnet.reference import activations as reference

RTOL = {np.float32: 1e-5, np.float64: 1e-12}
# Absolute slack for results near 0 (sigmoid of a very negative z, say), where
# the relative error of a float32 has no meaning below its smallest normal.
ATOL = {np.float32: 1e-7, np.float64: 1e-15}

# Each activation with the parameter values that change its result.
CASES = [Activation(name) for name in ACTIVATIONS] + [
    Activation("leaky_relu", negative_slope=0.2),
    Activation("leaky_relu", negative_slope=0.0),      # relu by another name
    Activation("elu", alpha=0.5),
    Activation("elu", alpha=2.5),
    Activation("softplus", beta=2.0),
    Activation("softplus", beta=0.5, threshold=1.0),
    Activation("softplus", threshold=0.0),             # not one-to-one: z = -0.5 and 0.474 give one a
]
IDS = [repr(a) for a in CASES]


def test_enum_matches_the_python_table():
    assert [member.name.lower() for member in ActivationId] == list(ACTIVATIONS)
    assert [int(member) for member in ActivationId] == list(range(len(ACTIVATIONS)))
    for name in ACTIVATIONS:
        assert Activation(name).id == ActivationId[name.upper()]


def test_parameter_layout_matches_the_python_table():
    # The kernels' struct fields, in order, are the parameters of each ACTIVATIONS entry.
    for name, (defaults, _) in ACTIVATIONS.items():
        assert kernels.PARAMETERS[ActivationId[name.upper()]] == tuple(defaults)
    assert Activation("softplus", threshold=5.0, beta=3.0).param_vector() == [3.0, 5.0]
    assert Activation("relu").param_vector() == []


def test_only_the_activations_whose_output_hides_z_read_z():
    reads_z = {name for name in ACTIVATIONS if kernels.needs_z(ActivationId[name.upper()])}
    assert reads_z == {"gelu", "gelu_tanh", "silu", "softplus"}


def _pre_activations(dtype, rng):
    """A (7, 5) block of z: random values, exact zeros, and some large ones."""
    z = rng.standard_normal((7, 5)) * 3.0
    z[0, :3] = 0.0
    z[1, :4] = [30.0, -30.0, 700.0 if dtype == np.float64 else 80.0, -80.0]
    return z.astype(dtype)


def _reference_forward(activation, z):
    return np.array([reference.forward(activation, row) for row in z.tolist()])


def _reference_backward(activation, a, g, z):
    return np.array([reference.backward(activation, a_row, g_row, z_row)
                     for a_row, g_row, z_row in zip(a.tolist(), g.tolist(), z.tolist())])


def _z_if_read(activation, z):
    """z for the kernels that read it; None for the others, so that a test proves they do not."""
    return z if kernels.needs_z(activation.id) else None


@pytest.mark.parametrize("activation", CASES, ids=IDS)
def test_forward_matches_reference(activation, dtype):
    z = _pre_activations(dtype, np.random.default_rng(0))
    expected = _reference_forward(activation, z)

    a = z.copy()
    kernels.forward(activation.id, activation.param_vector(), a)

    assert a.dtype == dtype
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a, expected, rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("activation", CASES, ids=IDS)
def test_backward_matches_reference(activation, dtype):
    rng = np.random.default_rng(1)
    z = _pre_activations(dtype, rng)
    a = z.copy()
    kernels.forward(activation.id, activation.param_vector(), a)
    grad = rng.standard_normal(a.shape).astype(dtype)
    expected = _reference_backward(activation, a, grad, z)

    delta = grad.copy()
    kernels.backward(activation.id, activation.param_vector(), a, delta, _z_if_read(activation, z))

    assert delta.dtype == dtype
    np.testing.assert_allclose(delta, expected, rtol=RTOL[dtype], atol=ATOL[dtype])


def test_backward_of_tanh_near_saturation_keeps_its_digits(dtype):
    # 1 - a*a cancels when a is close to 1; computed in double it stays exact for float32.
    a = np.array([[0.999, 0.99999, -0.9999999]], dtype=dtype)
    delta = np.ones_like(a)
    kernels.backward(ActivationId.TANH, [], a, delta)
    expected = _reference_backward("tanh", a, np.ones_like(a), a)
    np.testing.assert_allclose(delta, expected, rtol=RTOL[dtype])


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_derivative_at_zero_is_the_negative_side(name, dtype):
    # a == 0 means z <= 0: relu passes nothing back (PyTorch's convention), leaky_relu slope * g.
    activation = Activation(name)
    a = np.zeros((1, 3), dtype=dtype)
    delta = np.array([[1.0, -2.0, 3.0]], dtype=dtype)
    kernels.backward(activation.id, activation.param_vector(), a, delta)
    expected = np.zeros(3) if name == "relu" else 0.01 * np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(delta[0], expected, rtol=RTOL[dtype])


def test_forward_relu_keeps_zero_and_nan(dtype):
    z = np.array([[0.0, -0.0, np.nan, -1.0, 2.0]], dtype=dtype)
    kernels.forward(ActivationId.RELU, [], z)
    np.testing.assert_array_equal(z[0, [0, 1, 3, 4]], [0.0, 0.0, 0.0, 2.0])
    assert np.isnan(z[0, 2])   # a NaN shows through (as in PyTorch) rather than hiding as 0


@pytest.mark.parametrize("scale", [1e4, 80.0])
def test_sigmoid_and_softmax_are_stable_at_extreme_logits(scale, dtype):
    z = np.array([[scale, -scale, 0.0], [-scale, -scale, -scale]], dtype=dtype)
    sig, soft = z.copy(), z.copy()
    kernels.forward(ActivationId.SIGMOID, [], sig)
    kernels.forward(ActivationId.SOFTMAX, [], soft)
    assert np.all(np.isfinite(sig)) and np.all(np.isfinite(soft))
    np.testing.assert_allclose(sig, _reference_forward("sigmoid", z), rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(soft, _reference_forward("softmax", z), rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=RTOL[dtype])


def test_softmax_rows_are_independent(dtype):
    # Each row is normalised on its own: a row's values do not depend on the others.
    rng = np.random.default_rng(2)
    z = rng.standard_normal((4, 6)).astype(dtype)
    whole = z.copy()
    kernels.forward(ActivationId.SOFTMAX, [], whole)
    for i in range(4):
        row = z[i:i + 1].copy()
        kernels.forward(ActivationId.SOFTMAX, [], row)
        np.testing.assert_array_equal(row[0], whole[i])


def test_empty_block_is_a_no_op(dtype):
    z = np.zeros((0, 3), dtype=dtype)
    kernels.forward(ActivationId.SOFTMAX, [], z)
    kernels.backward(ActivationId.SOFTMAX, [], z, z.copy())
    kernels.backward(ActivationId.GELU, [], z, z.copy(), z.copy())


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="unknown activation id"):
        kernels.forward(len(ACTIVATIONS), [], np.zeros((1, 1)))
    with pytest.raises(ValueError, match="shape"):
        kernels.backward(ActivationId.TANH, [], np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises((TypeError, ValueError)):
        kernels.backward(ActivationId.TANH, [], np.zeros((2, 3), np.float32), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"takes 2 parameters \('beta', 'threshold'\), got 1"):
        kernels.forward(ActivationId.SOFTPLUS, [1.0], np.zeros((1, 1)))
    with pytest.raises(ValueError, match="reads z"):
        kernels.backward(ActivationId.SILU, [], np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="z has shape"):
        kernels.backward(ActivationId.SILU, [], np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((3, 2)))


@pytest.mark.parametrize("name", ["tanh", "softmax", "gelu", "softplus"])
def test_kernels_release_the_gil(name):
    from test_kernels_optimizers import main_thread_ran_during

    activation = Activation(name)
    rng = np.random.default_rng(3)
    z, delta = rng.standard_normal((1000, 1000)), rng.standard_normal((1000, 1000))
    # The calls alone run in the thread (no NumPy work, which may release the GIL itself).
    assert main_thread_ran_during(lambda: kernels.forward(activation.id, activation.param_vector(), z))
    assert main_thread_ran_during(lambda: kernels.backward(activation.id, activation.param_vector(), z, delta, z))


# -- the smooth activations: gelu, gelu_tanh, silu, elu, softplus -------------------------------

SMOOTH = [Activation("gelu"), Activation("gelu_tanh"), Activation("silu"), Activation("elu"),
          Activation("elu", alpha=0.5), Activation("softplus"), Activation("softplus", beta=2.0, threshold=3.0),
          Activation("softplus", beta=0.5, threshold=-1.0)]
SMOOTH_IDS = [repr(a) for a in SMOOTH]


@pytest.mark.parametrize("activation", SMOOTH, ids=SMOOTH_IDS)
def test_smooth_activations_do_not_overflow_at_large_z(activation, dtype):
    z = np.array([[100.0, -100.0, 1e4, -1e4, 3e38 if dtype == np.float32 else 1e300, -3e38]], dtype=dtype)
    a = z.copy()
    kernels.forward(activation.id, activation.param_vector(), a)
    delta = np.ones_like(z)
    kernels.backward(activation.id, activation.param_vector(), a, delta, z)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(delta))
    np.testing.assert_allclose(a, _reference_forward(activation, z), rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(delta, _reference_backward(activation, a, np.ones_like(z), z),
                               rtol=RTOL[dtype], atol=ATOL[dtype])
    # Far out, each is z (slope 1) on the right; on the left 0 (slope 0), or -alpha for elu.
    np.testing.assert_array_equal(a[0, [0, 2]], z[0, [0, 2]])
    np.testing.assert_array_equal(delta[0, [2, 3]], [1.0, 0.0])
    assert a[0, 3] == (-activation.params["alpha"] if activation.name == "elu" else 0.0)


@pytest.mark.parametrize("activation", SMOOTH, ids=SMOOTH_IDS)
def test_smooth_activations_pass_nan_through(activation, dtype):
    z = np.array([[np.nan, 1.0]], dtype=dtype)
    a = z.copy()
    kernels.forward(activation.id, activation.param_vector(), a)
    delta = np.array([[1.0, np.nan]], dtype=dtype)
    kernels.backward(activation.id, activation.param_vector(), a, delta, z)
    assert np.isnan(a[0, 0]) and np.isfinite(a[0, 1])
    assert np.isnan(delta[0, 0]) and np.isnan(delta[0, 1])


def test_softplus_switches_to_z_exactly_above_the_threshold(dtype):
    # beta z = 2 * 1.5 = 3 is not above threshold 3: the log1p branch; the next float up is linear.
    act = Activation("softplus", beta=2.0, threshold=3.0)
    z = np.array([[1.5, np.nextafter(dtype(1.5), dtype(2.0))]], dtype=dtype)
    a = z.copy()
    kernels.forward(act.id, act.param_vector(), a)
    assert a[0, 0] == pytest.approx(np.log1p(np.exp(3.0)) / 2.0, rel=RTOL[dtype]) and a[0, 0] > z[0, 0]
    assert a[0, 1] == z[0, 1]
    delta = np.ones_like(z)
    kernels.backward(act.id, act.param_vector(), a, delta, z)
    assert delta[0, 0] == pytest.approx(1.0 / (1.0 + np.exp(-3.0)), rel=RTOL[dtype]) and delta[0, 1] == 1.0


def test_elu_derivative_at_zero_is_alpha(dtype):
    # a = 0 means z <= 0: alpha exp(0) = alpha, as torch's elu_backward.
    act = Activation("elu", alpha=0.5)
    delta = np.array([[2.0, -4.0]], dtype=dtype)
    kernels.backward(act.id, act.param_vector(), np.zeros((1, 2), dtype=dtype), delta)
    np.testing.assert_array_equal(delta, [[1.0, -2.0]])


# -- against torch.nn.functional ------------------------------------------------------------------

# float32 is held to the tolerances of the compiled-against-reference network tests
# (torch's float32 kernels round differently, e.g. gelu's 1 + erf for z < 0); float64 to those
# of the torch.optim parity tests.
TORCH_RTOL = {np.float32: 2e-4, np.float64: 1e-10}
TORCH_ATOL = {np.float32: 2e-5, np.float64: 1e-13}


def _torch_function(activation):
    F = pytest.importorskip("torch.nn.functional")
    p = activation.params
    return {
        "gelu": lambda t: F.gelu(t, approximate="none"),
        "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
        "silu": F.silu,
        "elu": lambda t: F.elu(t, alpha=p.get("alpha", 1.0)),
        "softplus": lambda t: F.softplus(t, beta=p.get("beta", 1.0), threshold=p.get("threshold", 20.0)),
    }[activation.name]


@pytest.mark.parametrize("activation", SMOOTH, ids=SMOOTH_IDS)
def test_smooth_activations_match_torch(activation, dtype):
    torch = pytest.importorskip("torch")
    function = _torch_function(activation)
    rng = np.random.default_rng(4)
    z = _pre_activations(dtype, rng)
    z[2, :4] = [-100.0, 100.0, -1e4, 1e4]
    grad = rng.standard_normal(z.shape).astype(dtype)

    t = torch.tensor(z, requires_grad=True)
    out = function(t)
    out.backward(torch.tensor(grad))
    a = z.copy()
    kernels.forward(activation.id, activation.param_vector(), a)
    delta = grad.copy()
    kernels.backward(activation.id, activation.param_vector(), a, delta, z)

    np.testing.assert_allclose(a, out.detach().numpy(), rtol=TORCH_RTOL[dtype], atol=TORCH_ATOL[dtype])
    np.testing.assert_allclose(delta, t.grad.numpy(), rtol=TORCH_RTOL[dtype], atol=TORCH_ATOL[dtype])

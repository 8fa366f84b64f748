"""The activation kernels of fastnet._core.activations against fastnet.reference.

The compiled twins work in place on (n_rows, n_cols) float32 / float64 arrays;
the reference works on one row of Python floats. The reference is given the
very values the kernel sees (float32 values are exact as Python floats), so the
only differences left are the kernel's rounding to its dtype.
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
CASES = [Activation(name) for name in ACTIVATIONS if name != "leaky_relu"] + [
    Activation("leaky_relu"),                          # default negative_slope 0.01
    Activation("leaky_relu", negative_slope=0.2),
    Activation("leaky_relu", negative_slope=0.0),      # relu by another name
]
IDS = [f"{a.name}-{a.param}" if a.params else a.name for a in CASES]


def test_enum_matches_the_python_table():
    assert [member.name.lower() for member in ActivationId] == list(ACTIVATIONS)
    assert [int(member) for member in ActivationId] == list(range(len(ACTIVATIONS)))
    for name in ACTIVATIONS:
        assert Activation(name).id == ActivationId[name.upper()]


def _pre_activations(dtype, rng):
    """A (7, 5) block of z: random values, exact zeros, and some large ones."""
    z = rng.standard_normal((7, 5)) * 3.0
    z[0, :3] = 0.0
    z[1, :4] = [30.0, -30.0, 700.0 if dtype == np.float64 else 80.0, -80.0]
    return z.astype(dtype)


def _reference_forward(activation, z):
    return np.array([reference.forward(activation, row) for row in z.tolist()])


def _reference_backward(activation, a, g):
    return np.array([reference.backward(activation, a_row, g_row)
                     for a_row, g_row in zip(a.tolist(), g.tolist())])


@pytest.mark.parametrize("activation", CASES, ids=IDS)
def test_forward_matches_reference(activation, dtype):
    z = _pre_activations(dtype, np.random.default_rng(0))
    expected = _reference_forward(activation, z)

    a = z.copy()
    kernels.forward(activation.id, activation.param, a)

    assert a.dtype == dtype
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a, expected, rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("activation", CASES, ids=IDS)
def test_backward_matches_reference(activation, dtype):
    rng = np.random.default_rng(1)
    z = _pre_activations(dtype, rng)
    a = z.copy()
    kernels.forward(activation.id, activation.param, a)
    grad = rng.standard_normal(a.shape).astype(dtype)
    expected = _reference_backward(activation, a, grad)

    delta = grad.copy()
    kernels.backward(activation.id, activation.param, a, delta)

    assert delta.dtype == dtype
    np.testing.assert_allclose(delta, expected, rtol=RTOL[dtype], atol=ATOL[dtype])


def test_backward_of_tanh_near_saturation_keeps_its_digits(dtype):
    # 1 - a*a cancels when a is close to 1; computed in double it stays exact for float32.
    a = np.array([[0.999, 0.99999, -0.9999999]], dtype=dtype)
    delta = np.ones_like(a)
    kernels.backward(ActivationId.TANH, 0.0, a, delta)
    expected = _reference_backward("tanh", a, np.ones_like(a))
    np.testing.assert_allclose(delta, expected, rtol=RTOL[dtype])


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_derivative_at_zero_is_the_negative_side(name, dtype):
    # a == 0 means z <= 0: relu passes nothing back (PyTorch's convention), leaky_relu slope * g.
    activation = Activation(name)
    a = np.zeros((1, 3), dtype=dtype)
    delta = np.array([[1.0, -2.0, 3.0]], dtype=dtype)
    kernels.backward(activation.id, activation.param, a, delta)
    expected = np.zeros(3) if name == "relu" else 0.01 * np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(delta[0], expected, rtol=RTOL[dtype])


def test_forward_relu_keeps_zero_and_nan(dtype):
    z = np.array([[0.0, -0.0, np.nan, -1.0, 2.0]], dtype=dtype)
    kernels.forward(ActivationId.RELU, 0.0, z)
    np.testing.assert_array_equal(z[0, [0, 1, 3, 4]], [0.0, 0.0, 0.0, 2.0])
    assert np.isnan(z[0, 2])   # a NaN shows through (as in PyTorch) rather than hiding as 0


@pytest.mark.parametrize("scale", [1e4, 80.0])
def test_sigmoid_and_softmax_are_stable_at_extreme_logits(scale, dtype):
    z = np.array([[scale, -scale, 0.0], [-scale, -scale, -scale]], dtype=dtype)
    sig, soft = z.copy(), z.copy()
    kernels.forward(ActivationId.SIGMOID, 0.0, sig)
    kernels.forward(ActivationId.SOFTMAX, 0.0, soft)
    assert np.all(np.isfinite(sig)) and np.all(np.isfinite(soft))
    np.testing.assert_allclose(sig, _reference_forward("sigmoid", z), rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(soft, _reference_forward("softmax", z), rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=RTOL[dtype])


def test_softmax_rows_are_independent(dtype):
    # Each row is normalised on its own: a row's values do not depend on the others.
    rng = np.random.default_rng(2)
    z = rng.standard_normal((4, 6)).astype(dtype)
    whole = z.copy()
    kernels.forward(ActivationId.SOFTMAX, 0.0, whole)
    for i in range(4):
        row = z[i:i + 1].copy()
        kernels.forward(ActivationId.SOFTMAX, 0.0, row)
        np.testing.assert_array_equal(row[0], whole[i])


def test_empty_block_is_a_no_op(dtype):
    z = np.zeros((0, 3), dtype=dtype)
    kernels.forward(ActivationId.SOFTMAX, 0.0, z)
    kernels.backward(ActivationId.SOFTMAX, 0.0, z, z.copy())


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="unknown activation id"):
        kernels.forward(len(ACTIVATIONS), 0.0, np.zeros((1, 1)))
    with pytest.raises(ValueError, match="shape"):
        kernels.backward(ActivationId.TANH, 0.0, np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises((TypeError, ValueError)):
        kernels.backward(ActivationId.TANH, 0.0, np.zeros((2, 3), np.float32), np.zeros((2, 3)))


@pytest.mark.parametrize("name", ["tanh", "softmax"])
def test_kernels_release_the_gil(name):
    from test_kernels_optimizers import main_thread_ran_during

    activation = Activation(name)
    rng = np.random.default_rng(3)
    z, delta = rng.standard_normal((1000, 1000)), rng.standard_normal((1000, 1000))
    # The calls alone run in the thread (no NumPy work, which may release the GIL itself).
    assert main_thread_ran_during(lambda: kernels.forward(activation.id, 0.0, z))
    assert main_thread_ran_during(lambda: kernels.backward(activation.id, 0.0, z, delta))

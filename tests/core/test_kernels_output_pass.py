"""network.output_pass (the backward pass from a given output gradient, for fastnet.CustomLoss):
against network.backward, which the reference checks, bit for bit, in both dtypes."""

import numpy as np
import pytest

import fastnet as fn
from fastnet._core import network as engine


def _run(net, X, Y, rng, output_gradient):
    work = net._workspace(X.shape[0])
    grads = np.zeros(net.n_params, dtype=net.dtype)
    out = np.empty(Y.shape, dtype=net.dtype)
    engine.output_pass(net._arch, net._params, grads, X, out, work, False, rng)
    engine.output_pass(net._arch, net._params, grads, X, output_gradient(out), work, True, rng)
    return out, grads


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation,dropout", [("tanh", 0.0), ("gelu", 0.0), ("relu", 0.4), ("silu", 0.25)])
@pytest.mark.parametrize("output_activation", ["identity", "sigmoid"])
def test_the_backward_pass_from_the_half_mse_gradient_is_backward_s(dtype, activation, dropout, output_activation):
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(9, 3)).astype(dtype), rng.normal(size=(9, 2)).astype(dtype)
    net = fn.Network.mlp([3, 6, 5, 2], activation=activation, output_activation=output_activation,
                         loss="half_mse", dtype=dtype, seed=2, dropout=dropout)
    expected = np.zeros(net.n_params, dtype=dtype)
    stream = np.array([77], dtype=np.uint64)
    after = stream.copy()
    engine.backward(net._arch, net._params, expected, X, Y, np.empty(0, dtype), net._workspace(9), after)
    out, grads = _run(net, X, Y, stream, lambda out: ((out.astype(np.float64) - Y) / 9).astype(dtype))
    if dropout == 0.0:
        np.testing.assert_allclose(out, net.predict(X), rtol=1e-6)
    np.testing.assert_array_equal(grads, expected)
    np.testing.assert_array_equal(stream, after)   # the same masks, drawn from the same stream
    assert (stream[0] != 77) == (dropout > 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_fused_loss_reads_and_gets_the_logits(dtype):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(7, 3)).astype(dtype)
    Y = np.eye(4, dtype=dtype)[rng.integers(0, 4, size=7)]
    net = fn.Network.mlp([3, 5, 4], loss="cross_entropy", dtype=dtype, seed=2)
    expected = np.zeros(net.n_params, dtype=dtype)
    engine.backward(net._arch, net._params, expected, X, Y, np.empty(0, dtype), net._workspace(7))

    def softmax_gradient(logits):
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return ((e / e.sum(axis=1, keepdims=True) - Y) / 7).astype(dtype)

    _, grads = _run(net, X, Y, None, softmax_gradient)
    np.testing.assert_allclose(grads, expected, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-7)

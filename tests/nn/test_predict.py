"""Network.predict's fast paths: out=, check_input=False, and no BLAS-thread scope for loop-only passes."""

import numpy as np
import pytest

import fastnet
from fastnet.nn import predict as predict_module

from helpers import scope_spy


@pytest.fixture(params=["float32", "float64"])
def net(request):
    return fastnet.Network.mlp([6, 16, 3], loss="cross_entropy", dtype=request.param, seed=0)


def _X(net, n=5, seed=1):
    return np.random.default_rng(seed).standard_normal((n, net.n_features)).astype(net.dtype)


def test_out_is_filled_and_returned(net):
    X = _X(net)
    out = np.full((5, 3), np.nan, dtype=net.dtype)
    result = net.predict(X, out=out)
    assert result is out
    np.testing.assert_array_equal(out, net.predict(X))


def test_check_input_false_gives_the_same_numbers(net):
    for n in (1, 7, 300):
        X = _X(net, n)
        np.testing.assert_array_equal(net.predict(X, check_input=False), net.predict(X))


@pytest.mark.parametrize("make, error, match", [
    (lambda X, net: np.empty((5, 4), net.dtype), ValueError, r"out must be a float\d\d array of shape \(5, 3\)"),
    (lambda X, net: np.empty((5, 3), np.int64), ValueError, r"out must be a float\d\d array"),
    (lambda X, net: np.empty((3, 5), net.dtype).T, ValueError, r"C-contiguous"),
    (lambda X, net: _readonly(np.empty((5, 3), net.dtype)), ValueError, r"writeable"),
    (lambda X, net: [[0.0] * 3] * 5, TypeError, r"out must be a numpy.ndarray or None, got list"),
])
def test_a_bad_out_is_refused(net, make, error, match):
    X = _X(net)
    with pytest.raises(error, match=match):
        net.predict(X, out=make(X, net))


def test_out_may_not_overlap_the_input(net):
    memory = np.random.default_rng(0).standard_normal(45).astype(net.dtype)
    X, out = memory[:30].reshape(5, 6), memory[20:35].reshape(5, 3)   # both C-contiguous, sharing 10 values
    before = memory.copy()
    with pytest.raises(ValueError, match="out must not overlap X"):
        net.predict(X, out=out)
    np.testing.assert_array_equal(memory, before)


def _readonly(a):
    a.flags.writeable = False
    return a


def test_out_may_not_be_the_parameters(net):
    X = _X(net, 1)
    view = net.params[:3].reshape(1, 3)
    before = net.params.copy()
    with pytest.raises(ValueError, match="must not overlap X or the network's parameters"):
        net.predict(X, out=view)
    np.testing.assert_array_equal(net.params, before)


@pytest.mark.parametrize("make, error, match", [
    (lambda X: X.tolist(), TypeError, r"X must be a numpy.ndarray with check_input=False, got list"),
    (lambda X: X.astype(np.float16), ValueError, r"X must be a non-empty float\d\d array of shape \(n_samples, 6\)"),
    (lambda X: X[:, :5], ValueError, r"of shape \(n_samples, 6\) with check_input=False, got float\d\d of shape"),
    (lambda X: np.asfortranarray(X), ValueError, r"C-contiguous and aligned"),
    (lambda X: X[:0], ValueError, r"non-empty"),
])
def test_check_input_false_still_checks_what_the_kernel_reads(net, make, error, match):
    with pytest.raises(error, match=match):
        net.predict(make(_X(net, 4)), check_input=False)


def test_a_non_finite_input_is_an_error_without_the_input_check(net):
    X = _X(net, 3)
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match="X"):
        net.predict(X, check_input=False)


def test_an_overflow_is_an_error_with_every_path(net):
    X = np.full((2, 6), np.finfo(net.dtype).max / 4, dtype=net.dtype)
    net.params = np.full(net.n_params, 10.0)   # 6 x 10 x max/4 overflows the first layer
    for kwargs in ({}, {"check_input": False}, {"out": np.empty((2, 3), net.dtype)}):
        with pytest.raises(FloatingPointError, match="not finite"):
            net.predict(X, **kwargs)


def test_the_blas_thread_scope_is_skipped_only_where_no_blas_runs(monkeypatch):
    entered = []
    monkeypatch.setattr(predict_module, "blas_threads", scope_spy(entered))
    net = fastnet.Network.mlp([64, 128, 10], seed=0)
    net.predict(np.ones((1, 64), np.float32))
    assert entered == []
    net.predict(np.ones((512, 64), np.float32))
    assert entered == [net.n_threads]
    mid = fastnet.Network.mlp([256, 256, 10], seed=0)
    mid.predict(np.ones((1, 256), np.float32))   # one row through 256 x 256: BLAS's (_core/dense.pyx)
    assert entered == [net.n_threads, mid.n_threads]

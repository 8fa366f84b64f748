"""The BLAS wrappers of fastnet._core.blas, through their Python twins, against NumPy.

As sklearn/utils/tests/test_cython_blas.py: every dtype x transpose combination,
alpha and beta away from 1 and 0 so that a dropped or swapped scalar shows, and
per-dtype tolerances.
"""

import subprocess
import sys

import numpy as np
import pytest

import fastnet
from fastnet.runtime import blas as _blas
from fastnet._core import blas
from helpers import child_process_env

RTOL = {np.float32: 1e-5, np.float64: 1e-12}
ALPHA, BETA = 0.7, -0.3


def _random(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def _close(actual, expected, dtype):
    # The atol covers entries that are sums of terms cancelling to near 0.
    np.testing.assert_allclose(actual, expected, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.fixture(params=["numpy", "scipy"])
def gemm_provider(request):
    """gemm routed to numpy's OpenBLAS, then to scipy's (fastnet/runtime/blas.py); restored after."""
    before = _blas.kernel_blas().provider
    try:
        _blas.select(request.param)
    except ImportError:
        pytest.skip("numpy's bundled ILP64 OpenBLAS is not available here")
    assert blas._blas64_in_use() == (request.param == "numpy")
    yield request.param
    _blas.select(before)


# Small sizes, all different so that a swapped size cannot go unnoticed, and
# sizes past OpenBLAS's small-matrix paths (its blocked kernels, with edges).
@pytest.mark.parametrize("m, n, k", [(5, 7, 3), (67, 131, 259)], ids=["small", "blocked"])
@pytest.mark.parametrize("trans_b", [False, True], ids=["B", "B.T"])
@pytest.mark.parametrize("trans_a", [False, True], ids=["A", "A.T"])
def test_gemm(dtype, trans_a, trans_b, m, n, k, gemm_provider):
    rng = np.random.default_rng(0)
    a = _random(rng, (k, m) if trans_a else (m, k), dtype)
    b = _random(rng, (n, k) if trans_b else (k, n), dtype)
    c = _random(rng, (m, n), dtype)
    op_a = a.T if trans_a else a
    op_b = b.T if trans_b else b
    expected = ALPHA * op_a.astype(np.float64) @ op_b.astype(np.float64) + BETA * c.astype(np.float64)

    blas._gemm(trans_a, trans_b, ALPHA, a, b, BETA, c)

    assert c.dtype == dtype
    if k > 100:   # sums of k terms: float32 rounding grows with k
        np.testing.assert_allclose(c, expected, rtol=RTOL[dtype] * 20, atol=RTOL[dtype] * 20)
    else:
        _close(c, expected, dtype)


def test_gemm_beta_zero_ignores_c(dtype, gemm_provider):
    # BLAS does not read C when beta == 0, so NaN there must not leak into the result.
    rng = np.random.default_rng(1)
    a, b = _random(rng, (4, 3), dtype), _random(rng, (3, 2), dtype)
    c = np.full((4, 2), np.nan, dtype=dtype)
    blas._gemm(False, False, 1.0, a, b, 0.0, c)
    _close(c, a.astype(np.float64) @ b.astype(np.float64), dtype)


def test_gemm_empty_inner_dimension_scales_c(dtype, gemm_provider):
    # k = 0 (a layer with no inputs): the product is empty and C becomes beta * C.
    c = np.ones((3, 4), dtype=dtype)
    blas._gemm(False, False, 1.0, np.zeros((3, 0), dtype), np.zeros((0, 4), dtype), 0.5, c)
    np.testing.assert_array_equal(c, np.full((3, 4), 0.5, dtype))


def test_gemm_rejects_mismatched_shapes():
    a, b, c = np.ones((2, 3)), np.ones((4, 5)), np.ones((2, 5))
    with pytest.raises(ValueError, match="columns"):
        blas._gemm(False, False, 1.0, a, b, 0.0, c)


@pytest.mark.parametrize("trans_a", [False, True], ids=["A", "A.T"])
def test_gemv(dtype, trans_a):
    rng = np.random.default_rng(2)
    m, n = 6, 4
    a = _random(rng, (m, n), dtype)
    x = _random(rng, m if trans_a else n, dtype)
    y = _random(rng, n if trans_a else m, dtype)
    op_a = (a.T if trans_a else a).astype(np.float64)
    expected = ALPHA * op_a @ x.astype(np.float64) + BETA * y.astype(np.float64)

    blas._gemv(trans_a, ALPHA, a, x, BETA, y)

    _close(y, expected, dtype)


def test_gemv_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shapes"):
        blas._gemv(False, 1.0, np.ones((2, 3)), np.ones(2), 0.0, np.ones(2))


def test_axpy(dtype, gemm_provider):
    rng = np.random.default_rng(3)
    x, y = _random(rng, 9, dtype), _random(rng, 9, dtype)
    expected = ALPHA * x.astype(np.float64) + y
    blas._axpy(ALPHA, x, y)
    _close(y, expected, dtype)


def test_dot_and_nrm2(dtype):
    rng = np.random.default_rng(4)
    x, y = _random(rng, 11, dtype), _random(rng, 11, dtype)
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    assert blas._dot(x, y) == pytest.approx(x64 @ y64, rel=RTOL[dtype], abs=RTOL[dtype])
    assert blas._nrm2(x) == pytest.approx(np.sqrt(x64 @ x64), rel=RTOL[dtype])
    assert blas._dot(x[:0], y[:0]) == 0.0


def test_scal(dtype):
    rng = np.random.default_rng(5)
    x = _random(rng, 8, dtype)
    expected = BETA * x.astype(np.float64)
    blas._scal(BETA, x)
    _close(x, expected, dtype)


def test_mixed_dtypes_are_rejected():
    with pytest.raises((TypeError, ValueError)):
        blas._axpy(1.0, np.ones(3, np.float32), np.ones(3, np.float64))


def test_gemm_releases_the_gil():
    from test_kernels_optimizers import main_thread_ran_during

    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((400, 400)), rng.standard_normal((400, 400))
    c = np.zeros((400, 400))
    assert main_thread_ran_during(lambda: blas._gemm(False, True, 1.0, a, b, 0.0, c))


def test_training_is_the_same_whichever_openblas_gemm_calls(gemm_provider):
    # A network big enough for the gemm path (batch 64, 96 units), trained for
    # an epoch, against the same training with gemm on scipy's BLAS: the two
    # libraries differ only in rounding.
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((256, 40)), rng.standard_normal((256, 3))

    def train():
        net = fastnet.Network.mlp([40, 96, 96, 3], activation="tanh", dtype="float64", seed=5)
        net.fit(X, Y, optimizer=fastnet.Adam(lr=1e-3), epochs=2, batch_size=64)
        return net.params

    trained = train()
    _blas.select("scipy")
    expected = train()
    np.testing.assert_allclose(trained, expected, rtol=1e-11, atol=1e-13)


def test_use_blas64_takes_all_addresses_or_none():
    with pytest.raises(ValueError, match="sgemm, dgemm, saxpy and daxpy addresses of one library, or none"):
        blas._use_blas64(1, 1, 1, 0)
    assert blas._blas64_in_use() == (_blas.kernel_blas().provider == "numpy")


def _child(code, cwd, **env):
    # From an empty directory: in a source checkout "fastnet" would be the unbuilt tree,
    # and any stray module in a shared one (/tmp/nt.py once) would shadow the stdlib's.
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=dict(child_process_env(), **env))


def test_fastnet_blas_environment_variable_chooses_the_library(tmp_path):
    code = ("import fastnet; from fastnet.runtime import blas as _blas; from fastnet._core import blas; "
            "print(_blas.kernel_blas().provider, blas._blas64_in_use())")
    scipy_run = _child(code, tmp_path, FASTNET_BLAS="scipy")
    assert scipy_run.returncode == 0, scipy_run.stderr
    assert scipy_run.stdout.split() == ["scipy", "False"]
    auto = _child(code, tmp_path, FASTNET_BLAS="auto")
    assert auto.returncode == 0, auto.stderr
    assert auto.stdout.split() in (["numpy", "True"], ["scipy", "False"])


def test_fastnet_blas_environment_variable_is_checked(tmp_path):
    bad = _child("import fastnet", tmp_path, FASTNET_BLAS="mkl")
    assert bad.returncode != 0
    assert "FASTNET_BLAS must be one of auto, scipy, numpy, got 'mkl'" in bad.stderr


def test_plain_sgd_step_is_axpy_on_the_selected_library(dtype, gemm_provider):
    # Plain SGD's update goes through blas.axpy (fastnet/_core/optimizers.pyx):
    # p - lr * g, one rounding in the buffer's type, whichever library is in use.
    from fastnet._core import optimizers as kernels

    rng = np.random.default_rng(7)
    params, grads = _random(rng, 1000, dtype), _random(rng, 1000, dtype)
    expected = params.astype(np.float64) - 0.05 * grads.astype(np.float64)
    hyper = np.asarray(fastnet.SGD(lr=0.05).hyper_vector(), dtype=np.float64)
    kernels.step(fastnet.SGD.kernel_id, hyper, 1, params, grads, np.zeros((0, 1000), dtype))
    np.testing.assert_allclose(params, expected, rtol=RTOL[dtype], atol=RTOL[dtype] * 1e-3)

"""The dense-layer kernel against NumPy, on every path it takes.

dense.pyx picks a path by shape: a dot product for one output, plain loops up
to SMALL_GEMM multiply-adds, BLAS gemm above. The shapes below cover each
path and the boundary between the last two.
"""

import numpy as np
import pytest

from fastnet._core import dense

SMALL_GEMM = 4096  # dense.pyx: up to 4 rows; beyond, 1024; one row always loops
TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}

SHAPES = [
    (1, 2, 8), (1, 8, 1), (1, 16, 32), (1, 32, 32), (3, 9, 1),      # batch 1 and one-output heads
    (4, 32, 32), (4, 32, 33),                                          # 4096 (loops) and 4224 (gemm)
    (7, 5, 3), (70, 64, 130), (1, 64, 128), (33, 1, 17), (2, 300, 1),  # gemm, odd shapes, long dot
]


@pytest.mark.parametrize("n,n_in,n_out", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_and_backward_match_numpy(n, n_in, n_out, dtype):
    rng = np.random.default_rng(n * 1000 + n_in * 10 + n_out)
    x = rng.normal(size=(n, n_in)).astype(dtype)
    w = rng.normal(size=(n_in, n_out)).astype(dtype)
    b = rng.normal(size=n_out).astype(dtype)
    delta = rng.normal(size=(n, n_out)).astype(dtype)

    z = np.full((n, n_out), np.nan, dtype=dtype)  # every entry must be written
    dense.forward(x, w, b, z)
    x64, w64, d64 = x.astype(np.float64), w.astype(np.float64), delta.astype(np.float64)
    np.testing.assert_allclose(z, x64 @ w64 + b, **TOL[dtype])

    dw = np.full((n_in, n_out), np.nan, dtype=dtype)
    db = np.full(n_out, np.nan, dtype=dtype)
    dx = np.full((n, n_in), np.nan, dtype=dtype)
    dense.backward(x, w, delta, dw, db, dx)
    np.testing.assert_allclose(dw, x64.T @ d64, **TOL[dtype])
    np.testing.assert_allclose(db, d64.sum(axis=0), **TOL[dtype])
    np.testing.assert_allclose(dx, d64 @ w64.T, **TOL[dtype])

    # Without dx (the first layer), dW and db are the same and nothing else is touched.
    dw2 = np.full_like(dw, np.nan)
    db2 = np.full_like(db, np.nan)
    dense.backward(x, w, delta, dw2, db2)
    np.testing.assert_array_equal(dw2, dw)
    np.testing.assert_array_equal(db2, db)


def test_the_shapes_cover_both_sides_of_the_crossover():
    sizes = [n * a * b for n, a, b in SHAPES if b > 1]
    assert min(sizes) <= SMALL_GEMM < max(sizes)
    assert any(n * a * b == SMALL_GEMM for n, a, b in SHAPES)

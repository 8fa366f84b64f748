"""Which passes call BLAS: the rule that lets predict and fit skip the BLAS-thread scope."""

import pytest

from fastnet._core import dense
from fastnet.runtime.blas_calls import rows_without_blas, training_rows_without_blas


@pytest.mark.parametrize("n, n_in, n_out, uses", [
    (1, 1024, 1024, False),      # one row through a large layer: the loops (gemm would copy W)
    (1, 256, 256, True),         # one row through a mid-sized one: BLAS
    (1, 64, 128, False),         # a small one: the loops
    (256, 784, 1024, True),
    (5000, 300, 1, False),       # one output: dot products
    (4, 32, 32, False), (4, 64, 64, True), (16, 8, 8, False), (16, 16, 16, True),
])
def test_which_forward_passes_call_blas(n, n_in, n_out, uses):
    assert dense.forward_uses_blas(n, n_in, n_out) is uses


def test_rows_without_blas():
    assert rows_without_blas([2, 8, 1]) == 64          # tiny: loops at any batch looked at
    assert rows_without_blas([784, 1024, 1024, 10]) == 1
    sizes = [16, 32, 32, 1]
    r = rows_without_blas(sizes)
    assert not any(dense.forward_uses_blas(r, a, b) for a, b in zip(sizes, sizes[1:]))
    assert any(dense.forward_uses_blas(r + 1, a, b) for a, b in zip(sizes, sizes[1:]))


@pytest.mark.parametrize("n, n_in, n_out, uses", [
    (1, 1024, 1024, False),      # one row: always the loops
    (5000, 300, 1, True),        # one output: the forward pass's dot products, but gemm for dW
    (4, 32, 32, False), (4, 64, 64, True), (16, 8, 8, False), (16, 16, 16, True),
])
def test_which_backward_passes_call_blas(n, n_in, n_out, uses):
    assert dense.backward_uses_blas(n, n_in, n_out) is uses


def test_training_rows_without_blas():
    assert training_rows_without_blas([2, 8, 1], n_params=33) == 64
    sizes = [16, 32, 32, 1]
    r = training_rows_without_blas(sizes, n_params=1633)
    assert r == 4   # 5 rows of 32 x 32 are 5120 multiply-adds: above SMALL_GEMM_BATCHED, BLAS's
    assert not any(dense.backward_uses_blas(r, a, b) for a, b in zip(sizes, sizes[1:]))
    assert any(dense.backward_uses_blas(r + 1, a, b) for a, b in zip(sizes, sizes[1:]))
    # Above a few thousand parameters SGD's axpy may thread: always the scope.
    assert training_rows_without_blas([2, 8, 1], n_params=100_000) == 0

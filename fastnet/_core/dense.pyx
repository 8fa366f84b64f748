"""The dense layer, forward and backward (declarations and shapes in dense.pxd).

A. Batched layers call BLAS gemm (through blas.pxd, row-major).
B. Small products take plain loops: a BLAS call has a fixed cost (argument
   checks, dispatch, packing) that is larger than the arithmetic of a tiny
   layer, and the seed texts' per-sample SGD (batch 1) is all tiny products.
   The crossover, measured with benchmarks/crossover.py on the development
   machine (docs/BENCHMARKS.md): at batch 1 the loops win at every size
   measured (up to 1x512x512, by 5-10x from 4k multiply-adds up); with a few
   rows BLAS wins from about 5k multiply-adds; from 16 rows on, from about 1k.
   Hence _use_loops: one row, or up to SMALL_GEMM multiply-adds for up to 4
   rows, or up to SMALL_GEMM_BATCHED beyond. One exception, measured on
   2026-12-04 with OpenBLAS's AVX-512 and AVX2 kernels alike: one row's
   forward pass through a mid-sized layer (16k to 256k multiply-adds) is
   BLAS's (_one_row_by_blas).
C. The Python-callable twins at the end exist for the tests.
"""

from cython cimport floating

from .blas cimport gemm

# Multiply-adds (n * n_in * n_out) up to which the loops beat gemm; measured,
# see the module docstring.
cdef enum:
    SMALL_GEMM = 4096          # batches of up to 4 rows
    SMALL_GEMM_BATCHED = 1024  # larger batches
    ONE_ROW_LOOPS_MAX = 16384   # one row's forward pass: the loops up to this many multiply-adds,
    ONE_ROW_BLAS_MAX = 262144   # then gemm up to this many, then the loops again


cdef inline bint _use_loops(Py_ssize_t n, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return n == 1 or n * n_in * n_out <= (SMALL_GEMM if n <= 4 else SMALL_GEMM_BATCHED)


cdef inline bint _one_row_by_blas(Py_ssize_t n, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    # One row through a mid-sized layer: BLAS, vectorised for the CPU it runs on
    # (these loops are built for SSE2), is 1.7x faster for 256 x 256 (measured:
    # one-row prediction of 256-256-256-10, 23.7 -> 13.7 us). Above ONE_ROW_BLAS_MAX
    # gemm's packing of W (a copy of it per call) costs more than that gains
    # (784-1024-1024-10: 270 us with the loops, 346 with gemm); a gemv would
    # serve both, but the kernels reach only gemm and axpy (runtime/blas.py).
    return n == 1 and n_out > 1 and ONE_ROW_LOOPS_MAX < n_in * n_out <= ONE_ROW_BLAS_MAX


# ---------------------------------------------------------------------------
# Forward
# ---------------------------------------------------------------------------

cdef inline floating _dot(const floating* a, const floating* b, Py_ssize_t n) noexcept nogil:
    """sum a[j] * b[j] in eight lanes of partial sums.

    One running sum is a chain of dependent additions (IEEE order forbids the
    compiler to reorder it); eight lanes run in parallel and the fixed-count
    inner loop vectorises. The order is fixed, so the result is deterministic.
    """
    cdef floating acc[8]
    cdef Py_ssize_t j = 0, l
    for l in range(8):
        acc[l] = 0
    while j + 8 <= n:
        for l in range(8):
            acc[l] += a[j + l] * b[j + l]
        j += 8
    cdef floating s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
    while j < n:
        s += a[j] * b[j]
        j += 1
    return s



cdef void dense_forward(Py_ssize_t n, Py_ssize_t n_in, Py_ssize_t n_out,
                        const floating* x, const floating* w, const floating* b,
                        floating* z) noexcept nogil:
    cdef Py_ssize_t i, p, j
    cdef floating xv
    cdef floating* zi
    cdef const floating* wp
    # Every row of z starts as the bias; the product is then added to it.
    for i in range(n):
        zi = z + i * n_out
        for j in range(n_out):
            zi[j] = b[j]
    if n_out == 1:
        # One output (a regression head): W is a contiguous column, so each row is a dot product.
        for i in range(n):
            z[i] += _dot(x + i * n_in, w, n_in)
    elif _use_loops(n, n_in, n_out) and not _one_row_by_blas(n, n_in, n_out):
        # i-p-j order: the inner loop runs along contiguous rows of W and z.
        for i in range(n):
            zi = z + i * n_out
            for p in range(n_in):
                xv = x[i * n_in + p]
                wp = w + p * n_out
                for j in range(n_out):
                    zi[j] += xv * wp[j]
    else:
        gemm(False, False, <int>n, <int>n_out, <int>n_in, <floating>1.0, x, <int>n_in,
             w, <int>n_out, <floating>1.0, z, <int>n_out)


# ---------------------------------------------------------------------------
# Backward
# ---------------------------------------------------------------------------

cdef void dense_backward(Py_ssize_t n, Py_ssize_t n_in, Py_ssize_t n_out,
                         const floating* x, const floating* w, const floating* delta,
                         floating* dw, floating* db, floating* dx) noexcept nogil:
    cdef Py_ssize_t i, p, j
    cdef floating xv
    cdef floating* dwp
    cdef const floating* di

    # db: column sums of delta; the first row assigns, so no zeroing pass.
    for j in range(n_out):
        db[j] = delta[j]
    for i in range(1, n):
        di = delta + i * n_out
        for j in range(n_out):
            db[j] += di[j]

    if n_out == 1 and _use_loops(n, n_in, 1):
        # One output: W and dW are contiguous columns; loops run along p.
        xv = delta[0]
        for p in range(n_in):
            dw[p] = x[p] * xv
        for i in range(1, n):
            xv = delta[i]
            for p in range(n_in):
                dw[p] += x[i * n_in + p] * xv
        if dx != NULL:
            for i in range(n):
                xv = delta[i]
                for p in range(n_in):
                    dx[i * n_in + p] = xv * w[p]
    elif _use_loops(n, n_in, n_out):
        # dW = x^T delta as a sum of outer products, row by row (contiguous in j).
        for p in range(n_in):
            xv = x[p]
            dwp = dw + p * n_out
            for j in range(n_out):
                dwp[j] = xv * delta[j]
        for i in range(1, n):
            di = delta + i * n_out
            for p in range(n_in):
                xv = x[i * n_in + p]
                dwp = dw + p * n_out
                for j in range(n_out):
                    dwp[j] += xv * di[j]
        if dx != NULL:
            # dx[i, p] = delta[i, :] . W[p, :], both rows contiguous.
            for i in range(n):
                di = delta + i * n_out
                for p in range(n_in):
                    dx[i * n_in + p] = _dot(di, w + p * n_out, n_out)
    else:
        # dW (n_in x n_out) = x^T (n_in x n) @ delta (n x n_out)
        gemm(True, False, <int>n_in, <int>n_out, <int>n, <floating>1.0, x, <int>n_in,
             delta, <int>n_out, <floating>0.0, dw, <int>n_out)
        if dx != NULL:
            # dx (n x n_in) = delta (n x n_out) @ W^T (n_out x n_in)
            gemm(False, True, <int>n, <int>n_in, <int>n_out, <floating>1.0, delta, <int>n_out,
                 w, <int>n_out, <floating>0.0, dx, <int>n_in)


# ---------------------------------------------------------------------------
# Python-callable twins, for the tests
# ---------------------------------------------------------------------------

def forward_uses_blas(Py_ssize_t n, Py_ssize_t n_in, Py_ssize_t n_out):
    """Whether dense_forward calls BLAS for this shape (else its loops do the product).

    ``Network.predict`` skips the BLAS-thread scope when no layer's forward
    pass calls BLAS, since the scope costs more than a small prediction.
    """
    return _one_row_by_blas(n, n_in, n_out) or not (n_out == 1 or _use_loops(n, n_in, n_out))


def backward_uses_blas(Py_ssize_t n, Py_ssize_t n_in, Py_ssize_t n_out):
    """Whether dense_backward calls BLAS for this shape (its rule has no one-output exception).

    ``fit`` skips the BLAS-thread scope when no layer's passes call BLAS at its
    batch size: at batch 1 the scope is a tenth of a tiny network's ``fit``.
    """
    return not _use_loops(n, n_in, n_out)


def forward(const floating[:, ::1] x, const floating[:, ::1] w, const floating[::1] b,
            floating[:, ::1] z):
    """z[:] = x @ w + b (shapes checked by the caller)."""
    with nogil:
        dense_forward(x.shape[0], x.shape[1], w.shape[1], &x[0, 0], &w[0, 0], &b[0], &z[0, 0])


def backward(const floating[:, ::1] x, const floating[:, ::1] w, const floating[:, ::1] delta,
             floating[:, ::1] dw, floating[::1] db, floating[:, ::1] dx=None):
    """dw[:] = x.T @ delta; db[:] = delta.sum(0); dx[:] = delta @ w.T if dx is given."""
    cdef floating* dx_ptr = NULL
    if dx is not None:
        dx_ptr = &dx[0, 0]
    with nogil:
        dense_backward(x.shape[0], x.shape[1], w.shape[1], &x[0, 0], &w[0, 0], &delta[0, 0],
                       &dw[0, 0], &db[0], dx_ptr)

"""The dense layer, forward and backward (declarations and shapes in dense.pxd).

A. Batched layers call BLAS gemm (through blas.pxd, row-major).
B. Small products take plain loops: a BLAS call has a fixed cost (argument
   checks, dispatch, packing) that is larger than the arithmetic of a tiny
   layer, and the seed texts' per-sample SGD (batch 1) is all tiny products.
   SMALL_GEMM is the crossover in multiply-adds, measured with
   benchmarks/crossover.py on the development machine (see the note there).
C. The Python-callable twins at the end exist for the tests.
"""

from cython cimport floating

from .blas cimport gemm

# Multiply-adds (n * n_in * n_out) up to which the loops beat gemm; measured,
# see the module docstring.
cdef enum:
    SMALL_GEMM = 4096


# ---------------------------------------------------------------------------
# Forward
# ---------------------------------------------------------------------------

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
    if n * n_in * n_out <= SMALL_GEMM:
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
    cdef floating xv, acc
    cdef floating* dwp
    cdef const floating* di
    cdef const floating* wp

    for j in range(n_out):
        db[j] = 0
    for i in range(n):
        di = delta + i * n_out
        for j in range(n_out):
            db[j] += di[j]

    if n * n_in * n_out <= SMALL_GEMM:
        for p in range(n_in * n_out):
            dw[p] = 0
        for i in range(n):
            di = delta + i * n_out
            for p in range(n_in):
                xv = x[i * n_in + p]
                dwp = dw + p * n_out
                for j in range(n_out):
                    dwp[j] += xv * di[j]
        if dx != NULL:
            for i in range(n):
                di = delta + i * n_out
                for p in range(n_in):
                    wp = w + p * n_out
                    acc = 0
                    for j in range(n_out):
                        acc += di[j] * wp[j]
                    dx[i * n_in + p] = acc
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

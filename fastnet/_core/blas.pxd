# BLAS for row-major arrays, over scipy.linalg.cython_blas (no link-time BLAS dependency).
#
# Fortran BLAS is column-major; a row-major matrix is the transpose of a
# column-major one, so C = op(A) op(B) is computed as C^T = op(B)^T op(A)^T by
# swapping the operands (as sklearn/utils/_cython_blas.pyx does).
from cython cimport floating

# C (m x n) = alpha * op(A) @ op(B) + beta * C, all row-major.
# op(A) is (m x k): A is stored (m x k) if not trans_a, else (k x m); lda is A's row stride.
cdef void gemm(bint trans_a, bint trans_b, int m, int n, int k,
               floating alpha, const floating* a, int lda,  # IN
               const floating* b, int ldb,                  # IN
               floating beta, floating* c, int ldc          # IN/OUT
               ) noexcept nogil

# y (len m, or n if trans_a) = alpha * op(A) @ x + beta * y; A stored (m x n) row-major.
cdef void gemv(bint trans_a, int m, int n, floating alpha, const floating* a, int lda,
               const floating* x, floating beta, floating* y) noexcept nogil

# y += alpha * x
cdef void axpy(int n, floating alpha, const floating* x, floating* y) noexcept nogil

cdef floating dot(int n, const floating* x, const floating* y) noexcept nogil

cdef floating nrm2(int n, const floating* x) noexcept nogil

cdef void scal(int n, floating alpha, floating* x) noexcept nogil

# BLAS for row-major arrays, over scipy.linalg.cython_blas.
#
# Design:
#   A. scipy.linalg.cython_blas gives the Fortran BLAS that scipy itself links
#      (OpenBLAS in the wheels) as C function pointers, so fastnet needs no BLAS
#      at link time and calls it without the GIL.
#   B. Fortran BLAS is column-major. A row-major (m x n) matrix is, to BLAS, the
#      column-major (n x m) matrix of its transpose, so C = op(A) op(B) is
#      computed as C^T = op(B)^T op(A)^T: swap the operands and the sizes, keep
#      the transpose flags (sklearn/utils/_cython_blas.pyx does the same).
#   C. One fused wrapper per routine: `if floating is float:` picks the single-
#      or double-precision routine at compile time. cython_blas takes non-const
#      pointers even for inputs it only reads, hence the casts away from const.
#   D. The `def _name` functions at the end are Python-callable twins of the
#      nogil wrappers; they exist for the tests.
#   E. gemm and axpy, the two routines the kernels call (gemm for the layers,
#      axpy for plain SGD's update), can be pointed at another Fortran-interface
#      BLAS with 64-bit integers: numpy's wheels bundle a newer OpenBLAS (ILP64,
#      symbols scipy_sgemm_64_ ...) that runs the small and medium shapes of
#      training 5-30% faster than scipy's (docs/BENCHMARKS.md). fastnet/_blas.py
#      finds it and calls _use_blas64 once at import; NULL pointers mean
#      scipy's routines. Both routines always come from one library, so that
#      one thread setting (fastnet/_threads.py) governs every BLAS call of a
#      kernel. The pointers are only read by the kernels, never written while
#      one runs (the selection happens at import, before any kernel can start).
from cython cimport floating
from libc.stdint cimport int64_t, uintptr_t
from scipy.linalg.cython_blas cimport (sgemm, dgemm, sgemv, dgemv, saxpy, daxpy,
                                       sdot, ddot, snrm2, dnrm2, sscal, dscal)


# BLAS rejects a leading dimension below 1 even when the matrix is empty (a
# zero-sized layer, k = 0); 1 is then a valid value and nothing is read.
cdef inline int _ld(int ld) noexcept nogil:
    return ld if ld > 1 else 1


# --- Level 3 ------------------------------------------------------------------

ctypedef void (*sgemm64_t)(char* transa, char* transb, int64_t* m, int64_t* n, int64_t* k,
                           float* alpha, float* a, int64_t* lda, float* b, int64_t* ldb,
                           float* beta, float* c, int64_t* ldc) noexcept nogil
ctypedef void (*dgemm64_t)(char* transa, char* transb, int64_t* m, int64_t* n, int64_t* k,
                           double* alpha, double* a, int64_t* lda, double* b, int64_t* ldb,
                           double* beta, double* c, int64_t* ldc) noexcept nogil

ctypedef void (*saxpy64_t)(int64_t* n, float* alpha, float* x, int64_t* incx,
                           float* y, int64_t* incy) noexcept nogil
ctypedef void (*daxpy64_t)(int64_t* n, double* alpha, double* x, int64_t* incx,
                           double* y, int64_t* incy) noexcept nogil

cdef sgemm64_t _sgemm64 = NULL
cdef dgemm64_t _dgemm64 = NULL
cdef saxpy64_t _saxpy64 = NULL
cdef daxpy64_t _daxpy64 = NULL


def _use_blas64(uintptr_t sgemm64, uintptr_t dgemm64, uintptr_t saxpy64, uintptr_t daxpy64):
    """Route gemm and axpy to these ILP64 Fortran addresses; all 0 goes back to scipy's BLAS.

    All or none: the addresses must come from one library (fastnet/_blas.py).
    """
    global _sgemm64, _dgemm64, _saxpy64, _daxpy64
    given = [sgemm64 != 0, dgemm64 != 0, saxpy64 != 0, daxpy64 != 0]
    if any(given) and not all(given):
        raise ValueError("give the sgemm, dgemm, saxpy and daxpy addresses of one library, or none")
    _sgemm64, _dgemm64 = <sgemm64_t>sgemm64, <dgemm64_t>dgemm64
    _saxpy64, _daxpy64 = <saxpy64_t>saxpy64, <daxpy64_t>daxpy64


def _blas64_in_use():
    """True when gemm and axpy call the ILP64 routines given to _use_blas64."""
    return _sgemm64 != NULL


cdef void gemm(bint trans_a, bint trans_b, int m, int n, int k,
               floating alpha, const floating* a, int lda,  # IN
               const floating* b, int ldb,                  # IN
               floating beta, floating* c, int ldc          # IN/OUT
               ) noexcept nogil:
    # Row-major C (m x n) is column-major C^T (n x m) = op(B)^T op(A)^T (B first).
    cdef char transa = b't' if trans_b else b'n'
    cdef char transb = b't' if trans_a else b'n'
    cdef int64_t m64 = m, n64 = n, k64 = k
    cdef int64_t lda64, ldb64, ldc64
    lda, ldb, ldc = _ld(lda), _ld(ldb), _ld(ldc)
    if _sgemm64 != NULL:
        lda64, ldb64, ldc64 = lda, ldb, ldc
        if floating is float:
            _sgemm64(&transa, &transb, &n64, &m64, &k64, &alpha, <float*>b, &ldb64,
                     <float*>a, &lda64, &beta, c, &ldc64)
        else:
            _dgemm64(&transa, &transb, &n64, &m64, &k64, &alpha, <double*>b, &ldb64,
                     <double*>a, &lda64, &beta, c, &ldc64)
        return
    if floating is float:
        sgemm(&transa, &transb, &n, &m, &k, &alpha, <float*>b, &ldb,
              <float*>a, &lda, &beta, c, &ldc)
    else:
        dgemm(&transa, &transb, &n, &m, &k, &alpha, <double*>b, &ldb,
              <double*>a, &lda, &beta, c, &ldc)


# --- Level 2 ------------------------------------------------------------------

cdef void gemv(bint trans_a, int m, int n, floating alpha,
               const floating* a, int lda,                  # IN, A stored (m x n) row-major
               const floating* x,                           # IN
               floating beta, floating* y                   # IN/OUT
               ) noexcept nogil:
    # To BLAS, row-major A (m x n) is column-major A^T (n x m): A x is "A^T
    # transposed" (trans = 't') and A^T x is the plain product (trans = 'n').
    cdef char trans = b'n' if trans_a else b't'
    cdef int inc = 1
    lda = _ld(lda)
    if floating is float:
        sgemv(&trans, &n, &m, &alpha, <float*>a, &lda, <float*>x, &inc, &beta, y, &inc)
    else:
        dgemv(&trans, &n, &m, &alpha, <double*>a, &lda, <double*>x, &inc, &beta, y, &inc)


# --- Level 1 ------------------------------------------------------------------

cdef void axpy(int n, floating alpha,
               const floating* x,                           # IN
               floating* y                                  # IN/OUT
               ) noexcept nogil:
    cdef int inc = 1
    cdef int64_t n64 = n, inc64 = 1
    if _saxpy64 != NULL:
        if floating is float:
            _saxpy64(&n64, &alpha, <float*>x, &inc64, y, &inc64)
        else:
            _daxpy64(&n64, &alpha, <double*>x, &inc64, y, &inc64)
        return
    if floating is float:
        saxpy(&n, &alpha, <float*>x, &inc, y, &inc)
    else:
        daxpy(&n, &alpha, <double*>x, &inc, y, &inc)


cdef floating dot(int n, const floating* x, const floating* y) noexcept nogil:  # IN, IN
    cdef int inc = 1
    if floating is float:
        return sdot(&n, <float*>x, &inc, <float*>y, &inc)
    else:
        return ddot(&n, <double*>x, &inc, <double*>y, &inc)


cdef floating nrm2(int n, const floating* x) noexcept nogil:  # IN
    cdef int inc = 1
    if floating is float:
        return snrm2(&n, <float*>x, &inc)
    else:
        return dnrm2(&n, <double*>x, &inc)


cdef void scal(int n, floating alpha,
               floating* x                                  # IN/OUT
               ) noexcept nogil:
    cdef int inc = 1
    if floating is float:
        sscal(&n, &alpha, x, &inc)
    else:
        dscal(&n, &alpha, x, &inc)


# --- Python twins, for the tests -------------------------------------------------
#
# Shapes are checked here (the wrappers check nothing); each call then runs
# inside one nogil block. Scalars are taken as double and rounded to the
# arrays' type, so that the dtype of the arrays alone picks the specialisation
# (a fused scalar would make a Python float pick double). An empty array has
# no first element to point at, so its pointer is NULL (BLAS reads nothing).

cdef inline const floating* _ptr2(const floating[:, ::1] x) noexcept:
    return &x[0, 0] if x.shape[0] > 0 and x.shape[1] > 0 else NULL


cdef inline const floating* _ptr1(const floating[::1] x) noexcept:
    return &x[0] if x.shape[0] > 0 else NULL


def _gemm(bint trans_a, bint trans_b, double alpha,
          const floating[:, ::1] a not None, const floating[:, ::1] b not None,
          double beta, floating[:, ::1] c not None):
    """c = alpha * op(a) @ op(b) + beta * c, in place; op transposes when asked."""
    cdef int m = c.shape[0], n = c.shape[1]
    cdef int k = a.shape[0] if trans_a else a.shape[1]
    if (a.shape[1] if trans_a else a.shape[0]) != m:
        raise ValueError(f"op(a) has {a.shape[1] if trans_a else a.shape[0]} rows, c has {m}")
    if (b.shape[1] if trans_b else b.shape[0]) != k:
        raise ValueError(f"op(a) has {k} columns but op(b) has "
                         f"{b.shape[1] if trans_b else b.shape[0]} rows")
    if (b.shape[0] if trans_b else b.shape[1]) != n:
        raise ValueError(f"op(b) has {b.shape[0] if trans_b else b.shape[1]} columns, c has {n}")
    cdef floating* c_ptr = <floating*>_ptr2(c)
    cdef const floating* a_ptr = _ptr2(a)
    cdef const floating* b_ptr = _ptr2(b)
    if m == 0 or n == 0:
        return
    with nogil:
        gemm(trans_a, trans_b, m, n, k, <floating>alpha, a_ptr, a.shape[1], b_ptr, b.shape[1],
             <floating>beta, c_ptr, n)


def _gemv(bint trans_a, double alpha, const floating[:, ::1] a not None,
          const floating[::1] x not None, double beta, floating[::1] y not None):
    """y = alpha * op(a) @ x + beta * y, in place."""
    cdef int m = a.shape[0], n = a.shape[1]
    if x.shape[0] != (m if trans_a else n) or y.shape[0] != (n if trans_a else m):
        raise ValueError(f"shapes do not fit: a {(m, n)}, x {x.shape[0]}, y {y.shape[0]}, "
                         f"trans_a={trans_a}")
    cdef floating* y_ptr = <floating*>_ptr1(y)
    cdef const floating* a_ptr = _ptr2(a)
    cdef const floating* x_ptr = _ptr1(x)
    if y.shape[0] == 0:
        return
    with nogil:
        gemv(trans_a, m, n, <floating>alpha, a_ptr, n, x_ptr, <floating>beta, y_ptr)


def _axpy(double alpha, const floating[::1] x not None, floating[::1] y not None):
    """y += alpha * x, in place."""
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} elements, y has {y.shape[0]}")
    cdef int n = x.shape[0]
    cdef floating* y_ptr = <floating*>_ptr1(y)
    cdef const floating* x_ptr = _ptr1(x)
    with nogil:
        axpy(n, <floating>alpha, x_ptr, y_ptr)


def _dot(const floating[::1] x not None, const floating[::1] y not None):
    """The inner product of x and y."""
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} elements, y has {y.shape[0]}")
    cdef int n = x.shape[0]
    cdef const floating* x_ptr = _ptr1(x)
    cdef const floating* y_ptr = _ptr1(y)
    cdef floating result
    with nogil:
        result = dot(n, x_ptr, y_ptr)
    return result


def _nrm2(const floating[::1] x not None):
    """The Euclidean norm of x."""
    cdef int n = x.shape[0]
    cdef const floating* x_ptr = _ptr1(x)
    cdef floating result
    with nogil:
        result = nrm2(n, x_ptr)
    return result


def _scal(double alpha, floating[::1] x not None):
    """x *= alpha, in place."""
    cdef int n = x.shape[0]
    cdef floating* x_ptr = <floating*>_ptr1(x)
    with nogil:
        scal(n, <floating>alpha, x_ptr)

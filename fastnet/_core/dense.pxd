# The dense layer z = x W + b, forward and backward, for a batch of rows.
# W is (n_in x n_out) row-major, b is (n_out,); x, z, delta are row-major
# with n rows. Small shapes take hand-written loops, large ones BLAS gemm
# (see SMALL_GEMM in dense.pyx for the measured crossover).
from cython cimport floating

# z (n x n_out) = x (n x n_in) @ W + b
cdef void dense_forward(Py_ssize_t n, Py_ssize_t n_in, Py_ssize_t n_out,
                        const floating* x,        # IN  (n x n_in)
                        const floating* w,        # IN  (n_in x n_out)
                        const floating* b,        # IN  (n_out)
                        floating* z               # OUT (n x n_out)
                        ) noexcept nogil

# From delta = dL/dz (n x n_out): dW = x^T delta, db = column sums of delta,
# and, if dx is not NULL, dx = delta W^T (the gradient for the layer below).
cdef void dense_backward(Py_ssize_t n, Py_ssize_t n_in, Py_ssize_t n_out,
                         const floating* x,       # IN  (n x n_in)
                         const floating* w,       # IN  (n_in x n_out)
                         const floating* delta,   # IN  (n x n_out)
                         floating* dw,            # OUT (n_in x n_out)
                         floating* db,            # OUT (n_out)
                         floating* dx             # OUT (n x n_in), or NULL
                         ) noexcept nogil

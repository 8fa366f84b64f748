# Loss kernels: the loss value and its gradient in one pass (shared work such as
# an exp is done once). The order of this enum is the order of
# fastnet.losses.LOSSES (a test checks it). Formulas in docs/MATH.md.
from cython cimport floating

cpdef enum LossId:
    HALF_MSE = 0
    MSE = 1
    MAE = 2
    HUBER = 3
    BINARY_CROSS_ENTROPY = 4
    CROSS_ENTROPY = 5
    POISSON = 6
    QUANTILE = 7
    LOG_COSH = 8

# Returns the loss, a mean over the n_rows samples, accumulated in double.
# out (n_rows x n_cols): the activated output o, or the logits z for the two
# cross-entropies (fused with sigmoid / softmax), or the log-rate for poisson.
# y: targets of the same shape (one-hot or probability rows for cross-entropy,
# counts >= 0 for poisson).
# grad: if not NULL, receives dL/do (dL/dz for the fused losses) of the mean loss.
# param: huber's delta, quantile's q, else unused.
cdef double loss_gradient(int loss, double param,
                          Py_ssize_t n_rows, Py_ssize_t n_cols,
                          const floating* out,                  # IN
                          const floating* y,                    # IN
                          floating* grad                        # OUT (may be NULL)
                          ) noexcept nogil

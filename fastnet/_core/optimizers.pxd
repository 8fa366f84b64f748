# In-place optimizer updates over one flat parameter buffer (torch.optim's
# rules, docs/MATH.md). The order of this enum is the order of
# fastnet.optimizers.OPTIMIZERS (a test checks it).
from cython cimport floating

cpdef enum OptimizerId:
    SGD = 0
    ADAM = 1
    ADAMW = 2
    RMSPROP = 3
    ADAGRAD = 4

# hyper: the hyperparameters in the order of Optimizer.hyper_vector():
#   SGD      [lr, momentum, dampening, nesterov, weight_decay]           state rows: buf (with momentum)
#   ADAM(W)  [lr, beta1, beta2, eps, weight_decay, amsgrad]              state rows: m, v, v_max (with amsgrad)
#   RMSPROP  [lr, alpha, eps, weight_decay, momentum, centered]          state rows: s, g_avg (centered), buf (with momentum)
#   ADAGRAD  [lr, lr_decay, weight_decay, eps, initial_accumulator_value] state rows: s
# t: the 1-based number of this step. state: state_rows(optimizer, hyper) rows of n,
# row after row, only the rows in use, in the order above (NULL when there are none).
# Element-wise arithmetic is done in double and rounded once to the buffer's type.
cdef int state_rows(int optimizer, const double* hyper) noexcept nogil

cdef void optimizer_step(int optimizer, const double* hyper, long long t, Py_ssize_t n,
                         floating* params,          # IN/OUT
                         const floating* grads,     # IN
                         floating* state            # IN/OUT
                         ) noexcept nogil

# In-place optimizer updates over one flat parameter buffer (torch.optim's
# rules, docs/MATH.md). The order of this enum is the order of
# fastnet.optim.OPTIMIZERS (a test checks it).
from cython cimport floating

cpdef enum OptimizerId:
    SGD = 0
    ADAM = 1
    ADAMW = 2
    RMSPROP = 3
    ADAGRAD = 4

# The hyperparameters of each rule: these structs are the one statement of the
# `hyper` layout. Every field is a double (booleans as 0.0 / 1.0), so a struct
# is laid out as a double array and `hyper` points at one; the kernels read
# the fields by name, and fastnet._core.optimizers.HYPERPARAMETERS gives the
# field names, in this order, to Optimizer.hyper_vector() and fastnet.reference.
cdef struct SGDHyper:        # state rows: buf (with momentum)
    double lr
    double momentum
    double dampening
    double nesterov
    double weight_decay

cdef struct AdamHyper:       # ADAM and ADAMW; state rows: m, v, v_max (with amsgrad)
    double lr
    double beta1
    double beta2
    double eps
    double weight_decay
    double amsgrad

cdef struct RMSpropHyper:    # state rows: s, g_avg (centered), buf (with momentum)
    double lr
    double alpha
    double eps
    double weight_decay
    double momentum
    double centered

cdef struct AdagradHyper:    # state rows: s
    double lr
    double lr_decay
    double weight_decay
    double eps
    double initial_accumulator_value

# hyper: the struct of `optimizer` above, as its doubles (`<const double*>&h`).
# t: the 1-based number of this step. state: state_rows(optimizer, hyper) rows of n,
# row after row, only the rows in use, in the order above (NULL when there are none).
# Element-wise arithmetic is done in double and rounded once to the buffer's type.
cdef int state_rows(int optimizer, const double* hyper) noexcept nogil

cdef void optimizer_step(int optimizer, const double* hyper, long long t, Py_ssize_t n,
                         floating* params,          # IN/OUT
                         const floating* grads,     # IN
                         floating* state            # IN/OUT
                         ) noexcept nogil

# Activation kernels: forward in place, backward from the activated output.
# The formulas are in docs/MATH.md; the order of this enum is the order of
# fastnet.activations.ACTIVATIONS (a test checks it).
from cython cimport floating

cpdef enum ActivationId:
    IDENTITY = 0
    RELU = 1
    LEAKY_RELU = 2
    SIGMOID = 3
    TANH = 4
    SOFTMAX = 5

# z (n_rows x n_cols, row-major) holds pre-activations; it is replaced by act(z).
# param is the activation's one parameter (negative_slope for leaky_relu), else unused.
cdef void activation_forward(int activation, double param,
                             Py_ssize_t n_rows, Py_ssize_t n_cols,
                             floating* z                       # IN/OUT
                             ) noexcept nogil

# delta holds dL/da and is replaced by dL/dz, using only a = act(z).
cdef void activation_backward(int activation, double param,
                              Py_ssize_t n_rows, Py_ssize_t n_cols,
                              const floating* a,               # IN
                              floating* delta                  # IN/OUT
                              ) noexcept nogil

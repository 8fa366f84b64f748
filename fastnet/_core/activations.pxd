# Activation kernels: forward in place, backward from the activated output a
# and, for the activations whose derivative a does not determine, the
# pre-activation z. The formulas are in docs/MATH.md; the order of this enum
# is the order of fastnet.activations.ACTIVATIONS (a test checks it).
from cython cimport floating

cpdef enum ActivationId:
    IDENTITY = 0
    RELU = 1
    LEAKY_RELU = 2
    SIGMOID = 3
    TANH = 4
    SOFTMAX = 5
    GELU = 6
    GELU_TANH = 7
    SILU = 8
    ELU = 9
    SOFTPLUS = 10

# The parameters of each activation that takes any: these structs are the one
# statement of the `params` layout. Every field is a double, so a struct is
# laid out as a double array and `params` points at one; the kernels read the
# fields by name, and fastnet._core.activations.PARAMETERS gives the field
# names, in this order, to Activation.param_vector() (the others take none).
cdef struct LeakyReluParams:
    double negative_slope     # >= 0

cdef struct EluParams:
    double alpha              # > 0

cdef struct SoftplusParams:
    double beta               # > 0
    double threshold          # linear where beta * z > threshold

# The most doubles an activation's params hold (the engine keeps this many per layer).
cdef enum:
    MAX_ACTIVATION_PARAMS = 2

# Whether activation_backward reads z (gelu, gelu_tanh, silu, softplus); when it
# does not, z may be NULL there and the caller need not keep the pre-activations.
cdef bint activation_needs_z(int activation) noexcept nogil

# z (n_rows x n_cols, row-major) holds pre-activations; it is replaced by act(z).
# params: the activation's struct above, as its doubles (`<const double*>&p`);
# NULL for an activation without parameters.
cdef void activation_forward(int activation, const double* params,
                             Py_ssize_t n_rows, Py_ssize_t n_cols,
                             floating* z                       # IN/OUT
                             ) noexcept nogil

# delta holds dL/da and is replaced by dL/dz, from a = act(z) and, where
# activation_needs_z, the pre-activations z (else z is not read: NULL is fine).
cdef void activation_backward(int activation, const double* params,
                              Py_ssize_t n_rows, Py_ssize_t n_cols,
                              const floating* z,               # IN (or NULL)
                              const floating* a,               # IN
                              floating* delta                  # IN/OUT
                              ) noexcept nogil

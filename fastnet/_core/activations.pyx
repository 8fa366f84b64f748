# Activation kernels: forward in place, backward from the activated output.
#
# Design:
#   A. One fused (float32 / float64) loop per activation over a contiguous
#      row-major block; only softmax works row by row. The loops are plain
#      `for i in range(size)` over raw pointers so that gcc -O3 can vectorise
#      them (the backward ones read a and write delta: two streams, no gather).
#   B. activation_forward / activation_backward dispatch on the ActivationId
#      once per call, outside the loops. They check nothing and allocate
#      nothing: shapes and ids are checked in Python before the nogil call.
#   C. Precision: transcendental functions (exp, tanh) run in the array's type
#      (expf / tanhf for float32: within an ulp or two of float32, and measured
#      10-40% cheaper than exp / tanh plus conversions; libm is scalar either
#      way, so these two dominate the forward pass of sigmoid, tanh, softmax).
#      Products with a parameter or with a, and the softmax normaliser, are
#      computed in double and rounded once, so that, e.g., tanh's 1 - a*a
#      does not lose its digits to cancellation when a is close to 1.
#   D. The backward pass reads only a = act(z) (docs/MATH.md): for relu and
#      leaky_relu, a > 0 exactly when z > 0 because negative_slope >= 0.
#   E. `forward` and `backward` at the end are Python-callable twins of the
#      two kernels, for the tests; each releases the GIL around the call.
from cython cimport floating
from libc.math cimport exp, expf, tanh, tanhf


# --- Point functions in the array's type -----------------------------------------

cdef inline floating _exp(floating x) noexcept nogil:
    if floating is float:
        return expf(x)
    else:
        return exp(x)


cdef inline floating _tanh(floating x) noexcept nogil:
    if floating is float:
        return tanhf(x)
    else:
        return tanh(x)


# --- Forward loops (in place) -------------------------------------------------------

cdef inline void _relu_forward(Py_ssize_t size, floating* z) noexcept nogil:  # IN/OUT
    cdef Py_ssize_t i
    for i in range(size):
        # "z < 0" rather than max(z, 0): a NaN passes through (as in PyTorch),
        # so a diverging network is seen, not hidden as zeros.
        z[i] = 0 if z[i] < 0 else z[i]


cdef inline void _leaky_relu_forward(Py_ssize_t size, double slope, floating* z) noexcept nogil:
    # z if z > 0 else slope * z, written as a sum of two selects: gcc keeps a
    # multiply that sits in a branch in the branch (it might trap), so the
    # obvious form neither vectorises nor escapes a mispredicted branch per
    # element (measured 10x slower on random signs). Both forms give the same
    # values: one of the two terms is exactly 0, and a NaN propagates. The
    # selects are in double too: mixing types there brings the branch back.
    cdef Py_ssize_t i
    cdef double zi, positive, other
    for i in range(size):
        zi = z[i]
        positive = zi if zi > 0 else 0.0
        other = 0.0 if zi > 0 else zi
        z[i] = <floating>(positive + slope * other)


cdef inline void _sigmoid_forward(Py_ssize_t size, floating* z) noexcept nogil:
    # Stable: with e = exp(-|z|) <= 1 nothing overflows; 1 / (1 + e) for z >= 0
    # and e / (1 + e) = exp(z) / (1 + exp(z)) for z < 0. Both are computed and
    # one is picked, which avoids a mispredicted branch per element.
    cdef Py_ssize_t i
    cdef floating e, positive, negative
    for i in range(size):
        e = _exp(-z[i] if z[i] >= 0 else z[i])
        positive = 1 / (1 + e)
        negative = e / (1 + e)
        z[i] = positive if z[i] >= 0 else negative


cdef inline void _tanh_forward(Py_ssize_t size, floating* z) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(size):
        z[i] = _tanh(z[i])


cdef inline void _softmax_row(Py_ssize_t n_cols, floating* z) noexcept nogil:  # IN/OUT
    # exp(z - max) <= 1 never overflows; the sum is taken in double.
    cdef Py_ssize_t j
    cdef floating m = z[0]
    cdef double total = 0.0
    for j in range(1, n_cols):
        if z[j] > m:
            m = z[j]
    for j in range(n_cols):
        z[j] = _exp(z[j] - m)
        total += z[j]
    for j in range(n_cols):
        z[j] = <floating>(z[j] / total)


cdef void activation_forward(int activation, double param,
                             Py_ssize_t n_rows, Py_ssize_t n_cols,
                             floating* z                       # IN/OUT
                             ) noexcept nogil:
    cdef Py_ssize_t size = n_rows * n_cols, i
    if activation == RELU:
        _relu_forward(size, z)
    elif activation == LEAKY_RELU:
        _leaky_relu_forward(size, param, z)
    elif activation == SIGMOID:
        _sigmoid_forward(size, z)
    elif activation == TANH:
        _tanh_forward(size, z)
    elif activation == SOFTMAX:
        for i in range(n_rows):
            _softmax_row(n_cols, z + i * n_cols)
    # IDENTITY: z is already act(z).


# --- Backward loops (delta: dL/da in, dL/dz out) ----------------------------------------

cdef inline void _relu_backward(Py_ssize_t size,
                                const floating* a,     # IN
                                floating* delta        # IN/OUT
                                ) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(size):
        # The derivative at 0 is 0 (PyTorch's convention).
        delta[i] = delta[i] if a[i] > 0 else 0


cdef inline void _leaky_relu_backward(Py_ssize_t size, double slope,
                                      const floating* a,     # IN
                                      floating* delta        # IN/OUT
                                      ) noexcept nogil:
    # delta if a > 0 else slope * delta, as a sum of selects (see _leaky_relu_forward).
    cdef Py_ssize_t i
    cdef double g, kept, other
    for i in range(size):
        g = delta[i]
        kept = g if a[i] > 0 else 0.0
        other = 0.0 if a[i] > 0 else g
        delta[i] = <floating>(kept + slope * other)


cdef inline void _sigmoid_backward(Py_ssize_t size,
                                   const floating* a,     # IN
                                   floating* delta        # IN/OUT
                                   ) noexcept nogil:
    cdef Py_ssize_t i
    cdef double ai
    for i in range(size):
        ai = a[i]
        delta[i] = <floating>(delta[i] * ai * (1.0 - ai))


cdef inline void _tanh_backward(Py_ssize_t size,
                                const floating* a,     # IN
                                floating* delta        # IN/OUT
                                ) noexcept nogil:
    cdef Py_ssize_t i
    cdef double ai
    for i in range(size):
        # In double, 1 - a*a is exact for a float32 a (a*a has 48 bits).
        ai = a[i]
        delta[i] = <floating>(delta[i] * (1.0 - ai * ai))


cdef inline void _softmax_backward_row(Py_ssize_t n_cols,
                                       const floating* a,     # IN
                                       floating* delta        # IN/OUT
                                       ) noexcept nogil:
    # The Jacobian-vector product of softmax: a_j (g_j - sum_i g_i a_i).
    cdef Py_ssize_t j
    cdef double g_dot_a = 0.0
    for j in range(n_cols):
        g_dot_a += <double>delta[j] * a[j]
    for j in range(n_cols):
        delta[j] = <floating>(a[j] * (delta[j] - g_dot_a))


cdef void activation_backward(int activation, double param,
                              Py_ssize_t n_rows, Py_ssize_t n_cols,
                              const floating* a,               # IN
                              floating* delta                  # IN/OUT
                              ) noexcept nogil:
    cdef Py_ssize_t size = n_rows * n_cols, i
    if activation == RELU:
        _relu_backward(size, a, delta)
    elif activation == LEAKY_RELU:
        _leaky_relu_backward(size, param, a, delta)
    elif activation == SIGMOID:
        _sigmoid_backward(size, a, delta)
    elif activation == TANH:
        _tanh_backward(size, a, delta)
    elif activation == SOFTMAX:
        for i in range(n_rows):
            _softmax_backward_row(n_cols, a + i * n_cols, delta + i * n_cols)
    # IDENTITY: dL/dz = dL/da.


# --- Python twins, for the tests -----------------------------------------------------------

cdef int _check_id(int activation) except -1:
    if not 0 <= activation <= SOFTMAX:
        raise ValueError(f"unknown activation id {activation}; expected 0 to {<int>SOFTMAX}")
    return 0


def forward(int activation, double param, floating[:, ::1] z not None):
    """Replace z (n_rows, n_cols), float32 or float64, by act(z) in place."""
    _check_id(activation)
    cdef Py_ssize_t n_rows = z.shape[0], n_cols = z.shape[1]
    if n_rows == 0 or n_cols == 0:
        return
    cdef floating* z_ptr = &z[0, 0]
    with nogil:
        activation_forward(activation, param, n_rows, n_cols, z_ptr)


def backward(int activation, double param, const floating[:, ::1] a not None,
             floating[:, ::1] delta not None):
    """Replace delta = dL/da by dL/dz in place, reading only a = act(z) (same shape and dtype)."""
    _check_id(activation)
    if a.shape[0] != delta.shape[0] or a.shape[1] != delta.shape[1]:
        raise ValueError(f"a has shape {(a.shape[0], a.shape[1])} "
                         f"but delta has {(delta.shape[0], delta.shape[1])}")
    cdef Py_ssize_t n_rows = a.shape[0], n_cols = a.shape[1]
    if n_rows == 0 or n_cols == 0:
        return
    cdef const floating* a_ptr = &a[0, 0]
    cdef floating* delta_ptr = &delta[0, 0]
    with nogil:
        activation_backward(activation, param, n_rows, n_cols, a_ptr, delta_ptr)

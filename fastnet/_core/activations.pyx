# Activation kernels: forward in place, backward from the activated output
# (and, for four of them, the pre-activation).
#
# Design:
#   A. One fused (float32 / float64) loop per activation over a contiguous
#      row-major block; only softmax works row by row. The loops are plain
#      `for i in range(size)` over raw pointers so that gcc -O3 can vectorise
#      them (the backward ones read a and write delta: two streams, no gather).
#   B. activation_forward / activation_backward dispatch on the ActivationId
#      once per call, outside the loops. They check nothing and allocate
#      nothing: shapes, ids and parameters are checked in Python before the
#      nogil call. `params` points at the activation's struct of
#      activations.pxd (LeakyReluParams, EluParams, SoftplusParams), read by
#      field name through a cast; PARAMETERS below hands the field names to
#      Python, so the layout is written nowhere else.
#   C. Precision: transcendental functions (exp, tanh, erfc, expm1, log1p) run
#      in the array's type (expf / tanhf ... for float32: within an ulp or two
#      of float32, and measured 10-40% cheaper than exp / tanh plus
#      conversions; libm is scalar either way, so these dominate the forward
#      pass of sigmoid, tanh, softmax and the smooth ones). Products with a
#      parameter or with a, polynomials in z and the softmax normaliser are
#      computed in double and rounded once, so that, e.g., tanh's 1 - a*a does
#      not lose its digits to cancellation when a is close to 1, and z*z or
#      z**3 cannot overflow for any float32 z.
#   D. The backward pass reads only a = act(z) where a determines the
#      derivative (docs/MATH.md): for relu and leaky_relu, a > 0 exactly when
#      z > 0 because negative_slope >= 0; for elu (alpha > 0) too, and then
#      alpha * exp(z) = a + alpha (torch's own "is_result" form of elu's
#      backward). gelu, gelu_tanh and silu are not monotone (two z give one
#      a), and softplus with its threshold is not one-to-one either (with
#      threshold 0, z = -0.5 and z = 0.474 both give a = 0.474, with
#      derivatives 0.38 and 1): their backward reads z, which the caller keeps
#      (activation_needs_z); for the others z is not read and may be NULL.
#   E. No overflow for any finite z: every exp() sees -|x| (sigmoid, silu,
#      gelu_tanh, softplus's log1p(exp(-|t|))), elu's expm1 sees min(z, 0),
#      gelu uses erfc(-z / sqrt 2) (bounded, and without the cancellation of
#      1 + erf(z / sqrt 2) for z < 0). A NaN in z gives NaN.
#   F. `forward` and `backward` at the end are Python-callable twins of the
#      two kernels, for the tests; each releases the GIL around the call.
from cython cimport floating
from libc.math cimport erfc, erfcf, exp, expf, expm1, expm1f, fabs, log1p, log1pf, tanh, tanhf

# sqrt(1/2), 1/sqrt(2 pi), sqrt(2/pi) and the cubic coefficient of the tanh approximation of gelu.
cdef double _SQRT_HALF = 0.70710678118654752440
cdef double _INV_SQRT_2PI = 0.39894228040143267794
cdef double _SQRT_2_OVER_PI = 0.79788456080286535588
cdef double _GELU_CUBIC = 0.044715


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


cdef inline floating _erfc(floating x) noexcept nogil:
    if floating is float:
        return erfcf(x)
    else:
        return erfc(x)


cdef inline floating _expm1(floating x) noexcept nogil:
    if floating is float:
        return expm1f(x)
    else:
        return expm1(x)


cdef inline floating _log1p(floating x) noexcept nogil:
    if floating is float:
        return log1pf(x)
    else:
        return log1p(x)


cdef inline double _logistic(floating x, double* slope) noexcept nogil:
    """sigmoid(x), and in slope[0] sigmoid'(x) = e / (1 + e)^2, from e = exp(-|x|) <= 1 alone.

    Computed without 1 - sigmoid(x), which cancels for large x; x arrives
    in the array's type, so the exp is the array's (design C).
    """
    cdef double e = _exp(-x if x >= 0 else x)
    slope[0] = e / ((1.0 + e) * (1.0 + e))
    return 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)


cdef inline double _gelu_tanh_inner(double z, double* inner_slope) noexcept nogil:
    """2u, u = sqrt(2/pi) (z + 0.044715 z^3), and in inner_slope[0] du/dz, in double."""
    inner_slope[0] = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * z * z)
    return 2.0 * _SQRT_2_OVER_PI * (z + _GELU_CUBIC * z * z * z)


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


cdef inline void _gelu_forward(Py_ssize_t size, floating* z) noexcept nogil:
    # z Phi(z) = z erfc(-z / sqrt 2) / 2 (design E).
    cdef Py_ssize_t i
    cdef double zi
    for i in range(size):
        zi = z[i]
        z[i] = <floating>(0.5 * zi * _erfc(<floating>(-zi * _SQRT_HALF)))


cdef inline void _gelu_tanh_forward(Py_ssize_t size, floating* z) noexcept nogil:
    # z (1 + tanh(u)) / 2 = z sigmoid(2u): the same number, without the cancellation of 1 + tanh(u) for u < 0.
    cdef Py_ssize_t i
    cdef double zi, unused
    for i in range(size):
        zi = z[i]
        z[i] = <floating>(zi * _logistic(<floating>_gelu_tanh_inner(zi, &unused), &unused))


cdef inline void _silu_forward(Py_ssize_t size, floating* z) noexcept nogil:
    cdef Py_ssize_t i
    cdef double unused
    for i in range(size):
        z[i] = <floating>(<double>z[i] * _logistic(z[i], &unused))


cdef inline void _elu_forward(Py_ssize_t size, const EluParams* p, floating* z) noexcept nogil:
    # expm1 sees min(z, 0) (written so that a NaN reaches it): no overflow, and no cancellation near 0.
    cdef Py_ssize_t i
    cdef floating zi
    for i in range(size):
        zi = z[i]
        z[i] = zi if zi > 0 else <floating>(p.alpha * _expm1(<floating>(0 if zi > 0 else zi)))


cdef inline void _softplus_forward(Py_ssize_t size, const SoftplusParams* p, floating* z) noexcept nogil:
    # torch's definition: z where beta z > threshold, else log(1 + exp(beta z)) / beta, written
    # max(t, 0) + log1p(exp(-|t|)) so that no threshold lets the exp overflow.
    cdef Py_ssize_t i
    cdef double t
    for i in range(size):
        t = p.beta * z[i]
        if not t > p.threshold:
            z[i] = <floating>(((t if t > 0 else 0.0) + _log1p(_exp(<floating>(-fabs(t))))) / p.beta)


cdef bint activation_needs_z(int activation) noexcept nogil:
    return activation == GELU or activation == GELU_TANH or activation == SILU or activation == SOFTPLUS


cdef void activation_forward(int activation, const double* params,
                             Py_ssize_t n_rows, Py_ssize_t n_cols,
                             floating* z                       # IN/OUT
                             ) noexcept nogil:
    cdef Py_ssize_t size = n_rows * n_cols, i
    if activation == IDENTITY:
        return   # first: a regression head's, once per batch (batch-1 training calls this per sample)
    if activation == RELU:
        _relu_forward(size, z)
    elif activation == LEAKY_RELU:
        _leaky_relu_forward(size, (<const LeakyReluParams*>params).negative_slope, z)
    elif activation == SIGMOID:
        _sigmoid_forward(size, z)
    elif activation == TANH:
        _tanh_forward(size, z)
    elif activation == SOFTMAX:
        for i in range(n_rows):
            _softmax_row(n_cols, z + i * n_cols)
    elif activation == GELU:
        _gelu_forward(size, z)
    elif activation == GELU_TANH:
        _gelu_tanh_forward(size, z)
    elif activation == SILU:
        _silu_forward(size, z)
    elif activation == ELU:
        _elu_forward(size, <const EluParams*>params, z)
    elif activation == SOFTPLUS:
        _softplus_forward(size, <const SoftplusParams*>params, z)
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


cdef inline void _gelu_backward(Py_ssize_t size,
                                const floating* z,     # IN
                                floating* delta        # IN/OUT
                                ) noexcept nogil:
    # Phi(z) + z phi(z); z*z in double, and exp(-inf) = 0 where it exceeds the float range.
    cdef Py_ssize_t i
    cdef double zi
    for i in range(size):
        zi = z[i]
        delta[i] = <floating>(delta[i] * (0.5 * _erfc(<floating>(-zi * _SQRT_HALF))
                                          + zi * _INV_SQRT_2PI * _exp(<floating>(-0.5 * zi * zi))))


cdef inline void _gelu_tanh_backward(Py_ssize_t size,
                                     const floating* z,     # IN
                                     floating* delta        # IN/OUT
                                     ) noexcept nogil:
    # With s = sigmoid(2u): d/dz [z s] = s + 2 z s (1 - s) du/dz. Where s (1 - s) is 0 the
    # second term is 0, even for a z so large that z du/dz is infinite.
    cdef Py_ssize_t i
    cdef double zi, s, slope, du
    for i in range(size):
        zi = z[i]
        s = _logistic(<floating>_gelu_tanh_inner(zi, &du), &slope)
        delta[i] = <floating>(delta[i] * (s + (0.0 if slope == 0 else 2.0 * zi * slope * du)))


cdef inline void _silu_backward(Py_ssize_t size,
                                const floating* z,     # IN
                                floating* delta        # IN/OUT
                                ) noexcept nogil:
    # sigmoid(z) + z sigmoid(z) (1 - sigmoid(z)).
    cdef Py_ssize_t i
    cdef double s, slope
    for i in range(size):
        s = _logistic(z[i], &slope)
        delta[i] = <floating>(delta[i] * (s + z[i] * slope))


cdef inline void _elu_backward(Py_ssize_t size, const EluParams* p,
                               const floating* a,     # IN
                               floating* delta        # IN/OUT
                               ) noexcept nogil:
    # 1 where a > 0 (z > 0), else alpha exp(z) = a + alpha (design D); alpha at z = 0, as torch.
    cdef Py_ssize_t i
    cdef double ai
    for i in range(size):
        ai = a[i]
        delta[i] = delta[i] if ai > 0 else <floating>(delta[i] * (ai + p.alpha))


cdef inline void _softplus_backward(Py_ssize_t size, const SoftplusParams* p,
                                    const floating* z,     # IN
                                    floating* delta        # IN/OUT
                                    ) noexcept nogil:
    # 1 where beta z > threshold, else sigmoid(beta z) (design D: from z).
    cdef Py_ssize_t i
    cdef double t, unused
    for i in range(size):
        t = p.beta * z[i]
        if not t > p.threshold:
            delta[i] = <floating>(delta[i] * _logistic(<floating>t, &unused))


cdef void activation_backward(int activation, const double* params,
                              Py_ssize_t n_rows, Py_ssize_t n_cols,
                              const floating* z,               # IN (or NULL)
                              const floating* a,               # IN
                              floating* delta                  # IN/OUT
                              ) noexcept nogil:
    cdef Py_ssize_t size = n_rows * n_cols, i
    if activation == IDENTITY:
        return   # dL/dz = dL/da; first, as in activation_forward
    if activation == RELU:
        _relu_backward(size, a, delta)
    elif activation == LEAKY_RELU:
        _leaky_relu_backward(size, (<const LeakyReluParams*>params).negative_slope, a, delta)
    elif activation == SIGMOID:
        _sigmoid_backward(size, a, delta)
    elif activation == TANH:
        _tanh_backward(size, a, delta)
    elif activation == SOFTMAX:
        for i in range(n_rows):
            _softmax_backward_row(n_cols, a + i * n_cols, delta + i * n_cols)
    elif activation == GELU:
        _gelu_backward(size, z, delta)
    elif activation == GELU_TANH:
        _gelu_tanh_backward(size, z, delta)
    elif activation == SILU:
        _silu_backward(size, z, delta)
    elif activation == ELU:
        _elu_backward(size, <const EluParams*>params, a, delta)
    elif activation == SOFTPLUS:
        _softplus_backward(size, <const SoftplusParams*>params, z, delta)


# --- The layout, for Python ----------------------------------------------------------------

# A struct converts to a dict of its fields in declaration order, so the names come from the .pxd.
cdef LeakyReluParams _leaky_relu_fields = LeakyReluParams(0)
cdef EluParams _elu_fields = EluParams(0)
cdef SoftplusParams _softplus_fields = SoftplusParams(0, 0)

#: ActivationId -> the names of its parameters, in the order of the params array (() for none).
PARAMETERS = {member: () for member in ActivationId}
PARAMETERS[LEAKY_RELU] = tuple(_leaky_relu_fields)
PARAMETERS[ELU] = tuple(_elu_fields)
PARAMETERS[SOFTPLUS] = tuple(_softplus_fields)
# The cast from double* is sound only if no struct has padding.
if (len(PARAMETERS[LEAKY_RELU]) != sizeof(LeakyReluParams) // sizeof(double)
        or len(PARAMETERS[ELU]) != sizeof(EluParams) // sizeof(double)
        or len(PARAMETERS[SOFTPLUS]) != sizeof(SoftplusParams) // sizeof(double)
        or max(map(len, PARAMETERS.values())) > MAX_ACTIVATION_PARAMS):
    raise ImportError("fastnet._core.activations: a parameter struct is padded or longer than MAX_ACTIVATION_PARAMS")


# --- Python twins, for the tests -----------------------------------------------------------

cdef int _check_id(int activation) except -1:
    if not 0 <= activation <= SOFTPLUS:
        raise ValueError(f"unknown activation id {activation}; expected 0 to {<int>SOFTPLUS}")
    return 0


cdef int _fill_params(int activation, params, double* out) except -1:
    """Copy ``params`` (one float per name of PARAMETERS[activation]) into out."""
    cdef Py_ssize_t j
    names = PARAMETERS[activation]
    values = list(params)
    if len(values) != len(names):
        raise ValueError(f"activation {activation} takes {len(names)} parameters {names}, got {len(values)}")
    for j in range(len(values)):
        out[j] = values[j]
    return 0


def needs_z(int activation):
    """Whether the backward pass of ``activation`` reads the pre-activation z."""
    _check_id(activation)
    return activation_needs_z(activation)


def forward(int activation, params, floating[:, ::1] z not None):
    """Replace z (n_rows, n_cols), float32 or float64, by act(z) in place.

    params: the activation's parameters, in the order of PARAMETERS[activation].
    """
    _check_id(activation)
    cdef double p[MAX_ACTIVATION_PARAMS]
    _fill_params(activation, params, p)
    cdef Py_ssize_t n_rows = z.shape[0], n_cols = z.shape[1]
    if n_rows == 0 or n_cols == 0:
        return
    cdef floating* z_ptr = &z[0, 0]
    with nogil:
        activation_forward(activation, p, n_rows, n_cols, z_ptr)


def backward(int activation, params, const floating[:, ::1] a not None,
             floating[:, ::1] delta not None, const floating[:, ::1] z=None):
    """Replace delta = dL/da by dL/dz in place, from a = act(z) (same shape and dtype).

    z: the pre-activations, needed (and only read) where needs_z(activation); else None.
    """
    _check_id(activation)
    cdef double p[MAX_ACTIVATION_PARAMS]
    _fill_params(activation, params, p)
    if a.shape[0] != delta.shape[0] or a.shape[1] != delta.shape[1]:
        raise ValueError(f"a has shape {(a.shape[0], a.shape[1])} "
                         f"but delta has {(delta.shape[0], delta.shape[1])}")
    if z is None and activation_needs_z(activation):
        raise ValueError(f"activation {activation}'s backward pass reads z; pass the pre-activations")
    if z is not None and (z.shape[0] != a.shape[0] or z.shape[1] != a.shape[1]):
        raise ValueError(f"z has shape {(z.shape[0], z.shape[1])} but a has {(a.shape[0], a.shape[1])}")
    cdef Py_ssize_t n_rows = a.shape[0], n_cols = a.shape[1]
    if n_rows == 0 or n_cols == 0:
        return
    cdef const floating* z_ptr = &z[0, 0] if z is not None else NULL
    cdef const floating* a_ptr = &a[0, 0]
    cdef floating* delta_ptr = &delta[0, 0]
    with nogil:
        activation_backward(activation, p, n_rows, n_cols, z_ptr, a_ptr, delta_ptr)

# Optimizer kernels: one in-place update of the flat parameter buffer.
#
# Design:
#   A. One function per update rule, each a single pass over the n parameters
#      that reads p, g and the state rows once and writes p and the state once:
#      the step is bound by memory traffic (up to ~2M parameters per batch), so
#      fusing weight decay, the moments and the update into one loop is what
#      makes it fast. Options that change the rule (momentum, nesterov,
#      amsgrad, centered) are loop-invariant branches; gcc -O3 hoists them.
#   B. Scalars that depend only on the step t (Adam's bias corrections,
#      Adagrad's decayed learning rate) are computed once per call, in double.
#   C. Each element is updated in double and rounded once to the buffer's type
#      (float32 or float64); a state value is used in double in the step that
#      computes it and is stored rounded. The one exception is plain SGD (no
#      momentum, no weight decay): BLAS axpy, p + (-lr) g with one rounding
#      (OpenBLAS fuses the multiply-add) in the buffer's type, -lr rounded to
#      it first; for float32 that differs from the double update by at most
#      an ulp of p plus lr's own rounding (relative 6e-8 of the step).
#   D. The rules are torch.optim's, written out in docs/MATH.md. The hyper
#      vector is the rule's struct of optimizers.pxd (SGDHyper, ...), read by
#      field name through a cast; HYPERPARAMETERS below hands the field names
#      to Python, so the layout is written nowhere else. Boolean options
#      arrive as 0.0 / 1.0. Weight decay is skipped when it is 0 (as torch.optim and
#      fastnet.reference do), so an infinite p cannot turn g into NaN via 0 * inf.
#   E. gcc vectorises the loops with a sqrt (Adam, RMSprop, Adagrad) only
#      under -fno-math-errno (sqrt then need not set errno; no result changes,
#      unlike -ffast-math). Measured with it: 2M float32 parameters, Adam
#      14 -> 7 ms per step. It is a build flag (setup.py); a GCC optimize
#      pragma or attribute does not reach the sqrt builtin.
#   F. `step` at the end is the Python-callable twin, for the tests.
from cython cimport floating
from libc.math cimport sqrt, pow

from .blas cimport axpy


# --- SGD ------------------------------------------------------------------------------

cdef inline void _sgd(const double* hyper, long long t, Py_ssize_t n,
                      floating* params,          # IN/OUT
                      const floating* grads,     # IN
                      floating* buf              # IN/OUT, state row 0
                      ) noexcept nogil:
    cdef const SGDHyper* h = <const SGDHyper*>hyper
    cdef double lr = h.lr, momentum = h.momentum, dampening = h.dampening
    cdef bint nesterov = h.nesterov != 0
    cdef double weight_decay = h.weight_decay
    cdef double keep = 1.0 - dampening
    cdef double p, g, b
    cdef Py_ssize_t i, start, chunk
    if momentum == 0 and weight_decay == 0:
        # Plain gradient descent is BLAS axpy, p += (-lr) g: vectorised for the
        # machine it runs on (the loops below are built for baseline x86-64)
        # and threaded with Network.n_threads; 3x the loop on 270k float32
        # parameters, 6% of the mid workload's epoch.
        start = 0
        while start < n:   # BLAS counts in int
            chunk = min(n - start, <Py_ssize_t>1 << 30)
            axpy(<int>chunk, <floating>(-lr), grads + start, params + start)
            start += chunk
    elif momentum == 0:
        for i in range(n):
            p = params[i]
            g = grads[i]
            if weight_decay != 0:
                g = g + weight_decay * p
            params[i] = <floating>(p - lr * g)
    elif t == 1:
        # The buffer starts as the first gradient (no dampening on step 1).
        for i in range(n):
            p = params[i]
            g = grads[i]
            if weight_decay != 0:
                g = g + weight_decay * p
            buf[i] = <floating>g
            params[i] = <floating>(p - lr * (g + momentum * g if nesterov else g))
    else:
        for i in range(n):
            p = params[i]
            g = grads[i]
            if weight_decay != 0:
                g = g + weight_decay * p
            b = momentum * buf[i] + keep * g
            buf[i] = <floating>b
            params[i] = <floating>(p - lr * (g + momentum * b if nesterov else b))


# --- Adam and AdamW ---------------------------------------------------------------------

cdef inline void _adam(const double* hyper, long long t, Py_ssize_t n, bint decoupled,
                       floating* params,          # IN/OUT
                       const floating* grads,     # IN
                       floating* state            # IN/OUT, rows m, v[, v_max]
                       ) noexcept nogil:
    cdef const AdamHyper* h = <const AdamHyper*>hyper
    cdef double lr = h.lr, beta1 = h.beta1, beta2 = h.beta2, eps = h.eps
    cdef double weight_decay = h.weight_decay
    cdef bint amsgrad = h.amsgrad != 0
    # Adam adds weight_decay * p to the gradient (L2); AdamW instead shrinks p
    # by (1 - lr * weight_decay) before the step (decoupled weight decay).
    cdef double l2 = 0.0 if decoupled else weight_decay
    cdef double shrink = 1.0 - lr * weight_decay if decoupled else 1.0
    cdef double step_size = lr / (1.0 - pow(beta1, <double>t))
    cdef double bias_correction2_sqrt = sqrt(1.0 - pow(beta2, <double>t))
    cdef floating* m = state
    cdef floating* v = state + n
    cdef floating* v_max = state + 2 * n   # only with amsgrad
    cdef double p, g, m_i, v_i
    cdef Py_ssize_t i
    for i in range(n):
        p = params[i]
        g = grads[i]
        if l2 != 0:
            g = g + l2 * p
        p = p * shrink
        m_i = beta1 * m[i] + (1.0 - beta1) * g
        v_i = beta2 * v[i] + (1.0 - beta2) * g * g
        m[i] = <floating>m_i
        v[i] = <floating>v_i
        if amsgrad:
            v_i = v_i if v_i > v_max[i] else v_max[i]
            v_max[i] = <floating>v_i
        params[i] = <floating>(p - step_size * m_i / (sqrt(v_i) / bias_correction2_sqrt + eps))


# --- RMSprop ---------------------------------------------------------------------------

cdef inline void _rmsprop_loop(double lr, double alpha, double eps, double weight_decay,
                               double momentum, bint centered, bint with_momentum,
                               Py_ssize_t n,
                               floating* params,          # IN/OUT
                               const floating* grads,     # IN
                               floating* state            # IN/OUT, rows s[, g_avg][, buf]
                               ) noexcept nogil:
    cdef floating* s = state
    cdef floating* g_avg = state + n                 # only when centered
    cdef floating* buf = state + (2 if centered else 1) * n   # only with momentum
    cdef double p, g, s_i, a_i, variance, d, b
    cdef Py_ssize_t i
    for i in range(n):
        p = params[i]
        g = grads[i]
        if weight_decay != 0:
            g = g + weight_decay * p
        s_i = alpha * s[i] + (1.0 - alpha) * g * g
        s[i] = <floating>s_i
        if centered:
            a_i = alpha * g_avg[i] + (1.0 - alpha) * g
            g_avg[i] = <floating>a_i
            # >= 0 in exact arithmetic; rounding can push it a hair below, so
            # clamp (a NaN passes), as fastnet.reference does.
            variance = s_i - a_i * a_i
            d = sqrt(0.0 if variance < 0 else variance) + eps
        else:
            d = sqrt(s_i) + eps
        if with_momentum:
            b = momentum * buf[i] + g / d
            buf[i] = <floating>b
            params[i] = <floating>(p - lr * b)
        else:
            params[i] = <floating>(p - lr * (g / d))


cdef inline void _rmsprop(const double* hyper, Py_ssize_t n,
                          floating* params,          # IN/OUT
                          const floating* grads,     # IN
                          floating* state            # IN/OUT, rows s[, g_avg][, buf]
                          ) noexcept nogil:
    cdef const RMSpropHyper* h = <const RMSpropHyper*>hyper
    cdef double lr = h.lr, alpha = h.alpha, eps = h.eps, weight_decay = h.weight_decay
    cdef double momentum = h.momentum
    cdef bint centered = h.centered != 0
    # Two options make four loops; gcc does not unswitch that many on its own,
    # so each is spelt out with constant flags (the inlined loop specialises).
    if centered and momentum > 0:
        _rmsprop_loop(lr, alpha, eps, weight_decay, momentum, True, True, n, params, grads, state)
    elif centered:
        _rmsprop_loop(lr, alpha, eps, weight_decay, momentum, True, False, n, params, grads, state)
    elif momentum > 0:
        _rmsprop_loop(lr, alpha, eps, weight_decay, momentum, False, True, n, params, grads, state)
    else:
        _rmsprop_loop(lr, alpha, eps, weight_decay, momentum, False, False, n, params, grads, state)


# --- Adagrad ---------------------------------------------------------------------------

cdef inline void _adagrad(const double* hyper, long long t, Py_ssize_t n,
                          floating* params,          # IN/OUT
                          const floating* grads,     # IN
                          floating* s                # IN/OUT, state row 0
                          ) noexcept nogil:
    cdef const AdagradHyper* h = <const AdagradHyper*>hyper
    cdef double lr = h.lr, lr_decay = h.lr_decay, weight_decay = h.weight_decay, eps = h.eps
    # h.initial_accumulator_value is where s started; the Python layer filled
    # the state with it, so the update does not read it.
    cdef double clr = lr / (1.0 + <double>(t - 1) * lr_decay)
    cdef double p, g, s_i
    cdef Py_ssize_t i
    for i in range(n):
        p = params[i]
        g = grads[i]
        if weight_decay != 0:
            g = g + weight_decay * p
        s_i = s[i] + g * g
        s[i] = <floating>s_i
        params[i] = <floating>(p - clr * g / (sqrt(s_i) + eps))


# --- Dispatch ---------------------------------------------------------------------------

cdef int state_rows(int optimizer, const double* hyper) noexcept nogil:
    # A row is kept only when the hyperparameters use it (torch.optim creates
    # the same buffers lazily): plain SGD keeps none, Adam's v_max is there
    # only with amsgrad, RMSprop's g_avg only when centered and buf only with
    # momentum. fastnet.optimizers' state_rows says the same, in Python.
    if optimizer == SGD:
        return 1 if (<const SGDHyper*>hyper).momentum != 0 else 0
    elif optimizer == ADAM or optimizer == ADAMW:
        return 3 if (<const AdamHyper*>hyper).amsgrad != 0 else 2
    elif optimizer == RMSPROP:
        return (1 + (1 if (<const RMSpropHyper*>hyper).centered != 0 else 0)
                + (1 if (<const RMSpropHyper*>hyper).momentum > 0 else 0))
    elif optimizer == ADAGRAD:
        return 1
    return -1


cdef void optimizer_step(int optimizer, const double* hyper, long long t, Py_ssize_t n,
                         floating* params,          # IN/OUT
                         const floating* grads,     # IN
                         floating* state            # IN/OUT
                         ) noexcept nogil:
    if optimizer == SGD:
        _sgd(hyper, t, n, params, grads, state)
    elif optimizer == ADAM:
        _adam(hyper, t, n, False, params, grads, state)
    elif optimizer == ADAMW:
        _adam(hyper, t, n, True, params, grads, state)
    elif optimizer == RMSPROP:
        _rmsprop(hyper, n, params, grads, state)
    elif optimizer == ADAGRAD:
        _adagrad(hyper, t, n, params, grads, state)


# --- The layout, for Python ------------------------------------------------------------

# A struct converts to a dict of its fields in declaration order, so the names
# come from the .pxd itself.
cdef SGDHyper _sgd_fields = SGDHyper(0, 0, 0, 0, 0)
cdef AdamHyper _adam_fields = AdamHyper(0, 0, 0, 0, 0, 0)
cdef RMSpropHyper _rmsprop_fields = RMSpropHyper(0, 0, 0, 0, 0, 0)
cdef AdagradHyper _adagrad_fields = AdagradHyper(0, 0, 0, 0, 0)

#: OptimizerId -> the names of its hyperparameters, in the order of the hyper vector.
HYPERPARAMETERS = {
    SGD: tuple(_sgd_fields),
    ADAM: tuple(_adam_fields),
    ADAMW: tuple(_adam_fields),
    RMSPROP: tuple(_rmsprop_fields),
    ADAGRAD: tuple(_adagrad_fields),
}

# number of hyperparameters per OptimizerId: the doubles in its struct
cdef Py_ssize_t[5] _N_HYPER = [sizeof(SGDHyper) // sizeof(double), sizeof(AdamHyper) // sizeof(double),
                               sizeof(AdamHyper) // sizeof(double), sizeof(RMSpropHyper) // sizeof(double),
                               sizeof(AdagradHyper) // sizeof(double)]
for _id, _names in HYPERPARAMETERS.items():
    # The cast from double* is sound only if no struct has padding.
    if len(_names) != _N_HYPER[<int>_id]:
        raise ImportError(f"fastnet._core.optimizers: the hyperparameter struct of {_id!r} is padded")
del _id, _names


# --- Python twin, for the tests -------------------------------------------------------


def n_state_rows(int optimizer, const double[::1] hyper not None):
    """The state rows the update of ``optimizer`` with these hyperparameters reads and writes."""
    if not 0 <= optimizer <= ADAGRAD:
        raise ValueError(f"unknown optimizer id {optimizer}; expected 0 to {<int>ADAGRAD}")
    if hyper.shape[0] != _N_HYPER[optimizer]:
        raise ValueError(f"optimizer {optimizer} takes {_N_HYPER[optimizer]} hyperparameters, "
                         f"got {hyper.shape[0]}")
    return state_rows(optimizer, &hyper[0])


def step(int optimizer, const double[::1] hyper not None, long long t,
         floating[::1] params not None, const floating[::1] grads not None,
         floating[:, ::1] state not None):
    """One in-place update of params (n,) and state (n_state, n) from grads (n,).

    hyper is Optimizer.hyper_vector() as float64, t the 1-based step number;
    params, grads and state share one dtype, float32 or float64.
    """
    if not 0 <= optimizer <= ADAGRAD:
        raise ValueError(f"unknown optimizer id {optimizer}; expected 0 to {<int>ADAGRAD}")
    if hyper.shape[0] != _N_HYPER[optimizer]:
        raise ValueError(f"optimizer {optimizer} takes {_N_HYPER[optimizer]} hyperparameters, "
                         f"got {hyper.shape[0]}")
    if t < 1:
        raise ValueError(f"t is the 1-based step number, got {t}")
    cdef Py_ssize_t n = params.shape[0]
    if grads.shape[0] != n:
        raise ValueError(f"params has {n} elements but grads has {grads.shape[0]}")
    cdef int rows = state_rows(optimizer, &hyper[0])
    if state.shape[0] != rows or state.shape[1] != n:
        raise ValueError(f"state must have shape {(rows, n)}, got {(state.shape[0], state.shape[1])}")
    if n == 0:
        return
    cdef const double* hyper_ptr = &hyper[0]
    cdef floating* params_ptr = &params[0]
    cdef const floating* grads_ptr = &grads[0]
    cdef floating* state_ptr = &state[0, 0] if rows > 0 else NULL
    with nogil:
        optimizer_step(optimizer, hyper_ptr, t, n, params_ptr, grads_ptr, state_ptr)

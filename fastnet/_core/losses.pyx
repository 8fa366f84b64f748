# Loss kernels: the mean loss and its gradient in one pass.
#
# Design:
#   A. Point functions `_closs_*(o, y) -> (loss, gradient)` for one element, in
#      double, returning a small struct so that work shared by the value and
#      the gradient (an exp, a difference) is done once (as
#      sklearn/_loss/_loss.pyx.tp does).
#   B. One loop over the n_rows x n_cols block sums the point losses in
#      double and writes each gradient, divided by the count the mean is taken
#      over, in the array's type. The grad pointer may be NULL (the value
#      alone, for evaluation).
#   C. All of it is in double, exp and log included: a loss touches only the
#      n_rows x n_outputs output block, a tiny cost next to the layers' matrix
#      products, so float32 buys no speed here, only error.
#   D. The two cross-entropies read logits (they are fused with sigmoid /
#      softmax, docs/MATH.md) and stay finite for any finite logit: BCE through
#      max(z, 0) - z y + log1p(exp(-|z|)), CE through log-sum-exp shifted by the
#      row maximum. Cross-entropy works row by row with scalars only: the
#      exponentials are recomputed in the gradient pass instead of being stored.
#   E. poisson reads the log-rate (log link, as PyTorch's PoissonNLLLoss with
#      log_input=True, full=False); log_cosh goes through |d| + log1p(exp(-2|d|))
#      - log 2, which never overflows (cosh itself does past |d| ~ 710).
#   F. `loss_gradient_py` at the end is the Python-callable twin, for the tests.
from cython cimport floating
from libc.math cimport exp, log, log1p, fabs, copysign, tanh, M_LN2


ctypedef struct loss_grad:
    double loss
    double grad


# --- Point functions (one element, in double) --------------------------------------
# Each gives the element's term of the sum and that term's derivative; the
# caller divides both by the count the mean is taken over.

cdef inline loss_grad _closs_half_squared(double o, double y) noexcept nogil:
    cdef double d = o - y
    cdef loss_grad lg
    lg.loss = 0.5 * d * d
    lg.grad = d
    return lg


cdef inline loss_grad _closs_squared(double o, double y) noexcept nogil:
    cdef double d = o - y
    cdef loss_grad lg
    lg.loss = d * d
    lg.grad = 2.0 * d
    return lg


cdef inline loss_grad _closs_absolute(double o, double y) noexcept nogil:
    cdef double d = o - y
    cdef loss_grad lg
    lg.loss = fabs(d)
    lg.grad = (d > 0) - (d < 0)    # sign(0) = 0: no push when exactly right
    return lg


cdef inline loss_grad _closs_huber(double o, double y, double delta) noexcept nogil:
    # Quadratic within delta of the target, linear beyond (PyTorch's HuberLoss).
    cdef double d = o - y
    cdef double abs_d = fabs(d)
    cdef loss_grad lg
    if abs_d <= delta:
        lg.loss = 0.5 * d * d
        lg.grad = d
    else:
        lg.loss = delta * (abs_d - 0.5 * delta)
        lg.grad = copysign(delta, d)
    return lg


cdef inline loss_grad _closs_binary_cross_entropy(double z, double y) noexcept nogil:
    # z is the logit. -[y log s(z) + (1-y) log(1 - s(z))] = max(z, 0) - z y +
    # log1p(exp(-|z|)); e = exp(-|z|) <= 1 serves both that term and the
    # sigmoid (1 / (1 + e) for z >= 0, e / (1 + e) below), and cannot overflow.
    cdef double e = exp(-fabs(z))
    cdef loss_grad lg
    lg.loss = (z if z > 0 else 0.0) - z * y + log1p(e)
    lg.grad = (1.0 if z >= 0 else e) / (1.0 + e) - y
    return lg


cdef inline loss_grad _closs_poisson(double o, double y) noexcept nogil:
    # o is the log-rate: the negative log-likelihood without the log(y!) term,
    # which does not depend on o (PyTorch's full=False).
    cdef double rate = exp(o)
    cdef loss_grad lg
    lg.loss = rate - y * o
    lg.grad = rate - y
    return lg


cdef inline loss_grad _closs_quantile(double o, double y, double q) noexcept nogil:
    # Pinball loss of the residual r = y - o: q r above the target, (q - 1) r
    # below. At r = 0 the gradient is 0 (a point of the subdifferential
    # [-q, 1 - q]; no push when exactly right, as mae's sign(0) = 0).
    cdef double r = y - o
    cdef loss_grad lg
    if r > 0:
        lg.loss = q * r
        lg.grad = -q
    elif r < 0:
        lg.loss = (q - 1.0) * r
        lg.grad = 1.0 - q
    else:
        lg.loss = 0.0
        lg.grad = 0.0
    return lg


cdef inline loss_grad _closs_log_cosh(double o, double y) noexcept nogil:
    cdef double d = o - y
    cdef double abs_d = fabs(d)
    cdef loss_grad lg
    lg.loss = abs_d + log1p(exp(-2.0 * abs_d)) - M_LN2
    lg.grad = tanh(d)
    return lg


cdef inline loss_grad _closs(int loss, double param, double o, double y) noexcept nogil:
    if loss == HALF_MSE:
        return _closs_half_squared(o, y)
    elif loss == MSE:
        return _closs_squared(o, y)
    elif loss == MAE:
        return _closs_absolute(o, y)
    elif loss == HUBER:
        return _closs_huber(o, y, param)
    elif loss == BINARY_CROSS_ENTROPY:
        return _closs_binary_cross_entropy(o, y)
    elif loss == POISSON:
        return _closs_poisson(o, y)
    elif loss == QUANTILE:
        return _closs_quantile(o, y, param)
    else:
        return _closs_log_cosh(o, y)


# --- Loops over the block -------------------------------------------------------------

cdef inline double _sum_elementwise(int loss, double param, Py_ssize_t size,
                                    const floating* out,    # IN
                                    const floating* y,      # IN
                                    floating* grad,         # OUT (may be NULL)
                                    double count) noexcept nogil:
    # The sum of the point losses; grad[i] = point gradient / count. The loss
    # id and grad's NULL test are the same for every element (predicted
    # branches); the loop cannot be vectorised anyway without reordering the
    # double sum, which -O3 rightly does not do.
    cdef Py_ssize_t i
    cdef double total = 0.0
    cdef loss_grad lg
    for i in range(size):
        lg = _closs(loss, param, out[i], y[i])
        total += lg.loss
        if grad != NULL:
            grad[i] = <floating>(lg.grad / count)
    return total


cdef enum:
    KEPT_EXPS = 64   # classes up to which a cross-entropy row keeps its exps for the gradient


cdef inline double _cross_entropy_row(Py_ssize_t n_cols,
                                      const floating* logits,   # IN, one row
                                      const floating* y,        # IN, one row
                                      floating* grad,           # OUT, one row (may be NULL)
                                      double count) noexcept nogil:
    # sum_j y_j (lse - z_j) with lse = m + log sum_j exp(z_j - m), m = max_j z_j;
    # gradient (softmax(z) * sum_j y_j - y) / count. sum_j y_j is 1 for one-hot
    # and probability rows, but is kept so that the gradient is exact for any y.
    cdef Py_ssize_t j
    cdef double m = logits[0], sum_exp = 0.0, sum_y = 0.0, lse, row_loss = 0.0, e
    # The exps of a row of up to KEPT_EXPS classes are kept for the gradient (on the
    # stack, in double: the same numbers as recomputing them); a wider row recomputes
    # them. exp is most of this kernel: keeping them is 4% of a 10-class epoch.
    cdef double kept[KEPT_EXPS]
    cdef bint keep = grad != NULL and n_cols <= KEPT_EXPS
    for j in range(1, n_cols):
        if logits[j] > m:
            m = logits[j]
    for j in range(n_cols):
        e = exp(logits[j] - m)
        if keep:
            kept[j] = e
        sum_exp += e
        sum_y += y[j]
    lse = m + log(sum_exp)
    for j in range(n_cols):
        row_loss += y[j] * (lse - logits[j])
    if grad != NULL:
        for j in range(n_cols):
            e = kept[j] if keep else exp(logits[j] - m)
            grad[j] = <floating>((e / sum_exp * sum_y - y[j]) / count)
    return row_loss


# --- Dispatch ---------------------------------------------------------------------------

cdef double loss_gradient(int loss, double param,
                          Py_ssize_t n_rows, Py_ssize_t n_cols,
                          const floating* out,                  # IN
                          const floating* y,                    # IN
                          floating* grad                        # OUT (may be NULL)
                          ) noexcept nogil:
    # The mean is over the rows (samples) for half_mse and cross_entropy, over
    # all n_rows * n_cols entries for the others (docs/MATH.md).
    cdef Py_ssize_t i
    cdef double total = 0.0, count
    if loss == CROSS_ENTROPY:
        count = <double>n_rows
        for i in range(n_rows):
            total += _cross_entropy_row(n_cols, out + i * n_cols, y + i * n_cols,
                                        grad + i * n_cols if grad != NULL else NULL, count)
    else:
        count = <double>n_rows if loss == HALF_MSE else <double>(n_rows * n_cols)
        total = _sum_elementwise(loss, param, n_rows * n_cols, out, y, grad, count)
    return total / count


# --- Python twin, for the tests ---------------------------------------------------------

def loss_gradient_py(int loss, double param, const floating[:, ::1] out not None,
                     const floating[:, ::1] y not None, floating[:, ::1] grad=None):
    """The mean loss of out against y, both (n_rows, n_cols) float32 or float64.

    If grad (same shape and dtype) is given it receives the gradient of the
    mean loss with respect to out (the logits for the two cross-entropies).
    """
    if not 0 <= loss <= LOG_COSH:
        raise ValueError(f"unknown loss id {loss}; expected 0 to {<int>LOG_COSH}")
    cdef Py_ssize_t n_rows = out.shape[0], n_cols = out.shape[1]
    if y.shape[0] != n_rows or y.shape[1] != n_cols:
        raise ValueError(f"out has shape {(n_rows, n_cols)} but y has {(y.shape[0], y.shape[1])}")
    if grad is not None and (grad.shape[0] != n_rows or grad.shape[1] != n_cols):
        raise ValueError(f"out has shape {(n_rows, n_cols)} but grad has {(grad.shape[0], grad.shape[1])}")
    if n_rows == 0 or n_cols == 0:
        raise ValueError(f"the loss of an empty batch is undefined, got shape {(n_rows, n_cols)}")
    cdef const floating* out_ptr = &out[0, 0]
    cdef const floating* y_ptr = &y[0, 0]
    cdef floating* grad_ptr = &grad[0, 0] if grad is not None else NULL
    cdef double value
    with nogil:
        value = loss_gradient(loss, param, n_rows, n_cols, out_ptr, y_ptr, grad_ptr)
    return value

"""Metric sums of a batch, added to an accumulator (metrics.pxd says the layout).

The epoch kernel (network.pyx) calls :func:`accumulate_metrics` once per batch,
on the outputs of the forward pass before the update, so that the training
metrics are running sums over the epoch's batches (Keras's convention); the
evaluation kernel calls it once per chunk. ``accumulate`` is its
Python-callable twin, for the tests.
"""

from cython cimport floating

from .losses cimport BINARY_CROSS_ENTROPY, CROSS_ENTROPY, loss_gradient


cdef inline Py_ssize_t _argmax(Py_ssize_t k, const floating* v) noexcept nogil:
    # The first of equal maxima, as numpy.argmax.
    cdef Py_ssize_t j, best = 0
    for j in range(1, k):
        if v[j] > v[best]:
            best = j
    return best


cdef void accumulate_metrics(int flags, Py_ssize_t top_k, int loss, double loss_param,
                             Py_ssize_t n, Py_ssize_t k, const floating* out, const floating* y,
                             const floating* w, double* acc) noexcept nogil:
    cdef Py_ssize_t i, j, truth, above
    cdef double wi, e, hits, yc
    cdef const floating* o
    cdef const floating* t
    cdef double* col_y = acc + <Py_ssize_t>SLOT_COLUMNS
    cdef double* col_y2 = col_y + k
    cdef double* col_e2 = col_y2 + k
    cdef const double* shift = col_e2 + k
    for i in range(n):
        wi = 1.0 if w == NULL else w[i]
        o = out + i * k
        t = y + i * k
        acc[<Py_ssize_t>SLOT_WEIGHT] += wi
        if flags & (METRIC_HITS | METRIC_TOP_K) and loss == CROSS_ENTROPY:
            truth = _argmax(k, t)
            if flags & METRIC_HITS and _argmax(k, o) == truth:
                acc[<Py_ssize_t>SLOT_HITS] += wi
            if flags & METRIC_TOP_K:
                # In the top k when fewer than k classes score strictly higher
                # (tf.math.in_top_k: ties at the boundary count as in).
                above = 0
                for j in range(k):
                    above += o[j] > o[truth]
                if above < top_k:
                    acc[<Py_ssize_t>SLOT_TOP_K] += wi
        elif flags & METRIC_HITS and loss == BINARY_CROSS_ENTROPY:
            # out holds logits: sigmoid(z) >= 0.5 exactly when z >= 0.
            hits = 0
            for j in range(k):
                hits += (o[j] >= 0) == (t[j] >= 0.5)
            acc[<Py_ssize_t>SLOT_HITS] += wi * hits
        if flags & METRIC_LOG_LOSS:
            # The loss kernel on one row: the row's cross-entropy (binary: its mean over k entries).
            e = loss_gradient(loss, loss_param, 1, k, o, t, <floating*>NULL)
            acc[<Py_ssize_t>SLOT_LOG_LOSS] += wi * (e * k if loss == BINARY_CROSS_ENTROPY else e)
        if flags & (METRIC_ABS | METRIC_SQUARED | METRIC_R2):
            for j in range(k):
                e = <double>o[j] - t[j]
                acc[<Py_ssize_t>SLOT_ABS] += wi * (e if e >= 0 else -e)
                acc[<Py_ssize_t>SLOT_SQUARED] += wi * e * e
                if flags & METRIC_R2:
                    # Shifted by c_j (the column's mean, set by the caller): no cancellation in the variance.
                    yc = t[j] - shift[j]
                    col_y[j] += wi * yc
                    col_y2[j] += wi * yc * yc
                    col_e2[j] += wi * e * e


def accumulate(int flags, Py_ssize_t top_k, int loss, double loss_param,
               const floating[:, ::1] out, const floating[:, ::1] y, const floating[::1] w,
               double[::1] acc):
    """accumulate_metrics on whole arrays (w empty: unweighted); acc holds 6 + 4 k doubles."""
    cdef const floating* wp = &w[0] if w.shape[0] > 0 else NULL
    with nogil:
        accumulate_metrics(flags, top_k, loss, loss_param, out.shape[0], out.shape[1],
                           &out[0, 0], &y[0, 0], wp, &acc[0])

# Training and evaluation metrics: per-batch sums added to a small accumulator
# of doubles, inside the epoch's nogil block (docs/MATH.md, "Metrics"). Which
# sums are taken is a bit mask; the Python layer (fastnet/train/metrics.py)
# turns the sums into the metrics. Nothing here allocates or checks.
from cython cimport floating

cpdef enum MetricFlag:
    METRIC_HITS = 1        # accuracy: argmax hits (cross_entropy), thresholded entries (binary_cross_entropy)
    METRIC_TOP_K = 2       # top-k accuracy (cross_entropy)
    METRIC_ABS = 4         # sum of |o - y| (mae)
    METRIC_SQUARED = 8     # sum of (o - y)^2 (rmse)
    METRIC_R2 = 16         # per-column sums of the shifted y, its square and the squared error (r2)
    METRIC_LOG_LOSS = 32   # sum of the cross-entropy of each row (log_loss)

# Slots of the accumulator; the per-column blocks (k doubles each) follow.
cpdef enum MetricSlot:
    SLOT_WEIGHT = 0        # sum of the row weights (the rows' count when unweighted)
    SLOT_HITS = 1
    SLOT_TOP_K = 2
    SLOT_ABS = 3
    SLOT_SQUARED = 4
    SLOT_LOG_LOSS = 5
    SLOT_COLUMNS = 6       # then: sum w (y_j - c_j), sum w (y_j - c_j)^2, sum w e_j^2, the shifts c_j

# Adds the sums of the n rows to acc (6 + 4 k doubles). out (n x k): the
# output layer's logits for the cross-entropies (as the fused losses read
# them), else the activated output. y: targets, (n x k). w: row weights, or
# NULL for weight 1 each. loss, loss_param: the network's loss (the kernel id
# of fastnet._core.losses), which says how accuracy and log_loss read out.
cdef void accumulate_metrics(int flags, Py_ssize_t top_k, int loss, double loss_param,
                             Py_ssize_t n, Py_ssize_t k,
                             const floating* out,          # IN
                             const floating* y,            # IN
                             const floating* w,            # IN (may be NULL)
                             double* acc                   # IN/OUT
                             ) noexcept nogil

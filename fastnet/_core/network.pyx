"""The network engine: prediction, backpropagation and a whole training epoch, each one nogil call.

A. ``Architecture`` holds what never changes for a network (layer sizes,
   activation ids, where each layer's W and b sit in the flat parameter
   buffer, the loss) in C arrays, so the nogil code reads no Python object.
B. A workspace is one flat array, allocated in Python once per (network,
   batch capacity): the gathered batch, every layer's activations, the output
   logits and two delta buffers, and the pre-activations z of each hidden
   layer whose activation's backward pass reads them (gelu, gelu_tanh, silu,
   softplus: activation_needs_z); the others are replaced by a = act(z) in
   place and cost nothing extra. A hidden layer followed by dropout has two
   more blocks: its mask (0 or 1 / (1 - p) per unit) and its dropped output
   (a times the mask, the next layer's input in training); its undropped a
   stays where it was, for its activation's backward pass. After that nothing
   is allocated.
D. Dropout (docs/MATH.md, "Dropout") is an attribute of a layer, not a layer
   of the engine: ``drop_p[l]`` is the rate applied to layer l's output. It is
   active only when a forward pass is given a generator (train_epoch, and
   backward with one): predict and loss run the network without it. The masks
   are drawn from their own SplitMix64 stream (rng[1] of train_epoch), so that
   adding dropout changes neither the initialisation nor the shuffles.
C. ``train_epoch`` runs shuffling, batch gathering, forward, loss gradient,
   backward, gradient clipping and the optimizer update for every batch
   inside one ``with nogil:`` block: Python is touched once per epoch. A
   non-finite loss (or parameter) sets a status and ends the epoch; the
   Python layer raises after the block (as sklearn's _sgd_fast does).
   ``check_grads`` also stops before the update of a batch whose gradient
   is not finite, for callers that keep no copy of the parameters to roll
   back to (``Network.fit(rollback=False)``).
"""

from cython cimport floating
from libc.float cimport DBL_MAX, FLT_MAX
from libc.math cimport isfinite, sqrt
from libc.stdint cimport uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from .activations cimport (MAX_ACTIVATION_PARAMS, activation_backward, activation_forward,
                           activation_needs_z)
from .dense cimport dense_backward, dense_forward
from .losses cimport loss_gradient
from .metrics cimport accumulate_metrics
from .optimizers cimport optimizer_step
from .random cimport shuffled_order, splitmix64_truncated_normal, splitmix64_uniform

# Status codes of train_epoch.
cpdef enum EpochStatus:
    EPOCH_OK = 0
    EPOCH_NONFINITE_LOSS = 1
    EPOCH_NONFINITE_PARAMS = 2
    EPOCH_NONFINITE_GRADS = 3
    EPOCH_NONFINITE_STATE = 4

# How init_params draws a layer's weights (fastnet/nn/init.py names each initialiser's).
cpdef enum InitDistribution:
    INIT_UNIFORM = 0
    INIT_TRUNCATED_NORMAL = 1
    INIT_ZEROS = 2


# ---------------------------------------------------------------------------
# A. The architecture, in C
# ---------------------------------------------------------------------------

cdef struct ArchC:
    Py_ssize_t n_layers
    Py_ssize_t* sizes        # n_layers + 1 widths: inputs, then each layer's outputs
    int* activations         # per layer
    double* act_params       # per layer, MAX_ACTIVATION_PARAMS doubles each (the params struct, zero-padded)
    Py_ssize_t* w_off        # per layer: offset of W in the flat buffer; b follows W
    Py_ssize_t* a_off        # per layer l = 1..n_layers: offset of its activations in the
                             # workspace, in units of the batch capacity (a_off[0] unused)
    Py_ssize_t* z_off        # per layer l = 1..n_layers - 1: offset of its kept pre-activations,
                             # or -1 when its activation does not need them (the output layer's
                             # logits are always kept, at zout_off)
    double* drop_p           # per layer: the dropout rate applied to its output (0: none; the
                             # output layer's is always 0)
    Py_ssize_t* m_off        # per layer l = 1..n_layers - 1: offset of its dropout mask and
    Py_ssize_t* r_off        # of its dropped output, or -1 when drop_p[l - 1] == 0
    bint has_dropout
    Py_ssize_t xb_off, yb_off, wb_off, zout_off, d0_off, d1_off, row_width
    int loss
    double loss_param
    bint fused               # the loss reads the output logits (the cross-entropies)


cdef class Architecture:
    """Layer sizes, activations and loss of a network, laid out for the kernels.

    ``Architecture(sizes, activations, act_params, loss, loss_param, fused, dropout=None)``:
    ``sizes`` has n_layers + 1 widths; ``activations`` and ``act_params`` one
    entry per layer (kernel ids, and each a sequence of at most
    MAX_ACTIVATION_PARAMS floats: ``Activation.param_vector()``); ``loss`` a kernel id;
    ``dropout`` None or one rate in [0, 1) per layer, applied to that layer's
    output in training (the output layer's must be 0).
    """

    cdef ArchC c
    cdef readonly Py_ssize_t n_params

    def __cinit__(self, sizes, activations, act_params, int loss, double loss_param, bint fused,
                  dropout=None):
        cdef Py_ssize_t L = len(activations), l, i, off = 0, width = 0
        if L < 1 or len(sizes) != L + 1 or len(act_params) != L:
            raise ValueError("sizes must have one more entry than activations and act_params")
        rates = [0.0] * L if dropout is None else [float(p) for p in dropout]
        if len(rates) != L:
            raise ValueError(f"dropout must have one rate per layer ({L}), got {len(rates)}")
        if rates[L - 1] != 0.0 or not all(0.0 <= p < 1.0 for p in rates):
            raise ValueError(f"dropout rates must be in [0, 1), and 0 for the output layer; got {rates}")
        self.c.n_layers = L
        self.c.sizes = <Py_ssize_t*> malloc((L + 1) * sizeof(Py_ssize_t))
        self.c.activations = <int*> malloc(L * sizeof(int))
        self.c.act_params = <double*> malloc(L * MAX_ACTIVATION_PARAMS * sizeof(double))
        self.c.w_off = <Py_ssize_t*> malloc(L * sizeof(Py_ssize_t))
        self.c.a_off = <Py_ssize_t*> malloc((L + 1) * sizeof(Py_ssize_t))
        self.c.z_off = <Py_ssize_t*> malloc((L + 1) * sizeof(Py_ssize_t))
        self.c.drop_p = <double*> malloc(L * sizeof(double))
        self.c.m_off = <Py_ssize_t*> malloc((L + 1) * sizeof(Py_ssize_t))
        self.c.r_off = <Py_ssize_t*> malloc((L + 1) * sizeof(Py_ssize_t))
        if (self.c.sizes == NULL or self.c.activations == NULL or self.c.act_params == NULL
                or self.c.w_off == NULL or self.c.a_off == NULL or self.c.z_off == NULL
                or self.c.drop_p == NULL or self.c.m_off == NULL or self.c.r_off == NULL):
            raise MemoryError()
        self.c.has_dropout = False
        for l in range(L):
            self.c.drop_p[l] = rates[l]
            if rates[l] > 0:
                self.c.has_dropout = True
        for l in range(L + 1):
            self.c.sizes[l] = sizes[l]
        for l in range(L):
            self.c.activations[l] = activations[l]
            values = list(act_params[l])
            if len(values) > MAX_ACTIVATION_PARAMS:
                raise ValueError(f"act_params[{l}] has {len(values)} values; at most {MAX_ACTIVATION_PARAMS}")
            for i in range(MAX_ACTIVATION_PARAMS):
                self.c.act_params[l * MAX_ACTIVATION_PARAMS + i] = values[i] if i < len(values) else 0.0
            self.c.w_off[l] = off
            off += sizes[l] * sizes[l + 1] + sizes[l + 1]
        self.n_params = off
        self.c.loss = loss
        self.c.loss_param = loss_param
        self.c.fused = fused

        # Workspace layout, every block a multiple of the batch capacity.
        cdef Py_ssize_t k = sizes[L], max_width = 0
        for l in range(1, L + 1):
            max_width = max(max_width, sizes[l])
        width = 0
        self.c.xb_off = width; width += sizes[0]
        self.c.yb_off = width; width += k
        self.c.wb_off = width; width += 1
        self.c.a_off[0] = 0
        for l in range(1, L + 1):
            self.c.a_off[l] = width; width += sizes[l]
        for l in range(L + 1):
            self.c.z_off[l] = -1
        for l in range(1, L):
            if activation_needs_z(self.c.activations[l - 1]):
                self.c.z_off[l] = width; width += sizes[l]
        for l in range(L + 1):
            self.c.m_off[l] = -1
            self.c.r_off[l] = -1
        for l in range(1, L):
            if self.c.drop_p[l - 1] > 0:
                self.c.m_off[l] = width; width += sizes[l]
                self.c.r_off[l] = width; width += sizes[l]
        self.c.zout_off = width; width += k
        self.c.d0_off = width; width += max_width
        self.c.d1_off = width; width += max_width
        self.c.row_width = width

    def __dealloc__(self):
        free(self.c.sizes)
        free(self.c.activations)
        free(self.c.act_params)
        free(self.c.w_off)
        free(self.c.a_off)
        free(self.c.z_off)
        free(self.c.drop_p)
        free(self.c.m_off)
        free(self.c.r_off)

    def workspace_size(self, Py_ssize_t capacity):
        """Length of the workspace array for batches of up to ``capacity`` rows."""
        return capacity * self.c.row_width

    @property
    def has_dropout(self):
        """Whether some layer's output is dropped out in training."""
        return bool(self.c.has_dropout)


# ---------------------------------------------------------------------------
# B. Forward and backward over one batch (C level)
# ---------------------------------------------------------------------------

cdef void _drop_out(Py_ssize_t count, double p, const floating* out, floating* mask, floating* dropped,
                    uint64_t* rng) noexcept nogil:
    """Inverted dropout of count values: a unit is kept when its uniform u >= p, and scaled by 1 / (1 - p)."""
    cdef Py_ssize_t i
    cdef floating kept = <floating>(1.0 / (1.0 - p))
    for i in range(count):
        mask[i] = kept if splitmix64_uniform(rng) >= p else 0
        dropped[i] = out[i] * mask[i]


cdef void _forward(const ArchC* a, const floating* params, Py_ssize_t n, const floating* x,
                   floating* work, Py_ssize_t cap, bint training=False,
                   uint64_t* drop_rng=NULL) noexcept nogil:
    """Activations of every layer for n rows of x; the output logits go to zout.

    In training, a loss fused with the output activation reads the logits
    only, so the output activation (a softmax's exps) is skipped. With
    ``drop_rng``, the layers with a dropout rate draw their masks from it,
    layer by layer and row-major, and the next layer reads the dropped output.
    """
    cdef Py_ssize_t l, L = a.n_layers, n_out, i
    cdef const floating* inp = x
    cdef floating* out
    cdef floating* act_out
    cdef floating* z_kept
    for l in range(L):
        n_out = a.sizes[l + 1]
        if l < L - 1:
            out = work + cap * a.a_off[l + 1]
            dense_forward(n, a.sizes[l], n_out, inp, params + a.w_off[l],
                          params + a.w_off[l] + a.sizes[l] * n_out, out)
            if a.z_off[l + 1] >= 0:
                # Its backward pass reads z: keep a copy before the activation replaces it
                # (a loop, as for the logits below: rows are short in batch-1 training).
                z_kept = work + cap * a.z_off[l + 1]
                for i in range(n * n_out):
                    z_kept[i] = out[i]
            activation_forward(a.activations[l], a.act_params + l * MAX_ACTIVATION_PARAMS, n, n_out, out)
            inp = out
            if drop_rng != NULL and a.m_off[l + 1] >= 0:
                _drop_out(n * n_out, a.drop_p[l], out, work + cap * a.m_off[l + 1],
                          work + cap * a.r_off[l + 1], drop_rng)
                inp = work + cap * a.r_off[l + 1]
        else:
            # The output layer keeps its logits apart: the fused losses read them.
            out = work + cap * a.zout_off
            dense_forward(n, a.sizes[l], n_out, inp, params + a.w_off[l],
                          params + a.w_off[l] + a.sizes[l] * n_out, out)
            if training and a.fused:
                return
            act_out = work + cap * a.a_off[L]
            for i in range(n * n_out):
                act_out[i] = out[i]
            activation_forward(a.activations[l], a.act_params + l * MAX_ACTIVATION_PARAMS, n, n_out, act_out)


cdef double _weighted_loss_gradient(const ArchC* a, Py_ssize_t n, const floating* out,
                                   const floating* y, const floating* weights, double w_sum,
                                   floating* grad) noexcept nogil:
    """sum_i w_i l_i / w_sum, l_i the loss of row i alone; grad (if not NULL) its gradient."""
    cdef Py_ssize_t i, j, k = a.sizes[a.n_layers]
    cdef double total = 0, scale
    for i in range(n):
        total += weights[i] * loss_gradient(a.loss, a.loss_param, 1, k, out + i * k, y + i * k,
                                            NULL if grad == NULL else grad + i * k)
        if grad != NULL:
            scale = weights[i] / w_sum if w_sum > 0 else 0.0
            for j in range(k):
                grad[i * k + j] = <floating>(grad[i * k + j] * scale)
    return total / w_sum if w_sum > 0 else 0.0


cdef double _backward(const ArchC* a, const floating* params, floating* grads, Py_ssize_t n,
                      const floating* x, const floating* y, const floating* weights,
                      double w_sum, floating* work, Py_ssize_t cap, bint dropping=False) noexcept nogil:
    """Loss of the batch; grads receives its gradient (after _forward on the same rows).

    weights: NULL for the plain mean over rows, else per-row weights summing to
    w_sum (the loss is then the weighted mean). dropping: the forward pass drew
    dropout masks (it was given a generator), so the gradient goes through them.
    """
    cdef Py_ssize_t k = a.sizes[a.n_layers]
    cdef floating* d = work + cap * a.d0_off
    cdef const floating* out = work + cap * a.zout_off if a.fused else work + cap * a.a_off[a.n_layers]
    cdef double loss
    if weights == NULL:
        loss = loss_gradient(a.loss, a.loss_param, n, k, out, y, d)
    else:
        loss = _weighted_loss_gradient(a, n, out, y, weights, w_sum, d)
    _backprop(a, params, grads, n, x, work, cap, dropping)
    return loss


cdef inline void _backprop(const ArchC* a, const floating* params, floating* grads, Py_ssize_t n,
                           const floating* x, floating* work, Py_ssize_t cap, bint dropping) noexcept nogil:
    """grads = dL/dparams from d (at d0_off) = dL/d(the output the loss reads), after _forward on x.

    That output is the activated one, or the logits for a loss fused with its
    activation. Shared by the loss kernels' batches (_backward) and a loss
    computed in Python (output_pass).
    """
    cdef Py_ssize_t l, L = a.n_layers, k = a.sizes[L], n_in, n_out, i
    cdef const floating* mask
    cdef bint dropped
    cdef floating* d = work + cap * a.d0_off
    cdef floating* d_below = work + cap * a.d1_off
    cdef floating* tmp
    cdef const floating* inp
    cdef const floating* z_below
    if not a.fused:
        # The output layer's logits are kept at zout: its z, for the activations that read it.
        activation_backward(a.activations[L - 1], a.act_params + (L - 1) * MAX_ACTIVATION_PARAMS, n, k,
                            work + cap * a.zout_off, work + cap * a.a_off[L], d)
    # Chain rule, last layer first: d holds dL/dz of layer l.
    l = L - 1
    while l >= 0:
        n_in = a.sizes[l]
        n_out = a.sizes[l + 1]
        dropped = dropping and l > 0 and a.m_off[l] >= 0
        # The layer read the dropped output below it (its dW is x_dropped^T d) ...
        inp = x if l == 0 else work + cap * (a.r_off[l] if dropped else a.a_off[l])
        dense_backward(n, n_in, n_out, inp, params + a.w_off[l], d,
                       grads + a.w_off[l], grads + a.w_off[l] + n_in * n_out,
                       NULL if l == 0 else d_below)
        if l > 0:
            if dropped:
                # ... and dL/da = dL/d(a * mask) * mask, through the undropped a's activation.
                mask = work + cap * a.m_off[l]
                for i in range(n * n_in):
                    d_below[i] = d_below[i] * mask[i]
                inp = work + cap * a.a_off[l]
            z_below = work + cap * a.z_off[l] if a.z_off[l] >= 0 else NULL
            activation_backward(a.activations[l - 1], a.act_params + (l - 1) * MAX_ACTIVATION_PARAMS, n, n_in,
                                z_below, inp, d_below)
            tmp = d
            d = d_below
            d_below = tmp
        l -= 1


cdef void _batch_metrics(const ArchC* a, int flags, Py_ssize_t top_k, Py_ssize_t n, const floating* work,
                         Py_ssize_t cap, const floating* y, const floating* weights, double* acc) noexcept nogil:
    """The metric sums of the batch that _forward(training=True) just ran (the logits for the fused losses)."""
    cdef const floating* out = work + cap * (a.zout_off if a.fused else a.a_off[a.n_layers])
    accumulate_metrics(flags, top_k, a.loss, a.loss_param, n, a.sizes[a.n_layers], out, y, weights, acc)


cdef double _sum(Py_ssize_t n, const floating* v) noexcept nogil:
    cdef double s = 0
    cdef Py_ssize_t i
    for i in range(n):
        s += v[i]
    return s


cdef double _global_norm(Py_ssize_t n, const floating* g) noexcept nogil:
    cdef double s = 0
    cdef Py_ssize_t i
    for i in range(n):
        s += <double>g[i] * g[i]
    return sqrt(s)


cdef bint _all_finite(Py_ssize_t n, const floating* v) noexcept nogil:
    # Blocks without an early exit inside, so that gcc vectorises the compares
    # (an exit per element kept the loop scalar: 5% of a large epoch when
    # fit(rollback=False) checks every batch's gradient).
    cdef Py_ssize_t start, i, end
    cdef int bad = 0
    cdef floating limit = FLT_MAX if floating is float else DBL_MAX
    for start in range(0, n, 4096):
        end = min(start + 4096, n)
        for i in range(start, end):
            # NaN compares false both ways.
            bad |= not ((v[i] <= limit) & (v[i] >= -limit))
        if bad:
            return False
    return True


# ---------------------------------------------------------------------------
# C. The Python entry points (arguments are checked by fastnet/network.py)
# ---------------------------------------------------------------------------

def all_finite(const floating[::1] values):
    """True when no element of ``values`` is NaN or infinite.

    For the checks of fit's and predict's data: np.isfinite(values).all()
    allocates one bool per element (a quarter of a float32 data set), and
    reads the data twice.
    """
    cdef Py_ssize_t n = values.shape[0]
    cdef bint ok = True
    if n > 0:
        with nogil:
            ok = _all_finite(n, &values[0])
    return ok


def predict(Architecture arch, const floating[::1] params, const floating[:, ::1] X,  # IN
            floating[:, ::1] out,                                                     # OUT (n x k)
            floating[::1] work, Py_ssize_t capacity):
    """out[:] = the network's activated output for X, in chunks of ``capacity`` rows.

    Returns whether every output is finite (checked here, in the same nogil
    block: a second call would cost a tenth of a one-row prediction).
    """
    cdef const ArchC* a = &arch.c
    cdef Py_ssize_t n = X.shape[0], n0 = a.sizes[0], k = a.sizes[a.n_layers], s, m
    cdef floating* w = &work[0]
    cdef bint finite
    with nogil:
        s = 0
        while s < n:
            m = min(capacity, n - s)
            _forward(a, &params[0], m, &X[s, 0], w, capacity)
            memcpy(&out[s, 0], w + capacity * a.a_off[a.n_layers], m * k * sizeof(floating))
            s += m
        finite = _all_finite(n * k, &out[0, 0])
    return finite


cdef double _chunked_loss(const ArchC* a, const floating* params, Py_ssize_t n, const floating* X,
                          const floating* Y, const floating* wts, floating* w, Py_ssize_t capacity,
                          int metric_flags, Py_ssize_t top_k, double* acc) noexcept nogil:
    """Mean loss over the n rows (weighted when wts is not NULL), in chunks of capacity rows;
    with metric_flags, each chunk's metric sums added to acc (the same forward pass)."""
    cdef Py_ssize_t n0 = a.sizes[0], k = a.sizes[a.n_layers], s = 0, m
    cdef const floating* out = w + capacity * (a.zout_off if a.fused else a.a_off[a.n_layers])
    cdef double total = 0, w_total = _sum(n, wts) if wts != NULL else <double>n, chunk_w
    while s < n:
        m = min(capacity, n - s)
        _forward(a, params, m, X + s * n0, w, capacity, True)
        if metric_flags:
            _batch_metrics(a, metric_flags, top_k, m, w, capacity, Y + s * k, wts + s if wts != NULL else NULL, acc)
        if wts == NULL:
            total += loss_gradient(a.loss, a.loss_param, m, k, out, Y + s * k, <floating*>NULL) * m
        else:
            chunk_w = _sum(m, wts + s)
            total += _weighted_loss_gradient(a, m, out, Y + s * k, wts + s, chunk_w, <floating*>NULL) * chunk_w
        s += m
    return total / w_total


def loss(Architecture arch, const floating[::1] params, const floating[:, ::1] X,
         const floating[:, ::1] Y, const floating[::1] weights, floating[::1] work,
         Py_ssize_t capacity):
    """Mean loss over all rows of X (weighted when weights is not empty), in chunks."""
    cdef const floating* wts = &weights[0] if weights.shape[0] > 0 else NULL
    cdef const floating* x = &X[0, 0] if X.shape[0] > 0 else NULL   # no rows: no element to point at
    cdef const floating* y = &Y[0, 0] if Y.shape[0] > 0 else NULL
    cdef double result
    with nogil:
        result = _chunked_loss(&arch.c, &params[0], X.shape[0], x, y, wts, &work[0], capacity,
                               0, 0, NULL)
    return result


def evaluate(Architecture arch, const floating[::1] params, const floating[:, ::1] X,
             const floating[:, ::1] Y, const floating[::1] weights, floating[::1] work,
             Py_ssize_t capacity, int metric_flags, Py_ssize_t top_k, double[::1] metric_acc):
    """loss(...), and the metric sums of every chunk added to metric_acc (one forward pass)."""
    cdef const floating* wts = &weights[0] if weights.shape[0] > 0 else NULL
    cdef double* acc = &metric_acc[0] if metric_flags else NULL
    cdef const floating* x = &X[0, 0] if X.shape[0] > 0 else NULL   # no rows: no element to point at
    cdef const floating* y = &Y[0, 0] if Y.shape[0] > 0 else NULL
    cdef double result
    with nogil:
        result = _chunked_loss(&arch.c, &params[0], X.shape[0], x, y, wts, &work[0], capacity,
                               metric_flags, top_k, acc)
    return result


def backward(Architecture arch, const floating[::1] params, floating[::1] grads,
             const floating[:, ::1] X, const floating[:, ::1] Y, const floating[::1] weights,
             floating[::1] work, uint64_t[::1] rng=None):
    """Loss of (X, Y) as one batch; grads[:] = its gradient. work holds >= len(X) rows.

    weights: empty for the plain mean, else one weight per row. rng: None runs
    the network without dropout; else rng[0] is the state of the dropout
    stream, which draws the masks (training mode) and is advanced in place.
    """
    cdef const ArchC* a = &arch.c
    cdef Py_ssize_t n = X.shape[0]
    cdef const floating* wts = &weights[0] if weights.shape[0] > 0 else NULL
    cdef double value, w_sum = 0
    cdef bint dropping = rng is not None and a.has_dropout
    cdef uint64_t drop_state = rng[0] if dropping else 0
    with nogil:
        if wts != NULL:
            w_sum = _sum(n, wts)
        _forward(a, &params[0], n, &X[0, 0], &work[0], n, True, &drop_state if dropping else NULL)
        value = _backward(a, &params[0], &grads[0], n, &X[0, 0], &Y[0, 0], wts, w_sum, &work[0], n, dropping)
    if dropping:
        rng[0] = drop_state
    return value


def train_epoch(Architecture arch, floating[::1] params, floating[::1] grads,
                const floating[:, ::1] X, const floating[:, ::1] Y, const floating[::1] weights,
                floating[::1] work, Py_ssize_t batch_size,
                Py_ssize_t[::1] order, bint shuffle, uint64_t[::1] rng,
                int optimizer, const double[::1] hyper, floating[:, ::1] state,
                long long[::1] step, double max_norm, bint check_grads=False,
                int metric_flags=0, Py_ssize_t top_k=0, double[::1] metric_acc=None,
                const double[::1] lr_table=None, Py_ssize_t lr_slot=0):
    """One epoch of mini-batch training (docs/MATH.md, "An epoch"), in one nogil block.

    weights: empty for unweighted training, else one weight per row (each batch's
    loss is then its weighted mean, and the epoch's loss is weighted by the
    batches' total weights). work holds batch_size rows; order has len(X) entries; rng[0] is the shuffle
    generator's state, rng[1] the dropout stream's (read only when the architecture
    has dropout), and step[0] the optimizer's step count (all advanced in
    place, so that they stay consistent with the parameters whatever happens
    after the call); max_norm > 0 clips each batch gradient to that global L2
    norm. check_grads: a batch whose gradient holds a NaN or infinity ends the
    epoch before its update (EPOCH_NONFINITE_GRADS), so that the parameters are
    those after the last finite batch. At the end, parameters that are not finite
    give EPOCH_NONFINITE_PARAMS, then an optimizer state that is not finite
    EPOCH_NONFINITE_STATE. metric_flags (fastnet._core.metrics.MetricFlag bits):
    each batch's metric sums, from its outputs before its update, are added to
    metric_acc (6 + 4 n_outputs doubles). lr_table: None, or one learning rate per
    batch of the epoch (a PerBatch schedule's), put in hyper[lr_slot] before each
    batch's update (a copy of hyper: the caller's is not written). Returns (mean loss, status).
    """
    cdef const ArchC* a = &arch.c
    cdef Py_ssize_t n = X.shape[0], n0 = a.sizes[0], k = a.sizes[a.n_layers]
    cdef Py_ssize_t P = params.shape[0], s, r, m, i
    cdef floating* w = &work[0]
    cdef floating* xb = w + batch_size * a.xb_off
    cdef floating* yb = w + batch_size * a.yb_off
    cdef floating* wb = w + batch_size * a.wb_off
    cdef const floating* wts = &weights[0] if weights.shape[0] > 0 else NULL
    cdef const floating* xin
    cdef const floating* yin
    cdef const floating* win = NULL
    cdef double total = 0, total_weight = 0, value, norm, scale, w_batch
    cdef int status = EPOCH_OK
    cdef uint64_t rng_state = rng[0]
    cdef bint dropping = a.has_dropout
    if dropping and rng.shape[0] < 2:
        raise ValueError("rng must hold the shuffle and the dropout states for a network with dropout")
    cdef uint64_t drop_state = rng[1] if dropping else 0
    cdef long long t = step[0]
    # Plain SGD keeps no state rows: nothing to point at, and nothing is read.
    cdef floating* state_ptr = &state[0, 0] if state.shape[0] > 0 and state.shape[1] > 0 else NULL
    cdef double* acc = &metric_acc[0] if metric_flags else NULL
    # A per-batch rate goes into a copy of the hyperparameters, which the update reads.
    cdef double scheduled[16]
    cdef const double* hyper_ptr = &hyper[0]
    cdef const double* rates = NULL
    cdef Py_ssize_t batch = 0
    if lr_table is not None:
        if hyper.shape[0] > 16 or not 0 <= lr_slot < hyper.shape[0] or lr_table.shape[0] < (n + batch_size - 1) // batch_size:
            raise ValueError("lr_table needs one rate per batch, lr_slot a place in hyper (at most 16)")
        memcpy(scheduled, &hyper[0], hyper.shape[0] * sizeof(double))
        hyper_ptr = scheduled
        rates = &lr_table[0]
    with nogil:
        if shuffle:
            shuffled_order(n, &order[0], &rng_state)
        s = 0
        while s < n:
            m = min(batch_size, n - s)
            if shuffle and m == 1:
                # One row is contiguous where it stands: no gather needed.
                i = order[s]
                xin = &X[i, 0]
                yin = &Y[i, 0]
                win = wts + i if wts != NULL else NULL
            elif shuffle:
                for r in range(m):
                    i = order[s + r]
                    memcpy(xb + r * n0, &X[i, 0], n0 * sizeof(floating))
                    memcpy(yb + r * k, &Y[i, 0], k * sizeof(floating))
                    if wts != NULL:
                        wb[r] = wts[i]
                xin = xb
                yin = yb
                win = wb
            else:
                xin = &X[s, 0]
                yin = &Y[s, 0]
                win = wts + s if wts != NULL else NULL
            w_batch = _sum(m, win) if wts != NULL else <double>m
            _forward(a, &params[0], m, xin, w, batch_size, True, &drop_state if dropping else NULL)
            if metric_flags:
                _batch_metrics(a, metric_flags, top_k, m, w, batch_size, yin, win if wts != NULL else NULL, acc)
            value = _backward(a, &params[0], &grads[0], m, xin, yin,
                              win if wts != NULL else NULL, w_batch, w, batch_size, dropping)
            if not isfinite(value):
                status = EPOCH_NONFINITE_LOSS
                break
            if max_norm > 0:
                # torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when above.
                norm = _global_norm(P, &grads[0])
                # A finite norm (squares summed in double) proves every element finite;
                # an infinite one may be float64 squares overflowing, so look then.
                if check_grads and not isfinite(norm) and not _all_finite(P, &grads[0]):
                    status = EPOCH_NONFINITE_GRADS
                    break
                if norm > max_norm:
                    scale = max_norm / (norm + 1e-6)
                    for i in range(P):
                        grads[i] = <floating>(grads[i] * scale)
            elif check_grads and not _all_finite(P, &grads[0]):
                status = EPOCH_NONFINITE_GRADS
                break
            t += 1
            if rates != NULL:
                scheduled[lr_slot] = rates[batch]
            batch += 1
            optimizer_step(optimizer, hyper_ptr, t, P, &params[0], &grads[0], state_ptr)
            total += value * w_batch
            total_weight += w_batch
            s += m
        if status == EPOCH_OK and not _all_finite(P, &params[0]):
            status = EPOCH_NONFINITE_PARAMS
        elif status == EPOCH_OK and state_ptr != NULL and not _all_finite(state.shape[0] * P, state_ptr):
            # A finite gradient can still overflow the state (Adam's, RMSprop's and
            # Adagrad's squares of g): the parameters stay finite, but every later
            # step of those weights is 0 or NaN, so it is a divergence too.
            status = EPOCH_NONFINITE_STATE
        rng[0] = rng_state
        if dropping:
            rng[1] = drop_state
        step[0] = t
    return (total / total_weight if total_weight > 0 else 0.0), status


def init_params(floating[::1] params, Architecture arch, const int[::1] distributions,
                const double[::1] scales, uint64_t seed):
    """Fill params as docs/MATH.md "Initialisation" says; every bias is 0.

    Layer ``l``'s weights follow ``distributions[l]`` (an InitDistribution):
    U(-scales[l], scales[l]), scales[l] times a standard normal truncated to
    [-2, 2], or zeros. One SplitMix64 stream started at ``seed`` draws the
    weights in flat order (a zeros layer draws nothing).
    """
    cdef const ArchC* a = &arch.c
    cdef Py_ssize_t l, i, n_w, off
    cdef uint64_t state = seed
    cdef double scale
    with nogil:
        for l in range(a.n_layers):
            off = a.w_off[l]
            n_w = a.sizes[l] * a.sizes[l + 1]
            scale = scales[l]
            if distributions[l] == INIT_UNIFORM:
                for i in range(n_w):
                    params[off + i] = <floating>((2.0 * splitmix64_uniform(&state) - 1.0) * scale)
            elif distributions[l] == INIT_TRUNCATED_NORMAL:
                for i in range(n_w):
                    params[off + i] = <floating>(splitmix64_truncated_normal(&state) * scale)
            else:
                for i in range(n_w):
                    params[off + i] = 0
            for i in range(a.sizes[l + 1]):
                params[off + n_w + i] = 0


def output_pass(Architecture arch, const floating[::1] params, floating[::1] grads,
                const floating[:, ::1] X, floating[:, ::1] out, floating[::1] work, bint backward,
                uint64_t[::1] rng=None):
    """One batch whose loss Python computes (a user's loss, fastnet/train/python_loss.py), in two calls.

    backward=False: the forward pass of X's rows in training mode; out[:] = the
    output the loss reads (the activated output; the logits for a fused loss).
    backward=True: out holds dL/d(that output) of the batch loss (its 1/n or
    sample weights included); grads[:] = dL/dparams, through the activations
    the forward call on the same X and work left. work holds >= len(X) rows.
    rng: None runs without dropout; else rng[0] is the dropout stream's state:
    the forward call draws the masks from it (advanced in place) and the
    backward call goes through those masks. The chain rule is _backward's,
    from a given output gradient instead of the loss kernel's.
    """
    cdef const ArchC* a = &arch.c
    cdef Py_ssize_t n = X.shape[0], L = a.n_layers, k = a.sizes[a.n_layers]
    cdef floating* w = &work[0]
    cdef bint dropping = rng is not None and a.has_dropout
    cdef uint64_t drop_state = rng[0] if dropping else 0
    with nogil:
        if not backward:
            _forward(a, &params[0], n, &X[0, 0], w, n, True, &drop_state if dropping else NULL)
            memcpy(&out[0, 0], w + n * (a.zout_off if a.fused else a.a_off[L]), n * k * sizeof(floating))
        else:
            memcpy(w + n * a.d0_off, &out[0, 0], n * k * sizeof(floating))
            _backprop(a, &params[0], &grads[0], n, &X[0, 0], w, n, dropping)
    if dropping and not backward:
        rng[0] = drop_state

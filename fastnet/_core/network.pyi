# Stub for the compiled module fastnet._core.network (network.pyx): the epoch
# engine behind fastnet.Network. It has no C-level API (no .pxd); these are its
# Python entry points, whose arguments fastnet/network.py checks. C types are
# in the trailing comments (`floating`: float or double, chosen by the arrays'
# dtype; all floating arrays of one call share it).
from collections.abc import Sequence
from enum import IntEnum
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

_Floats: TypeAlias = npt.NDArray[np.float32] | npt.NDArray[np.float64]

class EpochStatus(IntEnum):  # cpdef enum EpochStatus (C int): train_epoch's status
    EPOCH_OK = 0
    EPOCH_NONFINITE_LOSS = 1
    EPOCH_NONFINITE_PARAMS = 2
    EPOCH_NONFINITE_GRADS = 3
    EPOCH_NONFINITE_STATE = 4

class InitDistribution(IntEnum):  # cpdef enum InitDistribution (C int): init_params's per-layer draw
    INIT_UNIFORM = 0
    INIT_TRUNCATED_NORMAL = 1
    INIT_ZEROS = 2

class Architecture:  # cdef class: layer sizes, activations and loss in C arrays (struct ArchC)
    def __init__(
        self,
        sizes: Sequence[int],  # Py_ssize_t[n_layers + 1]: input width, then each layer's width
        activations: Sequence[int],  # int[n_layers]: ActivationId per layer
        act_params: Sequence[Sequence[float]],  # double[n_layers][MAX_ACTIVATION_PARAMS]: param_vector() per layer
        loss: int,  # int: a LossId
        loss_param: float,  # double
        fused: bool,  # bint: the loss reads the output logits (the cross-entropies)
        dropout: Sequence[float] | None = None,  # double[n_layers]: rate in [0, 1) on each layer's output, 0 last
    ) -> None: ...
    @property
    def n_params(self) -> int: ...  # readonly Py_ssize_t: length of the flat parameter buffer
    @property
    def has_dropout(self) -> bool: ...  # some layer's output is dropped out in training
    def workspace_size(self, capacity: int) -> int: ...  # Py_ssize_t -> elements of the workspace

def all_finite(values: _Floats) -> bool: ...  # const floating[::1]; no temporary array, GIL released
def predict(
    arch: Architecture,
    params: _Floats,  # const floating[::1] (n_params,); IN
    X: _Floats,  # const floating[:, ::1] (n, n_features); IN
    out: _Floats,  # floating[:, ::1] (n, n_outputs); OUT
    work: _Floats,  # floating[::1] (workspace_size(capacity),): scratch
    capacity: int,  # Py_ssize_t: rows per chunk
) -> bool: ...  # every output finite
def loss(
    arch: Architecture,
    params: _Floats,  # const floating[::1]; IN
    X: _Floats,  # const floating[:, ::1]; IN
    Y: _Floats,  # const floating[:, ::1]; IN
    weights: _Floats,  # const floating[::1]: one per row, or empty for the plain mean; IN
    work: _Floats,  # floating[::1]: scratch
    capacity: int,  # Py_ssize_t
) -> float: ...  # double: the (weighted) mean loss
def evaluate(
    arch: Architecture,
    params: _Floats,  # const floating[::1]; IN
    X: _Floats,  # const floating[:, ::1]; IN
    Y: _Floats,  # const floating[:, ::1]; IN
    weights: _Floats,  # const floating[::1]: one per row, or empty for the plain mean; IN
    work: _Floats,  # floating[::1]: scratch
    capacity: int,  # Py_ssize_t
    metric_flags: int,  # int: fastnet._core.metrics.MetricFlag bits
    top_k: int,  # Py_ssize_t
    metric_acc: npt.NDArray[np.float64],  # double[::1] (6 + 4 n_outputs,); IN/OUT
) -> float: ...  # double: the (weighted) mean loss, as loss()
def backward(
    arch: Architecture,
    params: _Floats,  # const floating[::1]; IN
    grads: _Floats,  # floating[::1]; OUT
    X: _Floats,  # const floating[:, ::1]; IN
    Y: _Floats,  # const floating[:, ::1]; IN
    weights: _Floats,  # const floating[::1]: one per row, or empty for the plain mean; IN
    work: _Floats,  # floating[::1]: scratch for len(X) rows
    rng: npt.NDArray[np.uint64] | None = None,  # uint64_t[::1] (1,): dropout stream state, IN/OUT; None: no dropout
) -> float: ...  # double: the loss of (X, Y) as one batch
def train_epoch(
    arch: Architecture,
    params: _Floats,  # floating[::1]; IN/OUT
    grads: _Floats,  # floating[::1]; OUT
    X: _Floats,  # const floating[:, ::1]; IN
    Y: _Floats,  # const floating[:, ::1]; IN
    weights: _Floats,  # const floating[::1]: one per row, or empty for unweighted training; IN
    work: _Floats,  # floating[::1]: scratch for batch_size rows
    batch_size: int,  # Py_ssize_t
    order: npt.NDArray[np.intp],  # Py_ssize_t[::1] (n,): scratch
    shuffle: bool,  # bint
    rng: npt.NDArray[np.uint64],  # uint64_t[::1] (1 or 2,): shuffle, then dropout SplitMix64 states; IN/OUT
    optimizer: int,  # int: an OptimizerId
    hyper: npt.NDArray[np.float64],  # const double[::1]; IN
    state: _Floats,  # floating[:, ::1] (n_state, n_params); IN/OUT
    step: npt.NDArray[np.int64],  # long long[::1] (1,): the optimizer's step count; IN/OUT
    max_norm: float,  # double: > 0 clips each batch gradient to this global L2 norm
    check_grads: bool = False,  # bint: stop before the update of a batch whose gradient is not finite
    metric_flags: int = 0,  # int: fastnet._core.metrics.MetricFlag bits; 0 takes no metric sums
    top_k: int = 0,  # Py_ssize_t: k of top-k accuracy
    metric_acc: npt.NDArray[np.float64] | None = None,  # double[::1] (6 + 4 n_outputs,); IN/OUT when metric_flags
    lr_table: npt.NDArray[np.float64] | None = None,  # const double[::1] (n_batches,): a rate per batch; IN
    lr_slot: int = 0,  # Py_ssize_t: where in hyper the rate goes
) -> tuple[float, int]: ...  # (double mean loss, int EpochStatus)
def init_params(
    params: _Floats,  # floating[::1] (n_params,); OUT
    arch: Architecture,
    distributions: npt.NDArray[np.intc],  # const int[::1] (n_layers,): InitDistribution ids; IN
    scales: npt.NDArray[np.float64],  # const double[::1] (n_layers,): the limit or standard deviation; IN
    seed: int | np.uint64,  # uint64_t
) -> None: ...
def output_pass(
    arch: Architecture,
    params: _Floats,  # const floating[::1]; IN
    grads: _Floats,  # floating[::1]; OUT when backward
    X: _Floats,  # const floating[:, ::1] (n, n_features); IN
    out: _Floats,  # floating[:, ::1] (n, n_outputs): the output (OUT), or when backward dL/d(output) (IN)
    work: _Floats,  # floating[::1]: scratch for len(X) rows, kept between the two calls of a batch
    backward: bool,  # bint: False the forward pass, True the backward pass from out
    rng: npt.NDArray[np.uint64] | None = None,  # uint64_t[::1] (1,): dropout stream state, IN/OUT; None: no dropout
) -> None: ...

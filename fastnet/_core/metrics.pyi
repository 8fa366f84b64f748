# Stub for the compiled module fastnet._core.metrics (metrics.pyx): the metric
# sums the epoch kernel and the evaluation kernel accumulate (metrics.pxd says
# the accumulator's layout; fastnet/train/metrics.py turns it into figures).
# C types are in the trailing comments (`floating`: float or double, chosen by
# the arrays' dtype).
from enum import IntEnum
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

_Floats: TypeAlias = npt.NDArray[np.float32] | npt.NDArray[np.float64]

__pyx_capi__: dict[str, object]  # PyCapsules of the cdef functions, one per float / double specialisation

class MetricFlag(IntEnum):  # cpdef enum MetricFlag (C int): the sums to take, a bit mask
    METRIC_HITS = 1
    METRIC_TOP_K = 2
    METRIC_ABS = 4
    METRIC_SQUARED = 8
    METRIC_R2 = 16
    METRIC_LOG_LOSS = 32

class MetricSlot(IntEnum):  # cpdef enum MetricSlot (C int): positions in the accumulator
    SLOT_WEIGHT = 0
    SLOT_HITS = 1
    SLOT_TOP_K = 2
    SLOT_ABS = 3
    SLOT_SQUARED = 4
    SLOT_LOG_LOSS = 5
    SLOT_COLUMNS = 6

def accumulate(
    flags: int,  # int: MetricFlag bits
    top_k: int,  # Py_ssize_t: k of top-k accuracy
    loss: int,  # int: a LossId
    loss_param: float,  # double
    out: _Floats,  # const floating[:, ::1] (n, k): logits for the cross-entropies, else outputs; IN
    y: _Floats,  # const floating[:, ::1] (n, k); IN
    w: _Floats,  # const floating[::1] (n,) or empty for weight 1 each; IN
    acc: npt.NDArray[np.float64],  # double[::1] (6 + 4 k,); IN/OUT
) -> None: ...

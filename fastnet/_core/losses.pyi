# Stub for the compiled module fastnet._core.losses (losses.pyx).
# The C-level API (loss_gradient, cimported from losses.pxd) is described in
# docs/C_API.md; C types are in the trailing comments (`floating`: float or
# double, chosen by the arrays' dtype).
from enum import IntEnum
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

_Floats: TypeAlias = npt.NDArray[np.float32] | npt.NDArray[np.float64]

__pyx_capi__: dict[str, object]  # PyCapsules of the cdef functions, one per float / double specialisation

class LossId(IntEnum):  # cpdef enum LossId (C int); order of fastnet.losses.LOSSES
    HALF_MSE = 0
    MSE = 1
    MAE = 2
    HUBER = 3
    BINARY_CROSS_ENTROPY = 4
    CROSS_ENTROPY = 5
    POISSON = 6
    QUANTILE = 7
    LOG_COSH = 8

def loss_gradient_py(
    loss: int,  # int: a LossId
    param: float,  # double: huber's delta, quantile's q, else unused
    out: _Floats,  # const floating[:, ::1] (n_rows, n_cols): outputs, logits for the cross-entropies, log-rates for poisson; IN
    y: _Floats,  # const floating[:, ::1], same shape and dtype: targets; IN
    grad: _Floats | None = None,  # floating[:, ::1] or None; OUT: d(mean loss)/d(out)
) -> float: ...  # double: the mean loss

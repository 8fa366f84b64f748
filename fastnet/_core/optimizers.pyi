# Stub for the compiled module fastnet._core.optimizers (optimizers.pyx).
# The C-level API (optimizer_step, cimported from optimizers.pxd) is described
# in docs/C_API.md; C types are in the trailing comments (`floating`: float or
# double, chosen by the arrays' dtype).
from enum import IntEnum
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

_Floats: TypeAlias = npt.NDArray[np.float32] | npt.NDArray[np.float64]

__pyx_capi__: dict[str, object]  # PyCapsules of the cdef functions, one per float / double specialisation

class OptimizerId(IntEnum):  # cpdef enum OptimizerId (C int); order of fastnet.optim.OPTIMIZERS
    SGD = 0
    ADAM = 1
    ADAMW = 2
    RMSPROP = 3
    ADAGRAD = 4

#: OptimizerId -> the names of its hyperparameters, in the order of the hyper vector
#: (the fields of its struct in optimizers.pxd: SGDHyper, AdamHyper, RMSpropHyper, AdagradHyper).
HYPERPARAMETERS: dict[int, tuple[str, ...]]

def n_state_rows(
    optimizer: int,  # int: an OptimizerId
    hyper: npt.NDArray[np.float64],  # const double[::1]: Optimizer.hyper_vector(); IN
) -> int: ...  # the state rows the update reads and writes with these hyperparameters

def step(
    optimizer: int,  # int: an OptimizerId
    hyper: npt.NDArray[np.float64],  # const double[::1]: Optimizer.hyper_vector(); IN
    t: int,  # long long: the 1-based step number
    params: _Floats,  # floating[::1] (n,); IN/OUT
    grads: _Floats,  # const floating[::1] (n,); IN
    state: _Floats,  # floating[:, ::1] (n_state_rows(optimizer, hyper), n); IN/OUT
) -> None: ...

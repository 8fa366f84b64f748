# Stub for the compiled module fastnet._core.activations (activations.pyx).
# Python sees the enum, the parameter layout and the test twins; the C-level API
# (cdef functions, cimported from activations.pxd) is described in docs/C_API.md.
# The exact C type of each argument is in the trailing comment; `floating` is
# Cython's fused float / double, chosen by the arrays' dtype.
from collections.abc import Iterable
from enum import IntEnum
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

_Floats: TypeAlias = npt.NDArray[np.float32] | npt.NDArray[np.float64]

__pyx_capi__: dict[str, object]  # PyCapsules of the cdef functions, one per float / double specialisation

class ActivationId(IntEnum):  # cpdef enum ActivationId (C int); order of fastnet.activations.ACTIVATIONS
    IDENTITY = 0
    RELU = 1
    LEAKY_RELU = 2
    SIGMOID = 3
    TANH = 4
    SOFTMAX = 5
    GELU = 6
    GELU_TANH = 7
    SILU = 8
    ELU = 9
    SOFTPLUS = 10

#: ActivationId -> the names of its parameters, in the order of the params array
#: (the fields of its struct in activations.pxd: LeakyReluParams, EluParams, SoftplusParams; () for none).
PARAMETERS: dict[int, tuple[str, ...]]

def needs_z(activation: int) -> bool: ...  # int -> bint activation_needs_z: backward reads z
def forward(
    activation: int,  # int: an ActivationId
    params: Iterable[float],  # const double*: one float per name of PARAMETERS[activation]
    z: _Floats,  # floating[:, ::1] (n_rows, n_cols), C-contiguous; IN/OUT: replaced by act(z)
) -> None: ...
def backward(
    activation: int,  # int: an ActivationId
    params: Iterable[float],  # const double*: as in forward
    a: _Floats,  # const floating[:, ::1] (n_rows, n_cols): the activated output act(z); IN
    delta: _Floats,  # floating[:, ::1], same shape and dtype; IN: dL/da, OUT: dL/dz
    z: _Floats | None = None,  # const floating[:, ::1] or NULL: the pre-activations, where needs_z; IN
) -> None: ...

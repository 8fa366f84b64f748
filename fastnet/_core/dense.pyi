# Stub for the compiled module fastnet._core.dense (dense.pyx).
# The C-level API (dense_forward, dense_backward, cimported from dense.pxd) is
# described in docs/C_API.md; C types are in the trailing comments
# (`floating`: float or double, chosen by the arrays' dtype). The twins check
# no shapes: the caller does.
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

_Floats: TypeAlias = npt.NDArray[np.float32] | npt.NDArray[np.float64]

__pyx_capi__: dict[str, object]  # PyCapsules of the cdef functions, one per float / double specialisation

def forward_uses_blas(n: int, n_in: int, n_out: int) -> bool: ...
def backward_uses_blas(n: int, n_in: int, n_out: int) -> bool: ...
def forward(
    x: _Floats,  # const floating[:, ::1] (n, n_in); IN
    w: _Floats,  # const floating[:, ::1] (n_in, n_out); IN
    b: _Floats,  # const floating[::1] (n_out,); IN
    z: _Floats,  # floating[:, ::1] (n, n_out); OUT: x @ w + b
) -> None: ...
def backward(
    x: _Floats,  # const floating[:, ::1] (n, n_in); IN
    w: _Floats,  # const floating[:, ::1] (n_in, n_out); IN
    delta: _Floats,  # const floating[:, ::1] (n, n_out): dL/dz; IN
    dw: _Floats,  # floating[:, ::1] (n_in, n_out); OUT: x.T @ delta
    db: _Floats,  # floating[::1] (n_out,); OUT: delta.sum(0)
    dx: _Floats | None = None,  # floating[:, ::1] (n, n_in) or None; OUT: delta @ w.T
) -> None: ...

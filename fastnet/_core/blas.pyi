# Stub for the compiled module fastnet._core.blas (blas.pyx): row-major BLAS
# over scipy.linalg.cython_blas. The C-level API (gemm, gemv, axpy, dot, nrm2,
# scal, cimported from blas.pxd) is described in docs/C_API.md. The functions
# below are their Python-callable twins, for the tests; C types are in the
# trailing comments (`floating`: float or double, chosen by the arrays'
# dtype; the double scalars are rounded to it).
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

_Floats: TypeAlias = npt.NDArray[np.float32] | npt.NDArray[np.float64]

__pyx_capi__: dict[str, object]  # PyCapsules of the cdef functions, one per float / double specialisation

def _gemm(
    trans_a: bool,  # bint
    trans_b: bool,  # bint
    alpha: float,  # double
    a: _Floats,  # const floating[:, ::1]; IN
    b: _Floats,  # const floating[:, ::1]; IN
    beta: float,  # double
    c: _Floats,  # floating[:, ::1]; IN/OUT: alpha * op(a) @ op(b) + beta * c
) -> None: ...
def _gemv(
    trans_a: bool,  # bint
    alpha: float,  # double
    a: _Floats,  # const floating[:, ::1] (m, n); IN
    x: _Floats,  # const floating[::1]; IN
    beta: float,  # double
    y: _Floats,  # floating[::1]; IN/OUT: alpha * op(a) @ x + beta * y
) -> None: ...
def _axpy(
    alpha: float,  # double
    x: _Floats,  # const floating[::1]; IN
    y: _Floats,  # floating[::1]; IN/OUT: y + alpha * x
) -> None: ...
def _dot(
    x: _Floats,  # const floating[::1]; IN
    y: _Floats,  # const floating[::1]; IN
) -> float: ...  # floating
def _nrm2(
    x: _Floats,  # const floating[::1]; IN
) -> float: ...  # floating
def _scal(
    alpha: float,  # double
    x: _Floats,  # floating[::1]; IN/OUT: alpha * x
) -> None: ...
def _use_blas64(
    sgemm64: int,  # uintptr_t: the ILP64 Fortran sgemm_ address, or 0
    dgemm64: int,
    saxpy64: int,
    daxpy64: int,
) -> None: ...  # all or none; all 0 goes back to scipy's BLAS (fastnet/runtime/blas.py)

"""``Network.predict`` with a fixed cost close to the kernel's own.

A prediction of one row is a few thousand multiply-adds, less than a
microsecond of arithmetic, so what surrounds the kernel call decides its
speed. Three things are avoided where they are not needed:

- the BLAS-thread scope: a forward pass whose layers all take the dense
  kernel's loops (one row, or small layers: fastnet/_core/dense.pyx) calls no
  BLAS, so there is no BLAS thread count to hold (it costs more than such a
  prediction: two calls into OpenBLAS and a lock);
- the output's allocation: ``out=`` takes a buffer to reuse (checked in O(1):
  its type, dtype, shape, layout, and that it overlaps neither the input nor
  the parameters);
- the input's checks beyond O(1): ``check_input=False`` trusts that ``X`` is
  already what the kernel reads (an ndarray of the network's dtype,
  C-contiguous, aligned, of shape (n, n_features)) and checks only that, in
  O(1), as scikit-learn's trees do with the same argument; it skips the scan
  for NaN and infinity. A non-finite input then gives a non-finite output,
  which the output check still turns into an error: no wrong number passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .._core import network as _engine
from ..checks.arrays import Floats, as_features
from ..runtime.threads import blas_threads

if TYPE_CHECKING:
    from .network import Network

__all__ = ["predict"]

def _trusted_features(X: Any, n_features: int, dtype: np.dtype[Any]) -> Floats:
    """X as it is, after O(1) checks that the kernel can read it (``check_input=False``)."""
    if not isinstance(X, np.ndarray):
        raise TypeError(f"X must be a numpy.ndarray with check_input=False, got {type(X).__name__}")
    if X.dtype != dtype or X.ndim != 2 or X.shape[0] == 0 or X.shape[1] != n_features:
        raise ValueError(f"X must be a non-empty {dtype.name} array of shape (n_samples, {n_features}) with "
                         f"check_input=False, got {X.dtype.name} of shape {X.shape}")
    if not (X.flags.c_contiguous and X.flags.aligned):
        raise ValueError("X must be C-contiguous and aligned with check_input=False "
                         "(np.ascontiguousarray(X)), or pass check_input=True")
    return X


def _output_buffer(out: Any, features: Floats, net: Network) -> Floats:
    """A new output array, or ``out`` after O(1) checks."""
    shape = (features.shape[0], net.n_outputs)
    if out is None:
        return np.empty(shape, dtype=net.dtype)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray or None, got {type(out).__name__}")
    if out.dtype != net.dtype or out.shape != shape:
        raise ValueError(f"out must be a {net.dtype.name} array of shape {shape}, got {out.dtype.name} "
                         f"of shape {out.shape}")
    if not (out.flags.c_contiguous and out.flags.aligned and out.flags.writeable):
        raise ValueError("out must be C-contiguous, aligned and writeable")
    # Bounds, not elements (O(1)): an overlap would be overwritten while it is read.
    if np.may_share_memory(out, features) or np.may_share_memory(out, net._params):
        raise ValueError("out must not overlap X or the network's parameters")
    result: Floats = out
    return result


def predict(net: Network, X: npt.ArrayLike, out: Any = None, check_input: bool = True) -> Floats:
    """The network's output for X; see :meth:`fastnet.Network.predict`."""
    if check_input:
        features = as_features(X, net.n_features, net.dtype)
    else:
        features = _trusted_features(X, net.n_features, net.dtype)
    result = _output_buffer(out, features, net)
    n = features.shape[0]
    with net._lock:
        capacity = net._chunk(n)
        work = net._workspace(capacity)
        if n <= net._rows_without_blas:
            finite = _engine.predict(net._arch, net._params, features, result, work, capacity)
        else:
            with blas_threads(net._n_threads):
                finite = _engine.predict(net._arch, net._params, features, result, work, capacity)
    if not finite:
        if not check_input:
            as_features(X, net.n_features, net.dtype)   # a non-finite X: the error that names it
        net._check_finite_result(result, "output")   # else an overflow: raises, saying what to do
    return result

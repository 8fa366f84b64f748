"""The hand-written C loop as a peer of the batch-1 workloads: the limit of the per-sample loop.

``fastnet/bench/mlp_batch1.c`` is fastnet's per-sample SGD epoch in plain
C (relu hidden layers, fastnet's "mse", the same update), its layer sizes
fixed at compile time. It is compiled here, at benchmark time, with the
system compiler (``$CC`` or ``cc``: ``-O3 -march=native -shared -fPIC``) into
a temporary directory once per (sizes, dtype) and process, and called through
ctypes once per epoch with that epoch's sample order (one NumPy permutation).
The compile time is reported apart from the epoch times (``compile_seconds``).

It is skipped without a compiler, when the compile fails (the compiler's
message is the reason), when the C source is not there, and for workloads that
are not batch-1 MSE networks. The source ships in the wheel (package data), so
``python -m fastnet bench`` of an installed fastnet has the limit too.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import subprocess
import tempfile
import time

import numpy as np
import numpy.typing as npt

from .peer import Array, Peer, PeerUnavailable
from .workloads import Workload

__all__ = ["CLoopPeer", "C_SOURCE", "compiler", "compile_loop"]

#: The C source, beside this module (package data of fastnet.bench).
C_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp_batch1.c")
_FLAGS = ("-O3", "-march=native", "-shared", "-fPIC")
_C_TYPES = {"float32": "float", "float64": "double"}

_libraries: dict[tuple[tuple[int, ...], str], tuple[ctypes.CDLL, float]] = {}
_build_dir: list[str] = []


def compiler() -> str | None:
    """The C compiler to use: ``$CC`` if set, else ``cc``, ``gcc`` or ``clang`` on the PATH; None if none."""
    cc = os.environ.get("CC")
    if cc:
        return shutil.which(cc)
    return next((path for path in map(shutil.which, ("cc", "gcc", "clang")) if path), None)


def _directory() -> str:
    if not _build_dir:
        _build_dir.append(tempfile.mkdtemp(prefix="fastnet-c-loop-"))
        atexit.register(shutil.rmtree, _build_dir[0], True)
    return _build_dir[0]


def compile_loop(sizes: tuple[int, ...], dtype: str) -> tuple[ctypes.CDLL, float]:
    """The compiled loop for ``sizes`` and ``dtype`` ("float32"/"float64"), and the seconds its compile took.

    Compiled once per process; raises PeerUnavailable with the reason when it cannot be.
    """
    key = (tuple(sizes), dtype)
    if key in _libraries:
        return _libraries[key][0], 0.0
    cc = compiler()
    if cc is None:
        raise PeerUnavailable("no C compiler (set CC or install cc)")
    if not os.path.exists(C_SOURCE):
        raise PeerUnavailable(f"the C source {C_SOURCE} is not in this installation")
    out = os.path.join(_directory(), f"mlp_{'_'.join(map(str, sizes))}_{dtype}.so")
    macros = [f"-DREAL={_C_TYPES[dtype]}", f"-DNLAYERS={len(sizes) - 1}",
              f"-DSIZES={{{','.join(map(str, sizes))}}}", f"-DMAXW={max(sizes)}"]
    start = time.perf_counter()
    proc = subprocess.run([cc, *_FLAGS, *macros, C_SOURCE, "-o", out], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        message = (proc.stderr or proc.stdout).strip().splitlines()
        raise PeerUnavailable(f"{os.path.basename(cc)} failed: {message[0] if message else proc.returncode}")
    lib = ctypes.CDLL(out)
    lib.mlp_epoch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_int64, ctypes.c_double]
    lib.mlp_epoch.restype = ctypes.c_double
    _libraries[key] = (lib, seconds)
    return lib, seconds


class CLoopPeer(Peer):
    """The C loop (batch 1, MSE); ``shuffle=False`` trains the rows in their order (for the tests)."""

    name = "c_loop"

    @classmethod
    def available(cls) -> str | None:
        if compiler() is None:
            return "no C compiler (set CC or install cc)"
        if not os.path.exists(C_SOURCE):
            return "benchmarks/c_loop/mlp_batch1.c is not in this installation (a source checkout has it)"
        return None

    @classmethod
    def skip_reason(cls, workload: Workload) -> str | None:
        if workload.batch_size != 1 or workload.loss != "mse":
            return "the C loop is written for the batch-1 MSE workloads (tiny, small)"
        return None

    def __init__(self, workload: Workload, X: Array, y: Array, dtype: npt.DTypeLike = "float32",
                 init_params: Array | None = None, seed: int = 0, shuffle: bool = True) -> None:
        super().__init__(workload, X, y, dtype, init_params, seed)
        reason = self.skip_reason(workload)
        if reason is not None:
            raise ValueError(f"CLoopPeer: {reason}; got {workload.name} (batch {workload.batch_size}, "
                             f"{workload.loss})")
        if self.dtype.name not in _C_TYPES:
            raise ValueError(f"CLoopPeer: dtype must be float32 or float64, got {self.dtype.name}")
        self._lib, self.compile_seconds = compile_loop(workload.sizes, self.dtype.name)
        if init_params is None:
            init_params = workload.network(dtype=self.dtype, seed=seed).params
        self.params: Array = np.array(init_params, dtype=self.dtype)
        if self.params.shape != (workload.n_params,):
            raise ValueError(f"CLoopPeer: init_params must hold {workload.n_params} numbers, "
                             f"got shape {self.params.shape}")
        # The C code trusts its arrays: their shapes are checked here.
        self.X: Array = np.ascontiguousarray(X, dtype=self.dtype)
        if self.X.ndim != 2 or self.X.shape[1] != workload.sizes[0]:
            raise ValueError(f"CLoopPeer: X must be (n_samples, {workload.sizes[0]}), got shape {self.X.shape}")
        self.Y: Array = np.ascontiguousarray(y, dtype=self.dtype)
        if self.Y.size != len(self.X) * workload.sizes[-1]:
            raise ValueError(f"CLoopPeer: y must hold {workload.sizes[-1]} value(s) per row of X "
                             f"({len(self.X)} rows), got shape {self.Y.shape}")
        self.Y = self.Y.reshape(len(self.X), workload.sizes[-1])
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)
        self._in_order = np.arange(len(X), dtype=np.int64)

    def run(self) -> float:
        order = self.rng.permutation(len(self.X)).astype(np.int64) if self.shuffle else self._in_order
        loss: float = self._lib.mlp_epoch(self.params.ctypes.data, self.X.ctypes.data, self.Y.ctypes.data,
                                          order.ctypes.data, len(order), self.workload.lr)
        return loss

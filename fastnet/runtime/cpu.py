"""Which OpenBLAS kernel runs here, and whether the environment forces an older one than the CPU has.

OpenBLAS picks its kernels for the CPU at load time (``DYNAMIC_ARCH``), unless
``OPENBLAS_CORETYPE`` names one. Hosts set it for old OpenBLAS builds that did
not know their CPU, and it stays set: on an AVX-512 CPU,
``OPENBLAS_CORETYPE=Haswell`` runs the AVX2 kernel at about half the sgemm
rate, and every timing then measures a machine users do not have.
:func:`blas_kernel` says what runs (threadpoolctl's ``architecture`` of the
library the kernels call) and what the CPU could run; :func:`forced_kernel_warning`
turns a forced older kernel into one plain sentence for ``show_config`` and
the benchmarks. Nothing here changes the environment.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from . import blas as _blas

__all__ = ["BlasKernel", "blas_kernel", "forced_kernel_warning"]

#: OpenBLAS's x86-64 core types, oldest first: the CPU flags each needs
#: (/proc/cpuinfo names), the vector units of its float32/float64 kernels, and
#: their rank. Cooperlake and SapphireRapids add bfloat16 kernels only: for
#: fastnet's sgemm and dgemm they are SkylakeX.
_CORETYPES: list[tuple[str, frozenset[str], str, int]] = [
    ("Nehalem", frozenset({"sse4_2"}), "SSE4.2", 0),
    ("Sandybridge", frozenset({"avx"}), "AVX", 1),
    ("Haswell", frozenset({"avx2", "fma"}), "AVX2", 2),
    ("SkylakeX", frozenset({"avx512f", "avx512bw", "avx512vl", "avx512dq"}), "AVX-512", 3),
    ("Cooperlake", frozenset({"avx512_bf16"}), "AVX-512", 3),
    ("SapphireRapids", frozenset({"amx_bf16"}), "AVX-512", 3),
]
_RANK = {name.lower(): rank for name, _, _, rank in _CORETYPES}


@dataclass(frozen=True)
class BlasKernel:
    """The kernel OpenBLAS runs, the best one this CPU supports, and what the environment asked for."""

    running: str | None       # threadpoolctl's architecture of the kernels' library (None: unknown)
    best: str | None          # the newest core type whose flags the CPU has (None: not x86-64 Linux)
    forced: str | None        # OPENBLAS_CORETYPE, if set

    @property
    def older_than_cpu(self) -> bool:
        """True when the running kernel is an older core type than the CPU supports."""
        running, best = _RANK.get((self.running or "").lower()), _RANK.get((self.best or "").lower())
        return running is not None and best is not None and running < best


def _cpu_flags() -> frozenset[str] | None:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return None


def _best_coretype(flags: frozenset[str] | None) -> str | None:
    if flags is None:
        return None
    best = None
    for name, needs, _, _ in _CORETYPES:
        if needs <= flags:
            best = name
        else:
            break   # each core type also needs the flags of the ones before it
    return best


def _running_architecture() -> str | None:
    """threadpoolctl's ``architecture`` of the OpenBLAS the kernels call (None without threadpoolctl)."""
    try:
        controller = importlib.import_module("threadpoolctl").ThreadpoolController()
    except ImportError:
        return None
    ours = _blas.kernel_blas().path
    ours = os.path.realpath(ours) if ours else None
    blas = [lib for lib in controller.lib_controllers if lib.user_api == "blas"]
    for lib in blas:
        if ours is not None and os.path.realpath(lib.filepath) == ours:
            return getattr(lib, "architecture", None)
    return getattr(blas[0], "architecture", None) if blas else None


def blas_kernel() -> BlasKernel:
    """What OpenBLAS runs for fastnet's kernels here, against what this CPU could run."""
    return BlasKernel(running=_running_architecture(), best=_best_coretype(_cpu_flags()),
                      forced=os.environ.get("OPENBLAS_CORETYPE") or None)


def forced_kernel_warning(kernel: BlasKernel | None = None) -> str | None:
    """A sentence when OpenBLAS runs an older kernel than the CPU supports, saying why and what it costs; else None."""
    kernel = blas_kernel() if kernel is None else kernel
    if not kernel.older_than_cpu:
        return None
    width = {name: w for name, _, w, _ in _CORETYPES}
    running = f"{kernel.running} ({width.get(kernel.running or '', '?')})"
    best = f"{kernel.best} ({width.get(kernel.best or '', '?')})"
    cause = (f"OPENBLAS_CORETYPE={kernel.forced} forces it" if kernel.forced
             else "this OpenBLAS build has no kernel for the CPU")
    fix = (" Unset OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) for the kernel users get, for one command:"
           " env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m fastnet bench" if kernel.forced else "")
    cost = ("about half the sgemm rate of the AVX-512 kernel" if width.get(kernel.running or "") == "AVX2"
            and width.get(kernel.best or "") == "AVX-512" else "a fraction of this CPU's rate")
    return (f"OpenBLAS runs its {running} kernel on a CPU that supports {best}: {cause}. Matrix products"
            f" get {cost}, so timings here understate what users get.{fix}")

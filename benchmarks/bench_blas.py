"""The BLAS under every other figure: which OpenBLAS kernel ran, and its single-thread sgemm rate.

A dashboard's timings move with the kernel OpenBLAS picks (AVX2 against
AVX-512 is about a factor of two in sgemm), and a host may force an older one
with ``OPENBLAS_CORETYPE``. These two tracks put that beside the timings: a
step in them explains a step in every product-bound benchmark. Run the suite
with both variables unset to measure what users get
(``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE asv run``, docs/BENCHMARKS.md).
"""

from fastnet.bench.timing import gemm_rate
from fastnet.runtime.cpu import blas_kernel

from ._common import single_thread


class OpenBLASKernel:
    def setup(self):
        single_thread()

    def track_sgemm_gflops(self):
        """Single-thread 1024^3 sgemm through the routine fastnet's kernels call (best of 5)."""
        return gemm_rate(1024, repeats=5)["fastnet_gflops"]

    track_sgemm_gflops.unit = "GFLOP/s"

    def track_kernel_older_than_cpu(self):
        """1 when OpenBLAS runs an older kernel than the CPU supports (OPENBLAS_CORETYPE, an old build), else 0."""
        return int(blas_kernel().older_than_cpu)

    track_kernel_older_than_cpu.unit = "forced older kernel (1) or not (0)"

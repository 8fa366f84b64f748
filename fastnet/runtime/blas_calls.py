"""Which of the engine's passes call BLAS, and so need a BLAS-thread scope (runtime/threads.py).

The dense kernels multiply small products in their own loops and hand larger
ones to gemm (_core/dense.pyx). A pass that calls no BLAS needs no thread
scope, and the scope (a lock, a counter, two calls into OpenBLAS) costs more
than a small prediction or a tiny network's batch-1 epoch; these say, once per
network, up to how many rows a pass stays in the loops.
"""

from __future__ import annotations

from collections.abc import Callable

from .._core import dense as _dense

__all__ = ["rows_without_blas", "training_rows_without_blas"]

#: The searches look no further: beyond a few rows the products are BLAS's.
_MAX_LOOP_ROWS = 64

#: Parameters up to which plain SGD's axpy stays on one thread: OpenBLAS threads
#: axpy only above 10000 elements; this keeps well below that.
_SINGLE_THREAD_AXPY = 4096


def _rows(sizes: list[int], uses_blas: Callable[[int, int, int], bool]) -> int:
    rows = 0
    for n in range(1, _MAX_LOOP_ROWS + 1):
        if any(uses_blas(n, n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])):
            break
        rows = n
    return rows


def rows_without_blas(sizes: list[int]) -> int:
    """The most rows (up to 64) whose forward pass calls no BLAS, for layers of these widths."""
    return _rows(sizes, _dense.forward_uses_blas)


def training_rows_without_blas(sizes: list[int], n_params: int) -> int:
    """The largest batch (up to 64) whose forward and backward passes and update call no multithreaded BLAS."""
    if n_params > _SINGLE_THREAD_AXPY:
        return 0
    # The backward rule is the stricter one (it has no one-output exception).
    return min(_rows(sizes, _dense.backward_uses_blas), rows_without_blas(sizes))

"""How many threads the BLAS behind fastnet's kernels may use, per calling thread.

fastnet's kernels call one OpenBLAS (numpy's or scipy's bundled copy, see
fastnet/runtime/blas.py), which by default starts a thread per core. fastnet is
single-threaded unless asked (``n_threads``), so that it never oversubscribes
the cores when users parallelise around it (threads, joblib, GridSearchCV).

The setting is process-wide in practice: OpenBLAS's
``openblas_set_num_threads_local`` (0.3.27+), which fastnet calls, was seen to
change the count that every thread reads. So concurrent fastnet calls share
one setting, reference-counted under a lock: while any call runs, BLAS gets
the smallest count any running call asked for (never more threads than the
most restrictive caller wants: no oversubscription), never more than the
count found before the first call (so a tighter ``threadpoolctl`` limit or
``OPENBLAS_NUM_THREADS`` set by the user stays in force), and that count is
restored after the last. Where the symbol is not
found (another BLAS, an older OpenBLAS), fastnet sets the count through
threadpoolctl when installed, with the same reference counting (on every BLAS
library loaded when it first looked), else leaves BLAS as it is;
:func:`blas_threading` says which.

:func:`blas_thread_ceiling` sets that count in force outside fastnet's calls,
the ceiling :func:`blas_threads` never exceeds: the benchmarks hold BLAS at one
thread and raise the ceiling only where they measure ``n_threads`` above 1.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from . import blas as _blas

__all__ = ["DEFAULT_N_THREADS", "blas_threads", "blas_threading", "blas_thread_ceiling"]

# openblas_set_num_threads_local: sets the count, returns the one it replaces.
_Setter = Callable[[int], int]

#: The BLAS threads a Network's calls use unless told otherwise: one, so that
#: fastnet never oversubscribes the cores of a user who parallelises around it.
DEFAULT_N_THREADS = 1

_lock = threading.Lock()
_setter: _Setter | None = None
_searched: str | None = None   # the library path _setter was looked up in
_how = "none"                  # what _setter is: "per-thread", "threadpoolctl" or "none"


def _threadpool_limits() -> Any | None:
    """threadpoolctl's ``threadpool_limits`` (untyped), or None when threadpoolctl is not installed."""
    try:
        return importlib.import_module("threadpoolctl").threadpool_limits
    except ImportError:
        return None


def _find_setter(path: str | None) -> _Setter | None:
    if path is None:
        return None
    try:
        setter = ctypes.CDLL(path).openblas_set_num_threads_local
    except (OSError, AttributeError):
        return None
    setter.restype = ctypes.c_int
    setter.argtypes = [ctypes.c_int]
    found: _Setter = setter
    return found


def _threadpoolctl_setter() -> _Setter | None:
    """A setter over threadpoolctl's BLAS controllers, with OpenBLAS's contract: set n, return the old count."""
    try:
        controller = importlib.import_module("threadpoolctl").ThreadpoolController().select(user_api="blas")
    except ImportError:
        return None
    libraries = list(controller.lib_controllers)
    if not libraries:
        return None

    def set_all(n_threads: int) -> int:
        previous = min(int(lib.num_threads) for lib in libraries)
        for lib in libraries:
            lib.set_num_threads(n_threads)
        return previous
    return set_all


def _get_setter() -> _Setter | None:
    """The thread setter of the library the kernels call (fastnet/runtime/blas.py), or None; ``_how`` says which."""
    global _setter, _searched, _how
    path = _blas.kernel_blas().path
    if _searched != path:
        with _lock:
            if _searched != path:
                _setter, _how = _find_setter(path), "per-thread"
                if _setter is None:
                    _setter, _how = _threadpoolctl_setter(), "threadpoolctl"
                if _setter is None:
                    _how = "none"
                _searched = path
    return _setter


def blas_threading() -> str:
    """How fastnet limits BLAS threads here: ``"per-thread"``, ``"threadpoolctl"`` or ``"none"``."""
    _get_setter()
    return _how


_active: list[int] = []         # the counts asked for by the calls running now
_restore_to = 0                 # the count found before the first of them (0: none yet)


@contextlib.contextmanager
def blas_threads(n_threads: int) -> Iterator[None]:
    """Run the block with at most ``n_threads`` BLAS threads (the smallest count any running call asked for)."""
    global _restore_to
    setter = _get_setter()
    if setter is None:
        yield
        return
    with _lock:
        if not _active:
            _restore_to = setter(1)   # the count in force before fastnet's calls (it returns the old one)
        _active.append(n_threads)
        setter(_effective())
    try:
        yield
    finally:
        with _lock:
            _active.remove(n_threads)
            setter(_effective() if _active else _restore_to)


def _effective() -> int:
    # n_threads is a cap, and so is the count in force before the first call (a
    # threadpoolctl limit, OPENBLAS_NUM_THREADS): never exceed either.
    ceiling = _restore_to if _restore_to > 0 else min(_active)
    return max(1, min(min(_active), ceiling))


@contextlib.contextmanager
def blas_thread_ceiling(n_threads: int) -> Iterator[None]:
    """Set the BLAS threads in force outside fastnet's calls to ``n_threads`` for the block.

    That count is the ceiling of :func:`blas_threads` (``Network.n_threads``
    never exceeds it), and unlike ``blas_threads`` this can raise it: above a
    one-thread limit that an enclosing ``threadpoolctl`` block or
    ``OPENBLAS_NUM_THREADS=1`` set, so that ``n_threads=2`` can use two. It
    applies to every BLAS library loaded (threadpoolctl's ``user_api="blas"``),
    not only to the one the kernels call, and is restored at the end of the
    block. Enter and leave it while no fastnet call runs: fastnet reads the
    ceiling when the first of its running calls starts, and a call that runs
    meanwhile would have its count overwritten. Without threadpoolctl it does
    nothing (BLAS then keeps the threads it started with).
    """
    threadpool_limits = _threadpool_limits()
    if threadpool_limits is None:
        yield
        return
    with threadpool_limits(limits=n_threads, user_api="blas"):
        yield

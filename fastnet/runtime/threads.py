"""How many threads the BLAS behind fastnet's kernels may use, per calling thread.

fastnet's kernels call one OpenBLAS (numpy's or scipy's bundled copy, see
fastnet/_blas.py), which by default starts a thread per core. fastnet is
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
found (another BLAS, an older OpenBLAS), fastnet falls back to threadpoolctl
when installed, else leaves BLAS as it is; :func:`blas_threading` says which.
"""

import contextlib
import ctypes
import threading

from . import blas as _blas

__all__ = ["DEFAULT_N_THREADS", "blas_threads", "blas_threading"]

#: The BLAS threads a Network's calls use unless told otherwise: one, so that
#: fastnet never oversubscribes the cores of a user who parallelises around it.
DEFAULT_N_THREADS = 1

_lock = threading.Lock()
_setter = None
_searched = None   # the library path _setter was looked up in


def _find_setter(path):
    if path is None:
        return None
    try:
        setter = ctypes.CDLL(path).openblas_set_num_threads_local
    except (OSError, AttributeError):
        return None
    setter.restype = ctypes.c_int
    setter.argtypes = [ctypes.c_int]
    return setter


def _get_setter():
    """The thread setter of the library the kernels call (fastnet/_blas.py), or None."""
    global _setter, _searched
    path = _blas.kernel_blas().path
    if _searched != path:
        with _lock:
            if _searched != path:
                _setter = _find_setter(path)
                _searched = path
    return _setter


def blas_threading():
    """How fastnet limits BLAS threads here: ``"per-thread"``, ``"threadpoolctl"`` or ``"none"``."""
    if _get_setter() is not None:
        return "per-thread"
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        return "none"
    return "threadpoolctl"


_active = []          # the counts asked for by the calls running now
_restore_to = None    # the count found before the first of them


@contextlib.contextmanager
def blas_threads(n_threads):
    """Run the block with at most ``n_threads`` BLAS threads (the smallest count any running call asked for)."""
    global _restore_to
    setter = _get_setter()
    if setter is None:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            yield
            return
        with threadpool_limits(limits=n_threads, user_api="blas"):
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


def _effective():
    # n_threads is a cap, and so is the count in force before the first call (a
    # threadpoolctl limit, OPENBLAS_NUM_THREADS): never exceed either.
    ceiling = _restore_to if _restore_to is not None and _restore_to > 0 else min(_active)
    return max(1, min(min(_active), ceiling))

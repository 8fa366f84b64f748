"""How many threads the BLAS behind fastnet's gemm calls may use, per calling thread.

fastnet calls BLAS through ``scipy.linalg.cython_blas``, i.e. the OpenBLAS that
scipy's wheels bundle, which by default starts a thread per core. fastnet is
single-threaded unless asked (``n_threads``), so that it never oversubscribes
the cores when users parallelise around it (threads, joblib, GridSearchCV).

The setting is process-wide in practice: OpenBLAS's
``openblas_set_num_threads_local`` (0.3.27+), which fastnet calls, was seen to
change the count that every thread reads. So concurrent fastnet calls share
one setting, reference-counted under a lock: while any call runs, BLAS gets
the smallest count any running call asked for (never more threads than the
most restrictive caller wants: no oversubscription), and the count found
before the first call is restored after the last. Where the symbol is not
found (another BLAS, an older OpenBLAS), fastnet falls back to threadpoolctl
when installed, else leaves BLAS as it is; :func:`blas_threading` says which.
"""

import contextlib
import ctypes
import glob
import os
import threading

__all__ = ["blas_threads", "blas_threading"]

_lock = threading.Lock()
_setter = None
_searched = False


def _candidate_paths():
    """Paths of the OpenBLAS library scipy loaded (Linux: from /proc/self/maps), then scipy's bundle."""
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.rsplit(None, 1)[-1] if "/" in line else ""
                if "openblas" in os.path.basename(path) and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    import scipy

    root = os.path.dirname(os.path.dirname(scipy.__file__))
    for pattern in ("scipy.libs/*openblas*", "scipy/.dylibs/*openblas*", "scipy/.libs/*openblas*"):
        paths.extend(p for p in glob.glob(os.path.join(root, pattern)) if p not in paths)
    # scipy's own copy first: that is the one cython_blas calls (numpy may bundle another).
    return sorted(paths, key=lambda p: "scipy" not in p)


def _find_setter():
    import scipy.linalg.cython_blas  # noqa: F401  (make sure scipy's BLAS is loaded)

    for path in _candidate_paths():
        try:
            lib = ctypes.CDLL(path)
            setter = lib.openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.restype = ctypes.c_int
        setter.argtypes = [ctypes.c_int]
        return setter
    return None


def _get_setter():
    global _setter, _searched
    if not _searched:
        with _lock:
            if not _searched:
                _setter = _find_setter()
                _searched = True
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
        previous = setter(min(_active + [n_threads]))
        if not _active:
            _restore_to = previous
        _active.append(n_threads)
    try:
        yield
    finally:
        with _lock:
            _active.remove(n_threads)
            setter(min(_active) if _active else _restore_to)

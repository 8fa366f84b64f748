"""Which BLAS library fastnet's kernels call: numpy's OpenBLAS when it has one, else scipy's.

The kernels reach BLAS through ``scipy.linalg.cython_blas`` (no BLAS at link
time; any scipy works). numpy's wheels (2.0 and later) bundle a second copy of
OpenBLAS, built with 64-bit integers and its symbols prefixed
(``scipy_sgemm_64_``); here it is the newer of the two (0.3.31 against
scipy's 0.3.30) and runs the small and medium matrix products of training
5-30% faster (docs/BENCHMARKS.md has the measurements). No version is
compared at run time: numpy's copy is preferred whenever it is there. At
import fastnet looks for it and, when it finds ``scipy_sgemm_64_``,
``scipy_dgemm_64_``, ``scipy_saxpy_64_`` and ``scipy_daxpy_64_``, points the
two routines its kernels call, gemm and axpy, there (both from one library,
so that one thread setting governs them).

``FASTNET_BLAS`` chooses: ``auto`` (the default; numpy's when found, else
scipy's), ``scipy`` (always scipy's) or ``numpy`` (numpy's, and an error at
import when it cannot be found).

Both libraries are OpenBLAS either way, and the two compute the same products
to rounding; the tests compare every kernel with the pure-Python reference
whichever is in use.
"""

from __future__ import annotations

import ctypes
import glob
import importlib
import os
import threading

__all__ = ["CHOICES", "kernel_blas", "openblas_paths"]

#: Values of the FASTNET_BLAS environment variable.
CHOICES = ("auto", "scipy", "numpy")
_ENV = "FASTNET_BLAS"
_NUMPY_SYMBOLS = ("scipy_sgemm_64_", "scipy_dgemm_64_", "scipy_saxpy_64_", "scipy_daxpy_64_")

_lock = threading.Lock()
_selected: Library | None = None


class Library:
    """The library the kernels call: ``provider`` ("numpy" or "scipy") and its file (None if unknown)."""

    __slots__ = ("provider", "path")

    def __init__(self, provider: str, path: str | None) -> None:
        self.provider, self.path = provider, path

    def __repr__(self) -> str:
        return f"Library(provider={self.provider!r}, path={self.path!r})"


def _package_dir(name: str) -> str:
    module = importlib.import_module(name)
    if module.__file__ is None:  # a namespace package has no file: no wheel bundles a BLAS there
        raise ImportError(f"{name} has no __file__: cannot find the libraries bundled with it")
    return os.path.dirname(os.path.dirname(os.path.abspath(module.__file__)))


def _loaded_openblas() -> list[str]:
    """OpenBLAS files this process has loaded (Linux: /proc/self/maps; elsewhere none)."""
    paths: list[str] = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.rsplit(None, 1)[-1] if "/" in line else ""
                if "openblas" in os.path.basename(path) and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    return paths


def _bundled_by(path: str, package: str) -> bool:
    root = _package_dir(package)
    return any(path.startswith(os.path.join(root, package + suffix) + os.sep)
               for suffix in (".libs", "", "/.dylibs", "/.libs"))


def openblas_paths(package: str) -> list[str]:
    """OpenBLAS files bundled with ``package`` ("numpy" or "scipy"), loaded ones first.

    The wheels vendor them beside the package (``numpy.libs`` on Linux and
    Windows) or inside it (``numpy/.dylibs`` on macOS). On Linux the copies
    this process has loaded come first, so that a library found by path is
    the very one numpy or scipy uses.
    """
    root = _package_dir(package)
    paths = [p for p in _loaded_openblas() if _bundled_by(p, package)]
    for pattern in (f"{package}.libs/*openblas*", f"{package}/.dylibs/*openblas*", f"{package}/.libs/*openblas*"):
        paths.extend(p for p in sorted(glob.glob(os.path.join(root, pattern))) if p not in paths)
    return paths


def _numpy_blas64() -> tuple[str, list[int]] | None:
    """(path, [sgemm, dgemm, saxpy, daxpy addresses]) of numpy's ILP64 OpenBLAS, or None."""
    import numpy  # noqa: F401  (loads its BLAS)

    for path in openblas_paths("numpy"):
        try:
            lib = ctypes.CDLL(path)
            addresses = [ctypes.cast(getattr(lib, symbol), ctypes.c_void_p).value for symbol in _NUMPY_SYMBOLS]
        except (OSError, AttributeError):
            continue
        found = [address for address in addresses if address]
        if len(found) == len(addresses):
            return path, found
    return None


def _scipy_library() -> Library:
    importlib.import_module("scipy.linalg.cython_blas")  # loads scipy's BLAS (scipy has no stubs to check)

    paths = openblas_paths("scipy")
    if not paths:
        # A scipy built against a system OpenBLAS (Linux distributions, conda):
        # the loaded one that numpy did not bring.
        paths = [p for p in _loaded_openblas() if not _bundled_by(p, "numpy")]
    return Library("scipy", paths[0] if paths else None)


def select(choice: str | None = None) -> Library:
    """Point gemm and axpy at the library ``choice`` (default: ``$FASTNET_BLAS`` or "auto") says; returns it."""
    global _selected
    from .._core import blas

    if choice is None:
        choice = os.environ.get(_ENV, "auto").strip().lower() or "auto"
    if choice not in CHOICES:
        raise ValueError(f"{_ENV} must be one of {', '.join(CHOICES)}, got {choice!r}")
    with _lock:
        found = _numpy_blas64() if choice in ("auto", "numpy") else None
        if found is None:
            if choice == "numpy":
                raise ImportError(f"{_ENV}=numpy but numpy's bundled OpenBLAS (with "
                                  f"{' and '.join(_NUMPY_SYMBOLS)}) was not found; "
                                  f"set {_ENV}=scipy or auto")
            blas._use_blas64(0, 0, 0, 0)
            _selected = _scipy_library()
        else:
            path, addresses = found
            blas._use_blas64(*addresses)
            _selected = Library("numpy", path)
        return _selected


def kernel_blas() -> Library:
    """The :class:`Library` the kernels' gemm and axpy call now (selected at import)."""
    if _selected is None:
        return select()
    return _selected

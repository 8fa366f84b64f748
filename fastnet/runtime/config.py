"""What a bug report and a downstream build need to know about this fastnet.

:func:`show_config` prints (or returns) fastnet's version, how its compiled
kernels were built (Cython version, compiler flags, bounds checking), the
BLAS its kernels call (numpy's or scipy's OpenBLAS, fastnet/runtime/blas.py) and the
threads in use.

:func:`get_include` is the directory to hand Cython so that a downstream
``.pyx`` can ``cimport fastnet._core.activations`` and the other kernel
modules (``docs/C_API.md``).
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
from typing import Any, Literal, overload

__all__ = ["get_include", "show_config"]

# fastnet/runtime/config.py -> fastnet/
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Environment variables that set how many threads a BLAS or OpenMP runtime starts.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def get_include() -> str:
    """The directory that holds the ``fastnet`` package and its ``.pxd`` files.

    Cython looks a ``cimport fastnet._core.activations`` up as
    ``fastnet/_core/activations.pxd`` under each directory of its include
    path, so this is the package's parent directory (``site-packages`` for
    an installed fastnet), not the package itself::

        from Cython.Build import cythonize
        import fastnet

        ext_modules = cythonize(extensions, include_path=[fastnet.get_include()])

    (``cythonize`` reads ``include_path``; an Extension's ``include_dirs`` are
    for C headers and fastnet needs none.) An installed fastnet is on
    ``sys.path``, which Cython searches too; ``get_include`` is for builds
    that do not run in the same environment, such as ``cython -I``.
    """
    return os.path.dirname(_PACKAGE_DIR)


def _version_of(module_name: str) -> str | None:
    try:
        module = importlib.import_module(module_name)
    except Exception:  # not installed, or broken: a report shows that, it does not fail on it
        return None
    return str(getattr(module, "__version__", "unknown"))


def _build_section() -> dict[str, Any]:
    try:
        from .._core import buildinfo
    except Exception as exc:  # a broken install is exactly what a bug report must show
        return {"error": f"fastnet._core.buildinfo cannot be imported: {type(exc).__name__}: {exc}"}
    return {
        "cython_version": buildinfo.CYTHON_VERSION,
        "compile_flags": buildinfo.COMPILE_FLAGS,
        "bounds_checked": bool(buildinfo.bounds_checked()),
        "core_path": os.path.dirname(os.path.abspath(buildinfo.__file__)),
    }


def _kernel_blas_section() -> dict[str, Any]:
    """Which library the kernels' gemm and axpy call, and how that was chosen."""
    library = importlib.import_module("fastnet.runtime.blas").kernel_blas()
    return {"provider": library.provider, "path": library.path,
            "FASTNET_BLAS": os.environ.get("FASTNET_BLAS", "auto")}


def _scipy_blas_section() -> dict[str, Any]:
    """scipy's own record of the BLAS it was built against."""
    try:
        scipy = importlib.import_module("scipy")  # imported so, scipy's lack of stubs does not matter
        build = scipy.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception as exc:  # an old scipy has no mode="dicts"
        return {"error": f"scipy.show_config(mode='dicts') failed: {type(exc).__name__}: {exc}"}
    keep = ("name", "version", "openblas configuration", "has ilp64")
    return {key: build[key] for key in keep if key in build}


def _loaded_blas_section() -> list[dict[str, Any]] | None:
    """The BLAS libraries loaded in this process, with their thread counts (threadpoolctl).

    None when threadpoolctl is not installed.
    """
    try:
        threadpool_info = importlib.import_module("threadpoolctl").threadpool_info
    except ImportError:
        return None
    # numpy and scipy each vendor an OpenBLAS (both file names may say
    # "scipy_openblas"); fastnet/runtime/blas.py knows which one the kernels call.
    gemm_path = importlib.import_module("fastnet.runtime.blas").kernel_blas().path
    ours = os.path.realpath(gemm_path) if gemm_path else None
    libraries = []
    for info in threadpool_info():
        path = str(info.get("filepath", ""))
        libraries.append({
            "user_api": info.get("user_api"),
            "internal_api": info.get("internal_api"),
            "version": info.get("version"),
            "num_threads": info.get("num_threads"),
            "threading_layer": info.get("threading_layer"),
            "architecture": info.get("architecture"),
            "filepath": path,
            "used_by_fastnet": ours is not None and os.path.realpath(path) == ours,
        })
    if not any(lib["used_by_fastnet"] for lib in libraries):
        # A scipy built against a system BLAS (Linux distributions, conda): which
        # loaded library it resolved to cannot be told from the paths.
        for lib in libraries:
            if lib["user_api"] == "blas":
                lib["used_by_fastnet"] = None
    return libraries


def _cpu_kernel_section() -> dict[str, Any]:
    """The OpenBLAS core type running, the best this CPU supports, OPENBLAS_CORETYPE, and a warning if forced older."""
    from . import cpu

    kernel = cpu.blas_kernel()
    return {"running": kernel.running, "cpu_best": kernel.best, "OPENBLAS_CORETYPE": kernel.forced,
            "warning": cpu.forced_kernel_warning(kernel)}


def _fastnet_threading() -> dict[str, Any]:
    """fastnet's own setting: the BLAS threads a Network's calls may use, and how that is enforced."""
    try:
        from . import threads
    except ImportError:  # a broken install is what a bug report must show
        return {"default_n_threads": None, "blas_limit": None}
    return {"default_n_threads": threads.DEFAULT_N_THREADS, "blas_limit": threads.blas_threading()}


def _threads_section(loaded: list[dict[str, Any]] | None) -> dict[str, Any]:
    usable: int | None
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    blas_threads = None
    if loaded:
        ours = [lib for lib in loaded if lib["used_by_fastnet"] is True and lib["user_api"] == "blas"]
        blas_threads = (ours or [lib for lib in loaded if lib["user_api"] == "blas"] or [{}])[0].get("num_threads")
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        # The kernels start no threads of their own (no OpenMP in the build): a
        # Network trains on the thread that calls it, with the GIL released, and
        # its BLAS calls use at most net.n_threads threads.
        "fastnet": _fastnet_threading(),
        "blas_default": blas_threads,  # what the BLAS uses outside fastnet's calls
        "environment": {name: os.environ[name] for name in _THREAD_VARIABLES if name in os.environ},
    }


def _collect() -> dict[str, Any]:
    from .._version import __version__

    loaded = _loaded_blas_section()
    return {
        "fastnet": {"version": __version__, "path": _PACKAGE_DIR},
        "build": _build_section(),
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                   "executable": sys.executable, "platform": platform.platform(),
                   "machine": platform.machine()},
        "dependencies": {name: _version_of(name) for name in ("numpy", "scipy", "threadpoolctl")},
        "blas": {"kernels": _kernel_blas_section(), "scipy_build": _scipy_blas_section(), "loaded": loaded,
                 "cpu_kernel": _cpu_kernel_section()},
        "threads": _threads_section(loaded),
    }


def _format_blas(config: dict[str, Any]) -> list[str]:
    """The BLAS section of show_config's text: the library the kernels call, the loaded ones, the kernel."""
    lines: list[str] = []
    kernels = config["blas"]["kernels"]
    lines.append(f"BLAS: the kernels' gemm and axpy call {kernels['provider']}'s OpenBLAS "
                 f"(FASTNET_BLAS={kernels['FASTNET_BLAS']}; the other wrappers: scipy.linalg.cython_blas)")
    lines.append(f"  {kernels['path'] or '(library file not found)'}")
    scipy_build = config["blas"]["scipy_build"]
    if "error" in scipy_build:
        lines.append(f"  {scipy_build['error']}")
    else:
        described = ", ".join(f"{k} {v}" for k, v in scipy_build.items() if k != "name")
        lines.append(f"  scipy was built with: {scipy_build.get('name', '?')} ({described})")
    loaded = config["blas"]["loaded"]
    if loaded is None:
        lines.append("  loaded libraries: install threadpoolctl to list them with their thread counts")
    else:
        for lib in loaded:
            mark = {True: "  <- the one fastnet calls", None: "  <- possibly the one fastnet calls"}.get(
                lib["used_by_fastnet"], "")
            lines.append(f"  loaded: {lib['internal_api']} {lib['version']} ({lib['user_api']}, "
                         f"{lib['num_threads']} threads, {lib['threading_layer']}, "
                         f"{lib['architecture']}){mark}")
            lines.append(f"          {lib['filepath']}")
    core = config["blas"]["cpu_kernel"]
    lines.append(f"  kernel: {core['running'] or 'unknown (install threadpoolctl)'}; this CPU supports "
                 f"{core['cpu_best'] or 'unknown'}; OPENBLAS_CORETYPE={core['OPENBLAS_CORETYPE'] or '(not set)'}")
    if core["warning"]:
        lines.append(f"  WARNING: {core['warning']}")
    lines.append("")
    return lines


def _format(config: dict[str, Any]) -> str:
    lines = []
    fastnet, build, py, deps = config["fastnet"], config["build"], config["python"], config["dependencies"]
    lines.append(f"fastnet {fastnet['version']}  ({fastnet['path']})")
    lines.append("")
    lines.append("Build:")
    if "error" in build:
        lines.append(f"  {build['error']}")
    else:
        lines.append(f"  Cython:          {build['cython_version']}")
        lines.append(f"  compile flags:   {build['compile_flags'] or '(not recorded)'}")
        lines.append(f"  bounds checking: {'on (debug build)' if build['bounds_checked'] else 'off'}")
    lines.append("")
    lines.append("Python:")
    lines.append(f"  {py['implementation']} {py['version']} on {py['platform']}")
    lines.append(f"  executable:      {py['executable']}")
    lines.append("")
    lines.append("Dependencies:")
    for name, version in deps.items():
        lines.append(f"  {name + ':':16} {version or 'not installed'}")
    lines.append("")
    lines += _format_blas(config)
    threads = config["threads"]
    lines.append("Threads:")
    lines.append(f"  CPUs: {threads['cpu_count']} ({threads['usable_cpus']} usable by this process)")
    ours = threads["fastnet"]
    how = {"per-thread": "set per calling thread (OpenBLAS)",
           "threadpoolctl": "limited with threadpoolctl while each call runs",
           "none": "not enforced: neither a per-thread OpenBLAS setting nor threadpoolctl is available"}
    lines.append("  fastnet: the kernels start no threads (no OpenMP) and release the GIL; a Network's BLAS")
    lines.append(f"           calls use net.n_threads threads (default {ours['default_n_threads']}), "
                 f"{how.get(ours['blas_limit'], 'unknown')}")
    blas_default = threads["blas_default"]
    lines.append(f"  BLAS default: {blas_default if blas_default is not None else 'unknown (install threadpoolctl)'}"
                 " threads (outside fastnet's calls)")
    env = threads["environment"]
    lines.append(f"  environment: {', '.join(f'{k}={v}' for k, v in env.items()) or '(no thread variables set)'}")
    return "\n".join(lines)


@overload
def show_config(mode: Literal["stdout"] = ...) -> None: ...
@overload
def show_config(mode: Literal["dicts"]) -> dict[str, Any]: ...


def show_config(mode: str = "stdout") -> dict[str, Any] | None:
    """Print how this fastnet was built and what it runs on, for bug reports.

    Shows fastnet's version, the Cython version and compiler flags of the
    compiled kernels and whether bounds checking is on, the Python, numpy and
    scipy versions, the BLAS that scipy provides (with the libraries loaded in
    this process and their thread counts, when threadpoolctl is installed),
    and the number of threads in use.

    ``mode="dicts"`` returns the same information as a dict of dicts instead
    of printing it (as ``numpy.show_config`` and ``scipy.show_config`` do).
    """
    if mode not in ("stdout", "dicts"):
        raise ValueError(f"mode must be 'stdout' or 'dicts', got {mode!r}")
    config = _collect()
    if mode == "dicts":
        return config
    print(_format(config))
    return None

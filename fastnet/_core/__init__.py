"""Typed Cython kernels that run without the GIL (float32 and float64 through fused types).

The ``.pxd`` files beside this one are the C-level API: a downstream Cython
module can ``cimport fastnet._core.activations`` (and ``losses``,
``optimizers``, ``blas``, ``dense``) and call the kernels from its own
``with nogil:`` block. Kernels check nothing and allocate nothing; every check
happens in the Python layer before the call. Each kernel has a small
Python-callable twin used by the tests.
"""

import importlib.machinery as _machinery
import os as _os


def _require_compiled() -> None:
    """A clear ImportError when this is a source tree whose kernels were never compiled.

    ``python -m fastnet`` or ``python -c`` run in a clone put the clone first
    on sys.path, ahead of the installed fastnet; without this the first kernel
    import fails with "cannot import name ..." and no hint why.
    """
    here = _os.path.dirname(_os.path.abspath(__file__))
    suffixes = tuple(_machinery.EXTENSION_SUFFIXES)
    if any(name.startswith("network.") and name.endswith(suffixes) for name in _os.listdir(here)):
        return
    raise ImportError(
        f"fastnet is being imported from {_os.path.dirname(here)}, a source tree whose kernels are "
        "not compiled (python -m and python -c put the working directory first on sys.path). Run "
        "from another directory to use the installed fastnet, or build the kernels here with "
        "`pip install -e .` (or `python setup.py build_ext --inplace`).")


_require_compiled()

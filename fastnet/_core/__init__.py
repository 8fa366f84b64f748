"""Typed Cython kernels that run without the GIL (float32 and float64 through fused types).

The ``.pxd`` files beside this one are the C-level API: a downstream Cython
module can ``cimport fastnet._core.activations`` (and ``losses``,
``optimizers``, ``blas``, ``dense``) and call the kernels from its own
``with nogil:`` block. Kernels check nothing and allocate nothing; every check
happens in the Python layer before the call. Each kernel has a small
Python-callable twin used by the tests.
"""

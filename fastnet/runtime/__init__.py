"""The process fastnet runs in: which BLAS library the kernels call (:mod:`.blas`),
how many threads it may use (:mod:`.threads`), and the build and environment
report (:mod:`.config`). Imports nothing of fastnet above ``_core``."""

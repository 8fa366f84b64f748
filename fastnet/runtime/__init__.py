"""The process fastnet runs in: which BLAS library the kernels call (:mod:`.blas`),
how many threads it may use (:mod:`.threads`), the build and environment
report (:mod:`.config`), and which frame is the user's, where warnings are
reported (:mod:`.caller`). Imports nothing of fastnet above ``_core``."""

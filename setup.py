"""Builds the Cython kernels in fastnet/_core.

One set of compiler directives for the whole build. Environment switches:
  FASTNET_DEBUG=1   bounds checking and initialisation checks on (a debug
                    build for running the test suite against).
  FASTNET_NATIVE=1  -march=native: faster on the building machine, but a
                    binary that may crash on older CPUs, so never for wheels.
  FASTNET_ASAN=1    AddressSanitizer: compiled and linked with
                    -fsanitize=address (gcc or clang). Keeps the release
                    directives (no bounds checks) unless FASTNET_DEBUG=1 is set
                    too: what ASan is for is the raw-pointer nogil loops that
                    no Cython check sees. Python must preload the sanitizer's
                    runtime to import such a build (docs/ARCHITECTURE.md,
                    "AddressSanitizer build"; .ci/run's ASan stage).
"""

import os
import sys
from glob import glob

from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("FASTNET_DEBUG", "0") == "1"
NATIVE = os.environ.get("FASTNET_NATIVE", "0") == "1"
ASAN = os.environ.get("FASTNET_ASAN", "0") == "1"

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": False,  # the kernels never index from the end
    "initializedcheck": DEBUG,
    "cdivision": True,
    "nonecheck": DEBUG,
    "embedsignature": True,
    "cpow": True,
}

if sys.platform == "win32":
    compile_args = ["/O2"]
else:
    # -O3 lets gcc vectorise the elementwise loops. -fno-math-errno lets it
    # vectorise loops with a sqrt (Adam, RMSprop, Adagrad: 2x on a 2M-parameter
    # step) and changes no result. No -ffast-math: it would break the NaN
    # checks and reorder sums (bit-for-bit determinism).
    # -fno-tree-loop-distribute-patterns keeps short copy and zeroing loops
    # inline instead of turning them into memcpy/memset calls, which cost more
    # than the copy for the tiny rows of batch-1 training (large copies call
    # memcpy explicitly).
    compile_args = ["-O3", "-fno-math-errno", "-fno-tree-loop-distribute-patterns"]
    if DEBUG:
        compile_args = ["-O1", "-g", "-fno-math-errno"]
    if ASAN:
        # -O1 as the sanitizer's documentation advises (-O3 inlines and vectorises
        # the loops into code whose reports are hard to read back to a line);
        # frame pointers and -g give full, symbolised stacks in its reports.
        compile_args = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address", "-fno-math-errno"]
    if NATIVE:
        compile_args.append("-march=native")
if sys.platform == "win32" and ASAN:
    raise SystemExit("FASTNET_ASAN=1: the AddressSanitizer build is set up for gcc and clang, not MSVC")
link_args = ["-fsanitize=address"] if ASAN else []

extensions = [
    Extension(
        path[:-4].replace(os.sep, "."),
        [path],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
        define_macros=[("FASTNET_BUILD_FLAGS", '"%s"' % " ".join(compile_args + (["debug"] if DEBUG else [])))],
    )
    for path in sorted(glob(os.path.join("fastnet", "_core", "*.pyx")))
]

setup(
    # force: the generated C depends on the directives, which cythonize does not
    # track, so a debug build must not reuse C generated for a release build.
    ext_modules=cythonize(extensions, compiler_directives=directives, force=DEBUG or ASAN),
)

"""The AddressSanitizer build (``FASTNET_ASAN=1``; the ASan stage of .ci/run) catches what it is for.

fastnet's kernels are nogil loops over raw pointers, which no Cython check
sees. A tiny extension with the same kind of loop, one element past the end of
a malloc'd buffer, is compiled and linked with setup.py's ASan flags and run in
a child Python with the sanitizer's runtime preloaded, as the stage runs the
suite: ASan must stop it and name the overflow and the function. Its in-bounds
twin runs clean in the same setting, so the failure is the overflow's, not the
set-up's. Skipped when there is no C compiler, no Cython or no libasan for the
compiler (clang ships its runtime under another name).
"""

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import fastnet

ROOT = Path(__file__).resolve().parent.parent

#: setup.py's flags for FASTNET_ASAN=1 (checked against it below), linked with -fsanitize=address.
ASAN_FLAGS = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address"]
#: As .ci/run's ASan stage sets them.
ASAN_OPTIONS = "detect_leaks=0:halt_on_error=1:abort_on_error=1"

PROBE_PYX = '''\
# cython: language_level=3, boundscheck=False, wraparound=False
from libc.stdlib cimport free, malloc


def fill(Py_ssize_t n, Py_ssize_t past_end):
    """Writes n + past_end doubles into a buffer of n and sums the n: past_end > 0 overflows it."""
    cdef double* buffer = <double*> malloc(n * sizeof(double))
    cdef double total = 0.0
    cdef Py_ssize_t i
    if buffer == NULL:
        raise MemoryError()
    with nogil:
        for i in range(n + past_end):
            buffer[i] = i
        for i in range(n):
            total += buffer[i]
    free(buffer)
    return total
'''

PROBE_SETUP = f'''\
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(name="asan-probe", ext_modules=cythonize([
    Extension("asan_probe", ["asan_probe.pyx"], extra_compile_args={ASAN_FLAGS!r},
              extra_link_args=["-fsanitize=address"])]))
'''


def _runtime_preload():
    """LD_PRELOAD for an ASan extension in a Python that is not itself instrumented: the
    sanitizer's runtime, and libstdc++ so that its __cxa_throw interceptor finds the real
    one (without it a C++ library throwing an exception, ONNX Runtime's, kills the process)."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    paths = []
    for library in ("libasan.so", "libstdc++.so"):
        try:
            found = subprocess.run([compiler, f"-print-file-name={library}"], capture_output=True,
                                   text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError) as exc:
            pytest.skip(f"cannot ask the C compiler {compiler!r} for {library}: {exc}")
        if not os.path.isabs(found) or not os.path.exists(found):
            pytest.skip(f"the C compiler {compiler!r} has no {library} (AddressSanitizer is set up for gcc)")
        paths.append(found)
    return " ".join(paths)


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    """(directory of the built probe extension, environment to run it under ASan)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the ASan build is run with LD_PRELOAD (Linux)")
    pytest.importorskip("Cython", reason="Cython is needed to build the probe extension (it is in the test extra)")
    pytest.importorskip("setuptools", reason="setuptools is needed to build the probe extension")
    preload = _runtime_preload()
    tmp = tmp_path_factory.mktemp("asan_probe")
    (tmp / "asan_probe.pyx").write_text(PROBE_PYX)
    (tmp / "setup.py").write_text(PROBE_SETUP)
    # The build itself runs uninstrumented, even when this suite runs under ASan.
    build_env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    result = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=tmp, env=build_env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"no working C compiler with -fsanitize=address:\n{result.stderr[-2000:]}")
    run_env = dict(build_env, LD_PRELOAD=preload, ASAN_OPTIONS=ASAN_OPTIONS, PYTHONPATH=str(tmp))
    return tmp, run_env


def _run(probe, past_end):
    tmp, env = probe
    return subprocess.run([sys.executable, "-c", f"import asan_probe; print(asan_probe.fill(8, {past_end}))"],
                          cwd=tmp, env=env, capture_output=True, text=True, timeout=120)


def test_in_bounds_loop_runs_clean_under_asan(probe):
    result = _run(probe, past_end=0)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "28.0"  # 0 + 1 + ... + 7
    assert "AddressSanitizer" not in result.stderr


def test_heap_buffer_overflow_is_reported(probe):
    result = _run(probe, past_end=1)
    assert result.returncode != 0, f"the overflow ran to the end:\n{result.stdout}\n{result.stderr}"
    assert "ERROR: AddressSanitizer: heap-buffer-overflow" in result.stderr, result.stderr
    assert "WRITE of size 8" in result.stderr  # one double
    # Right past the 8 doubles (gcc 12's runtime says "to the right of", newer ones "after").
    assert re.search(r"0 bytes (to the right of|after) 64-byte region", result.stderr), result.stderr
    # The faulting frame is the loop's function (Cython names it __pyx_pf_<module>_fill).
    assert re.search(r"#0 0x[0-9a-f]+ in \S*asan_probe\S*_fill ", result.stderr), result.stderr


def test_the_flags_are_setup_pys():
    setup_py = ROOT / "setup.py"
    if not setup_py.is_file():
        pytest.skip("no source tree beside the tests")
    text = setup_py.read_text(encoding="utf-8")
    missing = [flag for flag in ASAN_FLAGS if f'"{flag}"' not in text]
    assert not missing, f"setup.py's FASTNET_ASAN=1 flags lack {missing}: keep them and ASAN_FLAGS in step"


def test_an_asan_build_is_built_with_the_flags():
    from fastnet._core import buildinfo

    if "-fsanitize=address" not in buildinfo.COMPILE_FLAGS:
        pytest.skip(f"fastnet ({Path(fastnet.__file__).parent}) is not an ASan build: {buildinfo.COMPILE_FLAGS}")
    assert all(flag in buildinfo.COMPILE_FLAGS.split() for flag in ASAN_FLAGS), buildinfo.COMPILE_FLAGS
    if "debug" not in buildinfo.COMPILE_FLAGS.split():  # FASTNET_DEBUG=1 too turns the checks on
        assert not buildinfo.bounds_checked(), "FASTNET_ASAN=1 alone keeps the release directives (the raw paths)"

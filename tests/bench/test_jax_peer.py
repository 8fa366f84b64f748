"""JAX on one CPU: the XLA flags alone leave jax 0.10's CPU client on every core."""

import os
import subprocess
import sys

import pytest

from helpers import child_process_env

_CHILD = """
import os
from fastnet.bench.jax_peer import xla_single_thread
everywhere = os.sched_getaffinity(0)
before = set(os.listdir("/proc/self/task"))   # the main thread, and OpenBLAS's, started with numpy
assert xla_single_thread()
pinned = {int(t): os.sched_getaffinity(int(t)) for t in set(os.listdir("/proc/self/task")) - before}
assert os.sched_getaffinity(0) == everywhere, "the calling thread keeps its CPUs"
assert pinned and all(cpus == {min(everywhere)} for cpus in pinned.values()), pinned
print(len(pinned))
"""


def _child(code, cwd):
    # From an empty directory, importing this process's fastnet (never a source tree without its kernels).
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=child_process_env(), cwd=cwd)


def test_the_backend_starts_its_threads_on_one_cpu(tmp_path):
    pytest.importorskip("jax")
    if not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs Linux and at least two CPUs to tell one from all")
    result = _child(_CHILD, tmp_path)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 1   # XLA's worker threads exist, and every one is on the one CPU


def test_too_late_once_jax_runs_on_every_core(tmp_path):
    pytest.importorskip("jax")
    child = "import jax\nfrom fastnet.bench.jax_peer import xla_single_thread\nprint(xla_single_thread())"
    result = _child(child, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"

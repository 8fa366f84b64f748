"""JAX on one CPU: the XLA flags alone leave jax 0.10's CPU client on every core."""

import os
import subprocess
import sys

import pytest

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


def test_the_backend_starts_its_threads_on_one_cpu():
    pytest.importorskip("jax")
    if not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs Linux and at least two CPUs to tell one from all")
    result = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 1   # XLA's worker threads exist, and every one is on the one CPU


def test_too_late_once_jax_runs_on_every_core():
    pytest.importorskip("jax")
    child = "import jax\nfrom fastnet.bench.jax_peer import xla_single_thread\nprint(xla_single_thread())"
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"

"""fastnet.runtime.cpu: which OpenBLAS kernel runs, and the warning when the environment forces an older one."""

import pytest

import fastnet
from fastnet.runtime import cpu
from fastnet.runtime.cpu import BlasKernel, forced_kernel_warning

AVX512 = frozenset("sse4_2 avx avx2 fma avx512f avx512bw avx512vl avx512dq".split())


@pytest.mark.parametrize("flags, best", [
    (AVX512, "SkylakeX"),
    (AVX512 | {"avx512_bf16"}, "Cooperlake"),
    (frozenset("sse4_2 avx avx2 fma".split()), "Haswell"),
    (frozenset("sse4_2 avx avx2".split()), "Sandybridge"),     # AVX2 without FMA is not Haswell
    (frozenset({"avx512_bf16"}), None),                       # a later core type needs the earlier ones' flags
    (None, None),
])
def test_the_best_core_type_follows_the_cpu_flags(flags, best):
    assert cpu._best_coretype(flags) == best


def test_a_forced_older_kernel_is_named_with_its_cause_cost_and_fix():
    message = forced_kernel_warning(BlasKernel(running="Haswell", best="SkylakeX", forced="Haswell"))
    assert "Haswell (AVX2)" in message and "SkylakeX (AVX-512)" in message
    assert "OPENBLAS_CORETYPE=Haswell forces it" in message and "about half the sgemm rate" in message
    assert "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE" in message


def test_an_old_build_is_named_without_blaming_the_environment():
    message = forced_kernel_warning(BlasKernel(running="Sandybridge", best="SkylakeX", forced=None))
    assert "this OpenBLAS build has no kernel for the CPU" in message and "env -u" not in message
    assert "a fraction of this CPU's rate" in message


@pytest.mark.parametrize("kernel", [
    BlasKernel(running="SkylakeX", best="SkylakeX", forced=None),
    BlasKernel(running="SkylakeX", best="Cooperlake", forced=None),       # same float kernels
    BlasKernel(running="SkylakeX", best="SkylakeX", forced="SkylakeX"),   # forced, but to the best one
    BlasKernel(running="Zen", best="Haswell", forced=None),               # a core type this table does not rank
    BlasKernel(running=None, best="SkylakeX", forced="Haswell"),          # unknown: no threadpoolctl
])
def test_no_warning_when_the_kernel_is_the_cpus_best_or_unknown(kernel):
    assert forced_kernel_warning(kernel) is None


def test_show_config_and_the_bench_heading_report_the_kernel(monkeypatch):
    forced = BlasKernel(running="Haswell", best="SkylakeX", forced="Haswell")
    monkeypatch.setattr(cpu, "blas_kernel", lambda: forced)
    section = fastnet.show_config(mode="dicts")["blas"]["cpu_kernel"]
    assert section["running"] == "Haswell" and section["OPENBLAS_CORETYPE"] == "Haswell"
    assert "forces it" in section["warning"]

    from fastnet.bench.text import _heading
    report = {"fastnet": "x", "date": "d", "cpu": "c", "n_cpus": 2, "python": "3", "numpy": "2",
              "threading": "t", "quick": True, "load_average": None,
              "gemm": {"dtype": "float32", "n": 8, "numpy_gflops": 1.0},
              "blas_kernel": {"running": "Haswell", "best": "SkylakeX", "forced": "Haswell"},
              "blas_kernel_warning": forced_kernel_warning(forced)}
    text = "\n".join(_heading(report))
    assert "OpenBLAS kernel: Haswell (this CPU supports SkylakeX; OPENBLAS_CORETYPE=Haswell)" in text
    assert "WARNING: OpenBLAS runs its Haswell (AVX2) kernel" in text


def test_the_kernel_running_here_is_read_from_threadpoolctl():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    kernel = cpu.blas_kernel()
    archs = {lib.get("architecture") for lib in threadpoolctl.threadpool_info() if lib.get("user_api") == "blas"}
    assert kernel.running in archs

"""The benchmark tooling: `python -m fastnet bench`, its peers, its FLOP counts, and the asv suite.

No timing goes into pass/fail here (the machines are noisy): the tests check
that everything runs, prints what it should, and compares like with like.
"""

import importlib
import inspect
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import fastnet
from fastnet.bench import WORKLOADS, flops_per_sample, get_workloads, main
from fastnet.bench import peers as bench_peers
from fastnet.bench.numpy_mlp import NumpyMLP, one_hot, split_params

from helpers import REPO as ROOT


# ---------------------------------------------------------------------------
# The workloads
# ---------------------------------------------------------------------------

def test_workloads_are_the_issues():
    spec = {"tiny": ((2, 8, 1), 1, "mse"), "small": ((16, 32, 32, 1), 1, "mse"),
            "digits": ((64, 128, 10), 32, "cross_entropy"), "mid": ((256, 256, 256, 10), 64, "cross_entropy"),
            "large": ((784, 1024, 1024, 10), 256, "cross_entropy")}
    assert list(WORKLOADS) == list(spec)
    for name, (sizes, batch_size, loss) in spec.items():
        w = WORKLOADS[name]
        assert (w.sizes, w.batch_size, w.loss) == (sizes, batch_size, loss)
    assert WORKLOADS["digits"].n_samples == 1797
    assert WORKLOADS["mid"].n_samples == WORKLOADS["large"].n_samples == 4096


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_flop_count(name):
    w = WORKLOADS[name]
    # 2 n_in n_out forward and twice that backward, per layer and sample, but
    # no input gradient (2 n_in n_out) for the first layer
    expected = (sum(2 * a * b + 4 * a * b for a, b in zip(w.sizes[:-1], w.sizes[1:]))
                - 2 * w.sizes[0] * w.sizes[1])
    assert w.flops_per_sample == flops_per_sample(w.sizes) == expected
    assert w.flops_per_epoch() == w.n_samples * expected
    assert w.flops_per_epoch(10) == 10 * expected
    assert w.n_params == workload_network_params(w)


def workload_network_params(w):
    return w.network().n_params


def test_flop_count_by_hand():
    assert flops_per_sample([2, 8, 1]) == 4 * 16 + 6 * 8
    assert flops_per_sample([64, 128, 10]) == 4 * 64 * 128 + 6 * 128 * 10
    assert WORKLOADS["large"].flops_per_sample == 4 * 784 * 1024 + 6 * (1024 * 1024 + 1024 * 10)


@pytest.mark.parametrize("name", ["tiny", "small", "digits"])
def test_workload_data_is_seeded_and_fits_the_network(name):
    w = WORKLOADS[name]
    X, y = w.make_data(seed=3)
    X2, y2 = w.make_data(seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (w.n_samples, w.sizes[0]) and X.dtype == np.float32
    assert np.isfinite(X).all()
    if w.loss == "cross_entropy":
        assert y.shape == (w.n_samples,) and y.min() >= 0 and y.max() < w.sizes[-1]
    else:
        assert y.shape == (w.n_samples, 1)
    w.network().fit(X, y, epochs=1, batch_size=w.batch_size)


def test_get_workloads():
    assert [w.name for w in get_workloads("tiny, digits")] == ["tiny", "digits"]
    with pytest.raises(ValueError, match="unknown workload"):
        get_workloads("tiny,huge")


# ---------------------------------------------------------------------------
# The NumPy peer computes what fastnet computes
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,n", [("tiny", 200), ("small", 100), ("digits", 300), ("mid", 128)])
def test_numpy_peer_matches_fastnet_float64(name, n):
    """Same initial params, same order (shuffle=False): same epoch loss and parameters."""
    w = WORKLOADS[name]
    X, y = w.make_data(dtype="float64", seed=1, n_samples=n)
    net = w.network(dtype="float64", seed=7)
    mlp = NumpyMLP(w.sizes, w.loss, "float64", params=net.params.copy())
    Y = one_hot(y, w.sizes[-1], np.float64) if w.loss == "cross_entropy" else y
    for _ in range(2):
        expected = net.fit(X, y, optimizer=fastnet.SGD(lr=w.lr), epochs=1, batch_size=w.batch_size,
                           shuffle=False).loss[-1]
        got = mlp.epoch(X, Y, w.batch_size, w.lr, rng=None)
        assert abs(got - expected) <= 1e-6 * max(1.0, abs(expected))
    np.testing.assert_allclose(mlp.params, net.params, rtol=1e-6, atol=1e-8)


def test_split_params_is_fastnets_layout():
    net = fastnet.Network.mlp([3, 4, 2], seed=0)
    for layer, (W, b) in zip(net.layers, split_params(net.params, net.sizes)):
        np.testing.assert_array_equal(W, layer.W)
        np.testing.assert_array_equal(b, layer.b)
    with pytest.raises(ValueError):
        split_params(net.params[:-1], net.sizes)


@pytest.mark.parametrize("peer", ["torch", "sklearn"])
def test_library_peers_start_from_fastnets_params(peer):
    if bench_peers.PEERS[peer].available() is not None:
        pytest.skip(bench_peers.PEERS[peer].available())
    w = WORKLOADS["digits"]
    X, y = w.make_data(dtype="float64", n_samples=64)
    net = w.network(dtype="float64")
    p = bench_peers.PEERS[peer](w, X, y, dtype="float64", init_params=net.params.copy())
    if peer == "torch":
        import torch
        with torch.no_grad():
            out = torch.softmax(p.model(torch.from_numpy(X)), dim=1).numpy()
    else:
        out = p.model.predict_proba(X)
    np.testing.assert_allclose(out, net.predict(X), rtol=1e-9, atol=1e-12)
    loss = p.run()
    assert math.isfinite(loss)


@pytest.mark.parametrize("name", ["small", "digits"])
def test_jax_peer_trains_what_fastnet_trains_float64(name):
    """One full batch (no shuffling to differ): the same epoch loss and parameters as fastnet's SGD epoch."""
    pytest.importorskip("jax")
    import dataclasses

    from fastnet.bench.jax_peer import JaxPeer

    w = dataclasses.replace(WORKLOADS[name], batch_size=48)
    X, y = w.make_data(dtype="float64", seed=2, n_samples=48)
    net = w.network(dtype="float64", seed=3)
    peer = JaxPeer(w, X, y, dtype="float64", init_params=net.params.copy())
    assert peer.compile_seconds > 0
    expected = net.fit(X, y, optimizer=fastnet.SGD(lr=w.lr), epochs=1, batch_size=48, shuffle=False).loss[-1]
    assert peer.run() == pytest.approx(expected, rel=1e-10)
    params = np.concatenate([np.concatenate([np.asarray(W).ravel(), np.asarray(b)]) for W, b in peer.params])
    np.testing.assert_allclose(params, net.params, rtol=1e-9, atol=1e-12)


def test_jax_peer_weighs_a_shorter_last_batch_by_its_rows():
    """With lr = 0 every batch sees the initial network, so the epoch's loss is the data set's, in any order."""
    pytest.importorskip("jax")
    import dataclasses

    from fastnet.bench.jax_peer import JaxPeer

    w = dataclasses.replace(WORKLOADS["digits"], batch_size=32, lr=0.0)
    X, y = w.make_data(dtype="float64", seed=4, n_samples=75)    # two batches of 32 and one of 11
    net = w.network(dtype="float64", seed=5)
    peer = JaxPeer(w, X, y, dtype="float64", init_params=net.params.copy())
    assert peer.run() == pytest.approx(net.loss(X, y), rel=1e-10)


def test_reference_peer_estimates_a_large_batch():
    w = WORKLOADS["mid"]        # reference_samples (4) < batch_size (64): estimated epoch
    X, y = w.make_data(n_samples=8)
    p = bench_peers.ReferencePeer(w, X, y)
    assert p.estimated and p.samples_per_run == w.reference_samples
    import time
    seconds = p.run_seconds(time.perf_counter)
    assert seconds > 0 and math.isfinite(p.last_loss)


class _ScriptedPeer(bench_peers.Peer):
    """A peer whose runs take the seconds it is given, and say when they ran."""

    def __init__(self, name, seconds, log, samples_per_run=10, warmup=True):
        super().__init__(WORKLOADS["tiny"], np.zeros((samples_per_run, 2)), None)
        self.name, self.seconds, self.log, self.needs_warmup = name, iter(seconds), log, warmup

    def run(self):
        raise AssertionError("time_peers times through run_seconds")

    def run_seconds(self, clock):
        self.log.append(self.name)
        self.last_loss = float(len(self.log))
        return next(self.seconds)


def test_time_peers_interleaves_the_peers_and_keeps_the_best_of_each():
    from fastnet.bench.timing import time_peers
    log = []
    n = WORKLOADS["tiny"].n_samples
    peers = {"a": _ScriptedPeer("a", [0.01] + [0.05, 0.04, 0.03, 0.06, 0.02, 0.05, 0.05, 0.05], log),
             "b": _ScriptedPeer("b", [0.5, 0.3, 0.2, 0.25], log),
             "slow": _ScriptedPeer("slow", [3.0, 1.0, 1.0], log, samples_per_run=n // 4, warmup=False)}
    timing = time_peers(peers, min_repeats=3, budget=0.36, slow=2.0)
    # Warm-ups (a's is short, dropped; b's is long, kept), then 3 rounds in rotating order:
    # a runs while another run of its average length fits in its share of the budget
    # (0.12 s), b once a round, slow once in all.
    assert log == ["a", "b",
                   "a", "a", "b", "slow",
                   "b", "a", "a",
                   "a", "a", "a", "b"]
    assert timing["a"]["runs"] == 7 and math.isclose(timing["a"]["best"], 0.02 * n / 10)
    assert math.isclose(timing["a"]["median"], 0.05 * n / 10)
    assert timing["b"]["runs"] == 4 and math.isclose(timing["b"]["best"], 0.2 * n / 10)
    assert timing["slow"]["runs"] == 1 and math.isclose(timing["slow"]["best"], 3.0 * 4)
    assert timing["a"]["loss"] == 12.0   # the loss of its last run


# ---------------------------------------------------------------------------
# python -m fastnet bench
# ---------------------------------------------------------------------------

COLUMNS = ["workload", "layers", "batch", "dtype", "impl", "time/epoch", "samples/s", "GFLOP/s", "fastnet is", "target"]


def test_bench_quick_prints_the_table(capsys, tmp_path):
    out_json = tmp_path / "bench.json"
    code = main(["--quick", "--workloads", "tiny,digits", "--no-predict", "--json", str(out_json)])
    text = capsys.readouterr().out
    assert code == 0
    header = next(line for line in text.splitlines() if line.startswith("workload"))
    assert header.split() == ["workload", "layers", "batch", "dtype", "impl", "time/epoch", "samples/s",
                              "GFLOP/s", "fastnet", "is", "target"]
    assert "single-thread GEMM" in text and "GFLOP/s" in text
    report = json.loads(out_json.read_text())
    rows = [r for r in report["results"] if "skipped" not in r]
    peers_run = {(r["workload"], r["peer"]) for r in rows}
    for workload in ("tiny", "digits"):
        for peer in ("fastnet", "reference", "numpy"):
            assert (workload, peer) in peers_run
    for r in rows:
        for key in ("seconds_per_epoch", "samples_per_second", "gflops"):
            assert math.isfinite(r[key]) and r[key] > 0, (r, key)
        if r["peer"] != "fastnet":
            assert math.isfinite(r["fastnet_speedup"]) and r["fastnet_speedup"] > 0
    assert report["gemm"]["numpy_gflops"] > 0
    for m in report["memory"]:
        assert m["fit_peak_bytes"] > 0 and m["fit_peak_bytes_no_rollback"] > 0
    assert "rollback=False" in text
    assert {t["what"].split(": memory ")[1].split(" allocates")[0] for t in report["targets"]
            if ": memory " in t["what"]} == {"fit", "fit(rollback=False)"}
    # every row of the table is there: one per (workload, dtype, peer)
    table_rows = [line for line in text.splitlines() if "faster" in line or "sgemm" in line.split("  ")[-1]]
    assert len([line for line in text.splitlines() if " faster" in line or " slower" in line]) == len(
        [r for r in rows if r["peer"] != "fastnet"])
    assert table_rows


def test_fit_memory_measures_the_modes_asked_for():
    from fastnet.bench.memory import fit_memory
    from fastnet.bench.workloads import WORKLOADS

    tiny = WORKLOADS["tiny"]   # 2-8-1: 33 parameters
    sizes_only = fit_memory(tiny, "float64", rollback=())
    assert sizes_only["params_bytes"] == 2 * 33 * 8 and sizes_only["data_bytes"] == 2000 * 3 * 8
    assert not any(key.startswith("fit_") for key in sizes_only)
    both = fit_memory(tiny, "float64")
    assert {k: both[k] for k in sizes_only} == sizes_only
    assert both["fit_peak_bytes"] > 0 and both["fit_peak_bytes_no_rollback"] > 0
    one = fit_memory(tiny, "float64", rollback=(False,))
    assert "fit_peak_bytes" not in one and one["fit_peak_bytes_no_rollback"] > 0


def test_bench_skips_missing_libraries_cleanly(capsys, monkeypatch):
    monkeypatch.setattr(bench_peers.TorchPeer, "available", classmethod(lambda cls: "PyTorch is not installed"))
    code = main(["--quick", "--workloads", "tiny", "--peers", "numpy,torch", "--no-memory", "--no-predict"])
    text = capsys.readouterr().out
    assert code == 0
    assert "skipped: torch on tiny (PyTorch is not installed)" in text
    assert re.search(r"\n +torch +skipped\n", text)   # its row, the reason below the table
    assert " numpy " in text


def test_bench_threads_row(capsys):
    code = main(["--quick", "--workloads", "tiny", "--peers", "numpy", "--threads", "--no-memory", "--no-predict"])
    text = capsys.readouterr().out
    assert code == 0
    assert "2 threads" in text and "throughput" in text and "2 processes" in text
    # tiny's row: throughput, then the 2-process ratio (measured, not "-"), then the target
    assert re.search(r"^tiny .* \d+\.\d+x +\d+\.\d+x +>=1\.8x (met|NOT MET)$", text, re.MULTILINE), text


def test_blas_thread_speedup_measures_both_thread_counts_and_restores_one():
    from fastnet.bench import report as bench_report
    from fastnet.bench import scaling

    row = scaling.blas_thread_speedup(WORKLOADS["digits"], n_threads=2, repeats=1)
    assert row["workload"] == "digits" and row["n_threads"] == 2
    for key in ("fastnet_one_seconds", "fastnet_seconds"):
        assert math.isfinite(row[key]) and row[key] > 0
    assert row["speedup"] == pytest.approx(row["fastnet_one_seconds"] / row["fastnet_seconds"])
    if "torch_seconds" in row:
        import torch

        assert torch.get_num_threads() >= 1
        assert row["speedup_vs_torch"] == pytest.approx(row["torch_seconds"] / row["fastnet_seconds"])
    targets = bench_report.check_targets({"results": [], "threads": [], "blas_threads": [row]})
    assert targets[0]["what"] == "digits float32: n_threads=2 vs fastnet on one thread"
    assert targets[0]["target"] == 1.8 and targets[0]["measured"] == row["speedup"]


def test_process_speedup_runs_both_processes_for_every_workload():
    from fastnet.bench import scaling

    walls = scaling.process_speedup([("tiny", 2), ("small", 1)], repeats=2, timeout=120)
    assert set(walls) == {"tiny", "small"}
    assert all(math.isfinite(w) and w > 0 for w in walls.values())


def test_bench_rejects_unknown_workload(capsys):
    assert main(["--workloads", "nope"]) == 2
    assert "unknown workload" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# The asv suite
# ---------------------------------------------------------------------------

BENCHMARK_MODULES = ["bench_kernels", "bench_training", "bench_gil", "bench_blas", "bench_predict"]
PREFIXES = ("time_", "peakmem_", "mem_", "track_", "timeraw_")

# The cheapest parameter combination for each class that has params.
SMALLEST = {"workload": "tiny", "dtype": "float32", "impl": "fastnet", "peer": "reference",
            "shape": None, "n_params": None, "rows": 1}


@pytest.fixture(scope="module")
def suite():
    if ROOT not in sys.path:
        sys.path.append(ROOT)   # last: the installed fastnet stays the one imported
    return {name: importlib.import_module(f"benchmarks.{name}") for name in BENCHMARK_MODULES}


def _combinations(cls):
    params = getattr(cls, "params", None)
    if params is None:
        return [()]
    if params and not isinstance(params[0], (list, tuple)):
        params = [params]
    names = getattr(cls, "param_names", [f"p{i}" for i in range(len(params))])
    ordered = []
    for name, values in zip(names, params):
        preferred = SMALLEST.get(name)
        values = list(values)
        if preferred in values:
            values.remove(preferred)
            values.insert(0, preferred)
        ordered.append(values)
    return itertools.product(*ordered)


def _benchmarks(module):
    for name, obj in vars(module).items():
        if inspect.isclass(obj) and obj.__module__ == module.__name__:
            methods = [m for m in vars(obj) if m.startswith(PREFIXES)]
            if methods:
                yield obj, methods
        elif inspect.isfunction(obj) and name.startswith(PREFIXES):
            yield obj, None


@pytest.mark.parametrize("module_name", BENCHMARK_MODULES)
def test_asv_benchmarks_run_once(suite, module_name, monkeypatch):
    """Each benchmark's setup and every method, once, on the first combination that applies."""
    module = suite[module_name]
    if hasattr(module, "EPOCHS"):
        monkeypatch.setitem(module.EPOCHS, "tiny", 5)   # a few epochs are enough to run it
    found = 0
    for obj, methods in _benchmarks(module):
        found += 1
        if methods is None:
            obj()
            continue
        for combo in _combinations(obj):
            instance = obj()
            try:
                if hasattr(instance, "setup"):
                    instance.setup(*combo)
            except NotImplementedError:
                continue
            try:
                for method in methods:
                    result = getattr(instance, method)(*combo)
                    if method.startswith("track_"):
                        # > 0, but a 0/1 flag (its unit says so) may be 0
                        low = 0 if "(0)" in getattr(getattr(obj, method), "unit", "") else 1e-300
                        assert isinstance(result, (int, float)) and math.isfinite(result) and result >= low, \
                            (obj, method)
            finally:
                if hasattr(instance, "teardown"):
                    instance.teardown(*combo)
            break
        else:
            pytest.fail(f"{obj.__name__}: every parameter combination raised NotImplementedError")
    assert found


def test_asv_params_are_consistent(suite):
    for module in suite.values():
        for obj, methods in _benchmarks(module):
            if methods is None or not hasattr(obj, "params"):
                continue
            assert len(obj.params) == len(obj.param_names), obj
            for m in methods:
                n_args = len(inspect.signature(getattr(obj, m)).parameters) - 1
                assert n_args == len(obj.param_names), (obj, m)


def test_crossover_script_imports_without_running():
    spec = importlib.util.spec_from_file_location("crossover", os.path.join(ROOT, "benchmarks", "crossover.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.current_threshold() is not None
    assert not [n for n in vars(mod) if n.startswith(PREFIXES)]   # not an asv benchmark module
    rows = [{"macs": 10, "loops_forward": 1, "blas_forward": 2}, {"macs": 100, "loops_forward": 3, "blas_forward": 2}]
    assert mod.crossover(rows, "forward") == 100
    rows.append({"macs": 1000, "loops_forward": 1, "blas_forward": 2})
    assert mod.crossover(rows, "forward") is None


@pytest.mark.skipif(shutil.which("asv") is None, reason="asv is not installed")
def test_asv_check(tmp_path):
    """asv itself discovers the suite and finds no problem (asv check, in this Python)."""
    import fastnet

    if not os.path.abspath(fastnet.__file__).startswith(os.path.abspath(ROOT) + os.sep):
        pytest.skip("asv check --python=same imports the checkout's fastnet, which is not the one "
                    "under test here (an installed package)")
    conf = json.loads(_strip_comments(open(os.path.join(ROOT, "asv.conf.json")).read()))
    assert conf["benchmark_dir"] == "benchmarks" and conf["repo"] == "." and conf["branches"] == ["main"]
    proc = subprocess.run(["asv", "check", "--python=same"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No problems found" in proc.stdout


def _strip_comments(text):
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))

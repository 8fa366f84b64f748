"""The prediction section of `python -m fastnet bench`: Network.predict vs ONNX Runtime and NumPy.

Its times are measurements, never pass/fail: the tests check that the
predictors compute what predict computes, that the timing takes turns and
keeps the best burst, and that the section and its targets print.
"""

import json
import math
import re

import numpy as np
import pytest

from fastnet.bench import WORKLOADS, main
from fastnet.bench import prediction
from fastnet.bench.report import check_targets
from fastnet.bench.workloads import PREDICT_ROWS, PREDICT_WORKLOADS, TARGET_PREDICT_ONNXRUNTIME


def _net_and_rows(name, n_rows, seed=3):
    w = WORKLOADS[name]
    net = w.network(dtype="float32", seed=seed)
    X = w.make_data(dtype="float32", seed=seed, n_samples=max(n_rows, 2))[0][:n_rows]
    return net, np.ascontiguousarray(X)


@pytest.mark.parametrize("name", ["digits", "mid", "small"])
@pytest.mark.parametrize("n_rows", [1, 7])
def test_onnxruntime_predictor_returns_what_predict_returns(name, n_rows):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    net, X = _net_and_rows(name, n_rows)
    predict = prediction.onnxruntime_predictor(net)
    got = predict(X)
    assert got.dtype == np.float32 and got.shape == (n_rows, net.n_outputs)
    np.testing.assert_allclose(got, net.predict(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["digits", "mid", "small"])
def test_numpy_predictor_returns_what_predict_returns(name):
    net, X = _net_and_rows(name, 9)
    got = prediction.numpy_predictor(net)(X)
    np.testing.assert_allclose(got, net.predict(X), rtol=1e-5, atol=1e-6)
    if WORKLOADS[name].loss == "cross_entropy":   # probabilities, as predict gives
        np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-5)


class _FakeClock:
    """A clock that only moves when a scripted call says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_time_calls_takes_turns_and_keeps_the_best_burst():
    clock = _FakeClock()
    log = []
    u = 2.0**-10   # binary fractions: the clock's sums are exact
    costs = {"a": iter([u] * 4 + [2 * u] * 10 + [u / 2] * 10 + [2 * u] * 100),
             "b": iter([4 * u] * 4 + [4 * u] * 200)}

    def call(name):
        def fn():
            log.append(name)
            clock.now += next(costs[name])
        return fn

    best = prediction.time_calls({"a": call("a"), "b": call("b")}, rounds=3, burst_seconds=10 * u,
                                  clock=clock)
    # warm-up and calibration: 4 calls each (3 + 1 timed); bursts of 10u/u = 10 and 10u/4u = 2 calls
    assert log[:8] == ["a"] * 4 + ["b"] * 4
    rounds = log[8:]
    assert rounds == ["a"] * 10 + ["b"] * 2 + ["b"] * 2 + ["a"] * 10 + ["a"] * 10 + ["b"] * 2
    assert best["a"] == u / 2 and best["b"] == 4 * u


def test_predict_row_reports_microseconds_and_ratios():
    row = prediction.predict_row(WORKLOADS["digits"], 4, onnxruntime=False, rounds=1, burst_seconds=0.001)
    assert row["rows"] == 4 and row["sizes"] == [64, 128, 10] and row["dtype"] == "float32"
    assert set(row["us_per_call"]) == {"fastnet", "numpy"}
    assert all(math.isfinite(v) and v > 0 for v in row["us_per_call"].values())
    assert row["fastnet_speedup"]["numpy"] == pytest.approx(row["us_per_call"]["numpy"]
                                                            / row["us_per_call"]["fastnet"])


def test_prediction_targets_are_read_from_the_onnxruntime_ratio():
    rows = [{"workload": "digits", "dtype": "float32", "rows": 1, "fastnet_speedup": {"onnxruntime": 2.5}},
            {"workload": "mid", "dtype": "float32", "rows": 1024, "fastnet_speedup": {"onnxruntime": 1.0}},
            {"workload": "mid", "dtype": "float32", "rows": 1, "fastnet_speedup": {"numpy": 3.0}}]
    targets = check_targets({"results": [], "threads": [], "prediction": {"rows": rows}})
    assert [(t["what"], t["target"], t["met"]) for t in targets] == [
        ("digits float32: predict 1 row(s), fastnet vs onnxruntime", 2.0, True),
        ("mid float32: predict 1024 row(s), fastnet vs onnxruntime", 1.1, False)]


def test_bench_quick_prints_the_prediction_section(capsys, tmp_path):
    out_json = tmp_path / "bench.json"
    code = main(["--quick", "--workloads", "tiny", "--peers", "numpy", "--no-memory", "--json", str(out_json)])
    text = capsys.readouterr().out
    assert code == 0
    assert "prediction, microseconds per call" in text
    report = json.loads(out_json.read_text())
    rows = report["prediction"]["rows"]
    assert [(r["workload"], r["rows"]) for r in rows] == [(w, n) for w in PREDICT_WORKLOADS for n in PREDICT_ROWS]
    has_ort = report["prediction"]["onnxruntime"] is None
    for r in rows:
        line = next(line for line in text.splitlines()
                    if re.match(rf"{r['workload']}\s+[\d-]+\s+float32\s+{r['rows']}\s", line))
        assert ("faster" in line or "slower" in line), line
        if has_ort:
            target = TARGET_PREDICT_ONNXRUNTIME[r["rows"]]
            met = r["fastnet_speedup"]["onnxruntime"] >= target
            assert line.endswith(f">={target:g}x {'met' if met else 'NOT MET'}"), line
    predict_targets = [t for t in report["targets"] if "predict" in t["what"]]
    assert len(predict_targets) == (len(rows) if has_ort else 0)


def test_bench_prediction_without_onnxruntime_is_skipped_cleanly(capsys, monkeypatch):
    monkeypatch.setattr(prediction, "onnxruntime_status", lambda: "onnxruntime is not installed (pip install x)")
    code = main(["--quick", "--workloads", "tiny", "--peers", "numpy", "--no-memory"])
    text = capsys.readouterr().out
    assert code == 0
    assert "onnxruntime skipped: onnxruntime is not installed" in text
    assert "predict" not in text.split("targets:")[-1]


def test_bench_no_predict_leaves_the_section_out(capsys):
    assert main(["--quick", "--workloads", "tiny", "--peers", "numpy", "--no-memory", "--no-predict"]) == 0
    assert "prediction, microseconds per call" not in capsys.readouterr().out

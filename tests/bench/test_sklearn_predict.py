"""The bench's prediction comparison with scikit-learn (fastnet/bench/sklearn_predict.py) and its asv twin.

No timing decides pass or fail (the machines are noisy): the tests check
that the two predict the same numbers, that the ratio is the ratio of the
times, and that the report prints the section.
"""

import importlib
import math
import re
import sys

import pytest

from fastnet.bench import main
from fastnet.bench.sklearn_predict import per_call_seconds, prediction_speedup
from fastnet.bench.workloads import WORKLOADS

from helpers import REPO as ROOT

pytest.importorskip("sklearn")


@pytest.mark.parametrize("workload, dtype, tol", [("digits", "float64", 1e-12), ("digits", "float32", 1e-6),
                                                  ("tiny", "float64", 1e-12)])
def test_rows_compare_the_same_predictions(workload, dtype, tol):
    rows = prediction_speedup(WORKLOADS[workload], dtype=dtype, rows=(1, 16), repeats=1, min_seconds=0.001)
    assert [r["rows"] for r in rows] == [1, 16]
    for r in rows:
        assert r["dtype"] == dtype and r["sizes"] == list(WORKLOADS[workload].sizes)
        assert r["estimator"] == ("MLPClassifier" if workload == "digits" else "MLPRegressor")
        assert r["sklearn_method"] == ("predict_proba" if workload == "digits" else "predict")
        assert 0 <= r["max_abs_difference"] < tol
        assert r["sklearn_seconds"] > 0 and r["fastnet_seconds"] > 0
        assert r["speedup"] == pytest.approx(r["sklearn_seconds"] / r["fastnet_seconds"])


def test_per_call_seconds_counts_the_calls():
    ticks = [0]   # a clock that advances only by the calls: "a" costs 1 tick, "b" 3

    def cost(n):
        return lambda: ticks.__setitem__(0, ticks[0] + n)

    # "a": 1 call lasts 1 tick < 2, so loops of 2 calls; "b": 1 call lasts 3 >= 2
    seconds = per_call_seconds({"a": cost(1), "b": cost(3)}, repeats=3, min_seconds=2,
                               clock=lambda: float(ticks[0]))
    assert seconds == {"a": 1.0, "b": 3.0}
    assert ticks[0] == (1 + 2) + 3 + 3 * (2 * 1 + 3)   # calibration, then 3 rounds of each loop


def test_bench_prints_the_prediction_section(capsys):
    code = main(["--quick", "--workloads", "tiny", "--peers", "sklearn", "--no-memory"])
    text = capsys.readouterr().out
    assert code == 0
    assert "prediction with one scikit-learn MLPClassifier: its predict_proba against fastnet's predict" in text
    lines = [line for line in text.splitlines() if line.startswith("digits 64-128-10")]
    assert [line.split()[3] for line in lines] == ["1", "1024"]
    for line in lines:   # ends with the ratio (sklearn's time over fastnet's) and the outputs' difference
        assert re.search(r"\d[\d.,]*x +\d\.\de[-+]\d+$", line), line


def test_bench_without_sklearn_has_no_prediction_section(capsys):
    assert main(["--quick", "--workloads", "tiny", "--peers", "numpy", "--no-memory"]) == 0
    assert "prediction with one scikit-learn" not in capsys.readouterr().out


def test_asv_sklearn_predict_runs_once():
    if ROOT not in sys.path:
        sys.path.append(ROOT)
    module = importlib.import_module("benchmarks.bench_interop")
    for impl in ("fastnet", "sklearn"):
        bench = module.SklearnPredict()
        bench.setup(impl, 1, "float64")
        bench.time_predict(impl, 1, "float64")
        assert bench.X.shape == (1, 64)
    ratio = bench.track_predict_speedup("fastnet", 1, "float64")
    assert math.isfinite(ratio) and ratio > 0
    with pytest.raises(NotImplementedError):
        bench.track_predict_speedup("sklearn", 1, "float64")
    assert len(module.SklearnPredict.params) == len(module.SklearnPredict.param_names)

"""The command line (python -m fastnet), run in-process through main(argv).

Every user error must end in one line ``fastnet: error: ...`` on stderr and a
non-zero exit code, never a traceback (unless FASTNET_TRACEBACK=1 asks for one).
"""

import csv
import importlib
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest

import fastnet
from fastnet.__main__ import main

from helpers import REPO


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


@pytest.fixture
def classes_csv(tmp_path):
    """A linear rule with text labels, features on very different scales."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3)) * [1.0, 100.0, 0.01] + [0.0, 500.0, 0.0]
    label = np.where(X[:, 0] + (X[:, 1] - 500.0) / 100.0 > 0, "yes", "no")
    rows = [[f"{a:.6g}", f"{b:.6g}", lab, f"{c:.6g}"] for (a, b, c), lab in zip(X, label)]
    return write_csv(tmp_path / "rule.csv", ["x1", "x2", "label", "x3"], rows), X, label


@pytest.fixture
def regression_csv(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2)) * [1.0, 20.0]
    y = 3.0 * X[:, 0] - 0.1 * X[:, 1] + 1000.0 + rng.normal(scale=0.05, size=300)
    rows = [[f"{a:.8g}", f"{b:.8g}", f"{t:.8g}"] for (a, b), t in zip(X, y)]
    return write_csv(tmp_path / "reg.csv", ["a", "b", "price"], rows), X, y


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def reported(out, split, metric):
    """A figure that ``train`` printed, e.g. reported(out, "validation", "accuracy")."""
    line = next(l for l in out.splitlines() if l.startswith(f"{split}:"))
    return float(re.search(rf"{metric} ([0-9.]+)", line).group(1))


# -- train and predict ---------------------------------------------------------------------
def test_train_then_predict_a_classifier(tmp_path, capsys, classes_csv):
    data, X, label = classes_csv
    model = tmp_path / "model.npz"
    code, out, err = run(capsys, "train", data, "--target", "label", "--hidden", "16", "--epochs", "40",
                         "--lr", "0.01", "--seed", "3", "--out", model, "--no-progress")
    assert code == 0, err
    assert "2-class classification, loss cross_entropy" in out
    train_acc, val_acc = reported(out, "train", "accuracy"), reported(out, "validation", "accuracy")
    assert train_acc > 0.95 and val_acc > 0.9
    assert "320 for training, 80 for validation" in out

    net = fastnet.load(model)
    assert net.metadata["feature_names"] == ["x1", "x2", "x3"]          # the target column is skipped
    assert net.metadata["target"] == "label" and net.metadata["classes"] == ["no", "yes"]
    assert net.sizes == [3, 16, 2]

    preds = tmp_path / "preds.csv"
    code, out, err = run(capsys, "predict", model, data, "--out", preds)
    assert code == 0, err
    header, rows = read_csv(preds)
    assert header == ["label"] and len(rows) == 400
    predicted = np.array([r[0] for r in rows])
    assert set(predicted) <= {"yes", "no"}
    accuracy = np.mean(predicted == label)
    # What train reported (on the shuffled 320/80 split) is what predict reproduces on all rows.
    assert accuracy == pytest.approx(0.8 * train_acc + 0.2 * val_acc, abs=0.01)
    assert f"accuracy {accuracy:.4f} on 400 rows" in out

    # The saved network works on the raw features (the standardisation is folded into it).
    direct = np.array(net.metadata["classes"])[net.predict(X).argmax(axis=1)]
    assert np.array_equal(direct, predicted)


@pytest.mark.parametrize("init", ["he_normal", "zeros", None])
def test_train_draws_the_weights_with_init(tmp_path, capsys, classes_csv, init):
    data, _, _ = classes_csv
    model = tmp_path / "m.npz"
    chosen = [] if init is None else ["--init", init]
    code, out, err = run(capsys, "train", data, "--target", "label", "--hidden", "5", "--epochs", "0", "--seed", "4",
                         "--no-standardize", "--out", model, "--no-progress", *chosen)
    assert code == 0, err
    net = fastnet.load(model)  # no epoch, no scaling folded in: the initial weights
    expected = fastnet.Network.mlp([3, 5, 2], activation="relu", loss="cross_entropy", seed=4, init=init)
    assert [layer.init for layer in net.layers] == [layer.init for layer in expected.layers]
    np.testing.assert_array_equal(net.params, expected.params)


def test_train_help_lists_the_initialisers_and_the_default(capsys):
    code, out, err = run(capsys, "train", "--help")
    assert code == 0, err
    assert "--init {auto," + ",".join(fastnet.INITIALIZERS) + "}" in out
    assert "(default: auto)" in " ".join(out.split())


def test_train_refuses_an_unknown_init(tmp_path, capsys, classes_csv):
    code, out, err = run(capsys, "train", classes_csv[0], "--target", "label", "--out", tmp_path / "m.npz",
                         "--init", "orthogonal")
    assert code == 2 and err.startswith("fastnet: error: argument --init: invalid choice: 'orthogonal'")
    assert "he_normal" in err and err.count("\n") == 1


def test_predict_selects_columns_by_name_and_prints(tmp_path, capsys, classes_csv):
    data, X, label = classes_csv
    model = tmp_path / "m.npz"
    assert run(capsys, "train", data, "--target", "label", "--epochs", "5", "--out", model, "--no-progress")[0] == 0
    # Other column order, an extra column, no target: predict still finds x1, x2, x3 by name.
    shuffled = write_csv(tmp_path / "new.csv", ["junk", "x3", "x1", "x2"],
                         [[7, repr(c), repr(a), repr(b)] for a, b, c in X[:5].tolist()])
    code, out, err = run(capsys, "predict", model, shuffled, "--proba")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "label,p(no),p(yes)" and len(lines) == 6
    net = fastnet.load(model)
    p = net.predict(X[:5])
    for line, probs in zip(lines[1:], p):
        name, p_no, p_yes = line.split(",")
        assert name == ("yes" if probs[1] > probs[0] else "no")
        assert float(p_no) == pytest.approx(probs[0], rel=1e-6) and float(p_yes) == pytest.approx(probs[1], rel=1e-6)
    assert err == ""                                    # no target in the data: no score line


def test_train_then_predict_a_regressor(tmp_path, capsys, regression_csv):
    data, X, y = regression_csv
    model = tmp_path / "reg"
    code, out, err = run(capsys, "train", data, "--target", "price", "--hidden", "", "--epochs", "60",
                         "--lr", "0.05", "--batch-size", "16", "--dtype", "float64", "--out", model,
                         "--no-progress", "--validation-split", "0.25")
    assert code == 0, err
    assert "regression, loss mse" in out
    train_rmse, val_rmse = reported(out, "train", "rmse"), reported(out, "validation", "rmse")
    assert train_rmse < 0.2 and val_rmse < 0.2             # the noise is 0.05 around y near 1000

    code, out, err = run(capsys, "predict", model, data)  # the same string finds reg.npz
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "price" and len(lines) == 301
    predicted = np.array([float(v) for v in lines[1:]])
    rmse = np.sqrt(np.mean((predicted - y) ** 2))
    assert rmse == pytest.approx(np.sqrt(0.75 * train_rmse ** 2 + 0.25 * val_rmse ** 2), rel=0.05)
    assert "rmse" in err                                 # the score goes to stderr when stdout has the CSV


def test_integer_targets_auto_loss(tmp_path, capsys):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(90, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)          # 0, 1, 2
    data = write_csv(tmp_path / "d.csv", ["p", "q", "k"], [[a, b, k] for (a, b), k in zip(X, y)])
    code, out, err = run(capsys, "train", data, "--target", "k", "--epochs", "2", "--out", tmp_path / "m",
                         "--no-progress")
    assert code == 0, err
    assert "3-class classification, loss cross_entropy" in out
    assert fastnet.load(tmp_path / "m").metadata["classes"] == [0, 1, 2]
    # The same column with many distinct integers is a regression target.
    y_many = np.arange(90) * 7
    data = write_csv(tmp_path / "e.csv", ["p", "q", "k"], [[a, b, k] for (a, b), k in zip(X, y_many)])
    code, out, err = run(capsys, "train", data, "--target", "k", "--epochs", "1", "--out", tmp_path / "m2",
                         "--no-progress")
    assert code == 0 and "regression, loss mse" in out
    # And an explicit loss wins.
    code, out, err = run(capsys, "train", data, "--target", "k", "--epochs", "1", "--loss", "huber",
                         "--out", tmp_path / "m3", "--no-progress")
    assert code == 0 and "loss huber" in out and fastnet.load(tmp_path / "m3").criterion.name == "huber"


def test_rows_are_shuffled_before_the_validation_split(tmp_path, capsys):
    # A file sorted by class: holding out its last rows unshuffled would hold out class 2 only,
    # which training would never have seen.
    rng = np.random.default_rng(4)
    centres = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    k = np.repeat([0, 1, 2], 60)
    X = centres[k] + rng.normal(scale=0.5, size=(180, 2))
    data = write_csv(tmp_path / "sorted.csv", ["u", "v", "k"], [[a, b, c] for (a, b), c in zip(X, k)])
    code, out, err = run(capsys, "train", data, "--target", "k", "--validation-split", "0.35", "--epochs", "30",
                         "--lr", "0.01", "--out", tmp_path / "m", "--no-progress")
    assert code == 0, err
    assert reported(out, "validation", "accuracy") > 0.9


def test_train_from_npz_with_early_stopping_and_progress(tmp_path, capsys):
    X, y = fastnet.datasets.two_spirals(200, seed=0)
    data = tmp_path / "spirals.npz"
    np.savez(data, X=X, y=y)
    model = tmp_path / "s.npz"
    code, out, err = run(capsys, "train", data, "--target", "y", "--hidden", "8,8", "--activation", "tanh",
                         "--optimizer", "sgd", "--lr", "0.1", "--epochs", "30", "--early-stopping", "0",
                         "--batch-size", "200", "--out", model)
    assert code == 0, err
    assert "epoch" in err                                  # progress, on stderr
    net = fastnet.load(model)
    assert net.metadata["feature_names"] == ["X0", "X1"] and net.sizes == [2, 8, 8, 2]
    code, out, err = run(capsys, "predict", model, data)
    assert code == 0 and len(out.strip().splitlines()) == 201


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu", "elu", "softplus"])
def test_train_offers_the_smooth_activations(tmp_path, capsys, classes_csv, name):
    data, X, label = classes_csv
    model = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", data, "--target", "label", "--hidden", "6", "--activation", name,
                         "--epochs", "2", "--out", model, "--no-progress")
    assert code == 0, err
    assert fastnet.load(model).layers[0].activation == fastnet.Activation(name)


def test_binary_cross_entropy_classifier(tmp_path, capsys, classes_csv):
    data, X, label = classes_csv
    model = tmp_path / "b.npz"
    code, out, err = run(capsys, "train", data, "--target", "label", "--loss", "binary_cross_entropy",
                         "--epochs", "20", "--lr", "0.01", "--out", model, "--no-progress")
    assert code == 0, err
    assert fastnet.load(model).sizes[-1] == 1
    code, out, err = run(capsys, "predict", model, data)
    predicted = np.array(out.strip().splitlines()[1:])
    assert np.mean(predicted == label) > 0.9


@pytest.fixture
def counts_csv(tmp_path):
    """Counts whose log-rate is linear in the features: y ~ Poisson(exp(0.7 a - 0.5 b + 1))."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(600, 2))
    rate = np.exp(0.7 * X[:, 0] - 0.5 * X[:, 1] + 1.0)
    y = rng.poisson(rate)
    rows = [[f"{a:.8g}", f"{b:.8g}", int(t)] for (a, b), t in zip(X, y)]
    return write_csv(tmp_path / "counts.csv", ["a", "b", "n"], rows), X, rate


def test_poisson_trains_on_raw_counts_and_predicts_expected_counts(tmp_path, capsys, counts_csv):
    data, X, rate = counts_csv
    model = tmp_path / "p.npz"
    code, out, err = run(capsys, "train", data, "--target", "n", "--loss", "poisson", "--hidden", "none",
                         "--lr", "0.05", "--epochs", "40", "--dtype", "float64", "--out", model, "--no-progress")
    assert code == 0, err
    assert "regression, loss poisson" in out
    net = fastnet.load(model)
    # Counts stay counts (a standardised target would go negative); the features are still scaled.
    assert net.metadata["standardization"]["target_scale"] is None
    assert net.metadata["standardization"]["feature_scale"] is not None
    code, out, err = run(capsys, "predict", model, data)
    assert code == 0, err
    predicted = np.array([float(v) for v in out.strip().splitlines()[1:]])
    # The expected counts exp(log-rate), not the log-rates the network outputs.
    np.testing.assert_allclose(predicted, np.exp(net.predict(X)[:, 0]), rtol=1e-6)   # X as the CSV rounds it
    assert np.median(np.abs(predicted / rate - 1)) < 0.1


def test_negative_counts_for_poisson_are_one_line(tmp_path, capsys):
    data = write_csv(tmp_path / "neg.csv", ["a", "n"], [[0.1, 2], [0.5, -1], [0.9, 0], [1.3, 4]])
    code, out, err = run(capsys, "train", data, "--target", "n", "--loss", "poisson", "--validation-split", "0",
                         "--out", tmp_path / "o.npz", "--no-progress")
    assert code == 1 and err == "fastnet: error: Y holds counts for poisson and must be >= 0, got -1\n"
    assert not os.path.exists(tmp_path / "o.npz")


@pytest.mark.parametrize("q", [0.2, 0.9])
def test_quantile_option_sets_q(tmp_path, capsys, regression_csv, q):
    data, X, y = regression_csv
    model = tmp_path / "q.npz"
    code, out, err = run(capsys, "train", data, "--target", "price", "--loss", "quantile", "--quantile", q,
                         "--hidden", "none", "--lr", "0.02", "--epochs", "150", "--validation-split", "0",
                         "--dtype", "float64", "--out", model, "--no-progress")
    assert code == 0, err
    net = fastnet.load(model)
    assert net.criterion == fastnet.Loss("quantile", q=q)
    assert abs(np.mean(y <= net.predict(X)[:, 0]) - q) < 0.08


@pytest.mark.parametrize("argv, message", [
    (["--loss", "mse", "--quantile", "0.3"], "--quantile 0.3 needs --loss quantile, got --loss mse"),
    (["--loss", "quantile", "--quantile", "1"], r"--quantile: must be in \(0, 1\), got 1"),
])
def test_quantile_option_errors(tmp_path, capsys, regression_csv, argv, message):
    data, _, _ = regression_csv
    code, out, err = run(capsys, "train", data, "--target", "price", *argv, "--out", tmp_path / "o.npz")
    assert code != 0 and err.startswith("fastnet: error: ") and err.count("\n") == 1, err
    assert re.search(message, err), err


# -- gradcheck, demo, bench, version ---------------------------------------------------------
def test_gradcheck_on_random_networks(capsys):
    code, out, err = run(capsys, "gradcheck")
    assert code == 0, err
    for name in fastnet.ACTIVATIONS:
        assert f"hidden {name}" in out
    for name in fastnet.LOSSES:
        assert f"loss {name}" in out
    worst = float(re.search(r"^worst relative error ([0-9.e+-]+): OK", out, re.M).group(1))
    assert worst < 1e-6


def test_gradcheck_on_a_saved_model_with_data(tmp_path, capsys, classes_csv):
    data, _, _ = classes_csv
    model = tmp_path / "m.npz"
    assert run(capsys, "train", data, "--target", "label", "--epochs", "3", "--hidden", "5",
               "--out", model, "--no-progress")[0] == 0
    code, out, err = run(capsys, "gradcheck", model, "--data", data, "--samples", "5")
    assert code == 0, err
    assert "m.npz" in out and "OK" in out
    # A tolerance nothing meets fails, with exit code 1.
    code, out, err = run(capsys, "gradcheck", model, "--tol", "1e-30")
    assert code == 1 and "FAILED" in out


def test_demo_writes_plots(tmp_path, capsys):
    plots = tmp_path / "plots"
    code, out, err = run(capsys, "demo", "--epochs", "2", "--plot-dir", plots, "--no-progress", "--seed", "1")
    assert code == 0, err
    assert "two spirals" in out and "noisy sine" in out
    if importlib.util.find_spec("matplotlib") is None:
        assert "install matplotlib" in out
    else:
        for name in ("spirals-regions", "sine-fit", "spirals-loss", "sine-loss"):
            png = plots / f"fastnet-demo-{name}.png"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
            assert f"wrote {png}" in out   # the path is printed


def test_bench_delegates(monkeypatch, capsys):
    seen = []
    fake = types.ModuleType("fastnet.bench")
    fake.__spec__ = importlib.machinery.ModuleSpec("fastnet.bench", None)
    fake.main = lambda argv: seen.append(argv) or 3
    monkeypatch.setitem(sys.modules, "fastnet.bench", fake)
    assert main(["bench", "--quick", "--dtype", "float32"]) == 3
    assert seen == [["--quick", "--dtype", "float32"]]


def test_bench_missing(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "fastnet.bench" else real(name, *a))
    code, out, err = run(capsys, "bench")
    assert code == 2
    assert err.startswith("fastnet: error:") and "fastnet.bench" in err and err.count("\n") == 1


def test_version(capsys):
    code, out, err = run(capsys, "--version")
    assert code == 0 and out.strip() == f"fastnet {fastnet.__version__}"


def run_subprocess(cwd, *argv, **env_vars):
    """``python -m fastnet *argv`` in a child process, with ``env_vars`` set (None: unset)."""
    # The child imports the same fastnet as this process: an installed package or,
    # in a development tree built in place, the source tree.
    where = os.path.dirname(os.path.dirname(os.path.abspath(fastnet.__file__)))
    env = dict(os.environ, PYTHONPATH=where + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for name, value in env_vars.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run([sys.executable, "-m", "fastnet", *map(str, argv)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def test_version_subprocess(tmp_path):
    result = run_subprocess(tmp_path, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"fastnet {fastnet.__version__}"


# -- errors: one line, non-zero exit ---------------------------------------------------------
@pytest.fixture
def files(tmp_path, classes_csv, capsys):
    data, X, _ = classes_csv
    model = tmp_path / "model.npz"
    assert main(["train", data, "--target", "label", "--epochs", "1", "--out", str(model), "--no-progress"]) == 0
    capsys.readouterr()
    paths = {"data": data, "model": str(model), "tmp": str(tmp_path)}
    paths["text"] = write_csv(tmp_path / "text.csv", ["x1", "x2", "label", "x3"],
                              [[1, 2, "yes", 3], [1, "abc", "no", 3]])
    paths["blank"] = write_csv(tmp_path / "blank.csv", ["x1", "x2", "label", "x3"],
                               [[1, 2, "yes", 3], [1, "", "no", 3]])
    paths["ragged"] = str(tmp_path / "ragged.csv")
    with open(paths["ragged"], "w") as f:
        f.write("x1,x2,label,x3\n1,2,yes,3\n1,2,no\n")
    paths["empty"] = str(tmp_path / "empty.csv")
    open(paths["empty"], "w").close()
    paths["partial"] = write_csv(tmp_path / "partial.csv", ["x1", "x3"], [[1, 2]])
    paths["broken"] = str(tmp_path / "broken.npz")
    with open(paths["model"], "rb") as src, open(paths["broken"], "wb") as dst:
        dst.write(src.read()[:300])
    return paths


ERRORS = [
    (["train", "{tmp}/missing.csv", "--target", "label", "--out", "{tmp}/o.npz"], "no such file"),
    (["train", "{data}", "--target", "price", "--out", "{tmp}/o.npz"], "no target column 'price'"),
    (["train", "{text}", "--target", "label", "--out", "{tmp}/o.npz"], "column 'x2' holds 'abc' in data row 2"),
    (["train", "{blank}", "--target", "label", "--out", "{tmp}/o.npz"], "column 'x2' is empty in data row 2"),
    (["train", "{ragged}", "--target", "label", "--out", "{tmp}/o.npz"], "line 3 has 3 fields"),
    (["train", "{empty}", "--target", "label", "--out", "{tmp}/o.npz"], "empty"),
    (["train", "{data}", "--target", "label", "--hidden", "12,x", "--out", "{tmp}/o.npz"], "--hidden"),
    (["train", "{data}", "--target", "label", "--lr", "-1", "--out", "{tmp}/o.npz"], "--lr.*> 0"),
    (["train", "{data}", "--target", "label", "--epochs", "ten", "--out", "{tmp}/o.npz"], "--epochs"),
    (["train", "{data}", "--target", "label", "--validation-split", "1", "--out", "{tmp}/o.npz"],
     "--validation-split"),
    (["train", "{data}", "--target", "label", "--activation", "swish", "--out", "{tmp}/o.npz"], "invalid choice"),
    (["train", "{data}", "--target", "label", "--loss", "mse", "--out", "{tmp}/o.npz"], "holds text"),
    (["train", "{data}", "--target", "label"], "required: --out"),
    (["train", "{data}", "--target", "label", "--out", "{tmp}/no/dir/o.npz"], "does not exist"),
    (["predict", "{tmp}/nope.npz", "{data}"], "no such model file"),
    (["predict", "{model}", "{partial}"], "lacks the column 'x2'"),
    (["predict", "{broken}", "{data}"], "truncated or corrupted"),
    (["predict", "{data}", "{data}"], r"not an \.npz"),
    (["gradcheck", "--data", "{data}"], "needs a model"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
]


@pytest.mark.parametrize("argv, message", ERRORS, ids=[" ".join(a[:1] + [m]) for a, m in ERRORS])
def test_errors_are_one_line(files, capsys, argv, message):
    code, out, err = run(capsys, *(a.format(**files) for a in argv))
    assert code != 0
    assert err.startswith("fastnet: error: ") and err.count("\n") == 1, err
    assert re.search(message, err), err
    assert "Traceback" not in err + out
    assert not os.path.exists(os.path.join(files["tmp"], "o.npz"))


# -- FASTNET_TRACEBACK: the traceback behind the one line ----------------------------------
MISSING = ["train", "missing.csv", "--target", "y", "--out", "o.npz"]


def test_traceback_on_request_subprocess(tmp_path):
    result = run_subprocess(tmp_path, *MISSING, FASTNET_TRACEBACK="1")
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr, result.stderr
    # The one-line message still ends the output, and the exit code is the usual one.
    assert result.stderr.splitlines()[-1] == "fastnet: error: no such file: missing.csv"


def test_one_line_without_traceback_subprocess(tmp_path):
    # FASTNET_DEBUG is the build switch (bounds checks), not a request for tracebacks.
    result = run_subprocess(tmp_path, *MISSING, FASTNET_TRACEBACK=None, FASTNET_DEBUG="1")
    assert result.returncode == 1
    assert result.stderr == "fastnet: error: no such file: missing.csv\n"
    assert "Traceback" not in result.stdout + result.stderr


def test_unexpected_errors_are_one_line_too(tmp_path, capsys, monkeypatch):
    # A bug (or an error from the library) is reported like a user error, with its traceback on request.
    def broken(args):
        raise ValueError("something\nwent wrong")

    monkeypatch.setattr(importlib.import_module("fastnet.cli.train"), "run", broken)
    argv = ["train", "data.csv", "--target", "y", "--out", tmp_path / "o.npz"]
    monkeypatch.delenv("FASTNET_TRACEBACK", raising=False)
    code, out, err = run(capsys, *argv)
    assert code == 1 and err == "fastnet: error: something went wrong\n"
    monkeypatch.setenv("FASTNET_TRACEBACK", "1")
    code, out, err = run(capsys, *argv)
    assert code == 1 and "Traceback" in err and "ValueError" in err
    assert err.splitlines()[-1] == "fastnet: error: something went wrong"

"""``fastnet train --optimizer lbfgs``: full-batch L-BFGS, --epochs its iterations, no --batch-size."""

import csv

import numpy as np
import pytest

import fastnet
from fastnet.__main__ import main


def _write(path, X, y):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*(f"x{i}" for i in range(X.shape[1])), "y"])
        writer.writerows([[*map("{:.8g}".format, row), t] for row, t in zip(X, y)])
    return str(path)


@pytest.fixture
def regression(tmp_path):
    rng = np.random.default_rng(3)
    X = np.round(rng.normal(size=(200, 3)) * [1.0, 2.0, 0.5], 6)   # as written: the file holds 8 digits
    y = np.round(np.sin(2.0 * X[:, 0]) + 0.5 * X[:, 1] - 2.0 * X[:, 2] + 3.0, 6)
    return _write(tmp_path / "reg.csv", X, [f"{t:.8g}" for t in y]), X, y


@pytest.fixture
def classes(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(240, 2))
    label = np.where(X[:, 0] ** 2 + X[:, 1] ** 2 > 1.2, "out", "in")   # a circle: not linear
    return _write(tmp_path / "cls.csv", X, label), X, label


def _train(capsys, data, out, *extra):
    code = main(["train", data, "--target", "y", "--hidden", "12", "--seed", "2", "--validation-split", "0",
                 "--no-progress", "--out", str(out), *map(str, extra)])
    return code, *capsys.readouterr()


@pytest.mark.parametrize("standardize", [[], ["--no-standardize"]])
def test_lbfgs_regression_predicts_far_better_than_the_untrained_network(tmp_path, capsys, regression, standardize):
    data, X, y = regression
    code, out, err = _train(capsys, data, tmp_path / "m.npz", "--optimizer", "lbfgs", "--epochs", "60",
                            "--dtype", "float64", *standardize)
    assert code == 0, err
    code, _, err = _train(capsys, data, tmp_path / "u.npz", "--optimizer", "lbfgs", "--epochs", "0",
                          "--dtype", "float64", *standardize)
    assert code == 0, err
    trained, untrained = fastnet.load(tmp_path / "m.npz"), fastnet.load(tmp_path / "u.npz")
    mse = [float(np.mean((net.predict(X)[:, 0] - y) ** 2)) for net in (trained, untrained)]
    assert mse[0] < 0.02 * mse[1] and mse[0] < 0.05 * np.var(y)
    assert "train:" in out


def test_lbfgs_classifier_learns_a_circle(tmp_path, capsys, classes):
    data, X, label = classes
    code, out, err = _train(capsys, data, tmp_path / "m.npz", "--optimizer", "lbfgs", "--epochs", "100",
                            "--activation", "tanh")
    assert code == 0, err
    code, _, err = _train(capsys, data, tmp_path / "u.npz", "--optimizer", "lbfgs", "--epochs", "0",
                          "--activation", "tanh")
    assert code == 0, err
    accuracy = []
    for name in ("m.npz", "u.npz"):
        net = fastnet.load(tmp_path / name)
        classes = net.metadata["classes"]
        accuracy.append(float(np.mean(np.asarray(classes)[net.predict(X).argmax(axis=1)] == label)))
    assert accuracy[0] >= 0.95 and accuracy[0] > accuracy[1] + 0.2


def test_epochs_are_lbfgs_iterations(tmp_path, capsys, regression):
    data, X, y = regression
    code, out, err = _train(capsys, data, tmp_path / "m.npz", "--optimizer", "lbfgs", "--epochs", "3",
                            "--dtype", "float64", "--no-standardize")
    assert code == 0, err
    saved = fastnet.load(tmp_path / "m.npz").params
    # the same run through the Python API: train shuffles the rows with the seed, then three iterations
    order = np.random.default_rng(2).permutation(len(X))
    runs = {}
    for iterations in (3, 4):
        net = fastnet.Network.mlp([3, 12, 1], activation="relu", loss="mse", dtype="float64", seed=2)
        net.fit(X[order], y[order], optimizer=fastnet.LBFGS(), epochs=iterations)
        runs[iterations] = net.params
    np.testing.assert_allclose(saved, runs[3], rtol=1e-9, atol=1e-12)
    assert not np.allclose(saved, runs[4], rtol=1e-6)


def test_convergence_before_the_last_epoch_is_reported(tmp_path, capsys, regression):
    data, X, y = regression
    # no hidden layer: a convex problem, which L-BFGS solves long before 500 iterations
    code, out, err = _train(capsys, data, tmp_path / "lin.npz", "--optimizer", "lbfgs", "--epochs", "500",
                            "--hidden", "none", "--dtype", "float64")
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("lbfgs stopped after"))
    assert int(line.split()[3]) < 500 and ("tol rule" in line or "gtol rule" in line)
    assert "early stopping" not in out


def test_help_says_lbfgs_is_full_batch(capsys):
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "lbfgs" in text and "full batch" in text and "with lbfgs: iterations" in text
    assert "(default: 32; with lbfgs: all)" in text


@pytest.mark.parametrize("extra, message", [
    (["--batch-size", "16"], "--batch-size 16 does not apply to --optimizer lbfgs: it trains on the full batch"),
    (["--batch-size", "32"], "--batch-size 32 does not apply to --optimizer lbfgs"),   # even the default value
    (["--dropout", "0.2"], "--dropout 0.2 does not apply to --optimizer lbfgs"),
])
def test_mini_batch_options_with_lbfgs_are_one_line_errors_and_nothing_is_trained(tmp_path, capsys, regression,
                                                                                   extra, message):
    data, X, y = regression
    code, out, err = _train(capsys, data, tmp_path / "m.npz", "--optimizer", "lbfgs", *extra)
    assert code == 2 and err.startswith("fastnet: error: ") and message in err and err.count("\n") == 1
    assert out == ""   # not even the data was read
    assert not (tmp_path / "m.npz").exists()


def test_the_per_batch_optimizers_keep_their_defaults(tmp_path, capsys, regression):
    data, X, y = regression
    code, out, err = _train(capsys, data, tmp_path / "m.npz", "--optimizer", "sgd", "--epochs", "1")
    assert code == 0, err
    code, _, err = _train(capsys, data, tmp_path / "explicit.npz", "--optimizer", "sgd", "--epochs", "1",
                          "--lr", "0.001", "--batch-size", "32")
    assert code == 0, err
    # leaving --lr and --batch-size out means 0.001 and 32, as before lbfgs joined the choices
    np.testing.assert_array_equal(fastnet.load(tmp_path / "m.npz").params,
                                  fastnet.load(tmp_path / "explicit.npz").params)
    code, _, err = _train(capsys, data, tmp_path / "other.npz", "--optimizer", "sgd", "--epochs", "1",
                          "--batch-size", "16")
    assert code == 0, err
    assert not np.array_equal(fastnet.load(tmp_path / "m.npz").params, fastnet.load(tmp_path / "other.npz").params)

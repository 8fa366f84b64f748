"""``fastnet train --metrics ... --csv-log PATH``: each epoch's figures, written as they are recorded."""

import csv

import pytest

from fastnet.__main__ import main

from helpers import write_linear_table


@pytest.fixture
def table(tmp_path):
    return write_linear_table(tmp_path / "t.csv", 150, noise=0.1)


def _train(capsys, table, out, *extra):
    code = main(["train", table, "--target", "y", "--hidden", "8", "--epochs", "4", "--seed", "1",
                 "--loss", "mse", "--no-progress", "--out", str(out), *map(str, extra)])
    return code, *capsys.readouterr()


def test_the_csv_log_holds_every_epoch_with_the_metrics(tmp_path, capsys, table):
    log = tmp_path / "log.csv"
    code, out, err = _train(capsys, table, tmp_path / "m.npz", "--metrics", "rmse,mae", "--csv-log", log)
    assert code == 0, err
    with open(log, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(row["epoch"]) for row in rows] == [1, 2, 3, 4]
    assert set(rows[0]) == {"epoch", "loss", "mae", "rmse", "lr", "time", "val_loss", "val_mae", "val_rmse"}
    for row in rows:
        figures = {key: float(value) for key, value in row.items()}
        # With the mse loss and one output, rmse is the root of the loss, on both sides of the split.
        assert figures["rmse"] ** 2 == pytest.approx(figures["loss"], rel=1e-5)
        assert figures["val_rmse"] ** 2 == pytest.approx(figures["val_loss"], rel=1e-5)
        assert 0 < figures["mae"] <= figures["rmse"]
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])


def test_a_metric_that_does_not_suit_the_target_trains_nothing(tmp_path, capsys, table):
    code, out, err = _train(capsys, table, tmp_path / "m.npz", "--metrics", "accuracy")
    assert code == 2 and err.startswith("fastnet: error: --metrics: ") and "classification loss" in err
    assert not (tmp_path / "m.npz").exists()


def test_an_unknown_metric_is_a_usage_error(tmp_path, capsys, table):
    code, out, err = _train(capsys, table, tmp_path / "m.npz", "--metrics", "rmse,f1")
    assert code == 2 and "argument --metrics: unknown metric 'f1'" in err and err.count("\n") == 1


def test_help_describes_both_options(capsys):
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--metrics NAMES" in text and "--csv-log PATH" in text and "(default: none)" in text

"""``fastnet train --lr-schedule ... --warmup EPOCHS``: the rates each epoch trained at (read from --csv-log)."""

import csv
import math

import pytest

from fastnet.__main__ import main

from helpers import write_linear_table


@pytest.fixture
def table(tmp_path):
    return write_linear_table(tmp_path / "t.csv", 100)


def _rates(capsys, tmp_path, table, *extra):
    log = tmp_path / "log.csv"
    code = main(["train", table, "--target", "y", "--hidden", "8", "--epochs", "6", "--lr", "0.01",
                 "--batch-size", "16", "--validation-split", "0.2", "--no-progress", "--out", str(tmp_path / "m.npz"),
                 "--csv-log", str(log), *map(str, extra)])
    out, err = capsys.readouterr()
    assert code == 0, err
    with open(log, newline="") as f:
        return [float(row["lr"]) for row in csv.DictReader(f)]


def test_constant_is_the_default(tmp_path, capsys, table):
    assert _rates(capsys, tmp_path, table) == [0.01] * 6


def test_cosine_anneals_over_the_epochs(tmp_path, capsys, table):
    expected = [0.01 * (1 + math.cos(math.pi * e / 6)) / 2 for e in range(6)]
    assert _rates(capsys, tmp_path, table, "--lr-schedule", "cosine") == pytest.approx(expected, rel=1e-12)


def test_warmup_then_cosine(tmp_path, capsys, table):
    warm = [0.01 * (1 / 3 + (2 / 3) * e / 2) for e in range(2)]
    cosine = [0.01 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(4)]
    rates = _rates(capsys, tmp_path, table, "--lr-schedule", "cosine", "--warmup", "2")
    assert rates == pytest.approx(warm + cosine, rel=1e-12)


def test_one_cycle_steps_per_batch_up_to_lr(tmp_path, capsys, table):
    import fastnet as fn

    rates = _rates(capsys, tmp_path, table, "--lr-schedule", "one-cycle")
    # 80 training rows in batches of 16: 5 per epoch, 30 steps; each epoch's first rate is logged.
    one_cycle = fn.OneCycleLR(max_lr=0.01, total_steps=30)
    assert rates == pytest.approx([one_cycle.lr(5 * e, 0.01, None) for e in range(6)], rel=1e-12)
    assert rates[0] == pytest.approx(0.01 / 25) and max(rates) <= 0.01


@pytest.mark.parametrize("extra, message", [
    (["--lr-schedule", "one-cycle", "--warmup", "2"], "--warmup does not apply to --lr-schedule one-cycle"),
    (["--warmup", "6"], "--warmup 6 must be shorter than --epochs 6"),
    (["--optimizer", "lbfgs", "--lr-schedule", "cosine"], "do not apply to --optimizer lbfgs"),
])
def test_what_cannot_apply_is_a_usage_error(tmp_path, capsys, table, extra, message):
    code = main(["train", table, "--target", "y", "--epochs", "6", "--no-progress", "--out", str(tmp_path / "m.npz"),
                 *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "m.npz").exists()

"""``fastnet train --dropout P``: the saved network has the dropouts, and bad rates are one-line errors."""

import numpy as np
import pytest

import fastnet
from fastnet.__main__ import main

from helpers import write_linear_table


@pytest.fixture
def table(tmp_path):
    return write_linear_table(tmp_path / "t.csv", 120)


def _train(capsys, table, out, *extra):
    code = main(["train", table, "--target", "y", "--hidden", "8,6", "--epochs", "2", "--seed", "1",
                 "--no-standardize", "--no-progress", "--out", str(out), *map(str, extra)])
    return code, *capsys.readouterr()


def test_dropout_goes_after_every_hidden_layer_of_the_saved_model(tmp_path, capsys, table):
    code, out, err = _train(capsys, table, tmp_path / "m.npz", "--dropout", "0.3")
    assert code == 0, err
    net = fastnet.load(tmp_path / "m.npz")
    assert repr(net.layers[1]) == repr(net.layers[3]) == "Dropout(0.3)" and len(net.layers) == 5
    code, out, err = _train(capsys, table, tmp_path / "plain.npz")
    assert code == 0, err
    plain = fastnet.load(tmp_path / "plain.npz")
    assert [type(layer) for layer in plain.layers] == [fastnet.Dense] * 3   # the default is no dropout
    assert not np.array_equal(plain.params, net.params)   # same seed: the masks made the difference


def test_help_describes_dropout_and_its_default(capsys):
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--dropout P" in text and "(default: 0.0, none)" in text


@pytest.mark.parametrize("value, message", [("1", "must be in [0, 1), got 1"), ("-0.2", "must be in [0, 1), got -0.2"),
                                            ("lots", "expected a number, got 'lots'")])
def test_bad_rates_are_one_line_errors(tmp_path, capsys, table, value, message):
    code, out, err = _train(capsys, table, tmp_path / "m.npz", "--dropout", value)
    assert code == 2 and err.startswith("fastnet: error: argument --dropout: ") and message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "m.npz").exists()

"""--delimiter: semicolon- and tab-separated CSVs, quoted fields, and the hint when it is missing."""

import numpy as np
import pytest

import fastnet
from fastnet.__main__ import main
from fastnet.cli.tables import read_table


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _semicolon_csv(path, delimiter=";"):
    # Decimal commas inside quoted fields: the separator, not the comma, splits the fields.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    label = np.where(X[:, 0] > 0, "yes; sure", "no")
    lines = [delimiter.join(["x1", "x2", "label"])]
    lines += [delimiter.join([f"{a:.6f}", f"{b:.6f}", f'"{lab}"']) for (a, b), lab in zip(X, label)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, X, label


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_read_table_splits_at_the_delimiter_and_keeps_quoted_fields(tmp_path, delimiter):
    path, X, label = _semicolon_csv(tmp_path / "data.csv", delimiter)
    table = read_table(str(path), delimiter)
    assert table.names == ["x1", "x2", "label"]
    np.testing.assert_allclose(table.matrix(["x1", "x2"]), X, atol=1e-6)
    assert list(table.columns["label"]) == list(label)     # "yes; sure" stays one field


def test_train_and_predict_read_a_semicolon_csv(tmp_path, capsys):
    path, X, label = _semicolon_csv(tmp_path / "data.csv")
    model = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", path, "--target", "label", "--delimiter", ";", "--epochs", "30",
                         "--lr", "0.01", "--out", model, "--no-progress")
    assert code == 0, err
    assert fastnet.load(model).metadata["classes"] == ["no", "yes; sure"]
    code, out, err = run(capsys, "predict", model, path, "--delimiter", ";")
    assert code == 0, err
    predicted = [line.split(",")[-1].strip('"') for line in out.splitlines()[1:]]
    assert np.mean(np.array(predicted) == label) > 0.9


def test_tab_is_written_as_backslash_t(tmp_path, capsys):
    path, _, _ = _semicolon_csv(tmp_path / "data.tsv", "\t")
    code, out, err = run(capsys, "train", path, "--target", "label", "--delimiter", "\\t", "--epochs", "1",
                         "--out", tmp_path / "m.npz", "--no-progress")
    assert code == 0, err


@pytest.mark.parametrize("delimiter, hint", [(";", "--delimiter ';'"), ("\t", "--delimiter $'\\t'")])
def test_without_delimiter_the_error_suggests_it(tmp_path, capsys, delimiter, hint):
    path, _, _ = _semicolon_csv(tmp_path / "data.csv", delimiter)
    code, out, err = run(capsys, "train", path, "--target", "label", "--out", tmp_path / "m.npz")
    assert code != 0
    assert hint in err and "the header is one column" in err


def test_a_delimiter_must_be_one_character(capsys):
    code, out, err = run(capsys, "train", "x.csv", "--target", "y", "--out", "m.npz", "--delimiter", ";;")
    assert code == 2 and "--delimiter" in err and "one character" in err

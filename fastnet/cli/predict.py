"""``fastnet predict model.npz DATA [--out preds.csv] [--proba]``: predictions as CSV.

The model picks its feature columns from the data by name. Class labels are
written as the training file had them; numbers with the digits that the
model's dtype holds (float32: 8, float64: 17, enough to round-trip); a poisson
model's are the expected counts, the exponential of its log-rate. When the
data holds the target too, a last line says how good the predictions are (on
stderr when stdout carries the CSV, so that a pipe gets only the CSV).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..nn.network import Network
from .messages import info
from .models import load_model, model_features
from .options import Subcommands, add_delimiter
from .tables import Table, read_table
from .targets import ClassLabel, label_strings, predicted_values

__all__ = ["register", "run"]


def register(commands: Subcommands) -> None:
    """Add ``predict`` and its options to the ``fastnet`` parser."""
    parser = commands.add_parser("predict", help="predict with a saved model")
    parser.add_argument("model", help="a model saved by fastnet train (.npz)")
    parser.add_argument("data", help="CSV or NPZ holding the model's feature columns")
    parser.add_argument("--out", help="write the predictions to this CSV (default: print them)")
    parser.add_argument("--proba", action="store_true", help="also give each class's probability")
    add_delimiter(parser)
    parser.set_defaults(func=run)


@dataclass
class Predictions:
    """What ``predict`` writes: a header and one row of text per sample."""

    header: list[str]
    rows: list[list[str]]
    labels: list[ClassLabel] | None    # the predicted class of each row; None for a regressor


def run(args: argparse.Namespace) -> int:
    """The ``predict`` subcommand; returns the exit code."""
    net = load_model(args.model)
    table = read_table(args.data, args.delimiter)
    out = net.predict(model_features(net, table))
    classes: list[ClassLabel] | None = net.metadata.get("classes")
    target: str = net.metadata.get("target") or "prediction"
    if classes:
        predictions = _class_predictions(net, out, classes, target, args.proba)
    else:
        out = predicted_values(net.criterion.name, out)
        predictions = _value_predictions(net, out, target)
    _write(predictions, args.out)
    if net.metadata.get("target") in table.columns:
        _score(predictions, out, table, target, to_stderr=not args.out)
    return 0


def _format_value(value: float, dtype: np.dtype[Any]) -> str:
    """As many significant digits as the dtype holds, so that the text reads back as the same number."""
    return format(float(value), ".8g" if dtype == np.float32 else ".17g")


def _class_predictions(net: Network, out: npt.NDArray[np.floating[Any]], classes: Sequence[ClassLabel],
                       target: str, with_proba: bool) -> Predictions:
    if net.criterion.name == "cross_entropy":
        index = out.argmax(axis=1)
        proba = out
    else:  # binary cross-entropy: one output, the probability of the second class
        index = (out[:, 0] >= 0.5).astype(np.int64)
        proba = np.column_stack([1 - out[:, 0], out[:, 0]])
    labels = [classes[k] for k in index]
    header = [target]
    rows = [[str(label)] for label in labels]
    if with_proba:
        header += [f"p({c})" for c in classes]
        for row, p in zip(rows, proba):
            row += [_format_value(v, net.dtype) for v in p]
    return Predictions(header, rows, labels)


def _value_predictions(net: Network, out: npt.NDArray[np.floating[Any]], target: str) -> Predictions:
    header = [target] if out.shape[1] == 1 else [f"{target}[{k}]" for k in range(out.shape[1])]
    rows = [[_format_value(v, net.dtype) for v in row] for row in out]
    return Predictions(header, rows, None)


def _write(predictions: Predictions, path: str | None) -> None:
    """To the CSV file ``path``, or to stdout."""
    if path:
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(predictions.header)
            writer.writerows(predictions.rows)
        info(f"wrote {len(predictions.rows)} predictions to {path}")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(predictions.header)
        writer.writerows(predictions.rows)


def _score(predictions: Predictions, out: npt.NDArray[np.floating[Any]], table: Table, target: str,
           to_stderr: bool) -> None:
    """Accuracy (classes) or rmse and mae (one number per row) against the target column in the data."""
    n_rows = len(predictions.rows)
    if predictions.labels is not None:
        truth = label_strings(table.columns[target])
        hits = np.mean([a == str(b) for a, b in zip(truth, predictions.labels)])
        info(f"accuracy {hits:.4f} on {n_rows} rows", to_stderr=to_stderr)
    elif out.shape[1] == 1:
        err = out[:, 0].astype(np.float64) - table.numeric(target)
        info(f"rmse {np.sqrt(np.mean(err ** 2)):.4f}, mae {np.mean(np.abs(err)):.4f} on {n_rows} rows",
             to_stderr=to_stderr)

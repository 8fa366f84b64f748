"""``fastnet gradcheck [model.npz] [--data DATA --target COLUMN]``: backprop against finite differences.

Without a model it checks small random networks: one per activation (in the
hidden layers) and one per loss (at the output), on random data. With a model
it checks a float64 copy of it, on random inputs or on a sample of the rows of
``--data``. The exit code is 0 when the worst relative error is within
``--tol``, 1 otherwise: a script or CI job can run it.
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..nn.activations import ACTIVATIONS
from ..nn.losses import LOSSES
from ..nn.network import Network
from ..reference.gradcheck import gradcheck
from .messages import CLIError, info
from .models import float64_copy, load_model, model_features
from .options import Subcommands, add_delimiter, add_seed, int_at_least, positive_float
from .tables import read_table
from .targets import TargetArray, label_strings

__all__ = ["register", "run"]


def register(commands: Subcommands) -> None:
    """Add ``gradcheck`` and its options to the ``fastnet`` parser."""
    parser = commands.add_parser("gradcheck", help="check backpropagation against finite differences")
    parser.add_argument("model", nargs="?", help="a saved model (default: small random networks)")
    parser.add_argument("--data", help="CSV or NPZ to take a sample from (with a model)")
    parser.add_argument("--target", help="the target column (default: the model's)")
    parser.add_argument("--samples", type=int_at_least(1), default=8,
                        help="rows of data each check backpropagates (default: 8)")
    parser.add_argument("--max-params", type=int_at_least(1), default=500,
                        help="check at most this many parameters, drawn at random, per network (default: 500)")
    parser.add_argument("--h", type=positive_float, default=1e-6,
                        help="the step of the centred finite differences (default: 1e-06)")
    parser.add_argument("--tol", type=positive_float, default=1e-5,
                        help="the largest relative error that passes; above it the exit code is 1 (default: 1e-05)")
    add_seed(parser)
    add_delimiter(parser)
    parser.set_defaults(func=run)


@dataclass
class Case:
    """One network to check, on one batch."""

    label: str
    net: Network
    X: npt.NDArray[np.float64]
    y: TargetArray


def run(args: argparse.Namespace) -> int:
    """The ``gradcheck`` subcommand; returns 0 when every case is within ``--tol``, else 1."""
    rng = np.random.default_rng(args.seed)
    if args.model is None:
        if args.data is not None:
            raise CLIError("--data needs a model: fastnet gradcheck model.npz --data DATA --target COLUMN")
        cases = _random_cases(args.samples, args.seed, rng)
    else:
        cases = [_model_case(args, rng)]
    worst = 0.0
    for case in cases:
        error = gradcheck(case.net, case.X, case.y, h=args.h, max_params=args.max_params, seed=args.seed)
        worst = error if math.isnan(error) else max(worst, error)
        info(f"{case.label:<28} {case.net.n_params:>7} params   worst relative error {error:.3e}")
        if math.isnan(worst):
            break  # a NaN gradient: the later cases cannot make it any better
    ok = worst <= args.tol  # False for NaN
    info(f"worst relative error {worst:.3e}: {'OK' if ok else 'FAILED'} (tolerance {args.tol:g})")
    return 0 if ok else 1


def _random_targets(loss: str, n_samples: int, n_outputs: int, rng: np.random.Generator) -> TargetArray:
    """Targets of the form ``loss`` takes: class indices, 0/1 per output, counts, or numbers."""
    if loss == "cross_entropy":
        return rng.integers(0, n_outputs, size=n_samples)
    if loss == "binary_cross_entropy":
        return (rng.uniform(size=(n_samples, n_outputs)) > 0.5).astype(np.float64)
    if loss == "poisson":
        return rng.poisson(2.0, size=(n_samples, n_outputs)).astype(np.float64)
    return rng.normal(size=(n_samples, n_outputs))


def _random_case(label: str, net: Network, n_samples: int, rng: np.random.Generator) -> Case:
    X = rng.normal(size=(n_samples, net.n_features))
    return Case(label, net, X, _random_targets(net.criterion.name, n_samples, net.n_outputs, rng))


def _random_cases(n_samples: int, seed: int, rng: np.random.Generator) -> list[Case]:
    """Every activation in the hidden layers, then every loss at the output."""
    nets = [(f"hidden {name}", Network.mlp([3, 5, 4, 2], activation=name, loss="mse", dtype="float64",
                                           seed=seed)) for name in ACTIVATIONS]
    nets += [(f"loss {name}", Network.mlp([3, 5, 3], activation="tanh", loss=name, dtype="float64",
                                          seed=seed)) for name in LOSSES]
    # The data is drawn after building every network, in this order: the output is reproducible by seed.
    return [_random_case(label, net, n_samples, rng) for label, net in nets]


def _model_case(args: argparse.Namespace, rng: np.random.Generator) -> Case:
    """The saved model, in float64, on rows of --data or on random inputs."""
    model = load_model(args.model)
    net = float64_copy(model)
    label = os.path.basename(args.model)
    if args.data is None:
        return _random_case(label, net, args.samples, rng)
    table = read_table(args.data, args.delimiter)
    X = model_features(model, table)
    target: str | None = args.target or model.metadata.get("target")
    if target is None:
        raise CLIError("give --target COLUMN: the model does not name its target")
    table.require(target, role="target column")
    classes = model.metadata.get("classes")
    y: TargetArray
    if classes:
        index = {str(c): k for k, c in enumerate(classes)}
        raw = label_strings(table.columns[target])
        unknown = sorted({v for v in raw if v not in index})
        if unknown:
            raise CLIError(f"target column {target!r} holds labels the model does not know: {unknown[:5]}")
        y = np.array([index[v] for v in raw], dtype=np.int64)
    else:
        y = table.numeric(target)
    pick = rng.permutation(len(X))[:args.samples]
    return Case(label, net, X[pick], y[pick])


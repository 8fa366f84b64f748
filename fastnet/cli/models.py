"""Saved models as the subcommands use them: loading, and the features a model expects.

A model saved by ``fastnet train`` names its feature columns in its metadata,
so ``predict`` and ``gradcheck`` pick them from a table by name, in any column
order; a model saved from Python may name none, and then takes every column
but its target, in file order.
"""

from __future__ import annotations

import os

import numpy as np
import numpy.typing as npt

from ..io import load
from ..nn.layers import Dense
from ..nn.network import Network
from .messages import CLIError
from .tables import Table

__all__ = ["load_model", "model_features", "float64_copy"]


def load_model(path: str) -> Network:
    """``fastnet.load(path)``, with a one-line error for a missing file (``path`` may omit ".npz")."""
    if not os.path.exists(path) and not os.path.exists(path + ".npz"):
        raise CLIError(f"no such model file: {path}")
    return load(path)


def model_features(net: Network, table: Table) -> npt.NDArray[np.float64]:
    """The feature matrix for ``net`` from ``table``: the columns it was trained on, by name."""
    names: list[str] | None = net.metadata.get("feature_names")
    if names:
        missing = [name for name in names if name not in table.columns]
        if missing:
            raise CLIError(f"{table.path} lacks the column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(map(repr, missing))} that the model was trained on "
                           f"({', '.join(names)})")
        return table.matrix(names)
    names = [name for name in table.names if name != net.metadata.get("target")]
    if len(names) != net.n_features:
        raise CLIError(f"{table.path} has {len(names)} columns but the model expects {net.n_features} "
                       "features (and names none: it was not saved by 'fastnet train')")
    return table.matrix(names)


def float64_copy(net: Network) -> Network:
    """The same network in float64: finite differences in float32 are too coarse to check gradients."""
    # Without its dropout: the gradient checked is that of the loss (evaluation mode).
    copy = Network([Dense(layer.n_in, layer.n_out, layer.activation) for layer in net.dense_layers],
                   loss=net.criterion, dtype="float64", seed=net.seed)
    copy.params = net.params.astype(np.float64)
    return copy

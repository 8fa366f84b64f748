"""fastnet's own model file: :func:`save` a Network, :func:`load` one back.

The bytes on disk (an ``.npz`` with a JSON ``config``, no pickle inside) are
written and read by :mod:`fastnet.nn.archive`, beside the class they store, so
that ``Network.save`` needs nothing from this layer; here is what sits above
the network: building a Network (and its optimizer) from a file's checked
contents.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..nn import Dense, Loss, Network
from ..nn import archive, labels
from ..nn.archive import PathLike
from ..nn.layers import layers_from_specs
from ..optim.optimizers import OPTIMIZERS

__all__ = ["save", "load", "FORMAT_VERSION"]

FORMAT_VERSION = archive.FORMAT_VERSION


def save(net: Network, path: PathLike, include_optimizer: bool = True,
         metadata: dict[str, Any] | None = None) -> str:
    """Write ``net`` to ``path`` as one ``.npz`` file, atomically; returns the path written.

    The same as ``net.save(path, ...)``; see :func:`fastnet.nn.archive.save`.
    """
    if not isinstance(net, Network):
        raise TypeError(f"save() takes a fastnet.Network, got {type(net).__name__}")
    return archive.save(net, path, include_optimizer=include_optimizer, metadata=metadata)


def _build_network(path: str, config: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]) -> Network:
    """The network the checked ``config`` describes, with the file's parameters and shuffle state."""
    try:
        layers = layers_from_specs(config["layers"])
        net = Network(layers, loss=Loss(**config["loss"]), dtype=config["dtype"], seed=config["seed"])
    except (KeyError, TypeError, ValueError) as exc:
        detail = f"missing entry {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ValueError(f"{path} holds an invalid network description: {detail}") from None

    params = arrays["params"]
    if params.ndim != 1 or params.shape[0] != net.n_params:
        raise ValueError(f"{path}: params has {params.size} values (shape {params.shape}) but the "
                         f"architecture {net.sizes} needs {net.n_params}")
    if params.dtype != net.dtype:
        raise ValueError(f"{path}: params has dtype {params.dtype} but the network is {net.dtype.name}")
    if not np.isfinite(params).all():
        raise ValueError(f"{path}: params contains NaN or infinity")
    net._params[:] = params
    try:
        net._shuffle_state[0] = np.uint64(config["shuffle_state"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ValueError(f"{path}: shuffle_state is missing or not an unsigned 64-bit integer") from None
    if "dropout_state" in config:   # files from before dropout: the stream starts at the seed's
        try:
            net._shuffle_state[1] = np.uint64(config["dropout_state"])
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{path}: dropout_state is not an unsigned 64-bit integer") from None
    net.classes = labels.as_classes(config.get("classes"), path)
    metadata = config.get("metadata")
    net.metadata = dict(metadata) if isinstance(metadata, dict) else {}
    return net


def _restore_optimizer(path: str, net: Network, described: dict[str, Any],
                       arrays: dict[str, npt.NDArray[Any]]) -> None:
    """Make the saved optimizer (its state and step count too) the one ``net.fit`` continues with."""
    try:
        cls = OPTIMIZERS[described["name"]]
        optimizer = cls(**described["hyperparameters"])
        t = described["t"]
    except KeyError as exc:
        raise ValueError(f"{path}: the saved optimizer is invalid: unknown name or missing entry {exc}") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: the saved optimizer's hyperparameters are invalid: {exc}") from None
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise ValueError(f"{path}: the saved optimizer's step count t={t!r} is not an integer >= 0")
    if described.get("has_state"):
        if "optimizer_state" not in arrays:
            raise ValueError(f"{path}: the optimizer state array is missing")
        state = arrays["optimizer_state"]
        expected = (optimizer.n_state, net.n_params)
        legacy = _ALL_STATE_ROWS.get(optimizer.name, ())
        if state.ndim == 2 and state.shape == (len(legacy), net.n_params) and state.shape != expected:
            # fastnet 0.1.0 saved every row of the rule, used or not; keep the used ones.
            state = state[[legacy.index(row) for row in optimizer.state_rows]]
        if state.shape != expected or state.dtype != net.dtype:
            raise ValueError(f"{path}: optimizer_state has shape {state.shape} and dtype {state.dtype}, "
                             f"expected {expected} and {net.dtype.name}")
        optimizer.bind(net)
        optimizer.state[:] = state
        optimizer.t = t
    net._optimizer = optimizer


#: The state rows fastnet 0.1.0 kept whatever the hyperparameters (it saved them all).
_ALL_STATE_ROWS: dict[str, tuple[str, ...]] = {"sgd": ("buf",), "adam": ("m", "v", "v_max"), "adamw": ("m", "v", "v_max"),
                   "rmsprop": ("s", "g_avg", "buf"), "adagrad": ("s",)}


def load(path: PathLike) -> Network:
    """Read a network written by :func:`save` (or ``Network.save``).

    ``path`` may omit the ``.npz`` that :func:`save` appended. The network
    comes back with its parameters, seed and shuffle state, ``net.metadata``
    (a dict, empty if none was saved) and, if it was saved, its optimizer
    (state and step count included) as the one ``fit`` continues with.

    Raises FileNotFoundError for a missing file and ValueError, naming the
    file and the problem, for anything that is not a readable fastnet model:
    a truncated or corrupted file, a file that is not an ``.npz``, an ``.npz``
    from elsewhere, a newer format version, or inconsistent contents.
    """
    config, arrays, path = archive.read(path)
    net = _build_network(path, config, arrays)
    described = config.get("optimizer")
    if described is not None:
        if not isinstance(described, dict):
            raise ValueError(f"{path}: the saved optimizer is not a JSON object")
        _restore_optimizer(path, net, described, arrays)
    return net

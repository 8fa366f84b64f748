"""The arguments of :func:`fit_data_parallel`, checked before anything reaches the cluster."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from ._dask import Client, da, default_client
from .cluster import OnWorkerLost
from ..checks.scalars import check_int, check_real, check_seed
from ..nn.custom_loss import CustomLoss
from ..nn.network import Network
from ..optim.optimizers import Optimizer, default_optimizer, make_optimizer

__all__ = ["Callback", "Settings", "check_data", "check_settings", "resolve_optimizer", "resolve_client"]

#: A callback: f(epoch, logs) -> True to stop.
Callback = Callable[[int, dict[str, float]], bool | None]


@dataclass(frozen=True)
class Settings:
    """The checked arguments of one fit that every round uses."""

    epochs: int
    batch_size: int | None
    sync_every: int | None
    shuffle: bool
    seed: int
    max_norm: float | None
    callbacks: list[Callback]
    on_worker_lost: OnWorkerLost
    worker_timeout: float


def _check_dask_array(name: str, arr: object, ndims: tuple[int, ...]) -> None:
    if not isinstance(arr, da.Array):
        raise TypeError(f"{name} must be a dask.array.Array (chunked by rows, on the cluster), got "
                        f"{type(arr).__name__}; for data in memory use Network.fit, or "
                        f"dask.array.from_array({name}, chunks=(rows_per_chunk, -1))")
    if arr.ndim not in ndims:
        raise ValueError(f"{name} must be {' or '.join(f'{d}-D' for d in ndims)}, got shape {arr.shape}")
    if any(math.isnan(c) for c in arr.chunks[0]):
        raise ValueError(f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() first")


def check_data(net: object, X: Any, Y: Any) -> None:
    """The network and the Dask arrays agree: X (n_samples, n_features), Y with as many rows."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fastnet.Network, got {type(net).__name__}")
    if isinstance(net.criterion, CustomLoss):
        # Its class would have to be importable on every worker, and the shards' targets are checked by name.
        raise TypeError(f"the data-parallel fit takes the built-in losses (fastnet.LOSSES), got the custom loss "
                        f"{net.criterion.name}; train a network with a CustomLoss with Network.fit")
    _check_dask_array("X", X, (2,))
    _check_dask_array("Y", Y, (1, 2))
    if X.shape[1] != net.n_features:
        raise ValueError(f"X has {X.shape[1]} features but the network expects {net.n_features}")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but Y has {Y.shape[0]}; they must have the same rows")
    if X.shape[0] == 0:
        raise ValueError("X is empty: it has 0 samples")


def check_settings(net: Network, epochs: int, batch_size: int | None, sync_every: int | None, shuffle: bool,
                   seed: int | None, max_norm: float | None, callbacks: Iterable[Callback],
                   on_worker_lost: str, worker_timeout: float) -> Settings:
    """The arguments of fit_data_parallel besides the data, checked (and None resolved)."""
    epochs = check_int("epochs", epochs, low=0)
    batch_size = check_int("batch_size", batch_size, low=1, allow_none=True)
    sync_every = check_int("sync_every", sync_every, low=1, allow_none=True)
    if max_norm is not None:
        max_norm = check_real("max_norm", max_norm, low=0.0, low_open=True)
    worker_timeout = check_real("worker_timeout", worker_timeout, low=0.0, low_open=True)
    seed = net.seed if seed is None else check_seed(seed)
    if on_worker_lost not in ("retry", "raise"):
        raise ValueError(f"on_worker_lost must be 'retry' or 'raise', got {on_worker_lost!r}")
    listed = list(callbacks)
    for cb in listed:
        if not callable(cb):
            raise TypeError(f"callbacks must be callables f(epoch, logs), got {cb!r}")
    return Settings(epochs, batch_size, sync_every, bool(shuffle), seed, max_norm, listed,
                    cast(OnWorkerLost, on_worker_lost), worker_timeout)   # checked above


def resolve_optimizer(net: Network, optimizer: Optimizer | str | None) -> Optimizer:
    """As in ``Network.fit``: None continues the optimizer of the last fit, else ``Adam(lr=1e-3)`` (``default_optimizer``)."""
    if optimizer is None:
        optimizer = net._optimizer if net._optimizer is not None else default_optimizer()
    resolved = make_optimizer(optimizer)
    resolved.bind(net)   # raises if it holds another network's state
    return resolved


def resolve_client(client: Client | None) -> Client:
    """The client given, else the default one."""
    if client is not None:
        return client
    try:
        return default_client()
    except ValueError:
        raise ValueError("no Dask client: create one (distributed.Client(...)) or pass client=") from None

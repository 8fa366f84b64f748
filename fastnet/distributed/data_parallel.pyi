from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from ..train.history import History
from ..nn.network import Network
from ..optim.optimizers import Optimizer

__all__ = ["fit_data_parallel", "WorkerLostError"]

#: A callback: f(epoch, logs) -> True to stop.
_Callback: TypeAlias = Callable[[int, dict[str, float]], bool | None]

class WorkerLostError(RuntimeError):
    """Workers of the Dask cluster died and training could not go on without them."""

    workers: list[str]  # their addresses
    epoch: int | None
    history: History | None  # the epochs completed before
    params: npt.NDArray[np.floating[Any]] | None  # the last complete average
    def __init__(
        self,
        message: str,
        workers: Iterable[str] = (),
        epoch: int | None = None,
        history: History | None = None,
        params: npt.NDArray[np.floating[Any]] | None = None,
    ) -> None: ...

# Dask is an optional dependency (the dask extra), so the stubs do not import it:
# X and Y (dask.array.Array) and client (distributed.Client) are Any.
def fit_data_parallel(
    net: Network,
    X: Any,  # a dask.array.Array (n_samples, n_features), chunked by rows
    Y: Any,  # a dask.array.Array (n_samples,) or (n_samples, n_outputs)
    optimizer: Optimizer | str | None = None,
    epochs: int = 1,
    batch_size: int | None = None,
    *,
    sync_every: int | None = None,  # batches per round; None: one local epoch
    shuffle: bool = True,
    seed: int | None = None,
    max_norm: float | None = None,
    client: Any = None,  # a distributed.Client; None: the default client
    callbacks: Iterable[_Callback] = (),
    on_worker_lost: Literal["retry", "raise"] = "retry",
    worker_timeout: float = 60.0,
) -> History: ...

"""What one ``Network.fit`` epoch allocates, against the data, the parameters and a batch's activations.

numpy reports its allocations to tracemalloc, so tracemalloc's peak over a
fresh fit counts the workspace, the optimizer's state and every temporary
that fit creates; what any implementation must keep for one batch (its
activations and deltas) is subtracted to give what fit adds beyond it.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .peer import Array
from .peers import FastnetPeer
from .workloads import Workload

__all__ = ["fit_memory"]


def _fit_peak(workload: Workload, X: Array, y: Array, dtype: npt.DTypeLike, seed: int,
              rollback: bool) -> tuple[int, FastnetPeer]:
    """tracemalloc's peak over one fresh ``Network.fit`` epoch, in bytes, and the peer."""
    peer = FastnetPeer(workload, X, y, dtype=dtype, seed=seed, rollback=rollback)
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    peer.run()
    peak = tracemalloc.get_traced_memory()[1] - base
    if not was_tracing:
        tracemalloc.stop()
    return peak, peer


def fit_memory(workload: Workload, dtype: npt.DTypeLike = "float32", seed: int = 0,
               rollback: Sequence[bool] = (True, False)) -> dict[str, Any]:
    """Bytes that one fresh ``Network.fit`` epoch allocates (tracemalloc peak), next to data and params.

    Measured for each ``rollback`` mode asked for: as ``fit`` runs by default
    (True, with its rollback copy of the parameters; ``fit_*_bytes``) and with
    ``rollback=False`` (``fit_*_bytes_no_rollback``). An empty tuple measures
    no fit and gives only the sizes of the data, parameters and activations.
    """
    X, y = workload.make_data(dtype=dtype, seed=seed)
    itemsize = np.dtype(dtype).itemsize
    sizes = workload.sizes
    n_params = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    # What any implementation keeps for one batch: the gathered rows, every layer's
    # activations and a delta buffer per layer.
    batch = min(workload.batch_size, workload.n_samples)
    activations = batch * (sizes[0] + sizes[-1] + 2 * sum(sizes[1:])) * itemsize
    result: dict[str, Any] = {"workload": workload.name, "dtype": np.dtype(dtype).name,
                              "data_bytes": X.nbytes + np.asarray(y).nbytes,
                              "params_bytes": 2 * n_params * itemsize,   # the parameters and their gradients
                              "activation_bytes": activations}
    for mode in rollback:
        peak, peer = _fit_peak(workload, X, y, dtype, seed, rollback=mode)
        assert peer.net.params.nbytes == n_params * itemsize
        suffix = "" if mode else "_no_rollback"
        result[f"fit_peak_bytes{suffix}"] = peak
        result[f"fit_extra_bytes{suffix}"] = peak - activations
    return result

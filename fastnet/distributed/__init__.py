"""Data-parallel training over a Dask cluster (optional: needs dask and distributed).

:func:`fit_data_parallel` trains a :class:`fastnet.Network` on a Dask
cluster (the ``dask`` extra: ``dask[array]`` and ``distributed``)::

    from distributed import Client
    import dask.array as da
    from fastnet.distributed import fit_data_parallel

    client = Client("tcp://scheduler:8786")
    X = da.from_zarr("features.zarr")          # (n_samples, n_features), chunked by rows
    Y = da.from_zarr("targets.zarr")
    history = fit_data_parallel(net, X, Y, fastnet.Adam(lr=1e-3), epochs=20, batch_size=64)

How it works. The row chunks are persisted where the cluster computes them;
the chunks on each worker are joined into one *shard* there (converted to
the network's dtype, checked once). Each worker holds a copy of the network
and of the optimizer, built once from a pickle sent once. Every *round*, the
client sends the current flat parameters and optimizer state (Adam's moments,
the momentum, ...) to every shard; each worker runs fastnet's nogil epoch
engine over its next batches; the client averages the returned parameters
and optimizer states, weighted by the rows each shard trained on in that
round, and starts the next round. Rows never travel to the client: only
``n_params * (1 + n_state)`` numbers per shard and round, each way.

``sync_every=None`` (default) makes a round one local epoch of every shard;
``sync_every=k`` makes it k batches. With ``k=1`` and SGD (with or without
momentum) this is synchronous data-parallel SGD: averaging the workers'
``p - lr * g_w`` is a step along the averaged gradient, i.e. one step with a
batch ``n_workers`` times larger (full-batch gradient descent is reproduced
exactly when ``batch_size=None``). With larger k it is local SGD (model
averaging), which converges to the same loss as single-process training
within a tolerance that the tests state. docs/SCALING.md measures when this
pays.

Workers that die. A worker that leaves the cluster takes its shard with it.
With ``on_worker_lost="retry"`` (default) Dask recomputes the lost chunks from
the array's graph on the remaining workers and the round is rerun there
(every round starts from the parameters and state the client sent, so a
rerun repeats the same work); a RuntimeWarning names the worker. If the data
cannot be recomputed (it was scattered, not computed), if the same round
keeps killing workers, or with ``on_worker_lost="raise"``,
:class:`WorkerLostError` names the worker(s). Either way a round is averaged
only when every shard has returned: a model is never built from a partial
average. After an error ``net`` keeps the parameters it had before the call;
the error carries the last complete average (``params``) and the history.

The modules: :mod:`.fit` (the arguments, the epoch loop, the average, the
commit), :mod:`.shards` (the data onto the workers), :mod:`.rounds` (one round
and what a failure means), :mod:`.cluster` (one run's bookkeeping and the
watch over workers), :mod:`.worker` and :mod:`.scheduler` (what runs there),
:mod:`.errors` (:class:`WorkerLostError`).
"""

from .errors import WorkerLostError
from .fit import fit_data_parallel

__all__ = ["fit_data_parallel", "WorkerLostError"]

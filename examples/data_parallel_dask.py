"""
Data-parallel training on a Dask cluster
========================================

:func:`fastnet.distributed.fit_data_parallel` trains one network on a Dask
array whose row chunks stay on the workers: each worker trains a copy of the
network on its shard with fastnet's nogil epoch engine, and after every round
(here: every 8 batches) the client averages the parameters and the optimizer
state, weighted by the rows each worker trained on. Here two worker
processes on one machine (``LocalCluster``); on a real cluster the same code
runs with ``Client("tcp://scheduler:8786")``.

This example is not run when the documentation is built: starting a cluster
of worker processes takes from a few seconds to half a minute, depending on
the machine and its load. Run it as a script (``python data_parallel_dask.py``,
with ``pip install 'fastnet[dask,plot]'``); it saves ``data_parallel.png``.
On an idle two-core machine it takes about ten seconds (over thirty on a
busy one) and prints a data-parallel loss of 0.030 to 0.035 against 0.028
for one process (which worker trains which shard varies from run to run):
each worker takes half the steps per epoch that one process takes, so the
averaged model makes less progress per epoch, and catches up with more
epochs (``docs/SCALING.md`` has the measurements).
"""

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster
from matplotlib.figure import Figure

import fastnet as fn
from fastnet.distributed import fit_data_parallel


def make_network():
    return fn.Network.mlp([8, 32, 1], activation="tanh", loss="mse", dtype="float64", seed=0)


def main():
    # A regression target sin(X w): 4,000 rows of 8 features, in 4 chunks of 1,000 rows.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 8))
    Y = np.sin(X @ rng.normal(size=(8, 1)))
    dX, dY = da.from_array(X, chunks=(1000, 8)), da.from_array(Y, chunks=(1000, 1))

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        parallel = fit_data_parallel(make_network(), dX, dY, fn.Adam(lr=3e-3), epochs=20, batch_size=32,
                                     sync_every=8, seed=0, client=client)

    # The same network trained in this process on all the rows, for comparison.
    single = make_network().fit(X, Y, optimizer=fn.Adam(lr=3e-3), epochs=20, batch_size=32)
    print(f"after 20 epochs: data-parallel loss {parallel.loss[-1]:.4f}, one process {single.loss[-1]:.4f}")

    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.add_subplot()
    epochs = np.arange(1, 21)
    ax.plot(epochs, single.loss, marker="o", label="one process, all rows")
    ax.plot(epochs, parallel.loss, marker="s", label="2 Dask workers, averaged every 8 batches")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (MSE)")
    ax.legend()
    fig.savefig("data_parallel.png", dpi=100)


if __name__ == "__main__":  # the worker processes import this file: only the parent trains
    main()

"""Data-parallel training on a Dask cluster (optional: needs dask and distributed).

Use::

    from distributed import Client
    from fastnet.distributed import fit_data_parallel
"""

from .data_parallel import WorkerLostError, fit_data_parallel

__all__ = ["fit_data_parallel", "WorkerLostError"]

"""Dask, imported once for the whole subpackage, with a message saying how to install it.

Dask is an optional dependency (the ``dask`` extra): every module here takes it
from this one, so that ``import fastnet.distributed`` without it fails with the
same clear error whichever module is reached first.
"""

from collections.abc import Callable
from typing import Any

try:
    import dask.array as da
    import distributed
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("fastnet.distributed needs Dask: pip install 'fastnet[dask]'") from exc

__all__ = ["da", "distributed", "wait", "futures_of", "default_client", "Client"]

# distributed leaves these (and most methods of Client) unannotated, and mypy --strict
# rejects calls to unannotated functions: fastnet calls them through typed names, and
# holds a client as ``Client``, which is Any for the same reason.
wait: Callable[..., Any] = distributed.wait
futures_of: Callable[[Any], list[Any]] = distributed.futures_of
default_client: Callable[[], Any] = distributed.default_client
Client = Any

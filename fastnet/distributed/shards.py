"""Putting the data on the workers: each worker's row chunks joined into one shard, where they are."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._dask import futures_of, wait
from .cluster import Run
from .worker import ShardSpec, make_shard

__all__ = ["place"]


def _flatten_keys(keys: list[Any]) -> list[Any]:
    """The chunk keys of a Dask array's rows ([[key], ...] for a 2-D array chunked by rows only)."""
    return [row[0] if isinstance(row, list) else row for row in keys]


def _raise_if_failed(futures: list[Any]) -> None:
    for future in futures:
        if future.status == "error":
            future.result()   # raises the error that computing the chunk raised


def _group_by_holder(row_chunks: tuple[int, ...], x_keys: list[Any],
                     who: dict[Any, Any]) -> dict[str | None, list[int]]:
    """Chunk indices per worker; each chunk goes to exactly one of the workers holding it.

    A chunk held by several workers (a replica made while computing Y, say) goes to the
    holder with the fewest rows so far, ties to the first address: the same placement
    always gives the same shards, and the shards come out balanced.
    """
    groups: dict[str | None, list[int]] = {}
    load: dict[str | None, int] = {}
    for i, key in enumerate(x_keys):
        if row_chunks[i] == 0:
            continue   # an empty chunk (left by a filter, say) trains nothing
        holders: list[str | None] = [*sorted(who.get(key, ()))] or [None]
        holder = min(holders, key=lambda h: (load.get(h, 0), str(h)))
        load[holder] = load.get(holder, 0) + row_chunks[i]
        groups.setdefault(holder, []).append(i)
    return groups


def place(run: Run, X: Any, Y: Any, spec: ShardSpec) -> None:
    """Persist X and Y, join each worker's chunks into one shard there, release the chunks.

    X and Y are dask arrays with the same row chunks (Y's columns in one chunk);
    the shards are appended to ``run.shards`` (and ``rows``, ``holders``,
    ``first_chunk``), numbered by their first chunk.
    """
    client = run.client
    X, Y = client.persist([X, Y])
    x_keys = _flatten_keys(X.__dask_keys__())
    y_keys = _flatten_keys(Y.__dask_keys__())
    futures = {f.key: f for f in futures_of(X) + futures_of(Y)}
    wait(list(futures.values()))
    _raise_if_failed(list(futures.values()))
    row_chunks = tuple(int(c) for c in X.chunks[0])
    groups = _group_by_holder(row_chunks, x_keys, client.who_has([futures[k] for k in x_keys]))
    starts = np.concatenate([[0], np.cumsum(row_chunks)])
    for holder, chunk_ids in sorted(groups.items(), key=lambda item: item[1][0]):
        blocks = [futures[x_keys[i]] for i in chunk_ids] + [futures[y_keys[i]] for i in chunk_ids]
        shard = client.submit(make_shard, spec, len(chunk_ids), *blocks,
                              key=f"{run.token}-shard-{len(run.shards)}",
                              workers=[holder] if holder else None, allow_other_workers=True)
        run.shards.append(shard)
        run.rows.append(sum(row_chunks[i] for i in chunk_ids))
        run.holders.append(holder)
        run.first_chunk.append(int(starts[chunk_ids[0]]))
    wait(run.shards)
    _raise_if_failed(run.shards)
    del X, Y, futures   # the shards hold the data now; the chunks can go
    run.refresh_holders()

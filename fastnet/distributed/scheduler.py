"""What runs on the Dask scheduler: finding the tasks of a round that wait for a worker that is gone."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

__all__ = ["StuckTask", "stuck_tasks"]

#: A task that cannot run: (its key, the workers it may run on, the hosts it may run on).
StuckTask = tuple[str, list[str], list[str]]


def stuck_tasks(keys: Iterable[Any], dask_scheduler: Any = None) -> list[StuckTask]:
    """On the scheduler: tasks that ``keys`` depend on which wait for a worker that is gone.

    ``dask_scheduler`` is the ``distributed.Scheduler``, passed in by
    ``Client.run_on_scheduler``.

    A task restricted to workers that have left (its data was placed there
    with ``workers=`` and no ``allow_other_workers``) waits forever; the
    client turns that into an error instead of hanging.

    A loosely restricted one (``allow_other_workers=True``) should run on any
    worker, but Dask (2026.8) leaves it waiting when every worker it named is
    gone and the cluster had no worker at all for a moment: a worker that joins
    later is offered only the tasks it is named in. Such tasks are sent back to
    the scheduler's own decision here, which falls back to any worker for them
    (an error doing so reaches the client, which then relies on worker_timeout).
    """
    stuck: list[StuckTask] = []
    loose: list[Any] = []
    seen: set[Any] = set()
    stack = [dask_scheduler.tasks.get(key) for key in keys]
    while stack:
        ts = stack.pop()
        if ts is None or ts.key in seen:
            continue
        seen.add(ts.key)
        if ts.state == "no-worker":
            if ts.loose_restrictions:
                loose.append(ts.key)
            else:
                stuck.append((str(ts.key), sorted(ts.worker_restrictions or ()),
                              sorted(ts.host_restrictions or ())))
        stack.extend(ts.dependencies)
    if loose and dask_scheduler.running:
        dask_scheduler.transitions({key: "processing" for key in loose},
                                   stimulus_id=f"fastnet-reschedule-{time.time()}")
    return stuck

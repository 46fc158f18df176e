"""The LocalCluster a run starts, with Dask's own bookkeeping turned down so the workers keep the cores.

Dask's defaults suit interactive work: every server (scheduler, nanny, worker) wakes its event loop every 20 ms
to check that it is not blocked, each worker samples its own stack every 10 ms for the dashboard's profile,
each nanny and worker checks memory every 100 ms, and each server records its load twice a second. On an idle
LocalCluster of 2 workers that came to 0.07-0.11 of a core (the client's process, where a LocalCluster keeps its
scheduler and nannies, 30-55 ms a second, each worker 21-40); with `QUIET_DASK` about 0.015. On a machine whose
every core runs a worker that is CPU taken from the network (figures: docs/batch.md).

A LocalCluster's nannies also start their workers with MALLOC_TRIM_THRESHOLD_=65536 (Dask's default, to hand
freed memory back sooner). Setting it at all turns off glibc's own choice of when to map memory, so every
array over 128 KiB (each decoded frame, the network's buffers) is mapped and unmapped afresh: `pyposenet
detect` on 398 frames took ten times the page faults (432,000 against 46,000), 1.2 s more system time, and
3-4 s more wall time out of 13. `BATCH_DASK` leaves it unset (the worker's own environment still wins).

`QUIET_DASK` keeps every safeguard: the nanny still restarts a worker that dies and still stops one that runs
out of memory (checked every second instead of ten times a second); the dashboard loses its profile page and
draws its load graphs every 2 s. On a real cluster give the same settings to `dask scheduler` and `dask worker`
as environment variables (`dask_environment()`), or in a Dask configuration file.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["QUIET_DASK", "BATCH_DASK", "dask_environment", "local_cluster", "local_workers"]

QUIET_DASK: dict[str, Any] = {
    "distributed.admin.tick.interval": "500ms",  # the event loop's health check (default 20ms)
    "distributed.worker.profile.enabled": False,  # the dashboard's statistical profile (samples every 10ms)
    "distributed.worker.memory.monitor-interval": "1s",  # memory checks of nannies and workers (default 100ms)
    "distributed.admin.system-monitor.interval": "2s",  # CPU, memory and network records (default 500ms)
}


#: QUIET_DASK, and the workers' memory mapped as glibc chooses (see above): what `local_cluster` gives a LocalCluster.
BATCH_DASK: dict[str, Any] = {**QUIET_DASK, "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def dask_environment(settings: dict[str, Any] = QUIET_DASK) -> dict[str, str]:
    """The settings as Dask's environment variables (DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL=500ms, ...).
    (Dask lower-cases the names it reads there, so the nanny's MALLOC_TRIM_THRESHOLD_ cannot be unset this way.)"""
    return {
        "DASK_" + "__".join(part.upper().replace("-", "_") for part in key.split(".")): str(value)
        for key, value in settings.items()
    }


def local_workers() -> int:
    """Cores this process may use: a LocalCluster's default worker count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def local_cluster(workers: int | None = None, quiet: bool = True):
    """A LocalCluster of `workers` single-threaded worker processes (default: one per core), its dashboard on a
    free port of 127.0.0.1; with `quiet` its scheduler, nannies and workers take `BATCH_DASK` (read when each
    starts, so the setting ends here)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(BATCH_DASK if quiet else {}):
        return LocalCluster(
            n_workers=workers or local_workers(),
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
        )

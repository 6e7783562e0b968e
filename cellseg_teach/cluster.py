"""A Dask cluster on this machine that nobody else can reach.

``dask.distributed.LocalCluster`` listens on every network interface by default
(``0.0.0.0`` and ``::``): its scheduler, each worker, and an HTTP server (status pages
and ``/metrics``) that needs no password. On a laptop on a shared Wi-Fi that is an open
door. Passing ``dashboard_address=None`` turns the interactive dashboard off, but the
HTTP server still starts on port 8787 of every interface. :func:`local_cluster` binds
everything to the loopback address ``127.0.0.1`` (reachable from this machine only), the
HTTP server at a free port, and turns the dashboard off; every cluster the course starts
is made by it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ._checks import as_count

if TYPE_CHECKING:  # pragma: no cover
    from distributed import LocalCluster

__all__ = ["LOOPBACK", "WORKER_MALLOC", "local_cluster"]

LOOPBACK = "127.0.0.1"
"""The address every server of :func:`local_cluster` listens on."""

WORKER_MALLOC: dict[str, int] = {
    "MALLOC_MMAP_THRESHOLD_": 64 * 2**20,
    "MALLOC_TRIM_THRESHOLD_": 256 * 2**20,
}
"""How the C library's memory allocator (glibc) of each worker process hands out memory.

Dask starts its worker processes with ``MALLOC_TRIM_THRESHOLD_=65536``, so that memory a
worker frees goes back to the system at once and its resident memory looks small. Set
alone, that also fixes glibc's threshold for serving an allocation with a fresh ``mmap``
at 128 KiB: every chunk-sized array (a 2,064² float64 chunk with its margins is 34 MB)
then gets new pages from the kernel, which must find and zero them. On ``segment_large``
from disk (benchmarks/bench_scale.py, 20,000²) that was a third of the workers' CPU time,
in the kernel. With arrays below 64 MiB taken from the process's own heap, and up to
256 MiB of freed memory kept there for the next task, that time all but disappears; the
workers' peak memory stays below 1 GB (measured in the same benchmark)."""

_FIXED = (
    "host", "ip", "protocol", "dashboard_address", "worker_dashboard_address", "scheduler_kwargs",
)


def local_cluster(
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = True,
    **kwargs: object,
) -> LocalCluster:
    """Start a ``LocalCluster`` that listens on ``127.0.0.1`` only, dashboard off.

    Parameters
    ----------
    n_workers : int
        Number of workers (>= 1).
    threads_per_worker : int
        Threads in each worker (>= 1).
    processes : bool
        True: each worker is a separate Python process (tasks and their data are
        pickled and sent to it; the package must be importable there). False: the
        workers are threads of this process.
    **kwargs
        Passed to ``LocalCluster`` (e.g. ``memory_limit``, ``silence_logs``); the
        network settings ``host``, ``ip``, ``protocol``, ``dashboard_address``,
        ``worker_dashboard_address`` and ``scheduler_kwargs`` are fixed here and refused.

    Returns
    -------
    distributed.LocalCluster
        Use it as a context manager (``with local_cluster() as cluster, Client(cluster):``)
        so that it is closed, and its processes end, when the block ends.

    Raises
    ------
    ValueError
        For a network setting in ``kwargs``, or fewer than one worker or thread.
    TypeError
        For a non-integer ``n_workers`` or ``threads_per_worker``, or a non-bool
        ``processes``.

    Examples
    --------
    >>> from dask.distributed import Client
    >>> with local_cluster(n_workers=1, processes=False) as cluster, Client(cluster):
    ...     print(cluster.scheduler_address.startswith("tcp://127.0.0.1:"))
    True
    """
    n_workers = as_count(n_workers, "n_workers", minimum=1)
    threads_per_worker = as_count(threads_per_worker, "threads_per_worker", minimum=1)
    if not isinstance(processes, bool):
        raise TypeError(f"processes must be True or False, got {processes!r}")
    fixed = sorted(set(kwargs) & set(_FIXED))
    if fixed:
        raise ValueError(
            f"local_cluster fixes the network settings; remove {fixed} (every server "
            f"listens on {LOOPBACK} only, dashboard off)"
        )
    import dask
    from distributed import LocalCluster

    if not processes:  # threads default to the in-process protocol, which takes no host
        kwargs["protocol"] = "tcp://"
    # Read by each worker's nanny as it starts the worker process (see WORKER_MALLOC): from
    # Dask's configuration, unless this process's environment has the variable, which wins
    # (an earlier cluster's nanny may have left Dask's default there). So both are set while
    # the cluster starts, and this process's environment is put back afterwards.
    config = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_MALLOC.items()}
    saved = {k: os.environ.get(k) for k in WORKER_MALLOC}
    os.environ.update({k: str(v) for k, v in WORKER_MALLOC.items()})
    try:
        with dask.config.set(config):
            return LocalCluster(
                n_workers=n_workers,
                threads_per_worker=threads_per_worker,
                processes=processes,
                host=LOOPBACK,
                dashboard_address=None,  # no Bokeh dashboard ...
                # ... but the scheduler's HTTP server (status pages, /metrics) still starts: on
                # 127.0.0.1, at a free port the system picks (its default, 8787, may be taken by
                # another cluster on this machine, and distributed then warns)
                scheduler_kwargs={"dashboard_address": f"{LOOPBACK}:0"},
                worker_dashboard_address=None,
                **kwargs,
            )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

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

from typing import TYPE_CHECKING

from ._checks import as_count

if TYPE_CHECKING:  # pragma: no cover
    from distributed import LocalCluster

__all__ = ["LOOPBACK", "local_cluster"]

LOOPBACK = "127.0.0.1"
"""The address every server of :func:`local_cluster` listens on."""

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
    from distributed import LocalCluster

    if not processes:  # threads default to the in-process protocol, which takes no host
        kwargs["protocol"] = "tcp://"
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

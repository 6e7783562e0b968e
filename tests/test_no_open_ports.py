"""No Dask cluster the course starts listens on a network interface (issue 17, item 4).

The scan reads the kernel's table of listening TCP sockets (``/proc/net/tcp`` and
``tcp6``, what ``ss -ltn`` shows) and keeps the sockets owned by this process and its
children (the worker processes), matched through ``/proc/PID/fd``. Any listener whose
address is not loopback (127.0.0.0/8, ``::1``) fails the test.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")
if not Path("/proc/net/tcp").exists():  # pragma: no cover
    pytest.skip("needs Linux's /proc to list listening sockets", allow_module_level=True)

from dask.distributed import Client

from cellseg_teach.cluster import LOOPBACK, local_cluster

ROOT = Path(__file__).resolve().parents[1]


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _decode(hex_address: str) -> tuple[str, int]:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        addr = socket.inet_ntop(socket.AF_INET, raw[::-1])
    else:  # IPv6: four 32-bit words, each in host (little-endian) order
        words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
        addr = socket.inet_ntop(socket.AF_INET6, words)
    return addr, int(port, 16)


def listeners(root: int | None = None) -> list[tuple[str, int]]:
    """(address, port) of every listening TCP socket of ``root`` and its children."""
    inodes = set()
    for pid in _process_tree(os.getpid() if root is None else root):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                found.append(_decode(fields[1]))
    return found


def open_doors(found: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The listeners that are reachable from another machine (not loopback)."""
    out = []
    for addr, port in found:
        ip = ipaddress.ip_address(addr)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_loopback:
            out.append((addr, port))
    return out


def test_the_scan_sees_a_socket_on_every_interface():
    """The check can fail: a socket bound to all interfaces is reported."""
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        s.listen()
        port = s.getsockname()[1]
        assert ("0.0.0.0", port) in open_doors(listeners())
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        s.listen()
        port = s.getsockname()[1]
        assert (LOOPBACK, port) in listeners() and not open_doors(listeners())


@pytest.mark.parametrize("processes", [True, False], ids=["processes", "threads"])
def test_the_lessons_cluster_listens_on_loopback_only(processes):
    """Lesson 11's cluster: two worker processes (and the in-process variant)."""
    before = set(listeners())
    with local_cluster(n_workers=2, threads_per_worker=1, processes=processes) as cluster, \
            Client(cluster) as client:
        assert client.submit(sum, [1, 2, 3]).result() == 6  # the cluster works
        opened = set(listeners()) - before
        assert opened, "no listener found: the scan is not looking at the cluster"
        assert not open_doors(sorted(opened)), f"listening beyond this machine: {opened}"
        assert cluster.scheduler_address.startswith(f"tcp://{LOOPBACK}:")


def test_a_second_cluster_needs_no_free_port_8787():
    """distributed's HTTP server defaults to port 8787 and warns when another cluster (or
    anything) holds it; local_cluster gives it a free loopback port instead."""
    import warnings

    holder = socket.socket()
    try:
        holder.bind((LOOPBACK, 8787))
        holder.listen()
    except OSError:  # something on this machine holds 8787 already: the same situation
        pass
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with local_cluster(n_workers=1, processes=False) as cluster:
                port = cluster.scheduler.http_server.port
        assert port != 8787
        assert not [w for w in caught if "already in use" in str(w.message)]
    finally:
        holder.close()


def test_local_cluster_refuses_network_settings():
    with pytest.raises(ValueError, match="host"):
        local_cluster(host="0.0.0.0")
    with pytest.raises(ValueError, match="dashboard_address"):
        local_cluster(dashboard_address=":8787")
    with pytest.raises(ValueError, match="n_workers"):
        local_cluster(n_workers=0)
    with pytest.raises(TypeError, match="processes"):
        local_cluster(processes="yes")


def test_every_cluster_in_the_course_is_made_by_local_cluster():
    """No notebook, benchmark or package module builds a LocalCluster itself."""
    pattern = re.compile(r"\bLocalCluster\s*\(")
    offenders = []
    for folder in ("lessons", "solutions", "exercises", "benchmarks", "cellseg_teach", "tests"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".md", ".ipynb") or path == Path(__file__):
                continue
            if path.name == "cluster.py":  # the one place that may
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [f"{path.relative_to(ROOT)}" for _ in pattern.findall(text)]
    assert not offenders, f"LocalCluster(...) outside cellseg_teach/cluster.py: {offenders}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))

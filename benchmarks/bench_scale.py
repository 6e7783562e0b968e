#!/usr/bin/env python3
"""``segment_large`` from an OME-Zarr store on disk, on 2 worker processes, labels to disk.

    python benchmarks/bench_scale.py --side 20000 --check   # the issue's "done when" run
    python benchmarks/bench_scale.py --side 40000           # 1.6 Gpx, bigger than the RAM
    python benchmarks/bench_scale.py --quick                # 4,096²: a smoke test, no file

One run, on a ``local_cluster`` of 2 worker processes with 1 thread each:

1. **write**: ``write_ome_zarr(make_mosaic((N, N)).astype(float32), store)``: the
   synthetic screen made and written chunk by chunk (NGFF 0.5, Zarr v3, 3 pyramid levels)
   under ``--dir``, in float32 as a lab would store it (half the bytes of float64, and
   every value of a 16-bit camera exactly).
2. **segment**: ``segment_large(store, out=store)``: read from disk, smoothed,
   thresholded, labelled, merged and written back as the store's label image
   ``labels/cells`` (with its pyramid). Wall time from the call to the labels on disk.
   Meanwhile a thread samples the resident memory (RSS) of each worker process and of
   this process (the client and the scheduler) every 50 ms: peak per worker, and the
   peak of their sum. The task stream (``get_task_stream``) gives the time the workers
   spent in each kind of task (reading, smoothing, labelling, writing); the merge runs
   here, in the client, and is timed by ``segment_large`` itself.
3. **in memory**: ``segment(smooth(x))`` on a 4,096² mosaic (float32, like the store)
   held in memory, in this one
   process (best of 3), the reference for throughput per pixel; run just before step 2
   (the workers idle), so that both see about the same load from other jobs.
4. ``--check``: the labels on disk are compared, chunk by chunk on the workers (nothing
   gathered), with ``segment_large`` of the same mosaic generated in memory chunk by
   chunk (which the tests show equals ``segment(smooth(x))``, number for number).

The store is deleted at the end (``--keep`` keeps it). The results go to a section of
``benchmarks/results_scale.md`` for this side (and ``--raw``), replacing an earlier one.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import platform
import re
import shutil
import threading
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np
import psutil

from cellseg_teach import segment, smooth
from cellseg_teach.cluster import local_cluster
from cellseg_teach.mosaic import make_mosaic
from cellseg_teach.omezarr import open_image, write_ome_zarr
from cellseg_teach.scale import TIMINGS, segment_large

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results_scale.md"


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


class RSSSampler(threading.Thread):
    """Sample the RSS of some processes every ``period`` s; keep the peaks (bytes)."""

    def __init__(self, pids: dict[str, int], period: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.period = period
        self.peak = dict.fromkeys(pids, 0)
        self.peak_workers = 0  # the largest sum over the workers at one instant
        self.peak_all = 0  # workers + this process at one instant
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            now = {}
            for name, proc in self.procs.items():
                try:
                    now[name] = proc.memory_info().rss
                except psutil.Error:
                    now[name] = 0
                self.peak[name] = max(self.peak[name], now[name])
            workers = sum(v for k, v in now.items() if k != "client")
            self.peak_workers = max(self.peak_workers, workers)
            self.peak_all = max(self.peak_all, workers + now.get("client", 0))
            time.sleep(self.period)

    def stop(self) -> None:
        self._halt.set()
        self.join()


# Task-name prefixes (dask's key names) -> the stage they belong to.
STAGES = [
    ("reading", ("from-zarr", "original-array", "getitem")),
    ("smoothing", ("_smooth_block", "overlap", "trim", "concatenate", "_pack", "astype",
                   "rechunk")),
    ("labelling", ("_summarise", "_relabel")),
    ("writing", ("store", "_write_label_chunk")),
]


def stage_of(prefix: str) -> str:
    for stage, words in STAGES:
        if any(w in prefix for w in words):
            return stage
    return "other"


def task_times(stream: list[dict]) -> tuple[dict, dict]:
    """Seconds of compute per stage, and per key prefix (to check the mapping)."""
    per_prefix: collections.Counter = collections.Counter()
    for task in stream:
        key = task["key"][0] if isinstance(task["key"], tuple) else task["key"]
        # a token (32 hex digits) or, for a task that is not pure, a uuid
        prefix = re.sub(r"-([0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$", "", str(key))
        for s in task["startstops"]:
            if s["action"] == "compute":
                per_prefix[prefix] += s["stop"] - s["start"]
    per_stage: collections.Counter = collections.Counter()
    for prefix, seconds in per_prefix.items():
        per_stage[stage_of(prefix)] += seconds
    return dict(per_stage), dict(per_prefix)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of some processes so far (s)."""
    return sum(sum(psutil.Process(p).cpu_times()[:2]) for p in pids)


def in_memory(side: int) -> tuple[float, int, float]:
    """Best wall time of segment(smooth(x)) on a side² mosaic in memory (s), cell count,
    and the CPU time of that best run (s)."""
    image = make_mosaic((side, side), chunks=2048).astype(np.float32).compute(scheduler="threads")
    best, n, best_cpu = float("inf"), 0, 0.0
    for _ in range(3):
        c0, t0 = cpu_seconds([os.getpid()]), time.perf_counter()
        _, n = segment(smooth(image))
        wall = time.perf_counter() - t0
        if wall < best:
            best, best_cpu = wall, cpu_seconds([os.getpid()]) - c0
    return best, n, best_cpu


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array([[np.array_equal(a, b)]])


def check_labels(store: Path, side: int, chunks: int) -> tuple[bool, int]:
    """Compare the labels on disk with segment_large of the mosaic made in memory, chunk
    by chunk (each worker compares its chunks; only one bool per chunk comes back)."""
    reference, n_ref = segment_large(make_mosaic((side, side), chunks=chunks).astype(np.float32))
    on_disk = open_image(store / "labels" / "cells")
    same = da.map_blocks(_same, on_disk, reference, chunks=(1, 1), dtype=bool)
    return bool(same.all().compute()), n_ref


def run(side: int, chunks: int, workdir: Path, check: bool, keep: bool, compress: bool) -> dict:
    from dask.distributed import Client, get_task_stream

    store = workdir / f"screen_{side}.zarr"
    res: dict = {"side": side, "chunks": chunks, "load_start": load(), "compress": compress,
                 "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    with (
        local_cluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        pids = client.run(os.getpid)
        names = {f"worker {k + 1}": pid for k, pid in enumerate(pids.values())}
        t0 = time.perf_counter()
        write_ome_zarr(make_mosaic((side, side), chunks=chunks).astype(np.float32), store,
                       chunks=chunks, compress=compress, overwrite=True)  # fmt: skip
        res["write_time"] = time.perf_counter() - t0
        res["store_gb"] = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 1e9
        print(f"image written: {res['write_time']:.1f} s, {res['store_gb']:.2f} GB on disk, "
              f"load {load()}", flush=True)  # fmt: skip
        # The in-memory reference just before, so that both see the same load.
        res["ref_side"] = 4096
        res["ref_time"], res["ref_cells"], res["ref_cpu"] = in_memory(res["ref_side"])
        res["load_seg_start"] = load()
        sampler = RSSSampler({**names, "client": os.getpid()})
        sampler.start()
        everyone = [*names.values(), os.getpid()]
        c0, t0 = cpu_seconds(everyone), time.perf_counter()
        with get_task_stream() as ts:
            labels, n_cells = segment_large(store, out=store)
        res["seg_time"] = time.perf_counter() - t0
        res["seg_cpu"] = cpu_seconds(everyone) - c0
        sampler.stop()
        res["load_seg_end"] = load()
        res["merge_time"] = TIMINGS["merge"]
        res["n_cells"] = n_cells
        res["stages"], res["prefixes"] = task_times(ts.data)
        res["peaks"] = dict(sampler.peak)
        res["peak_workers"], res["peak_all"] = sampler.peak_workers, sampler.peak_all
        res["chunks_n"] = labels.npartitions
        res["labels_gb"] = sum(
            f.stat().st_size for f in (store / "labels").rglob("*") if f.is_file()
        ) / 1e9
        print(f"segmented: {n_cells:,} cells in {res['seg_time']:.1f} s; peaks (MB) "
              + ", ".join(f"{k} {v / 1e6:.0f}" for k, v in res["peaks"].items()), flush=True)
        if check:
            t0 = time.perf_counter()
            res["identical"], res["n_ref"] = check_labels(store, side, chunks)
            res["check_time"] = time.perf_counter() - t0
            print(f"identical to the reference: {res['identical']} ({res['n_ref']:,} cells)",
                  flush=True)
    res["load_end"] = load()
    if not keep:
        shutil.rmtree(store)
    return res


def report(r: dict) -> str:
    side, px = r["side"], r["side"] ** 2
    tp = px / r["seg_time"] / 1e6
    tp_ref = r["ref_side"] ** 2 / r["ref_time"] / 1e6
    ratio = tp / tp_ref
    stages = r["stages"]
    busy = sum(stages.values()) + r["merge_time"]
    share = {k: stages.get(k, 0.0) for k in ("reading", "smoothing", "labelling", "writing")}
    share["merging (in the client)"] = r["merge_time"]
    share["other"] = stages.get("other", 0.0)
    mb = 1e6
    worker_peaks = [v for k, v in r["peaks"].items() if k.startswith("worker")]
    tag = f"{side}" + ("" if r["compress"] else " raw")
    lines = [
        f"<!-- side {tag} -->",
        f"## {side:,}² mosaic ({px / 1e9:.2f} Gpx) from disk, chunks of {r['chunks']:,} "
        f"({r['chunks_n']} chunks), 2 worker processes"
        + (", zstd-compressed store" if r["compress"] else ", uncompressed store"),
        "",
        f"Run {r['date']}: `python benchmarks/bench_scale.py --side {side}"
        + (" --check" if "identical" in r else "") + ("" if r["compress"] else " --raw") + "`"
        + f". Load average (1/5/15 min, `uptime`): {r['load_start']} at the start, "
        f"{r['load_seg_start']} when segmentation started, {r['load_seg_end']} when it "
        f"ended, {r['load_end']} at the end (2 cores, shared with other jobs).",
        "",
        "| quantity | value | target (issue 21, at 20,000²) |",
        "|---|---|---|",
        f"| image as float32 (never held) | {px * 4 / 1e9:.1f} GB | |",
        f"| OME-Zarr store of the image (3 levels, "
        f"{'zstd' if r['compress'] else 'uncompressed'}) | {r['store_gb']:.1f} GB | |",
        f"| making and writing the image | {r['write_time']:.0f} s | |",
        f"| cells found (`n_cells`) | {r['n_cells']:,} | |",
        f"| wall time, `segment_large(store, out=store)` (labels on disk) | "
        f"{r['seg_time']:.1f} s | |",
        f"| label image on disk (3 levels) | {r['labels_gb']:.2f} GB | |",
        "| peak RSS per worker process | "
        + ", ".join(f"{v / mb:,.0f} MB" for v in worker_peaks) + " | ≤ 1,000 MB |",
        f"| peak RSS of the client process (and scheduler) | {r['peaks']['client'] / mb:,.0f} "
        "MB | |",
        f"| peak RSS in all (workers + client, at one instant) | {r['peak_all'] / mb:,.0f} MB "
        "| ≤ 2,500 MB |",
        f"| throughput, from disk to disk | {tp:.1f} Mpx/s | |",
        f"| in-memory `segment(smooth(x))`, {r['ref_side']:,}² float32, one process (best of 3) | "
        f"{r['ref_time']:.2f} s, {tp_ref:.1f} Mpx/s | |",
        f"| **throughput ratio** (disk to disk, 2 workers / in memory, 1 process) | "
        f"**{ratio:.2f}** | ≥ 1.3 |",
        f"| CPU time per pixel: from disk to disk (workers + client) / in memory | "
        f"{r['seg_cpu'] / px * 1e9:.0f} ns / {r['ref_cpu'] / r['ref_side'] ** 2 * 1e9:.0f} ns "
        "| |",
        f"| throughput ratio on two free cores (2 × in-memory CPU / disk-to-disk CPU per "
        f"pixel) | {2 * (r['ref_cpu'] / r['ref_side'] ** 2) / (r['seg_cpu'] / px):.2f} | |",
    ]
    if "identical" in r:
        lines.append(
            f"| labels identical to the in-memory result (compared chunk by chunk) | "
            f"**{'yes' if r['identical'] else 'NO'}** ({r['n_ref']:,} cells) | yes |"
        )
    kinds = sorted(r["prefixes"].items(), key=lambda kv: -kv[1])
    lines += [
        "",
        "Where the time went (seconds of work summed over both workers, from the task "
        "stream; the merge runs in the client between the two passes):",
        "",
        "| stage | seconds | share |",
        "|---|---|---|",
        *[f"| {k} | {v:.1f} | {v / busy:.0%} |" for k, v in share.items() if v > 0],
        "",
        "Task kinds counted (dask key prefix: seconds): "
        + ", ".join(f"`{k}` {v:.1f}" for k, v in kinds if v >= 0.05),
        f"<!-- end side {tag} -->",
        "",
    ]
    return "\n".join(lines)


HEADER = """# `segment_large` at scale: from OME-Zarr on disk to labels on disk

Written by `python benchmarks/bench_scale.py` (do not edit by hand); each run replaces the
section of its mosaic side.

Machine: {machine}, {cores} cores, {mem:.0f} GB RAM. Python {python}, dask {dask}, NumPy {numpy}.
The machine is shared with other jobs: each run gives its load average (1 or 2 on these 2 cores
means a quiet machine; 10 means wall times several times longer). The CPU-time lines depend less
on the load.

"""


def write_results(section: str, tag: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if "from OME-Zarr on disk" not in text:
        text = HEADER.format(
            machine=platform.machine(), cores=os.cpu_count(),
            mem=psutil.virtual_memory().total / 1e9, python=platform.python_version(),
            dask=dask.__version__, numpy=np.__version__,
        )  # fmt: skip
    pattern = re.compile(rf"<!-- side {tag} -->.*?<!-- end side {tag} -->\n\n?", re.S)
    text = pattern.sub("", text).rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", type=int, default=20_000, help="mosaic side (px)")
    parser.add_argument("--chunks", type=int, default=2048, help="chunk side (px)")
    parser.add_argument("--check", action="store_true", help="compare with the reference")
    parser.add_argument("--quick", action="store_true", help="4,096², --check, no file written")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cellseg_bench"),
                        help="where the store is written (and deleted)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the store")
    parser.add_argument("--raw", action="store_true", help="store the image uncompressed")
    args = parser.parse_args()
    side = 4096 if args.quick else args.side
    args.dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(args.dir).free / 1e9
    print(f"{side}² mosaic, chunks {args.chunks}, in {args.dir} ({free:.0f} GB free), "
          f"load {load()}", flush=True)  # fmt: skip
    # No low-level fusion, so that reading, smoothing, labelling and writing stay separate
    # tasks in the task stream (fused, one task would do several; the work is the same).
    dask.config.set({"optimization.fuse.active": False})
    res = run(side, args.chunks, args.dir, args.check or args.quick, args.keep, not args.raw)
    section = report(res)
    print(section)
    if not args.quick:
        write_results(section, f"{side}" + (" raw" if args.raw else ""))
        print(f"written to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()

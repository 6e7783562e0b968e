#!/usr/bin/env python3
"""``segment_large`` on a mosaic too large for memory, against in-memory ``segment``.

    python benchmarks/bench_scale.py            # 20,000² mosaic, chunks of 2,048 (minutes)
    python benchmarks/bench_scale.py --quick    # 8,192² mosaic: a smoke test, no file written

One run, in this order (the peak memory of the process only grows, so the big run comes
first and its peak is read before anything else is allocated):

1. **big**: ``segment_large(make_mosaic((N, N), chunks=2048))``, then every label chunk
   computed once (summed, so that nothing is kept). The mosaic is generated lazily, chunk
   by chunk, inside the same graph: the time includes making the image. Peak memory is
   the process's maximum resident set size (``resource.getrusage``).
2. **generation alone**: the same mosaic summed, to see what making the image costs.
3. **in memory**: ``segment(smooth(x))`` on a 4,096² mosaic held in memory (best of 3),
   the course's own pipeline, the reference for throughput per pixel.
4. **dask-image**: ``dask_image.ndmeasure.label`` of the thresholded, smoothed 4,096²
   image against ``segment_large`` on the same in-memory chunks, for several chunk sizes.

Throughput is pixels per second of wall time; the ratio to the in-memory pipeline in the
same run means the same on any machine with the same number of cores. The results go to
``benchmarks/results_scale.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np

from cellseg_teach import segment, smooth
from cellseg_teach.mosaic import make_mosaic, mosaic_centres
from cellseg_teach.scale import segment_large

HERE = Path(__file__).resolve().parent


def peak_rss_mb() -> float:
    """Maximum resident set size of this process so far (MB; Linux reports kB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def cpu_seconds() -> float:
    """User + system CPU time of this process so far, all threads (s)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def big_run(side: int, chunks: int) -> dict:
    mosaic = make_mosaic((side, side), chunks=chunks)
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    labels, n_cells = segment_large(mosaic)
    t1 = time.perf_counter()
    foreground = int((labels > 0).sum().compute())
    t2 = time.perf_counter()
    cpu = cpu_seconds() - c0
    return {
        "cpu": cpu,
        "side": side,
        "chunks": chunks,
        "n_chunks": mosaic.npartitions,
        "n_cells": n_cells,
        "foreground": foreground,
        "count_time": t1 - t0,
        "total_time": t2 - t0,
        "peak_rss_mb": peak_rss_mb(),
        "image_gb": side * side * 8 / 1e9,
    }


def generation_time(side: int, chunks: int) -> tuple[float, float]:
    """Wall time and CPU time of making (and summing) the mosaic alone (s)."""
    c0, t0 = cpu_seconds(), time.perf_counter()
    make_mosaic((side, side), chunks=chunks).sum().compute()
    return time.perf_counter() - t0, cpu_seconds() - c0


def in_memory(side: int) -> tuple[np.ndarray, float, float, int]:
    """The image, best wall time, its CPU time (s) and the cell count of segment(smooth(x))."""
    image = make_mosaic((side, side), chunks=2048).compute()
    best, best_cpu, n = float("inf"), 0.0, 0
    for _ in range(3):
        c0, t0 = cpu_seconds(), time.perf_counter()
        _, n = segment(smooth(image))
        wall = time.perf_counter() - t0
        if wall < best:
            best, best_cpu = wall, cpu_seconds() - c0
    return image, best, best_cpu, n


def versus_dask_image(image: np.ndarray, chunk_sizes: list[int]) -> list[tuple]:
    from dask_image import ndfilters, ndmeasure

    rows = []
    for c in chunk_sizes:
        arr = da.from_array(image, chunks=c)
        t0 = time.perf_counter()
        labels, n_ours = segment_large(arr, min_size=0)
        labels.max().compute()
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        theirs_labels, n_theirs = ndmeasure.label(ndfilters.gaussian_filter(arr, 2.0) > 0.5)
        n_theirs = int(n_theirs.compute())
        theirs_labels.max().compute()
        theirs = time.perf_counter() - t0
        rows.append((c, arr.npartitions, ours, theirs, n_ours, n_theirs))
        print(f"  chunks {c}: ours {ours:.2f} s, dask-image {theirs:.2f} s "
              f"({n_ours} and {n_theirs} components)", flush=True)  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="8,192² mosaic, no file written")
    parser.add_argument("--side", type=int, default=20_000, help="mosaic side (px)")
    parser.add_argument("--chunks", type=int, default=2048, help="chunk side (px)")
    args = parser.parse_args()
    side = 8192 if args.quick else args.side
    ref_side = 4096
    cores = os.cpu_count()
    load_before = load()
    print(f"{side}² mosaic, chunks {args.chunks}, {dask.config.get('scheduler', 'threads')}"
          f" scheduler, {cores} cores, load average {load_before}", flush=True)  # fmt: skip

    big = big_run(side, args.chunks)
    print(
        f"segment_large: {big['n_cells']} cells in {big['total_time']:.1f} s "
        f"(count {big['count_time']:.1f} s), peak RSS {big['peak_rss_mb']:.0f} MB",
        flush=True,
    )
    true_cells = len(mosaic_centres((side, side)))
    gen, gen_cpu = generation_time(side, args.chunks)
    print(f"generation alone: {gen:.1f} s", flush=True)
    image, t_ref, cpu_ref, n_ref = in_memory(ref_side)
    print(f"in memory {ref_side}²: {t_ref:.2f} s, {n_ref} cells", flush=True)
    vs = versus_dask_image(image, [1024, 512])
    load_after = load()

    px_big, px_ref = side * side, ref_side * ref_side
    tp_big = px_big / big["total_time"] / 1e6
    tp_seg = px_big / max(big["total_time"] - gen, 1e-9) / 1e6
    tp_ref = px_ref / t_ref / 1e6
    ratio = tp_big / tp_ref
    busy = max(os.getloadavg()[0], float(load_before.split(" / ")[0])) > 1.5 * (cores or 1)
    lines = [
        "# `segment_large` at scale",
        "",
        "Written by `python benchmarks/bench_scale.py` (do not edit by hand).",
        "",
        f"Machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}, "
        f"dask {dask.__version__}, NumPy {np.__version__}. Load average (1/5/15 min) "
        f"{load_before} at the start and {load_after} at the end"
        + (" (other jobs were running)." if busy else "."),
        "",
        f"## {side:,}² mosaic, chunks of {args.chunks:,} ({big['n_chunks']} chunks)",
        "",
        "| quantity | value | target |",
        "|---|---|---|",
        f"| image as float64 (never held) | {big['image_gb']:.1f} GB | |",
        f"| cells found (`n_cells`) | {big['n_cells']:,} ({true_cells:,} centres inside) | |",
        f"| foreground pixels | {big['foreground']:,} | |",
        f"| wall time, `segment_large` (until `n_cells`) | {big['count_time']:.1f} s | |",
        f"| wall time, with every label chunk computed | {big['total_time']:.1f} s | |",
        f"| of which making the mosaic (measured alone) | {gen:.1f} s | |",
        f"| peak RSS of the process | {big['peak_rss_mb']:,.0f} MB | ≤ 2,048 MB |",
        f"| throughput, including making the mosaic | {tp_big:.1f} Mpx/s | |",
        f"| throughput, segmentation only (total − generation) | {tp_seg:.1f} Mpx/s | |",
        f"| in-memory `segment(smooth(x))`, {ref_side:,}² (best of 3) | {t_ref:.2f} s, "
        f"{tp_ref:.1f} Mpx/s | |",
        f"| **throughput ratio** (big, including generation / in memory) | **{ratio:.2f}** "
        "| ≥ 0.5 |",
        f"| throughput ratio, segmentation only | {tp_seg / tp_ref:.2f} | |",
        f"| CPU time per pixel, big run (all threads) | {big['cpu'] / px_big * 1e9:.0f} ns "
        f"(making the mosaic: {gen_cpu / px_big * 1e9:.0f} ns) | |",
        f"| CPU time per pixel, in memory | {cpu_ref / px_ref * 1e9:.0f} ns | |",
        "",
        "Wall-clock throughput depends on how much of the two cores the process gets; CPU time "
        "per pixel does not (much): it is the work, whoever else runs. On two free cores the "
        "big run's wall time would be about its CPU time / 2.",
        "",
        "## Labels across chunks: `segment_large` against `dask_image.ndmeasure.label`",
        "",
        f"The same in-memory {ref_side:,}² image cut into chunks; both smooth and label "
        "(`segment_large` also sizes and renumbers the cells; `min_size=0` so that both "
        "count every component), and every label chunk is computed.",
        "",
        "| chunk side | chunks | `segment_large` | dask-image | components (ours, theirs) |",
        "|---|---|---|---|---|",
        *[f"| {c} | {k} | {a:.2f} s | {b:.2f} s | {n1:,}, {n2:,} |" for c, k, a, b, n1, n2 in vs],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        (HERE / "results_scale.md").write_text(text)
        print("written to benchmarks/results_scale.md")


if __name__ == "__main__":
    main()

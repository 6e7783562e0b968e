#!/usr/bin/env python3
"""Speed of the live/dead pipeline (issue 3 targets), with a reference in the same run.

    python benchmarks/bench_livedead.py            # default time-lapse + 2048² frame
    python benchmarks/bench_livedead.py --frames 5 # shorter time-lapse

Cases:

* the default synthetic time-lapse (25 frames of 1024², three channels) through
  ``run_timelapse``; target < 30 s on two cores (the pipeline runs on one);
* one 2048² frame through ``segment_frame``; target < 2 s.

Reference: ``scipy.ndimage.label`` of ``brightfield > mean`` on the same frames, the
cheapest whole-frame pass there is; the ratio says how many such passes the pipeline
costs, which means the same on any machine. Each timing is the best of ``--repeat`` runs.
The scores against the simulator's truth are printed too, so a faster version that is
wrong shows up here. A full run (25 frames) writes ``benchmarks/results_livedead.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import scipy
from scipy import ndimage

from cellseg_teach.livedead import (
    CHANNELS,
    class_iou,
    make_frame,
    make_timelapse,
    run_timelapse,
    score_timelapse,
    segment_frame,
)

HERE = Path(__file__).resolve().parent
TIMELAPSE_LIMIT_S, FRAME_LIMIT_S = 30.0, 2.0


def best(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def label_reference(stack: np.ndarray) -> None:
    for frame in stack:
        ndimage.label(frame > frame.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=25, help="time-lapse length")
    parser.add_argument("--repeat", type=int, default=2, help="runs per timing (best kept)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    tl = make_timelapse(n_frames=args.frames)
    t_make = time.perf_counter() - t0
    bf = tl.frames["brightfield"]
    t_lapse = best(lambda: run_timelapse(**tl.frames), args.repeat)
    t_lapse_ref = best(lambda: label_reference(bf), args.repeat)
    res = run_timelapse(**tl.frames)
    s = score_timelapse(tl, res)
    pooled = class_iou(tl.truth.classes, res.classes)

    big = make_frame(shape=(2048, 2048), seed=3)
    channels = [getattr(big, c) for c in CHANNELS]
    t_big = best(lambda: segment_frame(*channels), args.repeat + 1)
    t_big_ref = best(lambda: label_reference(big.brightfield[None]), args.repeat + 1)
    big_res = segment_frame(*channels)

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ok = {True: "pass", False: "FAIL"}
    lines = [
        f"Machine: {platform.machine()}, {cpus} CPUs visible, Python "
        f"{platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__}",
        f"Simulating {args.frames} frames of 1024² (3 channels): {t_make:.1f} s",
        "",
        "| case | pipeline | ndimage.label ref | ratio | target | result |",
        "|---|---|---|---|---|---|",
        f"| {args.frames} × 1024² time-lapse | {t_lapse:.2f} s | {t_lapse_ref:.3f} s "
        f"| {t_lapse / t_lapse_ref:.0f}× | < {TIMELAPSE_LIMIT_S:.0f} s "
        f"| {ok[t_lapse < TIMELAPSE_LIMIT_S]} |",
        f"| one 2048² frame | {t_big:.2f} s | {t_big_ref:.3f} s | {t_big / t_big_ref:.0f}× "
        f"| < {FRAME_LIMIT_S:.0f} s | {ok[t_big < FRAME_LIMIT_S]} |",
        "",
        "Scores against the simulator's truth (time-lapse):",
        f"  cell count error per frame: max |error| {np.abs(s['count_error']).max():.3f} "
        f"(target ≤ 0.05)",
        f"  live/dead accuracy per frame: min {s['live_dead_accuracy'].min():.3f} (target ≥ 0.95)",
        "  class IoU pooled over frames: "
        + ", ".join(f"{v:.3f}" for v in pooled)
        + f"; mean {np.nanmean(pooled):.3f} (target ≥ 0.8)",
        f"  mean class IoU per frame: min {s['mean_iou'].min():.3f}, "
        f"median {np.median(s['mean_iou']):.3f}",
        f"2048² frame: {big_res.n_cells} cells found of {len(big.dead)}",
    ]
    print("\n".join(lines))
    if args.frames == 25:
        scores_at = next(i for i, line in enumerate(lines) if line.startswith("Scores"))
        report = [
            "# Benchmark: the live/dead pipeline",
            "",
            "`python benchmarks/bench_livedead.py`: `run_timelapse` on the default synthetic",
            "time-lapse and `segment_frame` on one 2048² frame, with `scipy.ndimage.label` of",
            "the same frames as the reference in the same run (best of several runs).",
            "",
            *lines[:scores_at],
            "```",
            *lines[scores_at:],
            "```",
            "",
        ]
        (HERE / "results_livedead.md").write_text("\n".join(report))


if __name__ == "__main__":
    main()

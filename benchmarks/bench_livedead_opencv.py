#!/usr/bin/env python3
"""The live/dead pipeline against the same method written with OpenCV, in one run.

    python benchmarks/bench_livedead_opencv.py             # 25 × 1024² + one 2048² frame
    python benchmarks/bench_livedead_opencv.py --frames 5  # quicker

Both run on one thread (OpenCV's ``setNumThreads(1)``; scipy.ndimage is
single-threaded), each case timed ``--repeat`` times with the two methods interleaved,
and the median kept. Each run is timed twice: by the CPU time of this process
(``time.process_time``), which is the work done and does not grow when other programs
share the machine, and by the wall clock, which does. The verdict uses the CPU time; on
an idle machine, with one thread, the two agree. The ratio package / OpenCV is the
figure of merit (issue 13: at most 1.5 on both cases), and both pipelines' scores
against the simulator's truth are printed, so a faster version that is wrong shows up
here. A full run writes ``benchmarks/results_livedead_opencv.md``. The OpenCV method is in
``benchmarks/livedead_opencv.py`` (with the article's bugs fixed, each named there).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cv2
import numpy as np
import scipy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from livedead_opencv import segment_frame_cv2  # noqa: E402

from cellseg_teach.livedead import (  # noqa: E402
    CHANNELS,
    TimeLapseResult,
    class_iou,
    make_frame,
    make_timelapse,
    score_timelapse,
    segment_frame,
)

TARGET = 1.5


def run_stack(method, frames: dict) -> TimeLapseResult:
    stacks = [frames[c] for c in CHANNELS]
    res = [method(*(s[t] for s in stacks)) for t in range(stacks[0].shape[0])]
    return TimeLapseResult(
        np.stack([r.cell_labels for r in res]),
        np.stack([r.classes for r in res]),
        [r.dead for r in res],
        np.array([r.n_cells for r in res]),
    )


def interleaved_medians(funcs: dict, repeat: int) -> dict:
    """{name: (median CPU seconds, median wall seconds)} over interleaved runs."""
    times = {k: ([], []) for k in funcs}
    for _ in range(repeat):
        for name, f in funcs.items():
            c0, w0 = time.process_time(), time.perf_counter()
            f()
            times[name][0].append(time.process_time() - c0)
            times[name][1].append(time.perf_counter() - w0)
    return {k: (float(np.median(c)), float(np.median(w))) for k, (c, w) in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cv2.setNumThreads(1)

    tl = make_timelapse(n_frames=args.frames)
    methods = {"package": segment_frame, "opencv": segment_frame_cv2}
    lapse = interleaved_medians(
        {k: (lambda m=m: run_stack(m, tl.frames)) for k, m in methods.items()}, args.repeat
    )
    big = make_frame(shape=(2048, 2048), seed=3)
    channels = [getattr(big, c) for c in CHANNELS]
    frame = interleaved_medians(
        {k: (lambda m=m: m(*channels)) for k, m in methods.items()}, args.repeat
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} "
        f"during the run; Python {platform.python_version()}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__}, OpenCV {cv2.__version__}; one thread each; median of "
        f"{args.repeat} interleaved runs",
        "",
        "| case | package CPU (wall) | OpenCV CPU (wall) | package / OpenCV, CPU (wall) "
        "| target | result |",
        "|---|---|---|---|---|---|",
    ]
    for case, t in ((f"{args.frames} × 1024² time-lapse", lapse), ("one 2048² frame", frame)):
        (pc, pw), (oc, ow) = t["package"], t["opencv"]
        verdict = "pass" if pc / oc <= TARGET else "FAIL"
        lines.append(
            f"| {case} | {pc:.2f} s ({pw:.2f} s) | {oc:.2f} s ({ow:.2f} s) "
            f"| {pc / oc:.2f} ({pw / ow:.2f}) | ≤ {TARGET} | {verdict} |"
        )
    lines += ["", "Scores against the simulator's truth (time-lapse):", "```"]
    for name, m in methods.items():
        res = run_stack(m, tl.frames)
        s = score_timelapse(tl, res)
        pooled = class_iou(tl.truth.classes, res.classes)
        lines.append(
            f"{name:8s} count error max |e| {np.abs(s['count_error']).max():.3f}; "
            f"live/dead min {s['live_dead_accuracy'].min():.3f}; class IoU pooled "
            + ", ".join(f"{v:.3f}" for v in pooled)
            + f"; mean {np.nanmean(pooled):.3f}"
        )
    lines.append("```")
    print("\n".join(lines))
    if args.frames == 25:
        header = [
            "# Benchmark: the live/dead pipeline against OpenCV",
            "",
            "`python benchmarks/bench_livedead_opencv.py`: `segment_frame` and the same method",
            "written with OpenCV (`benchmarks/livedead_opencv.py`) on the default synthetic",
            "time-lapse and on one 2048² frame, in the same run.",
            "",
        ]
        (HERE / "results_livedead_opencv.md").write_text("\n".join(header + lines) + "\n")


if __name__ == "__main__":
    main()

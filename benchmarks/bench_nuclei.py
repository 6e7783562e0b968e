#!/usr/bin/env python3
"""Speed of ``segment_nuclei`` against the plain scikit-image pipeline, in one run.

    python benchmarks/bench_nuclei.py

Both pipelines segment the same 520×696 BBBC039 images (uint16), alternating one run of
each, so that a change in the machine's load hits both alike. Each time is the CPU time
of the process (``time.process_time``: both pipelines run on one thread, and CPU time
does not count the time other programs hold the processor), the best of ``REPEAT``
runs; the table reports the ratio ``segment_nuclei / scikit-image`` measured in the same
run, so it means the same on any machine. The reference (``segment_nuclei_skimage``) is
``threshold_otsu``, ``distance_transform_edt``, ``peak_local_max`` and ``watershed``, as
scikit-image's documentation shows it. Results go into the ``bench`` section of
``benchmarks/results_nuclei.md``.
"""

from __future__ import annotations

import platform
import time
import timeit

import numpy as np
import scipy
import skimage
from loo_nuclei import write_section

from cellseg_teach.datasets import load_bbbc039
from cellseg_teach.nuclei import segment_nuclei, segment_nuclei_skimage

REPEAT = 15


def best_times(funcs, image) -> list[float]:
    """Best of REPEAT runs of each function, the functions taking turns."""
    best = [float("inf")] * len(funcs)
    for _ in range(REPEAT):
        for i, func in enumerate(funcs):
            t = timeit.timeit(lambda f=func: f(image), number=1, timer=time.process_time)
            best[i] = min(best[i], t)
    return best


def main() -> None:
    samples = load_bbbc039()[:6]
    rows = []
    for s in samples:
        segment_nuclei(s.image), segment_nuclei_skimage(s.image)  # warm up
        ours, ref = best_times([segment_nuclei, segment_nuclei_skimage], s.image)
        rows.append((s.name[:14], s.image.shape, ours, ref))
    ratios = np.array([r[2] / r[3] for r in rows])
    lines = [
        "## Speed: `segment_nuclei` against the plain scikit-image pipeline",
        "",
        f"Regenerate with `python benchmarks/bench_nuclei.py`. CPU time of the process, best "
        f"of {REPEAT} alternating runs per image; the ratio is measured in the same run. Machine: "
        f"{platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__}, scikit-image {skimage.__version__}. `segment_nuclei` runs "
        "with its defaults (`diameter=None`), so its time includes `estimate_diameter`.",
        "",
        "| image | size | `segment_nuclei` | scikit-image pipeline | ratio (ours / skimage) |",
        "|---|---|---|---|---|",
    ]
    for name, shape, ours, ref in rows:
        lines.append(
            f"| {name} | {shape[0]}×{shape[1]} | {1e3 * ours:.0f} ms | {1e3 * ref:.0f} ms | "
            f"{ours / ref:.2f} |"
        )
    lines += ["", f"Median ratio: **{np.median(ratios):.2f}** (≤ 1 means no slower)."]
    text = "\n".join(lines)
    write_section("bench", text)
    print(text)


if __name__ == "__main__":
    main()

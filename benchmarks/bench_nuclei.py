#!/usr/bin/env python3
"""Speed of ``segment_nuclei`` against the plain scikit-image pipeline, in one run.

    python benchmarks/bench_nuclei.py

Both pipelines segment the same 520×696 BBBC039 images (uint16), one after the other,
in alternating order; each time is the best of several repeats (``timeit``), and the
table reports the ratio ``segment_nuclei / scikit-image`` measured in the same run, so
it means the same on any machine. The reference (``segment_nuclei_skimage``) is
``threshold_otsu``, ``distance_transform_edt``, ``peak_local_max`` and ``watershed``,
as scikit-image's documentation shows it. Results go into the ``bench`` section of
``benchmarks/results_nuclei.md``.
"""

from __future__ import annotations

import platform
import timeit

import numpy as np
import scipy
import skimage
from loo_nuclei import write_section

from cellseg_teach.datasets import load_bbbc039
from cellseg_teach.nuclei import segment_nuclei, segment_nuclei_skimage

REPEAT = 9


def best_time(func, image) -> float:
    return min(timeit.repeat(lambda: func(image), number=1, repeat=REPEAT))


def main() -> None:
    samples = load_bbbc039()[:4]
    rows = []
    for s in samples:
        segment_nuclei(s.image), segment_nuclei_skimage(s.image)  # warm up
        ours = best_time(segment_nuclei, s.image)
        ref = best_time(segment_nuclei_skimage, s.image)
        rows.append((s.name[:14], s.image.shape, ours, ref))
    ratios = np.array([r[2] / r[3] for r in rows])
    lines = [
        "## Speed: `segment_nuclei` against the plain scikit-image pipeline",
        "",
        f"Regenerate with `python benchmarks/bench_nuclei.py`. Best of {REPEAT} runs per "
        "image; the ratio is measured in the same run. Machine: "
        f"{platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__}, scikit-image {skimage.__version__}.",
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

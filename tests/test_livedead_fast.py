"""The fast live/dead steps give the results of the calls they replace.

* cellseg_teach.morphology's dilation, erosion, opening and hole filling against
  scipy.ndimage's;
* the one-pass Sobel magnitude against ``ndimage.sobel`` (bit for bit on integer images);
* the 4-neighbour outline against the footprint filters;
* the nucleus-seeded flood: exact geodesic nearest nucleus, and scikit-image's
  ``watershed(0, markers, mask=...)`` wherever the nearest nucleus is unique;
* the OpenCV version of the method (benchmarks/livedead_opencv.py) scores the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage
from skimage.segmentation import watershed

from cellseg_teach.livedead import make_timelapse, segregate_cells
from cellseg_teach.livedead.gradient import sobel_magnitude
from cellseg_teach.morphology import (
    dilate_mask,
    disk,
    erode_mask,
    fill_holes,
    footprint_rectangles,
    label_outlines,
    open_mask,
)

EIGHT = np.ones((3, 3), bool)


def random_masks(seed: int, n: int):
    rng = np.random.default_rng(seed)
    for i in range(n):
        # scipy's iterated binary_dilation/erosion corrupts memory when the footprint is
        # larger than the image (scipy issue 11400), so the reference needs >= 10 px
        shape = tuple(int(s) for s in rng.integers(10, 50, 2))
        if i % 2:
            yield ndimage.binary_dilation(rng.random(shape) < 0.05, disk(2))
        else:
            yield rng.random(shape) < rng.uniform(0.1, 0.9)


@pytest.mark.parametrize("radius", [1, 2, 3])
@pytest.mark.parametrize("iterations", [1, 2])
def test_dilate_and_erode_equal_scipy(radius, iterations):
    for m in random_masks(radius * 10 + iterations, 25):
        fp = disk(radius)
        assert np.array_equal(
            dilate_mask(m, radius=radius, iterations=iterations),
            ndimage.binary_dilation(m, fp, iterations=iterations),
        )
        for border in (0, 1):
            ref = ndimage.binary_erosion(m, fp, iterations=iterations, border_value=border)
            got = erode_mask(m, radius=radius, iterations=iterations, outside=bool(border))
            assert np.array_equal(got, ref)
        assert np.array_equal(open_mask(m, radius=radius), ndimage.binary_opening(m, fp))


def test_fill_holes_equals_scipy_and_rectangles_cover_the_disk():
    for m in random_masks(5, 40):
        assert np.array_equal(fill_holes(m), ndimage.binary_fill_holes(m))
    for r in range(1, 6):
        fp = disk(r)
        union = np.zeros_like(fp)
        for dy, dx in footprint_rectangles(fp):
            union[r - dy : r + dy + 1, r - dx : r + dx + 1] = True
        assert np.array_equal(union, fp)


def test_sobel_and_outlines_equal_the_scipy_filters():
    rng = np.random.default_rng(0)
    for _ in range(20):
        img = rng.integers(0, 65535, tuple(rng.integers(1, 60, 2))).astype(np.uint16)
        f = img.astype(np.float32)
        gx, gy = (ndimage.sobel(f, axis=a, mode="mirror") for a in (1, 0))
        ref = np.hypot(gx, gy)
        assert np.array_equal(sobel_magnitude(img), ref)
        lab = ndimage.label(rng.random(img.shape) < 0.6)[0]
        hi = ndimage.maximum_filter(lab, footprint=disk(1), mode="nearest")
        lo = ndimage.minimum_filter(lab, footprint=disk(1), mode="nearest")
        assert np.array_equal(label_outlines(lab), (lab > 0) & (hi != lo))


def geodesic_distance(seed: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Fewest 8-connected steps from ``seed`` inside ``mask`` (inf where unreachable)."""
    dist = np.full(mask.shape, np.inf)
    reached = seed.copy()
    dist[reached] = 0
    step = 0
    while True:
        step += 1
        ring = ndimage.binary_dilation(reached, EIGHT, mask=mask) & ~reached
        if not ring.any():
            return dist
        dist[ring] = step
        reached |= ring


@pytest.mark.parametrize("seed", range(12))
def test_flood_is_the_exact_geodesic_split_and_matches_scikit_image(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in rng.integers(20, 60, 2))
    area = ndimage.binary_dilation(rng.random(shape) < 0.03, iterations=int(rng.integers(1, 4)))
    nuclei = area & (rng.random(shape) < 0.015)
    seg = segregate_cells(area, nuclei, np.zeros_like(nuclei))
    grown = area | nuclei
    markers, n = seg.nucleus_labels, seg.n_cells
    if n == 0:
        pytest.skip("no nucleus drawn")
    dist = np.stack([geodesic_distance(markers == k, grown) for k in range(1, n + 1)])
    nearest = dist.min(axis=0)
    ours = seg.cell_labels
    cells = ours > 0
    # every pixel is at the smallest number of steps from the nucleus it was given ...
    rows, cols = np.nonzero(cells)
    given = dist[ours[cells] - 1, rows, cols]
    assert np.array_equal(given, nearest[cells])
    # ... so it agrees with scikit-image wherever that nucleus is the only nearest one
    pieces = ndimage.label(grown, EIGHT)[0]
    seeded = np.isin(pieces, pieces[nuclei]) & grown
    ref = watershed(np.zeros(shape), markers, mask=grown, connectivity=2)
    ref[~seeded] = 0
    unique = (dist == nearest).sum(axis=0) == 1
    assert np.array_equal(ours[unique & seeded], ref[unique & seeded])
    assert np.array_equal(cells, seeded)


def test_opencv_version_scores_the_same():
    pytest.importorskip("cv2")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from livedead_opencv import segment_frame_cv2

    from cellseg_teach.livedead import TimeLapseResult, class_iou, segment_frame

    tl = make_timelapse(n_frames=3, shape=(384, 384), seed=5)
    results = {}
    for name, method in (("package", segment_frame), ("opencv", segment_frame_cv2)):
        res = [method(*(tl.frames[c][t] for c in ("brightfield", "hoechst", "draq7")))
               for t in range(3)]
        results[name] = TimeLapseResult(
            np.stack([r.cell_labels for r in res]), np.stack([r.classes for r in res]),
            [r.dead for r in res], np.array([r.n_cells for r in res]),
        )
    iou = {k: np.nanmean(class_iou(tl.truth.classes, r.classes)) for k, r in results.items()}
    assert abs(iou["package"] - iou["opencv"]) < 0.01
    assert np.array_equal(results["package"].n_cells, results["opencv"].n_cells)

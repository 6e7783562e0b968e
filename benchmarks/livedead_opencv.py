"""The live/dead method written with OpenCV, as the article wrote it: the speed reference.

The same method and the same parameters as ``cellseg_teach.livedead.segment_frame``,
with OpenCV calls where the article uses them. The article's bugs are fixed, and each
fix is named where it is made:

* the Sobel magnitude stays float32 (the article casts it to uint16, which wraps);
* the thresholds are the package's (max of tiles with automatic bins for the gradient,
  Otsu with the max-of-tiles floor for the nuclei): OpenCV has no max-of-tiles, and the
  article computes it with a Python loop;
* hole filling floods from the border of a 1-px padded mask (the article floods from
  pixel (0, 0), which fails when that corner is foreground, and passes ``None`` as the
  flood mask);
* the watershed markers give the background its own label ``n + 1`` (the article's
  ``(~area) + labels`` gives nucleus 1 the background's value and loses that cell);
* the watershed's ``-1`` lines, which also cover the image's 1-px border, are given
  back to the neighbouring cell before the outlines are drawn (the article paints every
  border pixel as an outline).

Used only by ``benchmarks/bench_livedead_opencv.py`` and the tests; opencv-python-headless
is a pinned benchmark and test dependency, not one of the package's.
"""

from __future__ import annotations

import cv2
import numpy as np

from cellseg_teach.livedead import DEFAULTS, FrameResult
from cellseg_teach.livedead.masks import CELL_AREA, CELL_OUTLINE, DRAQ7_NUCLEUS, HOECHST_NUCLEUS
from cellseg_teach.livedead.nuclei import call_dead, nucleus_threshold
from cellseg_teach.morphology import disk, label_outlines
from cellseg_teach.thresholds import max_of_tiles_threshold


def _remove_small(mask: np.ndarray, min_size: int, connectivity: int = 4) -> np.ndarray:
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.view(np.uint8), connectivity)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_size
    keep[0] = False
    return keep[labels]


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    padded = np.pad(mask.view(np.uint8), 1)
    flood_mask = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    # fixed: flood the background from the padded border, so (0, 0) is always background
    cv2.floodFill(padded, flood_mask, (0, 0), 1, flags=4)
    outside = flood_mask[2:-2, 2:-2].astype(bool)
    return ~outside


def cell_area_cv2(bf: np.ndarray, p: dict) -> tuple[np.ndarray, float]:
    img = bf.astype(np.float32)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT_101)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT_101)
    grad = cv2.magnitude(gx, gy)  # fixed: float32, no uint16 wrap
    t = max_of_tiles_threshold(
        grad, coarseness=p["area_coarseness"], offset=p["area_offset"],
        bin_width=p["area_bin_width"],
    )
    m = (grad > t).astype(np.uint8)
    k = disk(p["close_radius"]).astype(np.uint8)
    m = cv2.dilate(m, k, iterations=p["close_iterations"], borderType=cv2.BORDER_CONSTANT,
                   borderValue=0)
    m = cv2.erode(m, k, iterations=p["close_iterations"], borderType=cv2.BORDER_CONSTANT,
                  borderValue=1)
    area = _remove_small(_fill_holes(m.astype(bool)), p["min_cell_size"])
    if p["shrink"]:
        area = cv2.erode(area.view(np.uint8), disk(p["shrink"]).astype(np.uint8),
                         borderType=cv2.BORDER_CONSTANT, borderValue=1).astype(bool)
    return area, t


def nuclei_cv2(img: np.ndarray, p: dict) -> tuple[np.ndarray, float]:
    t = nucleus_threshold(
        img, method=p["nucleus_method"], coarseness=p["nucleus_coarseness"],
        offset=p["nucleus_offset"],
    )
    m = (img > t).astype(np.uint8)
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, disk(p["opening_radius"]).astype(np.uint8))
    return _remove_small(m.astype(bool), p["min_nucleus_size"]), t


def segment_frame_cv2(bf: np.ndarray, hoechst: np.ndarray, draq7: np.ndarray,
                      **params: object) -> FrameResult:
    """The package's method with OpenCV calls; returns the package's FrameResult."""
    p = {**DEFAULTS, **params}
    area, t_grad = cell_area_cv2(bf, p)
    h_mask, t_h = nuclei_cv2(hoechst, p)
    d_mask, t_d = nuclei_cv2(draq7, p)
    nuclei = h_mask | d_mask
    n, nucleus_labels = cv2.connectedComponents(nuclei.view(np.uint8), connectivity=8,
                                                ltype=cv2.CV_32S)
    n -= 1
    area = area | nuclei
    # The flood image. The article floods the distance to the nearest nucleus, but
    # cv2.watershed ranks a pixel by how much it differs from its labelled neighbour, not
    # by its value, so that image hardly matters inside a cell, and the background marker
    # leaks into the cell area at its edge. The package's cost image (0 inside the area,
    # 255 outside) keeps the background out, as in segregate_cells: the same method.
    flood_image = cv2.cvtColor(np.where(area, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    markers = nucleus_labels.copy()
    markers[~area] = n + 1  # fixed: the background has a label of its own
    cv2.watershed(flood_image, markers)
    # cv2.watershed draws -1 on every pixel where two regions meet: between touching
    # cells, along every cell's edge with the background, and on the image's 1-px border.
    # Such a pixel in the cell area goes to its largest neighbouring cell label.
    lines = markers == -1
    if lines.any():
        cells_only = np.where(lines | (markers > n), 0, markers).astype(np.float32)
        grown = cv2.dilate(cells_only, np.ones((3, 3), np.uint8))
        markers[lines] = grown[lines].astype(np.int32)
    cells = np.where((markers > 0) & (markers <= n) & area, markers, 0).astype(np.int32)
    dead = call_dead(nucleus_labels, d_mask, min_fraction=p["dead_fraction"])
    outlines = label_outlines(cells, width=p["outline_width"])
    classes = np.zeros(bf.shape, np.uint8)
    classes[cells > 0] = CELL_AREA
    classes[outlines] = CELL_OUTLINE
    dead_of = np.r_[False, dead]
    classes[(nucleus_labels > 0) & ~dead_of[nucleus_labels]] = HOECHST_NUCLEUS
    classes[(nucleus_labels > 0) & dead_of[nucleus_labels]] = DRAQ7_NUCLEUS
    thresholds = {"gradient": t_grad, "hoechst": t_h, "draq7": t_d}
    return FrameResult(cells, nucleus_labels, dead, classes, area, h_mask, d_mask, thresholds)

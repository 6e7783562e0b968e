"""Nucleus-seeded watershed: split the cell area into one region per nucleus.

:func:`segregate_cells` is the article's ``segregate_cells`` with its marker bug fixed;
:func:`article_segregate_cells` reproduces the bug on purpose, for the lesson.

The article's marker image is ``markers = (~cell_area) + labels``: background pixels get
1, the pixels to be flooded 0, and nucleus ``k`` gets ``k``. But nucleus 1 then carries
the background's value: the watershed cannot tell them apart, so cell 1 is flooded as
background and ``segmented_cells = labels > 1`` throws it away. (A nucleus pixel outside
the cell area is worse still: it gets ``k + 1``, the next nucleus's label.) The fix is a
background label that no nucleus can have (here ``n_nuclei + 1``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage

from .._checks import as_image
from .masks import label_outlines

__all__ = ["CellSegmentation", "article_segregate_cells", "segregate_cells"]

_EIGHT = np.ones((3, 3), dtype=bool)


def _masks(**arrays: object) -> list[np.ndarray]:
    out, shape, first = [], None, None
    for name, arr in arrays.items():
        m = as_image(arr, name, allow_bool=True)
        if shape is None:
            shape, first = m.shape, name
        elif m.shape != shape:
            raise ValueError(f"{name} has shape {m.shape}, but {first} has shape {shape}")
        out.append(m.astype(bool, copy=False))
    return out


class CellSegmentation(NamedTuple):
    """Result of :func:`segregate_cells`.

    Attributes
    ----------
    cell_labels : numpy.ndarray of int32
        Cell ``k`` is the region flooded from nucleus ``k``; 0 = background.
    nucleus_labels : numpy.ndarray of int32
        Nuclei (8-connected components of Hoechst ∪ Draq7), labels 1..n.
    outlines : numpy.ndarray of bool
        Outline pixels of the cells (:func:`~cellseg_teach.livedead.masks.label_outlines`).
    n_cells : int
        Number of nuclei, hence of cells.
    """

    cell_labels: np.ndarray
    nucleus_labels: np.ndarray
    outlines: np.ndarray
    n_cells: int


def _repair_crossings(
    flooded: np.ndarray,
    pieces: np.ndarray,
    nucleus_labels: np.ndarray,
    nuclei: np.ndarray,
    n: int,
) -> None:
    """Give back, in place, pixels that ``watershed_ift`` let a nucleus take across the
    background from another piece of cell area.

    scipy's queue sometimes settles a pixel from a path that crosses the cost-255
    background although a free path from its own piece's nucleus exists (seen on random
    masks, with or without a background marker). Such pixels are found in one vectorised
    comparison (their label's nucleus lies in another piece), cleared, and refilled by
    growing the correct labels into them ring by ring, only inside the bounding box of
    the cleared pixels. On the course's frames nothing needs repairing.
    """
    piece_of_nucleus = np.zeros(n + 1, dtype=pieces.dtype)
    piece_of_nucleus[nucleus_labels[nuclei]] = pieces[nuclei]
    wrong = (flooded > 0) & (piece_of_nucleus[flooded] != pieces)
    if not wrong.any():
        return
    rows, cols = np.nonzero(wrong)
    box = np.s_[max(rows.min() - 1, 0) : rows.max() + 2, max(cols.min() - 1, 0) : cols.max() + 2]
    sub, sub_pieces, todo = flooded[box], pieces[box], wrong[box].copy()
    sub[todo] = 0
    while todo.any():
        # Each neighbour offers its label if it lies in the same piece; take the largest.
        padded = np.pad(sub, 1)
        padded_pieces = np.pad(sub_pieces, 1)
        best = np.zeros_like(sub)
        h, w = sub.shape
        for dy in (0, 1, 2):  # the 8 neighbours: a loop over offsets, not pixels
            for dx in (0, 1, 2):
                lab = padded[dy : dy + h, dx : dx + w]
                same = padded_pieces[dy : dy + h, dx : dx + w] == sub_pieces
                best = np.where(same & (lab > best), lab, best)
        take = todo & (best > 0)
        if not take.any():  # cannot happen for a seeded piece; guard against looping
            break
        sub[take] = best[take]
        todo &= ~take


def segregate_cells(
    cell_area: object,
    hoechst_nuclei: object,
    draq7_nuclei: object,
    outline_width: int = 1,
) -> CellSegmentation:
    """Split the cell area among the nuclei with ``scipy.ndimage.watershed_ift``.

    Steps (vectorised; one watershed call):

    1. nuclei = Hoechst ∪ Draq7, labelled 1..n (8-connected, like OpenCV's
       ``connectedComponents``); a cell always contains its nucleus, so the cell area
       is extended by the nuclei;
    2. cost (uint8) = 0 inside the cell area and 255 outside;
    3. markers: nucleus ``k`` → ``k``, nothing else (no background marker: see below);
    4. flood with ``scipy.ndimage.watershed_ift`` (8-connected), then set to 0 every
       pixel outside the cell area and every piece of cell area that holds no nucleus.

    Why no background marker: a marker on the background (cost 255) queues the edge
    pixels of every piece of cell area at cost 255 in the first round, and scipy's
    queue does not always drop such a pixel when a nucleus reaches it later at cost 0,
    so a nucleus could claim pixels of a neighbouring cell across the background.
    Without one, no pixel is queued at 255 before every cost-0 pixel has been settled,
    so each piece of cell area is shared among its own nuclei only (a test checks this
    on random masks).

    What ``watershed_ift`` computes (scipy's ``NI_WatershedIFT``): the cost of a path is
    its largest step ``|f(p) - f(q)|`` between neighbours, not its largest value, and
    pixels of equal cost are taken from a queue, markers with negative labels
    first-in first-out. So the markers are passed negated: every nucleus then grows one
    ring of pixels per round, and the cell area is shared along the lines of equal
    *chessboard* distance (8-connected steps) from the nuclei edges; the step of 255 at
    the edge of the cell area keeps the background out. (With the article's distance
    map as ``f``, all steps inside are 0 or 1 and the result depends on rounding; with
    positive markers one nucleus runs through a whole cluster first.)

    Parameters
    ----------
    cell_area : array-like of bool, 2-D
        Pixels covered by cells (e.g. from the gradient magnitude).
    hoechst_nuclei, draq7_nuclei : array-like of bool, 2-D, same shape
        Nucleus masks from the two fluorescence channels.
    outline_width : int
        Thickness of the returned outlines (pixels).

    Returns
    -------
    CellSegmentation

    Raises
    ------
    ValueError
        If the masks differ in shape (the message names the argument) or are not 2-D.

    Examples
    --------
    Two touching square cells, each with a one-pixel nucleus, and a nucleus-free blob:

    >>> import numpy as np
    >>> area = np.zeros((5, 12), bool); area[1:4, 1:7] = True; area[1:4, 9:11] = True
    >>> nuc = np.zeros_like(area); nuc[2, 2] = nuc[2, 5] = True
    >>> seg = segregate_cells(area, nuc, np.zeros_like(nuc))
    >>> seg.n_cells, seg.cell_labels[2].tolist()
    (2, [0, 1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0])
    """
    area, hoechst, draq7 = _masks(
        cell_area=cell_area, hoechst_nuclei=hoechst_nuclei, draq7_nuclei=draq7_nuclei
    )
    nuclei = hoechst | draq7
    nucleus_labels, n = ndimage.label(nuclei, _EIGHT)
    nucleus_labels = nucleus_labels.astype(np.int32, copy=False)
    area = area | nuclei
    if n == 0:
        empty = np.zeros(area.shape, np.int32)
        return CellSegmentation(empty, nucleus_labels, np.zeros(area.shape, bool), 0)

    # Cost: 0 inside the cell area, 255 outside. watershed_ift charges a path its
    # largest *step* |f(p) - f(q)|, so inside the area every path is free and crossing
    # its edge costs 255: no label crosses the background while a free path exists.
    cost = np.where(area, 0, 255).astype(np.uint8)
    pieces, n_pieces = ndimage.label(area, _EIGHT)  # the same connectivity as the flood
    seeded = np.zeros(n_pieces + 1, dtype=bool)
    seeded[pieces[nuclei]] = True
    # Negative markers are queued first-in first-out, so at equal cost the nuclei grow
    # in step, one pixel ring at a time (a breadth-first search); positive markers would
    # be queued last-in first-out and one nucleus would run through the whole area.
    flooded = -ndimage.watershed_ift(cost, -nucleus_labels, structure=_EIGHT)
    flooded[~seeded[pieces]] = 0  # the background (piece 0) and nucleus-free pieces
    _repair_crossings(flooded, pieces, nucleus_labels, nuclei, n)
    outlines = label_outlines(flooded, outline_width)
    return CellSegmentation(flooded.astype(np.int32, copy=False), nucleus_labels, outlines, n)


def article_segregate_cells(
    cell_area: object, draq7_nucleus: object, hoechst_nucleus: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The article's ``segregate_cells``, ported to scipy, **bug included** (on purpose).

    A faithful reproduction for the lesson, not for use: the marker image is
    ``(~cell_area).astype(int32) + labels``, so nucleus 1 has the background's value 1
    and its cell is flooded as background, then dropped by ``labels > 1``.

    Differences from the OpenCV original that do not touch the bug: the watershed is
    ``scipy.ndimage.watershed_ift`` with the article's markers as they are (it floods by
    the largest step and takes positive markers last-in first-out, so the split between
    touching cells differs from OpenCV's; see :func:`segregate_cells`; what is lost
    is the same: every pixel flooded from nucleus 1) (OpenCV's ``cv2.watershed`` also draws -1 lines
    between regions; here the outlines are the region edges of
    :func:`~cellseg_teach.livedead.masks.label_outlines`, so pixels on both sides),
    and the distance is the exact Euclidean distance (OpenCV's ``DIST_L2, 5`` is a
    5 x 5 approximation).

    Parameters
    ----------
    cell_area, draq7_nucleus, hoechst_nucleus : array-like of bool, 2-D
        In the article's argument order.

    Returns
    -------
    segmented_cells : numpy.ndarray of bool
        ``flooded > 1`` as in the article: cell 1 is missing.
    segmented_outlines : numpy.ndarray of bool
        Edges of the flooded regions (background region 1 included).
    flooded : numpy.ndarray of int32
        The watershed labels (1 = background, and cell 1 merged into it).

    Examples
    --------
    >>> import numpy as np
    >>> area = np.zeros((5, 12), bool); area[1:4, 1:5] = True; area[1:4, 7:11] = True
    >>> nuc = np.zeros_like(area); nuc[2, 2] = nuc[2, 9] = True
    >>> cells, _, flooded = article_segregate_cells(area, np.zeros_like(nuc), nuc)
    >>> bool(cells[2, 2]), bool(cells[2, 9])        # cell 1 lost, cell 2 kept
    (False, True)
    """
    area, draq7, hoechst = _masks(
        cell_area=cell_area, draq7_nucleus=draq7_nucleus, hoechst_nucleus=hoechst_nucleus
    )
    live_and_dead = draq7 | hoechst
    labels, _ = ndimage.label(live_and_dead, _EIGHT)
    markers = (~area).astype(np.int32)  # background 1, area to flood 0 ...
    markers += labels.astype(np.int32)  # ... and nucleus 1 is also 1: the bug
    dist = ndimage.distance_transform_edt(~live_and_dead)
    nucleus_mask = np.clip(area * dist, 0, 255).astype(np.uint8)
    flooded = ndimage.watershed_ift(nucleus_mask, markers).astype(np.int32)
    segmented_cells = flooded > 1
    segmented_outlines = label_outlines(flooded)
    return segmented_cells, segmented_outlines, flooded

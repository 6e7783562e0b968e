"""The five-class training mask of the live/dead assay, and cell outlines.

Classes (the article's numbering)::

    0 BACKGROUND      no cell
    1 CELL_AREA       inside a cell, not on its outline and not in its nucleus
    2 CELL_OUTLINE    the outermost ``width`` pixels of a cell (touching cells: both sides)
    3 HOECHST_NUCLEUS nucleus of a live cell
    4 DRAQ7_NUCLEUS   nucleus of a dead cell

Layering: the mask is painted in the order 1, 2, 3, 4 and a later class overwrites an
earlier one (a nucleus pixel on an outline is a nucleus; a pixel in both the Hoechst and
the Draq7 mask is Draq7, i.e. dead wins). The synthetic truth and the pipeline use the
same functions, so their masks are comparable pixel for pixel.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .._checks import as_count, as_labels

__all__ = [
    "BACKGROUND",
    "CELL_AREA",
    "CELL_OUTLINE",
    "CLASS_NAMES",
    "DRAQ7_NUCLEUS",
    "HOECHST_NUCLEUS",
    "class_mask",
    "label_outlines",
]

BACKGROUND, CELL_AREA, CELL_OUTLINE, HOECHST_NUCLEUS, DRAQ7_NUCLEUS = 0, 1, 2, 3, 4
CLASS_NAMES: tuple[str, ...] = (
    "background",
    "cell area",
    "cell outline",
    "Hoechst nucleus",
    "Draq7 nucleus",
)


def _disk(radius: int) -> np.ndarray:
    """Boolean disk footprint of the given radius (pixels); radius 1 is the 4-cross."""
    r = np.arange(-radius, radius + 1)
    return (r[:, None] ** 2 + r[None, :] ** 2) <= radius**2


def label_outlines(labels: object, width: int = 1) -> np.ndarray:
    """Pixels of each labelled object within ``width`` pixels of its edge.

    A labelled pixel is on the outline when some pixel within distance ``width``
    (a disk; ``width=1`` means the 4 nearest neighbours) carries a different label,
    background included. So two touching cells both get an outline along their contact.
    Computed with one maximum and one minimum filter (no loop over labels).

    Parameters
    ----------
    labels : array-like of int, 2-D
        Label image, 0 = background.
    width : int
        Outline thickness in pixels, >= 1.

    Returns
    -------
    numpy.ndarray of bool
        Same shape as ``labels``; True on outline pixels (never on background).

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((5, 5), int); lab[1:4, 1:4] = 1
    >>> label_outlines(lab).astype(int)[2].tolist()
    [0, 1, 0, 1, 0]
    """
    lab = as_labels(labels, "labels")
    width = as_count(width, "width", minimum=1)
    foot = _disk(width)
    # Outside the image counts as "the same label" (mode="nearest"): the image edge is
    # not a cell edge.
    hi = ndimage.maximum_filter(lab, footprint=foot, mode="nearest")
    lo = ndimage.minimum_filter(lab, footprint=foot, mode="nearest")
    return (lab > 0) & (hi != lo)


def class_mask(
    cell_labels: object,
    hoechst_nuclei: object,
    draq7_nuclei: object,
    outline_width: int = 1,
) -> np.ndarray:
    """Paint the five-class mask: cell area, then outlines, then Hoechst, then Draq7.

    Parameters
    ----------
    cell_labels : array-like of int, 2-D
        Cell instance labels, 0 = background.
    hoechst_nuclei, draq7_nuclei : array-like of bool, 2-D, same shape
        Pixels of live (Hoechst) and dead (Draq7) nuclei.
    outline_width : int
        Outline thickness in pixels (see :func:`label_outlines`).

    Returns
    -------
    numpy.ndarray of uint8
        Values 0–4 (see the module docstring); later classes overwrite earlier ones.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((1, 7), int); lab[0, 1:6] = 1
    >>> h = np.zeros((1, 7), bool); h[0, 3] = True
    >>> class_mask(lab, h, np.zeros_like(h)).tolist()
    [[0, 2, 1, 3, 1, 2, 0]]
    """
    lab = as_labels(cell_labels, "cell_labels")
    masks = []
    for name, arr in (("hoechst_nuclei", hoechst_nuclei), ("draq7_nuclei", draq7_nuclei)):
        m = np.asarray(arr)
        if m.shape != lab.shape:
            raise ValueError(f"{name} has shape {m.shape}, expected {lab.shape} like cell_labels")
        masks.append(m.astype(bool, copy=False))
    out = np.zeros(lab.shape, dtype=np.uint8)
    out[lab > 0] = CELL_AREA
    out[label_outlines(lab, outline_width)] = CELL_OUTLINE
    out[masks[0]] = HOECHST_NUCLEUS
    out[masks[1]] = DRAQ7_NUCLEUS
    return out

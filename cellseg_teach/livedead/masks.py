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

from .._checks import as_labels
from ..morphology import label_outlines

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

"""Threshold, label connected components, drop the small ones, measure sizes."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ._checks import as_connectivity, as_count, as_image, as_labels, as_real
from .labels import relabel_checked, relabel_sequential
from .parameters import MIN_CELL_SIZE, THRESHOLD

__all__ = ["EIGHT_CONNECTED", "FOUR_CONNECTED", "cell_sizes", "segment"]

FOUR_CONNECTED = ndimage.generate_binary_structure(2, 1)
"""Neighbours share an edge (scipy's default for ``ndimage.label``)."""

EIGHT_CONNECTED = ndimage.generate_binary_structure(2, 2)
"""Neighbours share an edge or a corner."""


def segment(
    image: object,
    threshold: float = THRESHOLD,
    min_size: int = MIN_CELL_SIZE,
    *,
    connectivity: int = 1,
) -> tuple[np.ndarray, int]:
    """Return ``(labeled, n_cells)`` from a (smoothed) image.

    1. Threshold: pixels strictly above ``threshold`` form the foreground mask.
    2. Label its connected components (``scipy.ndimage.label``).
    3. Drop components smaller than ``min_size`` pixels and renumber the rest
       1..n_cells, in the order ``ndimage.label`` found them (raster order of
       each component's first pixel), with :func:`cellseg_teach.labels.relabel_sequential`.

    Steps 2–3 take one pass each over the pixels: the component sizes come from one
    ``numpy.bincount`` and the renumbering is one look-up table, so the cost does not
    grow with the number of components (the seed compared the whole image with every
    label, which is quadratic in the number of cells).

    Parameters
    ----------
    image : array-like, 2-D
        Usually the smoothed image (a.u.); integer images are fine.
    threshold : float
        Foreground threshold (a.u.).
    min_size : int
        Smallest component kept (pixels), >= 0.
    connectivity : int, keyword-only
        1: neighbours share an edge (4-connected, the default); 2: an edge or a corner
        (8-connected), as ``connectivity`` in scikit-image.

    Returns
    -------
    labeled : numpy.ndarray
        Int32 label image, 0 = background, cells 1..n_cells.
    n_cells : int
        Number of components kept.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((8, 8)); img[1:4, 1:4] = 1; img[6, 6] = 1
    >>> labeled, n = segment(img, threshold=0.5, min_size=2)
    >>> n, int(labeled[2, 2]), int(labeled[6, 6])
    (1, 1, 0)
    """
    arr = as_image(image)
    threshold = as_real(threshold, "threshold")
    min_size = as_count(min_size, "min_size")
    connectivity = as_connectivity(connectivity)
    mask = arr > threshold
    raw, n_raw = ndimage.label(mask, structure=ndimage.generate_binary_structure(2, connectivity))
    if n_raw == 0:
        return raw, 0
    labeled, original = relabel_checked(raw, min_size, fresh=True)
    return labeled, int(original.size)


def cell_sizes(labeled: object) -> np.ndarray:
    """Return the area of each labelled cell, in pixels.

    Parameters
    ----------
    labeled : array-like of int, 2-D
        Label image, 0 = background; labels need not be consecutive.

    Returns
    -------
    numpy.ndarray
        Int64 array with one entry per label present, in increasing label order
        (entry ``i`` is label ``i + 1`` for labels 1..n, as :func:`segment` gives).

    Examples
    --------
    >>> import numpy as np
    >>> cell_sizes(np.array([[0, 1, 1], [2, 2, 2]]))
    array([2, 3])
    """
    seq, original = relabel_sequential(as_labels(labeled, "labeled"), name="labeled")
    if original.size == 0:
        return np.zeros(0, dtype=np.int64)
    # Count only labelled pixels: cheaper than counting the background too.
    return np.bincount(seq[seq > 0], minlength=original.size + 1)[1:].astype(np.int64)

"""Binary morphology of the article, with scipy.ndimage instead of OpenCV.

* :func:`disk` — a round structuring element, ``x² + y² <= r²`` (not ``cv2.MORPH_ELLIPSE``,
  which is fuller for radius 2 and more);
* :func:`close_mask` — dilate ``iterations`` times, then erode as often (a closing):
  joins nearby pieces of a cell's edge and smooths the outline;
* :func:`fill_holes` — the background pieces that do not reach the image edge (what
  ``scipy.ndimage.binary_fill_holes`` computes; the article flood-fills from pixel
  (0, 0), which fails when that corner is foreground);
* :func:`remove_small_objects` — drops connected components below a size.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .._checks import as_count, as_image
from ..morphology import disk
from ..morphology import fill_holes as _fill_holes
from ..segmentation import segment
from .fastmorph import dilate, erode, open_disk

__all__ = ["close_mask", "disk", "fill_holes", "open_mask", "remove_small_objects"]


def _mask(mask: object, name: str = "mask") -> np.ndarray:
    return as_image(mask, name, allow_bool=True).astype(bool, copy=False)


def close_mask(mask: object, radius: int = 2, iterations: int = 2) -> np.ndarray:
    """Morphological closing: ``iterations`` dilations then as many erosions by a disk.

    Outside the image counts as foreground for the erosions (OpenCV's default), so a
    cell cut by the image edge is not eaten away from the edge.

    Parameters
    ----------
    mask : array-like of bool, 2-D
        Foreground pixels.
    radius : int
        Radius of the disk (pixels); 0 returns a copy.
    iterations : int
        Number of dilations (and erosions).

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((7, 9), bool); m[2:5, 1:4] = m[2:5, 5:8] = True   # 1-px gap
    >>> bool(close_mask(m, radius=1, iterations=1)[3, 4])
    True
    """
    m = _mask(mask)
    radius = as_count(radius, "radius")
    iterations = as_count(iterations, "iterations")
    if radius == 0 or iterations == 0:
        return m.copy()
    # The same as binary_dilation/binary_erosion(m, disk(radius), iterations) (a test
    # checks it), decomposed into rectangles: see cellseg_teach.livedead.fastmorph.
    return erode(dilate(m, radius, iterations), radius, iterations, border_value=1)


def open_mask(mask: object, radius: int = 1) -> np.ndarray:
    """Morphological opening (erode, then dilate, by a disk): removes specks.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((7, 7), bool); m[1:6, 1:6] = True; m[0, 0] = True
    >>> o = open_mask(m, 1); bool(o[0, 0]), bool(o[3, 3])
    (False, True)
    """
    m = _mask(mask)
    radius = as_count(radius, "radius")
    if radius == 0:
        return m.copy()
    return open_disk(m, radius)  # = ndimage.binary_opening(m, disk(radius)), faster


def fill_holes(mask: object) -> np.ndarray:
    """Fill background regions that do not touch the image edge.

    Examples
    --------
    >>> import numpy as np
    >>> ring = np.ones((5, 5), bool); ring[2, 2] = False
    >>> bool(fill_holes(ring)[2, 2])
    True
    """
    return _fill_holes(_mask(mask))  # = ndimage.binary_fill_holes, one labelling


def remove_small_objects(mask: object, min_size: int = 30, connectivity: int = 1) -> np.ndarray:
    """Drop connected components with fewer than ``min_size`` pixels.

    Parameters
    ----------
    mask : array-like of bool, 2-D
    min_size : int
        Smallest component kept (pixels).
    connectivity : int
        1 = 4-connected, 2 = 8-connected.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((5, 5), bool); m[0, 0] = True; m[2:5, 2:5] = True
    >>> remove_small_objects(m, 4).sum()
    np.int64(9)
    """
    m = _mask(mask)
    min_size = as_count(min_size, "min_size")
    connectivity = as_count(connectivity, "connectivity", minimum=1)
    if connectivity > 2:
        raise ValueError(f"connectivity must be 1 or 2 in 2-D, got {connectivity}")
    # The course's own size filter: segment labels the mask and drops small components.
    structure = ndimage.generate_binary_structure(2, connectivity)
    labels, _ = segment(m.view(np.uint8), threshold=0, min_size=min_size, structure=structure)
    return labels > 0

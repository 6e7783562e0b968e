"""Fast binary morphology with disk footprints: the same results as scipy's, fewer passes.

Why this is faster, and still exact:

* A digital disk (and the Minkowski sum of several disks, which is what ``iterations``
  dilations make) is a symmetric shape whose half-width ``w(dy)`` shrinks as the row
  offset ``|dy|`` grows. Such a shape is the union of rectangles
  ``[-dy, dy] x [-w(dy), w(dy)]``, one per distinct width. A dilation by a union is the
  union of the dilations, an erosion by a union the intersection of the erosions, and a
  dilation or erosion by a rectangle is separable: one running maximum (minimum) along
  the rows, one along the columns (``scipy.ndimage.maximum_filter1d``). So a disk of
  radius 2 dilated twice (a 9 x 9 shape, 69 pixels) costs 3 rectangles x 2 passes instead
  of 2 x 21 footprint visits per pixel.
* Holes are filled by :func:`cellseg_teach.morphology.fill_holes` (one labelling of the
  background instead of a dilation repeated until nothing changes).

Each function is tested against the scipy.ndimage call it replaces
(``tests/test_livedead_fastmorph.py``).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..morphology import disk

__all__ = ["dilate", "erode", "footprint_rectangles", "open_disk"]


def footprint_rectangles(footprint: np.ndarray) -> list[tuple[int, int]]:
    """Half-sizes ``(dy, dx)`` of rectangles whose union is the footprint.

    The footprint must be symmetric, centred, and its rows' half-widths must not grow
    away from the centre row (true of disks and of their Minkowski sums).

    Examples
    --------
    >>> footprint_rectangles(disk(3))
    [(0, 3), (2, 2), (3, 0)]
    """
    fp = np.asarray(footprint, dtype=bool)
    h = fp.shape[0] // 2
    widths = fp[h:].sum(axis=1) // 2  # half-width of rows 0, 1, ..., h below the centre
    rects = []
    for dy in range(h + 1):
        if fp[h + dy].any() and (dy == h or widths[dy + 1] < widths[dy]):
            rects.append((dy, int(widths[dy])))
    return rects


def _minkowski_disk(radius: int, iterations: int) -> np.ndarray:
    fp = disk(radius)
    out = fp
    for _ in range(iterations - 1):
        size = out.shape[0] + 2 * radius
        out = ndimage.binary_dilation(np.pad(out, radius), fp)[:size, :size]
    return out


def _window_any(m: np.ndarray, half: int, axis: int, border: bool) -> np.ndarray:
    """``out[i] = any(m[i - half .. i + half])`` along ``axis``, outside = ``border``.

    A running OR over a window of ``2 half + 1`` pixels by doubling: windows of 1, 2,
    4, ... pixels are ORed from two shifted copies, then two overlapping windows give
    the length wanted (about log2(half) + 2 array operations, not 2 half + 1).
    """
    if half == 0:
        return m
    n = m.shape[axis]
    pad = [(0, 0)] * m.ndim
    pad[axis] = (half, half)
    cur = np.pad(m, pad, constant_values=border)
    length, span = 2 * half + 1, 1

    def cut(a: np.ndarray, start: int, stop: int | None) -> np.ndarray:
        index = [slice(None)] * a.ndim
        index[axis] = slice(start, stop)
        return a[tuple(index)]

    while 2 * span <= length:
        cur = cut(cur, 0, -span) | cut(cur, span, None)
        span *= 2
    rest = length - span  # 0 <= rest < span: two windows of `span` cover `length`
    return cut(cur, 0, n) | cut(cur, rest, rest + n)


def _rect_any(m: np.ndarray, dy: int, dx: int, border: bool) -> np.ndarray:
    return _window_any(_window_any(m, dx, 1, border), dy, 0, border)


def dilate(mask: np.ndarray, radius: int, iterations: int = 1) -> np.ndarray:
    """``ndimage.binary_dilation(mask, disk(radius), iterations)``, by rectangles."""
    m = np.asarray(mask, dtype=bool)
    out = np.zeros_like(m)
    for dy, dx in footprint_rectangles(_minkowski_disk(radius, iterations)):
        out |= _rect_any(m, dy, dx, False)
    return out


def erode(mask: np.ndarray, radius: int, iterations: int = 1, border_value: int = 0) -> np.ndarray:
    """``ndimage.binary_erosion(mask, disk(radius), iterations, border_value=...)``."""
    # erosion = not (dilation of the complement), the outside complemented too
    inverse = ~np.asarray(mask, dtype=bool)
    out = np.zeros_like(inverse)
    for dy, dx in footprint_rectangles(_minkowski_disk(radius, iterations)):
        out |= _rect_any(inverse, dy, dx, not border_value)
    return ~out


def open_disk(mask: np.ndarray, radius: int) -> np.ndarray:
    """``ndimage.binary_opening(mask, disk(radius))``: erosion then dilation."""
    return dilate(erode(mask, radius), radius)

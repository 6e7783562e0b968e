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

Files: :func:`write_class_mask` and :func:`read_class_mask` store a mask as an 8-bit
greyscale PNG with ``imageio`` (the field's library; lossless, readable everywhere).
"""

from __future__ import annotations

import os

import numpy as np

from .._checks import as_count, as_flag, as_labels
from ..morphology import label_outlines

__all__ = [
    "BACKGROUND",
    "CELL_AREA",
    "CELL_OUTLINE",
    "CLASS_NAMES",
    "DRAQ7_NUCLEUS",
    "HOECHST_NUCLEUS",
    "class_mask",
    "read_class_mask",
    "write_class_mask",
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
    *,
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
    outline_width = as_count(
        outline_width, "outline_width", minimum=1, maximum=max(16, max(lab.shape) // 2)
    )
    out[label_outlines(lab, width=outline_width)] = CELL_OUTLINE
    out[masks[0]] = HOECHST_NUCLEUS
    out[masks[1]] = DRAQ7_NUCLEUS
    return out


def _class_values(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array, got shape {arr.shape}")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be an integer array of classes 0-4, got dtype {arr.dtype}")
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= len(CLASS_NAMES):
        raise ValueError(f"{name} values must be classes 0..{len(CLASS_NAMES) - 1}, got {lo}..{hi}")
    return arr.astype(np.uint8)


# Suffixes that name a lossy format: a class mask must never be stored in one.
_LOSSY_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".jp2", ".j2k", ".webp", ".avif"})


def write_class_mask(path: str | os.PathLike, classes: object, *, overwrite: bool = False) -> None:
    """Save a five-class mask as an 8-bit greyscale PNG, with ``imageio``.

    PNG is lossless, so the file holds exactly the values 0–4 (JPEG would invent values
    between the classes). Any image library reads it back (``imageio``, Pillow, OpenCV).

    Parameters
    ----------
    path : str or path-like
        File to write; its suffix must be ``.png`` (any case), so that the name says
        what the file holds.
    classes : array-like of int, 2-D
        Class of each pixel, 0–4 (see the module docstring); stored as uint8.
    overwrite : bool, keyword-only
        Replace ``path`` if it exists. By default an existing file is never replaced.

    Raises
    ------
    TypeError
        If ``path`` is not a str or path-like, ``overwrite`` is not a bool, or
        ``classes`` is not an integer array.
    ValueError
        If the suffix of ``path`` is not ``.png`` (a lossy suffix such as ``.jpg`` says
        so), or ``classes`` is not 2-D, is empty, or holds a value outside 0–4.
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> mask = np.array([[0, 1, 2], [3, 4, 0]], np.uint8)
    >>> path = os.path.join(tempfile.mkdtemp(), "mask.png")
    >>> write_class_mask(path, mask); read_class_mask(path).tolist()
    [[0, 1, 2], [3, 4, 0]]
    >>> write_class_mask(path, mask, overwrite=True)  # a second write must say so
    """
    import imageio.v3 as iio

    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise TypeError(f"path must be a file name (str or path-like), got {type(path).__name__}")
    overwrite = as_flag(overwrite, "overwrite")
    name = os.fspath(path)
    suffix = os.path.splitext(name)[1].lower()
    if suffix in _LOSSY_SUFFIXES:
        raise ValueError(
            f"path {name!r} names a lossy format ({suffix}), which would change the classes;"
            " a class mask is written as PNG: use a .png suffix"
        )
    if suffix != ".png":
        raise ValueError(f"path {name!r} must end in .png (a class mask is written as PNG)")
    data = iio.imwrite("<bytes>", _class_values(np.asarray(classes), "classes"), extension=".png")
    try:
        # "x" creates the file only if it does not exist (no race between check and write)
        with open(name, "wb" if overwrite else "xb") as f:
            f.write(data)
    except FileExistsError:
        raise FileExistsError(
            f"path {name!r} exists; pass overwrite=True to replace it, or choose another name"
        ) from None


def read_class_mask(path: str | os.PathLike) -> np.ndarray:
    """Read a five-class mask written by :func:`write_class_mask` (or any 8-bit grey PNG).

    Parameters
    ----------
    path : str or path-like
        A PNG file.

    Returns
    -------
    numpy.ndarray of uint8, 2-D
        The classes 0–4.

    Raises
    ------
    ValueError
        If the file is not a 2-D greyscale image of classes 0–4 (for example an RGB
        picture of a mask).
    """
    import imageio.v3 as iio

    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise TypeError(f"path must be a file name (str or path-like), got {type(path).__name__}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path {os.fspath(path)!r} is not a file")
    image = iio.imread(path, extension=".png")
    return _class_values(image, f"the image in {os.fspath(path)!r}")

"""Renumber a label image 1..n and drop small objects: the one helper every pipeline uses.

Label images in the course number their objects 1..n, 0 being the background. A label
image that comes from elsewhere (a learner's own labels, an expert's annotation, a
merge of tiles) may have gaps, or very large label values. Every function that works
per label therefore renumbers first, with :func:`relabel_sequential`, so that its memory
and time follow the number of objects, never the largest label value.

Convention: where a function returns one value per object, row ``i`` belongs to the
``(i + 1)``-th label present in increasing order (``present_labels(labels)[i]``); for
labels 1..n, as :func:`cellseg_teach.segment` produces them, that is label ``i + 1``.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_count, as_labels

__all__ = ["present_labels", "relabel_sequential"]


def _table_is_cheap(top: int, size: int) -> bool:
    """A look-up table of ``top + 1`` entries costs no more than a few copies of the image."""
    return top <= 4 * size + 1_000_000


def relabel_sequential(
    labels: object, *, min_size: int = 0, order: str = "label", name: str = "labels"
) -> tuple[np.ndarray, np.ndarray]:
    """Renumber the objects 1..n, dropping those smaller than ``min_size`` pixels.

    Parameters
    ----------
    labels : array-like of int, any number of dimensions
        Label image, 0 = background, any non-negative integer dtype (uint64 labels
        above 2**63 included). Not modified.
    min_size : int, keyword-only
        Objects with fewer pixels are set to background, >= 0 (0 keeps all).
    order : {"label", "raster"}, keyword-only
        Number the kept objects in increasing order of their label (``"label"``), or
        in raster order of each object's first pixel (``"raster"``: the numbering then
        does not depend on the label values at all).
    name : str, keyword-only
        The caller's name for ``labels``, used in error messages.

    Returns
    -------
    relabelled : numpy.ndarray of int32 (int64 beyond 2**31 - 1 objects)
        Same shape; the kept objects numbered 1..n.
    original : numpy.ndarray
        Length ``n``: the original label of each new label ``1..n`` (input dtype).

    Notes
    -----
    When the largest label is at most a few times the number of pixels, the objects'
    sizes come from one ``numpy.bincount`` and the renumbering is one look-up table
    (one pass over the pixels). Otherwise ``numpy.unique`` sorts the labels, so memory
    never depends on the label values.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.array([[0, 7, 7, 0, 3, 10**12]])
    >>> new, old = relabel_sequential(lab)
    >>> new.tolist(), old.tolist()
    ([[0, 2, 2, 0, 1, 3]], [3, 7, 1000000000000])
    >>> relabel_sequential(lab, min_size=2)[0].tolist()
    [[0, 1, 1, 0, 0, 0]]
    >>> relabel_sequential(lab, order="raster")[0].tolist()
    [[0, 1, 1, 0, 2, 3]]
    """
    lab = as_labels(labels, name, ndim=None)
    min_size = as_count(min_size, "min_size")
    if order not in ("label", "raster"):
        raise ValueError(f'order must be "label" or "raster", got {order!r}')
    new, original = relabel_checked(lab, min_size)
    if order == "label" or original.size < 2:
        return new, original
    flat = new.ravel()
    where = np.flatnonzero(flat)
    ids, first = np.unique(flat[where], return_index=True)  # ids = 1..n
    rank = np.empty(ids.size + 1, dtype=new.dtype)
    rank[0] = 0
    rank[ids[np.argsort(first, kind="stable")]] = np.arange(1, ids.size + 1, dtype=new.dtype)
    by_rank = np.empty_like(original)
    by_rank[rank[1:] - 1] = original
    return rank[new], by_rank


def kept_labels(lab: np.ndarray, min_size: int) -> np.ndarray | None:
    """``keep[label]``: present and at least ``min_size`` px, for checked labels.

    ``lab`` is a label image, or the labels of its foreground pixels as one array
    (cheaper when most pixels are background: the result is the same).

    The size filter itself, shared by :func:`relabel_sequential` and
    :func:`cellseg_teach.morphology.remove_small_objects`. One ``numpy.bincount`` when
    the largest label is at most a few times the number of pixels; ``None`` otherwise
    (the caller then sorts the labels instead).
    """
    flat = lab.ravel()
    top = int(flat.max()) if flat.size else 0
    if not _table_is_cheap(top, flat.size):
        return None
    if not np.can_cast(flat.dtype, np.intp):  # uint64 with small values
        flat = flat.astype(np.intp)
    keep = np.bincount(flat, minlength=top + 1) >= max(min_size, 1)
    keep[0] = False
    return keep


def relabel_checked(
    lab: np.ndarray, min_size: int, *, fresh: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`relabel_sequential` with ``order="label"``, on a checked label image.

    ``fresh=True`` says that ``lab`` is the caller's own new array (from
    ``ndimage.label``): when nothing changes it is returned as it is, without a copy.
    """
    keep = kept_labels(lab, min_size)
    if keep is not None:
        original = np.flatnonzero(keep)
        dtype = np.int32 if original.size < 2**31 else np.int64
        if fresh and lab.dtype == dtype and original.size == keep.size - 1:
            return lab, original.astype(lab.dtype)  # already 1..n, nothing dropped
        lut = np.zeros(keep.size, dtype=dtype)
        lut[keep] = np.arange(1, original.size + 1, dtype=dtype)
        return lut[lab], original.astype(lab.dtype)
    values, inverse, sizes = np.unique(lab.ravel(), return_inverse=True, return_counts=True)
    keep = (sizes >= max(min_size, 1)) & (values != 0)
    original = values[keep]
    dtype = np.int32 if original.size < 2**31 else np.int64
    lut = np.zeros(values.size, dtype=dtype)
    lut[keep] = np.arange(1, original.size + 1, dtype=dtype)
    return lut[inverse].reshape(lab.shape), original


def present_labels(labels: object, *, name: str = "labels") -> np.ndarray:
    """The labels present in ``labels`` (0 excluded), in increasing order.

    Examples
    --------
    >>> import numpy as np
    >>> present_labels(np.array([[0, 3, 3, 1]])).tolist()
    [1, 3]
    """
    return relabel_sequential(labels, name=name)[1]

"""Match detected cells to true cells, and score the detections.

Two ways to decide that a detection "is" a true cell:

* by centre distance (:func:`match_by_distance`): the found centre lies within
  ``max_distance`` pixels of the true centre;
* by overlap (:func:`match_by_overlap`): the found region and the true region have an
  intersection-over-union (IoU) of at least ``min_iou``.

Both solve the one-to-one assignment problem (each true cell and each detection used
at most once) with ``scipy.optimize.linear_sum_assignment``, so a detection that
covers two true cells counts once, and the rest are misses.

For scoring against expert labels (a match needs IoU strictly above the threshold, as in
the 2018 Data Science Bowl; sparse tables for thousands of objects; average precision
and error categories) see :mod:`cellseg_teach.metrics`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from ._checks import as_centres, as_labels, as_positive, as_real

__all__ = [
    "Matches",
    "iou_matrix",
    "label_centroids",
    "match_by_distance",
    "match_by_overlap",
    "precision_recall",
]


class Matches(NamedTuple):
    """One-to-one pairs of true and found objects.

    Attributes
    ----------
    true_index : numpy.ndarray of int
        Index of the true object in each pair (0-based row of the true centres, or
        label − 1 for label images).
    found_index : numpy.ndarray of int
        Index of the matched detection, same convention.
    score : numpy.ndarray of float
        Distance in pixels (:func:`match_by_distance`) or IoU (:func:`match_by_overlap`).
    n_true : int
        Number of true objects.
    n_found : int
        Number of detections.
    """

    true_index: np.ndarray
    found_index: np.ndarray
    score: np.ndarray
    n_true: int
    n_found: int

    @property
    def n_matched(self) -> int:
        """Number of matched pairs (true positives)."""
        return len(self.true_index)


def label_centroids(labels: object) -> np.ndarray:
    """Centre of mass of each label 1..max, as ``(x, y)`` pixels.

    Parameters
    ----------
    labels : array-like of int, 2-D
        Label image, 0 = background.

    Returns
    -------
    numpy.ndarray
        Shape ``(labels.max(), 2)``; row ``i`` is the centroid of label ``i + 1``
        (NaN for a label with no pixels).

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((5, 7), int); lab[1:4, 4:7] = 1
    >>> label_centroids(lab)
    array([[5., 2.]])
    """
    lab = as_labels(labels)
    n = int(lab.max()) if lab.size else 0
    if n == 0:
        return np.zeros((0, 2))
    idx = np.arange(1, n + 1)
    counts = np.bincount(lab.ravel(), minlength=n + 1)[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        com = np.asarray(ndimage.center_of_mass(np.ones(lab.shape), lab, idx), dtype=float)
    com[counts == 0] = np.nan
    return com[:, ::-1].copy()  # (row, col) -> (x, y)


def match_by_distance(
    true_centres: object, found_centres: object, max_distance: float
) -> Matches:
    """Pair true and found centres one-to-one, minimising the total distance.

    Parameters
    ----------
    true_centres, found_centres : array-like, shape (n, 2)
        Centres as ``(x, y)`` pixels. NaN rows never match.
    max_distance : float
        Largest centre distance (pixels) that counts as a match, > 0.

    Returns
    -------
    Matches
        Pairs sorted by true index; ``score`` is the distance in pixels.

    Examples
    --------
    >>> m = match_by_distance([[0, 0], [10, 0]], [[9, 1], [50, 50]], max_distance=3)
    >>> m.true_index.tolist(), m.found_index.tolist(), m.n_matched
    ([1], [0], 1)
    """
    t = as_centres(true_centres, "true_centres", allow_nan=True)
    f = as_centres(found_centres, "found_centres", allow_nan=True)
    max_distance = as_positive(max_distance, "max_distance")
    empty = np.zeros(0, dtype=np.intp)
    if len(t) == 0 or len(f) == 0:
        return Matches(empty, empty, np.zeros(0), len(t), len(f))
    d = cdist(t, f)
    d[~np.isfinite(d)] = np.inf
    # Pairs beyond max_distance get a prohibitive cost; they are dropped afterwards.
    cost = np.where(d <= max_distance, d, max_distance * 1e6 + 1.0)
    rows, cols = linear_sum_assignment(cost)
    ok = d[rows, cols] <= max_distance
    return Matches(rows[ok], cols[ok], d[rows[ok], cols[ok]], len(t), len(f))


def iou_matrix(true_labels: object, found_labels: object) -> np.ndarray:
    """Intersection over union of every true region with every found region.

    Computed in one pass: the pair ``(true label, found label)`` of each pixel is
    counted with ``numpy.bincount``, which gives all intersections at once.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background.

    Returns
    -------
    numpy.ndarray
        Shape ``(true.max(), found.max())``; entry ``[i, j]`` is the IoU of true label
        ``i + 1`` and found label ``j + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 0]]); f = np.array([[0, 1, 1, 0]])
    >>> iou_matrix(t, f).round(3).tolist()
    [[0.333]]
    """
    t = as_labels(true_labels, "true_labels")
    f = as_labels(found_labels, "found_labels")
    if t.shape != f.shape:
        raise ValueError(f"true_labels shape {t.shape} differs from found_labels {f.shape}")
    nt = int(t.max()) if t.size else 0
    nf = int(f.max()) if f.size else 0
    pair = t.ravel().astype(np.int64) * (nf + 1) + f.ravel().astype(np.int64)
    inter = np.bincount(pair, minlength=(nt + 1) * (nf + 1)).reshape(nt + 1, nf + 1)
    area_t = inter.sum(axis=1)
    area_f = inter.sum(axis=0)
    union = area_t[1:, None] + area_f[None, 1:] - inter[1:, 1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, inter[1:, 1:] / np.maximum(union, 1), 0.0)
    return iou


def match_by_overlap(true_labels: object, found_labels: object, min_iou: float = 0.5) -> Matches:
    """Pair true and found regions one-to-one: as many pairs with IoU >= ``min_iou`` as
    possible, and among those the largest total IoU.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background.
    min_iou : float
        Smallest IoU that counts as a match, in (0, 1]. With ``min_iou > 0.5`` each
        region can overlap at most one partner that well, so the matching is unique.

    Returns
    -------
    Matches
        ``true_index``/``found_index`` are label − 1; ``score`` is the IoU.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 2, 2]]); f = np.array([[1, 1, 0, 0, 2]])
    >>> m = match_by_overlap(t, f, min_iou=0.5)
    >>> m.true_index.tolist(), m.score.tolist()
    ([0, 1], [1.0, 0.5])
    """
    min_iou = as_real(min_iou, "min_iou")
    if not 0 < min_iou <= 1:
        raise ValueError(f"min_iou must be in (0, 1], got {min_iou}")
    iou = iou_matrix(true_labels, found_labels)
    nt, nf = iou.shape
    empty = np.zeros(0, dtype=np.intp)
    if nt == 0 or nf == 0:
        return Matches(empty, empty, np.zeros(0), nt, nf)
    # Pairs below min_iou cannot match, so they must not compete (maximising the raw total
    # IoU can prefer two poor pairs to one good one). The bonus exceeds any sum of IoUs,
    # so the assignment first maximises the number of matches.
    gain = np.where(iou >= min_iou, iou + min(nt, nf) + 1.0, 0.0)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    ok = iou[rows, cols] >= min_iou
    return Matches(rows[ok], cols[ok], iou[rows[ok], cols[ok]], nt, nf)


def precision_recall(matches: Matches) -> dict[str, float]:
    """Precision, recall and F1 of a set of matches.

    precision = matched / found, recall = matched / true, F1 their harmonic mean.
    A ratio with a zero denominator is reported as 1.0 when nothing was expected
    or found (nothing to get wrong), following the usual convention.

    Examples
    --------
    >>> m = match_by_distance([[0, 0], [10, 0]], [[9, 1], [50, 50]], max_distance=3)
    >>> precision_recall(m)
    {'precision': 0.5, 'recall': 0.5, 'f1': 0.5}
    """
    tp = matches.n_matched
    precision = tp / matches.n_found if matches.n_found else 1.0
    recall = tp / matches.n_true if matches.n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}

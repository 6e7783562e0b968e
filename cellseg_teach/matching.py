"""Match detected cells to true cells, and score the detections.

Here a detection "is" a true cell when its centre lies within ``max_distance`` pixels of
the true centre (:func:`match_by_distance`). The pairs solve the one-to-one assignment
problem (each true cell and each detection used at most once) with
``scipy.optimize.linear_sum_assignment``, so a detection near two true cells counts
once, and the rest are misses.

Matching regions by their overlap (intersection over union, strictly above a threshold as
in the 2018 Data Science Bowl) is :func:`cellseg_teach.metrics.match_iou`, the package's
one IoU matcher; it returns the same :class:`Matches`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from ._checks import as_centres, as_labels, as_positive
from .labels import relabel_sequential

__all__ = [
    "Matches",
    "label_centroids",
    "match_by_distance",
    "precision_recall",
]


class Matches(NamedTuple):
    """One-to-one pairs of true and found objects.

    Attributes
    ----------
    true_index : numpy.ndarray of int
        Index of the true object in each pair: 0-based row of the true centres, or for
        label images the position of its label among the labels present, in increasing
        order (label − 1 for labels 1..n).
    found_index : numpy.ndarray of int
        Index of the matched detection, same convention.
    score : numpy.ndarray of float
        Distance in pixels (:func:`match_by_distance`) or IoU
        (:func:`cellseg_teach.metrics.match_iou`).
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
    """Centre of mass of each labelled object, as ``(x, y)`` pixels.

    Parameters
    ----------
    labels : array-like of int, 2-D
        Label image, 0 = background; labels need not be consecutive.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 2)`` for the ``n`` labels present; row ``i`` is the centroid of the
        ``i``-th label present in increasing order (label ``i + 1`` for labels 1..n).

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((5, 7), int); lab[1:4, 4:7] = 9
    >>> label_centroids(lab)
    array([[5., 2.]])
    """
    seq, original = relabel_sequential(as_labels(labels, "labels"))
    n = original.size
    if n == 0:
        return np.zeros((0, 2))
    flat = seq.ravel()
    rows, cols = np.divmod(np.arange(flat.size), seq.shape[1])
    count = np.bincount(flat, minlength=n + 1)[1:]
    y = np.bincount(flat, weights=rows, minlength=n + 1)[1:] / count
    x = np.bincount(flat, weights=cols, minlength=n + 1)[1:] / count
    return np.stack([x, y], axis=1)


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
    if not all(hasattr(matches, a) for a in ("n_matched", "n_true", "n_found")):
        raise TypeError(
            "matches must be the Matches of match_by_distance or metrics.match_iou, got "
            f"{type(matches).__name__}"
        )
    tp = matches.n_matched
    precision = tp / matches.n_found if matches.n_found else 1.0
    recall = tp / matches.n_true if matches.n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}

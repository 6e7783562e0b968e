"""Scoring a segmentation against expert labels: IoU matching, F1, AP, error categories.

Every measure here starts from one table: for every pair (true label, found label),
how many pixels carry both (the *contingency table*; label 0 = background on either
side). It is built in one pass over the pixels (``numpy.bincount`` on pair codes, or a
``scipy.sparse`` matrix when there are very many labels), and everything else is
vectorised over its non-zero entries: no Python loop over labels.

* :func:`contingency` — the table, as the list of its non-zero entries, and the areas;
* :func:`iou_pairs` — the intersection over union of every overlapping pair of objects;
* :func:`match_iou` — one-to-one matching at an IoU threshold;
* :func:`detection_scores` — true/false positives, misses, precision, recall, F1;
* :func:`average_precision` — the Data Science Bowl 2018 score, TP / (TP + FP + FN)
  averaged over IoU thresholds 0.5, 0.55, ..., 0.95;
* :func:`error_objects` and :func:`error_categories` — split, merged, missed and extra
  objects as Coelho et al. (2009) count them.

A match needs IoU strictly *above* the threshold, as in the Data Science Bowl. Above
0.5 matching is unique: a region cannot overlap two disjoint regions each by more than
half of their union, so every candidate pair is a match and no assignment is needed.
Below 0.5, :func:`match_iou` solves the assignment problem with
``scipy.optimize.linear_sum_assignment``, like :func:`cellseg_teach.matching.match_by_overlap`.

References
----------
Caicedo JC et al. (2019) Nucleus segmentation across imaging experiments: the 2018 Data
Science Bowl. Nat Methods 16:1247–1253 (the AP score).
Coelho LP, Shariff A, Murphy RF (2009) Nuclear segmentation in microscope cell images: a
hand-segmented dataset and comparison of algorithms. Proc IEEE ISBI, 518–521
(split / merged / added / missing).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from ._checks import as_labels, as_real
from .matching import Matches

__all__ = [
    "IOU_THRESHOLDS",
    "Contingency",
    "average_precision",
    "contingency",
    "detection_scores",
    "error_categories",
    "error_objects",
    "iou_pairs",
    "match_iou",
    "precision_per_threshold",
]

IOU_THRESHOLDS = np.round(np.arange(0.5, 0.96, 0.05), 2)
"""The ten IoU thresholds of the Data Science Bowl 2018 score: 0.5, 0.55, ..., 0.95."""


class Contingency(NamedTuple):
    """The non-zero entries of the contingency table of two label images.

    Attributes
    ----------
    true_label, found_label : numpy.ndarray of int
        The label pair of each entry (0 = background), sorted by true then found label.
    count : numpy.ndarray of int
        Number of pixels carrying that pair (> 0).
    true_area, found_area : numpy.ndarray of int
        Pixels per label, indexed by label (entry 0 = background).
    """

    true_label: np.ndarray
    found_label: np.ndarray
    count: np.ndarray
    true_area: np.ndarray
    found_area: np.ndarray

    @property
    def n_true(self) -> int:
        """Number of true objects (labels >= 1 with at least one pixel)."""
        return int(np.count_nonzero(self.true_area[1:]))

    @property
    def n_found(self) -> int:
        """Number of found objects (labels >= 1 with at least one pixel)."""
        return int(np.count_nonzero(self.found_area[1:]))


def _pair_labels(true_labels: object, found_labels: object) -> tuple[np.ndarray, np.ndarray]:
    t = as_labels(true_labels, "true_labels")
    f = as_labels(found_labels, "found_labels")
    if t.shape != f.shape:
        raise ValueError(f"true_labels shape {t.shape} differs from found_labels shape {f.shape}")
    return t.ravel(), f.ravel()


def contingency(true_labels: object, found_labels: object) -> Contingency:
    """Count the pixels of every (true label, found label) pair in one pass.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background. Labels need not be consecutive.

    Returns
    -------
    Contingency
        The non-zero entries of the table, and the area of every label.

    Notes
    -----
    Each pixel's pair is coded as one integer, ``t * (n_found + 1) + f``, and
    ``numpy.bincount`` counts all codes at once. When the full table would be much
    larger than the image (thousands of labels on each side) a ``scipy.sparse`` matrix
    sums the duplicates instead, so memory stays proportional to the image.
    ``skimage.metrics.contingency_table`` returns the same table.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 2]]); f = np.array([[1, 0, 0, 1]])
    >>> c = contingency(t, f)
    >>> c.true_label.tolist(), c.found_label.tolist(), c.count.tolist()
    ([0, 1, 1, 2], [0, 0, 1, 1], [1, 1, 1, 1])
    """
    t, f = _pair_labels(true_labels, found_labels)
    nt = int(t.max()) if t.size else 0
    nf = int(f.max()) if f.size else 0
    size = (nt + 1) * (nf + 1)
    if size <= 4 * t.size + 1_000_000:
        code = t.astype(np.int64) * (nf + 1) + f.astype(np.int64)
        table = np.bincount(code, minlength=size)
        nz = np.flatnonzero(table)
        ti, fi = np.divmod(nz, nf + 1)
        count = table[nz]
    else:  # very many labels: a sparse table (duplicates are summed)
        mat = sparse.coo_matrix(
            (np.ones(t.size, dtype=np.int64), (t.astype(np.int64), f.astype(np.int64))),
            shape=(nt + 1, nf + 1),
        ).tocsr()
        mat.sum_duplicates()
        coo = mat.tocoo()
        order = np.lexsort((coo.col, coo.row))
        ti, fi, count = coo.row[order], coo.col[order], coo.data[order]
    true_area = np.bincount(ti, weights=count, minlength=nt + 1).astype(np.int64)
    found_area = np.bincount(fi, weights=count, minlength=nf + 1).astype(np.int64)
    return Contingency(
        ti.astype(np.intp), fi.astype(np.intp), count.astype(np.int64), true_area, found_area
    )


def iou_pairs(
    true_labels: object, found_labels: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersection over union of every pair of overlapping objects.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background.

    Returns
    -------
    true_label, found_label : numpy.ndarray of int
        The labels (>= 1) of each overlapping pair.
    iou : numpy.ndarray of float
        ``|T ∩ F| / |T ∪ F|`` of each pair, in (0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 0]]); f = np.array([[0, 1, 1, 0]])
    >>> [a.tolist() for a in iou_pairs(t, f)]
    [[1], [1], [0.3333333333333333]]
    """
    c = contingency(true_labels, found_labels)
    return _iou_from(c)


def _iou_from(c: Contingency) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    obj = (c.true_label > 0) & (c.found_label > 0)
    ti, fi, inter = c.true_label[obj], c.found_label[obj], c.count[obj]
    union = c.true_area[ti] + c.found_area[fi] - inter
    return ti, fi, inter / union


def _as_threshold(threshold: object) -> float:
    thr = as_real(threshold, "threshold")
    if not 0 <= thr < 1:
        raise ValueError(f"threshold must be an IoU in [0, 1), got {thr}")
    return thr


def _match(c: Contingency, thr: float) -> Matches:
    ti, fi, iou = _iou_from(c)
    keep = iou > thr
    ti, fi, iou = ti[keep], fi[keep], iou[keep]
    if thr < 0.5 and ti.size:
        # Candidates may share a partner: solve the assignment on the rows and columns
        # that take part (as many matches as possible, then the largest total IoU).
        rows, r_idx = np.unique(ti, return_inverse=True)
        cols, c_idx = np.unique(fi, return_inverse=True)
        gain = np.zeros((rows.size, cols.size))
        gain[r_idx, c_idx] = iou + min(rows.size, cols.size) + 1.0
        r, k = linear_sum_assignment(gain, maximize=True)
        ok = gain[r, k] > 0
        r, k = r[ok], k[ok]
        ti, fi, iou = rows[r], cols[k], gain[r, k] - min(rows.size, cols.size) - 1.0
    order = np.argsort(ti, kind="stable")
    return Matches(
        (ti[order] - 1).astype(np.intp), (fi[order] - 1).astype(np.intp), iou[order],
        c.n_true, c.n_found,
    )


def match_iou(true_labels: object, found_labels: object, threshold: float = 0.5) -> Matches:
    """Pair true and found objects one-to-one where their IoU exceeds ``threshold``.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background.
    threshold : float
        A pair matches when its IoU is strictly greater, in [0, 1). For
        ``threshold >= 0.5`` the matching is unique; below, the assignment with the most
        matches (then the largest total IoU) is chosen.

    Returns
    -------
    cellseg_teach.matching.Matches
        ``true_index``/``found_index`` are label − 1, ``score`` the IoU; ``n_true`` and
        ``n_found`` count the labels present in each image.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 2, 2]]); f = np.array([[1, 1, 0, 0, 2]])
    >>> m = match_iou(t, f, 0.5)
    >>> m.true_index.tolist(), m.n_matched
    ([0], 1)
    """
    thr = _as_threshold(threshold)
    return _match(contingency(true_labels, found_labels), thr)


def _scores(tp: int, n_true: int, n_found: int) -> dict[str, float]:
    fp, fn = n_found - tp, n_true - tp
    precision = tp / n_found if n_found else 1.0
    recall = tp / n_true if n_true else 1.0
    f1 = 2 * tp / (n_true + n_found) if n_true + n_found else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def detection_scores(
    true_labels: object, found_labels: object, threshold: float = 0.5
) -> dict[str, float]:
    """True positives, false positives, misses, precision, recall and F1 at one IoU.

    TP = matched pairs (:func:`match_iou`), FP = found − TP, FN = true − TP;
    precision = TP / found, recall = TP / true, F1 = 2 TP / (true + found). A ratio with
    a zero denominator is 1.0 (nothing expected and nothing found: nothing wrong).

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background.
    threshold : float
        IoU that a match must exceed, in [0, 1).

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn`` (counts) and ``precision``, ``recall``, ``f1``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 2, 2]]); f = np.array([[1, 1, 0, 0, 2]])
    >>> detection_scores(t, f, 0.4)["f1"]
    1.0
    """
    c = contingency(true_labels, found_labels)
    m = _match(c, _as_threshold(threshold))
    return _scores(m.n_matched, c.n_true, c.n_found)


def precision_per_threshold(
    true_labels: object, found_labels: object, thresholds: object = IOU_THRESHOLDS
) -> np.ndarray:
    """The Data Science Bowl score TP / (TP + FP + FN) at each IoU threshold.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background.
    thresholds : array-like of float
        IoU thresholds, each in [0.5, 1) so that matching is unique (default
        :data:`IOU_THRESHOLDS`).

    Returns
    -------
    numpy.ndarray of float
        One score per threshold; 1.0 where both images are empty.
    """
    thr = np.asarray(thresholds, dtype=float).ravel()
    if thr.size == 0 or not np.all((thr >= 0.5) & (thr < 1)):
        raise ValueError(f"thresholds must be IoUs in [0.5, 1), got {thr.tolist()}")
    c = contingency(true_labels, found_labels)
    _, _, iou = _iou_from(c)
    tp = np.count_nonzero(iou[:, None] > thr[None, :], axis=0)  # unique above 0.5
    denom = c.n_true + c.n_found - tp  # TP + FP + FN
    return np.where(denom > 0, tp / np.maximum(denom, 1), 1.0)


def average_precision(
    true_labels: object, found_labels: object, thresholds: object = IOU_THRESHOLDS
) -> float:
    """Mean over IoU thresholds of TP / (TP + FP + FN): the Data Science Bowl 2018 score.

    At each threshold ``t``, a true and a found object match when their IoU exceeds
    ``t``; TP counts matches, FP unmatched found objects and FN unmatched true objects.
    This "average precision" is the name the Data Science Bowl gave it (Caicedo et al.
    2019); it is not the area under a precision–recall curve.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((4, 10), int); t[:, :5] = 1
    >>> f = np.zeros((4, 10), int); f[:, :4] = 1      # IoU 0.8
    >>> round(average_precision(t, f), 3)             # matched at 0.5 ... 0.75
    0.6
    """
    return float(precision_per_threshold(true_labels, found_labels, thresholds).mean())


def _best_partner(rows: np.ndarray, cols: np.ndarray, count: np.ndarray, n: int) -> np.ndarray:
    """For each row label 0..n-1, the column label sharing most pixels (ties: smallest)."""
    order = np.lexsort((cols, -count, rows))
    first = np.ones(order.size, dtype=bool)
    first[1:] = rows[order][1:] != rows[order][:-1]
    best = np.zeros(n, dtype=np.intp)
    best[rows[order][first]] = cols[order][first]
    return best


def error_objects(true_labels: object, found_labels: object) -> dict[str, np.ndarray]:
    """Which objects are split, merged, missed or extra, as Coelho et al. (2009) count them.

    Every object is assigned to the object of the other image with which it shares the
    most pixels, the background (label 0) included; ties go to the smaller label, so to
    the background first. Then:

    * **split**: a true object that is the assigned partner of two or more found objects
      (one nucleus cut into pieces; it counts once however many pieces);
    * **merged**: a found object that is the assigned partner of two or more true
      objects (one region covering several nuclei; it counts once);
    * **missed**: a true object assigned to the background (most of its pixels were
      not found; Coelho et al. call it "missing");
    * **extra**: a found object assigned to the background (most of its pixels are
      background in the truth; Coelho et al. call it "added").

    An object can be in two categories (a true nucleus can be split, and one of its
    pieces can be merged with a neighbour).

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background.

    Returns
    -------
    dict of numpy.ndarray
        ``split`` and ``missed`` hold true labels, ``merged`` and ``extra`` found labels.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 1, 1, 0, 2, 2, 0, 3, 3]])
    >>> f = np.array([[1, 1, 2, 2, 0, 3, 3, 3, 3, 3]])
    >>> {k: v.tolist() for k, v in error_objects(t, f).items()}
    {'split': [1], 'merged': [3], 'missed': [], 'extra': []}
    """
    c = contingency(true_labels, found_labels)
    nt, nf = c.true_area.size, c.found_area.size
    t_best = _best_partner(c.true_label, c.found_label, c.count, nt)  # true -> found
    f_best = _best_partner(c.found_label, c.true_label, c.count, nf)  # found -> true
    t_present = np.flatnonzero(c.true_area[1:]) + 1
    f_present = np.flatnonzero(c.found_area[1:]) + 1
    pieces = np.bincount(f_best[f_present], minlength=nt)  # found objects per true label
    covers = np.bincount(t_best[t_present], minlength=nf)  # true objects per found label
    return {
        "split": t_present[pieces[t_present] >= 2],
        "merged": f_present[covers[f_present] >= 2],
        "missed": t_present[t_best[t_present] == 0],
        "extra": f_present[f_best[f_present] == 0],
    }


def error_categories(true_labels: object, found_labels: object) -> dict[str, int]:
    """Counts of split, merged, missed and extra objects (see :func:`error_objects`).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 0, 0]]); f = np.array([[0, 0, 0, 1, 1]])
    >>> error_categories(t, f)
    {'split': 0, 'merged': 0, 'missed': 1, 'extra': 1}
    """
    return {k: int(v.size) for k, v in error_objects(true_labels, found_labels).items()}

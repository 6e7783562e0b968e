"""Scoring a segmentation against expert labels: IoU matching, F1, AP, error categories.

Every measure here starts from one table: for every pair (true label, found label),
how many pixels carry both (the *contingency table*; label 0 = background on either
side). It is built in one pass over the pixels (``numpy.bincount`` on pair codes, or a
``scipy.sparse`` matrix when there are very many labels), and everything else is
vectorised over its non-zero entries: no Python loop over labels.

* :func:`contingency` — the table, as the list of its non-zero entries, and the areas;
* :func:`iou_pairs` — the intersection over union of every overlapping pair of objects;
* :func:`iou_matrix` — the same as a dense table (true objects × found objects);
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
``scipy.optimize.linear_sum_assignment``. Labels need not be consecutive: objects are
counted as the labels present, never as the largest label value.

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
from .labels import relabel_sequential
from .matching import Matches

__all__ = [
    "IOU_THRESHOLDS",
    "Contingency",
    "average_precision",
    "contingency",
    "detection_scores",
    "error_categories",
    "error_objects",
    "iou_matrix",
    "iou_pairs",
    "match_iou",
    "precision_per_threshold",
]

IOU_THRESHOLDS = np.round(np.arange(0.5, 0.96, 0.05), 2)
"""The ten IoU thresholds of the Data Science Bowl 2018 score: 0.5, 0.55, ..., 0.95."""


class Contingency(NamedTuple):
    """The non-zero entries of the contingency table of two label images.

    Objects are numbered 1..n in increasing order of their label (0 = background), so
    the table's size follows the number of objects, never the label values.

    Attributes
    ----------
    true_index, found_index : numpy.ndarray of int
        The object numbers of each entry (0 = background), sorted by true then found.
    count : numpy.ndarray of int
        Number of pixels carrying that pair (> 0).
    true_area, found_area : numpy.ndarray of int
        Pixels per object number (entry 0 = background).
    true_labels, found_labels : numpy.ndarray
        The original label of each object number (entry 0 = 0).
    """

    true_index: np.ndarray
    found_index: np.ndarray
    count: np.ndarray
    true_area: np.ndarray
    found_area: np.ndarray
    true_labels: np.ndarray
    found_labels: np.ndarray

    @property
    def n_true(self) -> int:
        """Number of true objects (labels >= 1 present)."""
        return int(self.true_area.size - 1)

    @property
    def n_found(self) -> int:
        """Number of found objects (labels >= 1 present)."""
        return int(self.found_area.size - 1)


def _sequential_pair(
    true_labels: object, found_labels: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t = as_labels(true_labels, "true_labels")
    f = as_labels(found_labels, "found_labels")
    if t.shape != f.shape:
        raise ValueError(f"true_labels shape {t.shape} differs from found_labels shape {f.shape}")
    ts, t_ids = relabel_sequential(t, name="true_labels")
    fs, f_ids = relabel_sequential(f, name="found_labels")
    return ts.ravel(), fs.ravel(), np.r_[t.dtype.type(0), t_ids], np.r_[f.dtype.type(0), f_ids]


def contingency(true_labels: object, found_labels: object) -> Contingency:
    """Count the pixels of every (true object, found object) pair in one pass.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background. Labels need not be consecutive: they are
        renumbered 1..n first (:func:`cellseg_teach.labels.relabel_sequential`).

    Returns
    -------
    Contingency
        The non-zero entries of the table, the area of every object, and the original
        label of every object number.

    Notes
    -----
    Each pixel's pair is coded as one integer, ``t * (n_found + 1) + f``, and
    ``numpy.bincount`` counts all codes at once. When the full table would be much
    larger than the image (thousands of objects on each side) a ``scipy.sparse`` matrix
    sums the duplicates instead, so memory stays proportional to the image.
    ``skimage.metrics.contingency_table`` returns the same table for labels 1..n.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 5]]); f = np.array([[1, 0, 0, 1]])
    >>> c = contingency(t, f)
    >>> c.true_index.tolist(), c.found_index.tolist(), c.count.tolist(), c.true_labels.tolist()
    ([0, 1, 1, 2], [0, 0, 1, 1], [1, 1, 1, 1], [0, 1, 5])
    """
    t, f, t_ids, f_ids = _sequential_pair(true_labels, found_labels)
    nt, nf = t_ids.size - 1, f_ids.size - 1
    size = (nt + 1) * (nf + 1)
    if size <= 4 * t.size + 1_000_000:
        code = t.astype(np.int64) * (nf + 1) + f.astype(np.int64)
        table = np.bincount(code, minlength=size)
        nz = np.flatnonzero(table)
        ti, fi = np.divmod(nz, nf + 1)
        count = table[nz]
    else:  # very many objects: a sparse table (duplicates are summed)
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
        ti.astype(np.intp), fi.astype(np.intp), count.astype(np.int64), true_area, found_area,
        t_ids, f_ids,
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
    true_label, found_label : numpy.ndarray
        The original labels (>= 1) of each overlapping pair.
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
    ti, fi, iou = _iou_from(c)
    return c.true_labels[ti], c.found_labels[fi], iou


def iou_matrix(true_labels: object, found_labels: object) -> np.ndarray:
    """Intersection over union of every true object with every found object, as a table.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background.

    Returns
    -------
    numpy.ndarray of float
        Shape ``(n_true, n_found)`` (objects present); entry ``[i, j]`` is the IoU of
        the ``i``-th true and the ``j``-th found label present, in increasing label
        order (labels ``i + 1`` and ``j + 1`` for labels 1..n). Dense: for thousands
        of objects prefer :func:`iou_pairs`.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 0]]); f = np.array([[0, 1, 1, 0]])
    >>> iou_matrix(t, f).round(3).tolist()
    [[0.333]]
    """
    c = contingency(true_labels, found_labels)
    ti, fi, iou = _iou_from(c)
    out = np.zeros((c.n_true, c.n_found))
    out[ti - 1, fi - 1] = iou
    return out


def _iou_from(c: Contingency) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Object numbers (>= 1) and IoU of every overlapping pair of objects."""
    obj = (c.true_index > 0) & (c.found_index > 0)
    ti, fi, inter = c.true_index[obj], c.found_index[obj], c.count[obj]
    union = c.true_area[ti] + c.found_area[fi] - inter
    return ti, fi, inter / union


def _as_iou_threshold(iou_threshold: object) -> float:
    thr = as_real(iou_threshold, "iou_threshold")
    if not 0 <= thr < 1:
        raise ValueError(f"iou_threshold must be an IoU in [0, 1), got {thr}")
    return thr


def _match(c: Contingency, thr: float) -> Matches:
    ti, fi, iou = _iou_from(c)
    keep = iou > thr
    ti, fi, iou = ti[keep], fi[keep], iou[keep]
    if thr < 0.5 and ti.size:
        # Candidates may share a partner: solve the assignment on the rows and columns
        # that take part (as many matches as possible, then the largest total IoU).
        # The bonus exceeds any sum of IoUs, so the number of matches comes first.
        rows, r_idx = np.unique(ti, return_inverse=True)
        cols, c_idx = np.unique(fi, return_inverse=True)
        bonus = min(rows.size, cols.size) + 1.0
        gain = np.zeros((rows.size, cols.size))
        gain[r_idx, c_idx] = iou + bonus
        r, k = linear_sum_assignment(gain, maximize=True)
        ok = gain[r, k] > 0
        r, k = r[ok], k[ok]
        ti, fi, iou = rows[r], cols[k], gain[r, k] - bonus
    order = np.argsort(ti, kind="stable")
    return Matches(
        (ti[order] - 1).astype(np.intp), (fi[order] - 1).astype(np.intp), iou[order],
        c.n_true, c.n_found,
    )


def match_iou(true_labels: object, found_labels: object, *, iou_threshold: float = 0.5) -> Matches:
    """Pair true and found objects one-to-one where their IoU exceeds ``iou_threshold``.

    The course's one IoU matcher: every score against labels goes through it.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background; labels need not be consecutive.
    iou_threshold : float, keyword-only
        A pair matches when its IoU is strictly greater, in [0, 1) (the Data Science
        Bowl's rule, Caicedo et al. 2019). For ``iou_threshold >= 0.5`` the matching is
        unique; below, the assignment with the most matches (then the largest total
        IoU) is chosen with ``scipy.optimize.linear_sum_assignment``.

    Returns
    -------
    cellseg_teach.matching.Matches
        ``true_index``/``found_index`` number the labels present in increasing order
        from 0 (label − 1 for labels 1..n); ``score`` is the IoU; ``n_true`` and
        ``n_found`` count the labels present in each image.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 2, 2]]); f = np.array([[1, 1, 0, 0, 2]])
    >>> m = match_iou(t, f, iou_threshold=0.5)      # the second pair has IoU 0.5 exactly
    >>> m.true_index.tolist(), m.n_matched
    ([0], 1)
    """
    thr = _as_iou_threshold(iou_threshold)
    return _match(contingency(true_labels, found_labels), thr)


def _scores(tp: int, n_true: int, n_found: int) -> dict[str, float]:
    fp, fn = n_found - tp, n_true - tp
    precision = tp / n_found if n_found else 1.0
    recall = tp / n_true if n_true else 1.0
    f1 = 2 * tp / (n_true + n_found) if n_true + n_found else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def detection_scores(
    true_labels: object, found_labels: object, *, iou_threshold: float = 0.5
) -> dict[str, float]:
    """True positives, false positives, misses, precision, recall and F1 at one IoU.

    TP = matched pairs (:func:`match_iou`), FP = found − TP, FN = true − TP;
    precision = TP / found, recall = TP / true, F1 = 2 TP / (true + found). A ratio with
    a zero denominator is 1.0 (nothing expected and nothing found: nothing wrong).

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background.
    iou_threshold : float, keyword-only
        IoU that a match must exceed, in [0, 1).

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn`` (counts) and ``precision``, ``recall``, ``f1``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1, 1, 0, 2, 2]]); f = np.array([[1, 1, 0, 0, 2]])
    >>> detection_scores(t, f, iou_threshold=0.4)["f1"]
    1.0
    """
    c = contingency(true_labels, found_labels)
    m = _match(c, _as_iou_threshold(iou_threshold))
    return _scores(m.n_matched, c.n_true, c.n_found)


def precision_per_threshold(
    true_labels: object, found_labels: object, *, iou_thresholds: object = IOU_THRESHOLDS
) -> np.ndarray:
    """The Data Science Bowl score TP / (TP + FP + FN) at each IoU threshold.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D, same shape
        Label images, 0 = background.
    iou_thresholds : array-like of float, keyword-only
        IoU thresholds, each in [0.5, 1) so that matching is unique (default
        :data:`IOU_THRESHOLDS`).

    Returns
    -------
    numpy.ndarray of float
        One score per threshold; 1.0 where both images are empty.
    """
    if isinstance(iou_thresholds, (str, bytes)) or iou_thresholds is None:
        raise TypeError(f"iou_thresholds must be numbers, got {iou_thresholds!r}")
    try:
        thr = np.asarray(iou_thresholds, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"iou_thresholds must be numbers: {exc}") from None
    if thr.size == 0 or not np.all((thr >= 0.5) & (thr < 1)):
        raise ValueError(f"iou_thresholds must be IoUs in [0.5, 1), got {thr.tolist()}")
    c = contingency(true_labels, found_labels)
    _, _, iou = _iou_from(c)
    tp = np.count_nonzero(iou[:, None] > thr[None, :], axis=0)  # unique above 0.5
    denom = c.n_true + c.n_found - tp  # TP + FP + FN
    return np.where(denom > 0, tp / np.maximum(denom, 1), 1.0)


def average_precision(
    true_labels: object, found_labels: object, *, iou_thresholds: object = IOU_THRESHOLDS
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
    scores = precision_per_threshold(true_labels, found_labels, iou_thresholds=iou_thresholds)
    return float(scores.mean())


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
    t_best = _best_partner(c.true_index, c.found_index, c.count, nt)  # true -> found
    f_best = _best_partner(c.found_index, c.true_index, c.count, nf)  # found -> true
    t_all = np.arange(1, nt)  # every object number is present
    f_all = np.arange(1, nf)
    pieces = np.bincount(f_best[f_all], minlength=nt)  # found objects per true object
    covers = np.bincount(t_best[t_all], minlength=nf)  # true objects per found object
    return {
        "split": c.true_labels[t_all[pieces[t_all] >= 2]],
        "merged": c.found_labels[f_all[covers[f_all] >= 2]],
        "missed": c.true_labels[t_all[t_best[t_all] == 0]],
        "extra": c.found_labels[f_all[f_best[f_all] == 0]],
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

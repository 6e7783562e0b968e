"""Scores of a live/dead segmentation against ground truth.

* :func:`class_iou` — intersection over union of each of the five classes;
* :func:`count_error` — relative error of the number of cells;
* :func:`live_dead_accuracy` — fraction of true cells that were found (IoU > 0.5 with
  one found cell, one-to-one, :func:`cellseg_teach.metrics.match_iou`) *and* called
  correctly live or dead;
* :func:`score_frame`, :func:`score_timelapse` — all of them at once.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_count, as_labels
from ..labels import present_labels
from ..metrics import match_iou

__all__ = ["class_iou", "count_error", "live_dead_accuracy", "score_frame", "score_timelapse"]


def _dead_flags(flags: object, name: str, n: int) -> np.ndarray:
    """One live/dead flag per label 1..n (index 0 = label 1), or raise naming it."""
    if flags is None or isinstance(flags, (str, bytes)):
        raise TypeError(f"{name} must be a 1-D array of booleans, one per label, got {flags!r}")
    a = np.asarray(flags)
    if a.dtype != bool and not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must be a 1-D array of booleans, got dtype {a.dtype}")
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one flag per label), got shape {a.shape}")
    if len(a) < n:
        raise ValueError(
            f"{name} has {len(a)} entries; it needs one per label up to the largest label ({n})"
        )
    return a.astype(bool)


def class_iou(
    true_classes: object, found_classes: object, *, n_classes: int = 5
) -> np.ndarray:
    """IoU of each class ``0 .. n_classes - 1`` (NaN where a class is in neither image).

    The arrays may have any number of dimensions: a ``(T, H, W)`` stack gives the IoU
    pooled over all frames (each class's intersections and unions summed first), the
    usual score of a semantic segmentation over a data set.

    Examples
    --------
    >>> import numpy as np
    >>> class_iou(np.array([[0, 1, 1, 2]]), np.array([[0, 1, 2, 2]]), n_classes=3).round(3).tolist()
    [1.0, 0.5, 0.5]
    """
    t = as_labels(true_classes, "true_classes", ndim=None)
    f = as_labels(found_classes, "found_classes", ndim=None)
    if t.shape != f.shape:
        raise ValueError(f"found_classes has shape {f.shape}, true_classes {t.shape}")
    k = as_count(n_classes, "n_classes", minimum=1, maximum=256)
    if t.max(initial=0) >= k or f.max(initial=0) >= k:
        raise ValueError(f"class values must be < n_classes={k}")
    conf = np.bincount(t.ravel().astype(np.intp) * k + f.ravel(), minlength=k * k).reshape(k, k)
    inter = np.diag(conf).astype(float)
    union = conf.sum(0) + conf.sum(1) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, np.nan)


def count_error(true_labels: object, found_labels: object) -> float:
    """``(found - true) / true`` for the numbers of labels present (0 if both are 0).

    Examples
    --------
    >>> import numpy as np
    >>> count_error(np.array([[1, 2, 3, 4]]), np.array([[1, 1, 2, 5]]))
    -0.25
    """
    n_t = present_labels(as_labels(true_labels, "true_labels"), name="true_labels").size
    n_f = present_labels(as_labels(found_labels, "found_labels"), name="found_labels").size
    if n_t == 0:
        return 0.0 if n_f == 0 else float("inf")
    return (n_f - n_t) / n_t


def live_dead_accuracy(
    true_labels: object,
    true_dead: object,
    found_labels: object,
    found_dead: object,
    *,
    iou_threshold: float = 0.5,
) -> float:
    """Fraction of true cells matched to a found cell with the same live/dead call.

    Parameters
    ----------
    true_labels, found_labels : array-like of int, 2-D
        Cell label images; label ``k`` is described by entry ``k - 1`` of the calls.
    true_dead, found_dead : array-like of bool
        Calls per label (length at least the largest label).
    iou_threshold : float, keyword-only
        IoU that a found cell must exceed to be the match of a true cell (one-to-one,
        :func:`cellseg_teach.metrics.match_iou`).

    Returns
    -------
    float
        Unmatched true cells count as wrong; 1.0 when there are no true cells.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.array([[1, 1, 0, 2, 2, 0, 3]])
    >>> live_dead_accuracy(lab, [False, True, True], lab, [False, True, False])
    0.6666666666666666
    """
    m = match_iou(true_labels, found_labels, iou_threshold=iou_threshold)
    for name, flags in (("true_dead", true_dead), ("found_dead", found_dead)):
        _dead_flags(flags, name, 0)
    if m.n_true == 0:
        return 1.0
    t_ids = present_labels(true_labels, name="true_labels")
    f_ids = present_labels(found_labels, name="found_labels")
    td = _dead_flags(true_dead, "true_dead", int(t_ids[-1]))
    fd = _dead_flags(found_dead, "found_dead", int(f_ids[-1]) if f_ids.size else 0)
    t_call = td[(t_ids[m.true_index] - 1).astype(np.intp)]
    f_call = fd[(f_ids[m.found_index] - 1).astype(np.intp)]
    return float(np.count_nonzero(t_call == f_call) / m.n_true)


def score_frame(
    true_classes: object,
    true_labels: object,
    true_dead: object,
    found_classes: object,
    found_labels: object,
    found_dead: object,
) -> dict[str, object]:
    """All scores of one frame.

    Returns
    -------
    dict
        ``class_iou`` (array of 5), ``mean_iou`` (mean over the classes present),
        ``n_true``, ``n_found``, ``count_error``, ``live_dead_accuracy``.
    """
    iou = class_iou(true_classes, found_classes)
    return {
        "class_iou": iou,
        "mean_iou": float(np.nanmean(iou)),
        "n_true": present_labels(true_labels, name="true_labels").size,
        "n_found": present_labels(found_labels, name="found_labels").size,
        "count_error": count_error(true_labels, found_labels),
        "live_dead_accuracy": live_dead_accuracy(true_labels, true_dead, found_labels, found_dead),
    }


def score_timelapse(timelapse: object, result: object) -> dict[str, np.ndarray]:
    """Scores of every frame of a synthetic time-lapse.

    Parameters
    ----------
    timelapse : TimeLapse
        From :func:`~cellseg_teach.livedead.synthetic.make_timelapse`.
    result : TimeLapseResult
        From :func:`~cellseg_teach.livedead.pipeline.run_timelapse`.

    Returns
    -------
    dict of str to numpy.ndarray
        Per frame: ``class_iou`` (T, 5), ``mean_iou``, ``n_true``, ``n_found``,
        ``count_error``, ``live_dead_accuracy`` (T,).
    """
    for name, obj, attrs in (
        ("timelapse", timelapse, ("truth", "times")),
        ("result", result, ("classes", "cell_labels", "dead")),
    ):
        if not all(hasattr(obj, a) for a in attrs):
            kind = "TimeLapse from make_timelapse" if name == "timelapse" else "TimeLapseResult"
            raise TypeError(f"{name} must be a {kind}, got {type(obj).__name__}")
    truth = timelapse.truth
    rows = [
        score_frame(
            truth.classes[t],
            truth.cell_labels[t],
            truth.dead[t],
            result.classes[t],
            result.cell_labels[t],
            result.dead[t],
        )
        for t in range(len(timelapse.times))
    ]
    return {key: np.array([r[key] for r in rows]) for key in rows[0]}

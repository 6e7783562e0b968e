"""Every scoring function gives the same counts on label images with gaps.

A learner's own labels often have gaps ({1, 3}, or labels left after a size filter), and
an annotation tool may number objects with large values. The expected TP/FP/FN here come
from a brute-force reference written with loops over the labels present (no code of the
package), and every scoring function of the package must agree with it.
"""

from __future__ import annotations

import numpy as np
import pytest

from cellseg_teach.labels import present_labels, relabel_sequential
from cellseg_teach.livedead.scores import count_error, live_dead_accuracy, score_frame
from cellseg_teach.matching import label_centroids, precision_recall
from cellseg_teach.metrics import (
    average_precision,
    detection_scores,
    error_categories,
    iou_matrix,
    iou_pairs,
    match_iou,
    precision_per_threshold,
)
from cellseg_teach.segmentation import cell_sizes


def _brute_counts(t: np.ndarray, f: np.ndarray, thr: float) -> tuple[int, int, int]:
    """TP, FP, FN at an IoU threshold >= 0.5 (unique matching), by loops."""
    t_ids = [int(v) for v in np.unique(t) if v != 0]
    f_ids = [int(v) for v in np.unique(f) if v != 0]
    tp = 0
    for i in t_ids:
        for j in f_ids:
            inter = np.sum((t == i) & (f == j))
            union = np.sum((t == i) | (f == j))
            tp += inter / union > thr
    return tp, len(f_ids) - tp, len(t_ids) - tp


def _squares(values, shape=(12, 40)) -> np.ndarray:
    """One 3 x 3 square per value (0 leaves the slot empty), side by side."""
    lab = np.zeros(shape, dtype=np.int64)
    for k, v in enumerate(values):
        lab[2:5, 1 + 5 * k : 4 + 5 * k] = v
    return lab


def _cases():
    same = _squares([1, 3])  # the issue's case: labels {1, 3}, identical images
    yield "gap {1, 3} identical", same, same.copy()
    t = _squares([2, 5, 9, 0, 4])
    f = _squares([7, 0, 1, 8, 30])
    f[2:5, 1:3] = 7  # shrink the first found square: IoU 6/9
    f[2:5, 6:9] = 0
    yield "gaps on both sides, a miss and an extra", t, f
    big = _squares([10**6, 3, 2**40])
    yield "huge label values", big, _squares([1, 2, 3])
    half = _squares([1, 3])
    half[2:5, 1:4] = 0
    half[2:5, 1:3] = 6  # 6 px of 9 (IoU 2/3); 3 px of 9 would be IoU 1/3
    yield "partial overlap", _squares([1, 3]), half


CASES = list(_cases())


@pytest.mark.parametrize("name, t, f", CASES, ids=[c[0] for c in CASES])
def test_every_scoring_function_agrees_with_the_brute_force(name, t, f):
    tp, fp, fn = _brute_counts(t, f, 0.5)
    n_true, n_found = tp + fn, tp + fp
    precision = tp / n_found if n_found else 1.0
    recall = tp / n_true if n_true else 1.0
    f1 = 2 * tp / (n_true + n_found) if n_true + n_found else 1.0
    expected = {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}

    assert detection_scores(t, f) == pytest.approx(expected)
    m = match_iou(t, f)
    assert (m.n_matched, m.n_true, m.n_found) == (tp, n_true, n_found)
    assert precision_recall(m) == pytest.approx(
        {"precision": precision, "recall": recall, "f1": f1})
    assert precision_per_threshold(t, f, iou_thresholds=[0.5])[0] == pytest.approx(
        tp / (tp + fp + fn) if tp + fp + fn else 1.0)
    ap = np.mean([(lambda c: c[0] / sum(c) if sum(c) else 1.0)(_brute_counts(t, f, thr))
                  for thr in np.round(np.arange(0.5, 0.96, 0.05), 2)])
    assert average_precision(t, f) == pytest.approx(ap)
    assert iou_matrix(t, f).shape == (n_true, n_found)
    assert (iou_matrix(t, f) > 0.5).sum() == tp
    assert (iou_pairs(t, f)[2] > 0.5).sum() == tp
    assert sum(error_categories(t, f).values()) >= 0  # runs on gaps without error
    assert count_error(t, f) == pytest.approx((n_found - n_true) / n_true)
    # live/dead: every true cell called "dead" in both images, so accuracy = recall
    calls_t = np.ones(int(t.max()), bool) if t.max() < 10**5 else None
    calls_f = np.ones(int(f.max()), bool) if f.max() < 10**5 else None
    if calls_t is not None and calls_f is not None:
        assert live_dead_accuracy(t, calls_t, f, calls_f) == pytest.approx(recall)
        classes = (t > 0).astype(np.int64)
        frame = score_frame(classes, t, calls_t, (f > 0).astype(np.int64), f, calls_f)
        assert (frame["n_true"], frame["n_found"]) == (n_true, n_found)


def test_the_issue_case_gives_f1_one_everywhere():
    lab = _squares([1, 3])
    assert detection_scores(lab, lab)["f1"] == 1.0
    assert precision_recall(match_iou(lab, lab))["f1"] == 1.0
    assert average_precision(lab, lab) == 1.0
    assert live_dead_accuracy(lab, [True, False, True], lab, [True, False, True]) == 1.0


def test_the_brute_force_reference_can_tell_a_wrong_count():
    # the reference is not a tautology: counting objects as the largest label gives
    # another answer on the {1, 3} case
    lab = _squares([1, 3])
    tp, fp, fn = _brute_counts(lab, lab, 0.5)
    assert (tp, fp, fn) == (2, 0, 0)
    assert 2 * tp / (int(lab.max()) + int(lab.max())) != 1.0


@pytest.mark.parametrize("dtype", [np.uint64, np.int64])
def test_huge_labels_cost_memory_by_object_count(dtype):
    lab = np.zeros((6, 6), dtype)
    top = 2**64 - 1 if dtype == np.uint64 else 2**62
    lab[0:2, 0:2] = top
    lab[4:6, 4:6] = 5
    new, old = relabel_sequential(lab)
    assert new.tolist() == (np.where(lab == top, 2, 0) + np.where(lab == 5, 1, 0)).tolist()
    assert old.tolist() == [5, top]
    assert present_labels(lab).tolist() == [5, top]
    assert detection_scores(lab, lab)["tp"] == 2
    assert cell_sizes(lab).tolist() == [4, 4]
    assert label_centroids(lab).shape == (2, 2)


def test_plots_of_huge_labels_colour_the_objects_not_the_label_values():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cellseg_teach.plotting import show_label_grid, show_labels

    lab = np.zeros((12, 12), np.uint64)
    lab[1:4, 1:4] = 10**12  # a colour map of 10^12 entries would never be made
    lab[6:9, 6:9] = 3
    ax = show_labels(np.ones((12, 12)), lab)
    assert ax.images[1].cmap.N == 3  # background and two objects
    grid = show_label_grid(lab)
    assert grid.images[0].cmap.N == 3
    assert sorted({t.get_text() for t in grid.texts}) == ["1000000000000", "3"]
    plt.close("all")


def test_the_input_checks_take_any_number_of_dimensions():
    from cellseg_teach._checks import as_image, as_labels

    stack = np.zeros((3, 4, 5), np.uint16)
    assert as_image(stack, ndim=None).shape == (3, 4, 5)
    assert as_labels(stack, ndim=None).shape == (3, 4, 5)
    with pytest.raises(ValueError, match="image must be 2-D"):
        as_image(stack)
    with pytest.raises(ValueError, match="labels must be 3-D"):
        as_labels(stack[0], ndim=3)
    with pytest.raises(ValueError, match="0-D"):
        as_labels(np.int64(3), ndim=None)
    with pytest.raises(ValueError, match="found -1"):
        as_labels(-np.ones((2, 2, 2), int), ndim=None)

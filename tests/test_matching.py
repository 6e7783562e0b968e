"""cellseg_teach.matching (and the IoU matcher of cellseg_teach.metrics) on hand-made
examples whose answers are obvious, against a brute-force IoU, and on bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cellseg_teach.matching import (
    Matches,
    label_centroids,
    match_by_distance,
    precision_recall,
)
from cellseg_teach.metrics import iou_matrix, match_iou

# ------------------------------------------------------------------------- by distance


def test_two_true_cells_three_detections():
    true = [[10, 10], [40, 10]]
    # one detection near each cell, and one far from both
    found = [[41, 12], [100, 100], [11, 9]]
    m = match_by_distance(true, found, max_distance=5)
    assert m.true_index.tolist() == [0, 1]
    assert m.found_index.tolist() == [2, 0]
    assert np.allclose(m.score, [np.sqrt(2), np.sqrt(5)])  # |(1,-1)|, |(1, 2)|
    assert (m.n_true, m.n_found, m.n_matched) == (2, 3, 2)
    assert precision_recall(m) == pytest.approx(
        {"precision": 2 / 3, "recall": 1.0, "f1": 2 * (2 / 3) / (2 / 3 + 1)}
    )


def test_one_to_one_beats_greedy_nearest_neighbour():
    # Detection 0 sits between the two cells, slightly nearer cell 0; detection 1 is
    # 4 px from cell 0 and out of reach of cell 1. Greedy (closest pair first) takes
    # (cell 0, det 0) and leaves cell 1 unmatched; the optimal assignment matches both.
    true = [[0, 0], [5, 0]]
    found = [[2.4, 0], [-4, 0]]
    greedy_pairs = 1
    m = match_by_distance(true, found, max_distance=4.5)
    assert m.n_matched == 2 > greedy_pairs
    assert dict(zip(m.true_index.tolist(), m.found_index.tolist(), strict=True)) == {0: 1, 1: 0}


def test_a_detection_counts_once_and_max_distance_is_inclusive():
    m = match_by_distance([[0, 0], [2, 0]], [[1, 0]], max_distance=1)
    assert m.n_matched == 1  # two cells within 1 px of one detection: one match
    assert m.score.tolist() == [1.0]
    assert match_by_distance([[0, 0]], [[3, 4]], max_distance=5).n_matched == 1
    assert match_by_distance([[0, 0]], [[3, 4]], max_distance=4.999).n_matched == 0


def test_nan_centres_never_match():
    m = match_by_distance([[0, 0], [np.nan, np.nan]], [[0, 1], [np.nan, 0]], max_distance=3)
    assert m.true_index.tolist() == [0] and m.found_index.tolist() == [0]


@pytest.mark.parametrize("true, found", [([], [[1, 2]]), ([[1, 2]], []), ([], [])])
def test_empty_inputs(true, found):
    m = match_by_distance(true, found, max_distance=3)
    assert m.n_matched == 0
    assert (m.n_true, m.n_found) == (len(true), len(found))


def test_matching_many_points_by_distance_agrees_with_brute_force():
    rng = np.random.default_rng(3)
    true = rng.uniform(0, 20, (5, 2))
    found = rng.uniform(0, 20, (6, 2))
    m = match_by_distance(true, found, max_distance=6)
    d = np.hypot(*(true[:, None, :] - found[None, :, :]).transpose(2, 0, 1))
    best = (0, np.inf)  # (most matches, then smallest total distance)
    for perm in itertools.permutations(range(6), 5):
        pairs = [(i, j) for i, j in enumerate(perm) if d[i, j] <= 6]
        key = (len(pairs), sum(d[i, j] for i, j in pairs))
        if key[0] > best[0] or (key[0] == best[0] and key[1] < best[1] - 1e-12):
            best = key
    assert m.n_matched == best[0]
    assert m.score.sum() == pytest.approx(best[1])


# ------------------------------------------------------------------------------ IoU


def test_iou_matrix_of_tiny_label_images_by_hand():
    t = np.array([
        [1, 1, 0, 0, 0],
        [1, 1, 0, 2, 2],
        [0, 0, 0, 2, 2],
    ])
    f = np.array([
        [1, 1, 1, 0, 0],
        [0, 0, 0, 0, 2],
        [0, 0, 0, 0, 2],
    ])
    # true 1 (4 px) and found 1 (3 px) share 2 px: IoU 2 / (4 + 3 - 2) = 2/5.
    # true 2 (4 px) and found 2 (2 px) share 2 px: IoU 2 / 4 = 1/2. No other overlap.
    expected = [[2 / 5, 0], [0, 1 / 2]]
    assert np.allclose(iou_matrix(t, f), expected)
    assert np.allclose(iou_matrix(f, t), np.transpose(expected))  # symmetric roles
    assert np.allclose(iou_matrix(t, t), np.eye(2))


def _iou_brute_force(t: np.ndarray, f: np.ndarray) -> np.ndarray:
    t_ids = [i for i in range(1, t.max() + 1) if (t == i).any()]
    f_ids = [j for j in range(1, f.max() + 1) if (f == j).any()]
    out = np.zeros((len(t_ids), len(f_ids)))
    for a, i in enumerate(t_ids):
        for b, j in enumerate(f_ids):
            out[a, b] = np.sum((t == i) & (f == j)) / np.sum((t == i) | (f == j))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_iou_matrix_agrees_with_a_double_loop(seed):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 5, (12, 15))
    f = rng.integers(0, 7, (12, 15))
    f[f == 3] = 0  # a gap in the labels: one column per label present
    assert np.allclose(iou_matrix(t, f), _iou_brute_force(t, f))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.uint64, np.int64])
def test_iou_matrix_accepts_integer_label_types(dtype):
    t = np.array([[1, 1, 0, 0]], dtype=dtype)
    f = np.array([[0, 1, 1, 0]], dtype=dtype)
    assert iou_matrix(t, f).tolist() == [[1 / 3]]


def test_iou_matrix_shapes_without_labels():
    assert iou_matrix(np.zeros((3, 3), int), np.zeros((3, 3), int)).shape == (0, 0)
    assert iou_matrix(np.ones((3, 3), int), np.zeros((3, 3), int)).shape == (1, 0)


# -------------------------------------------------------------------------- by overlap


def test_match_iou_needs_an_iou_strictly_above_the_threshold():
    t = np.array([[1, 1, 1, 1, 0, 2, 2, 0]])
    f = np.array([[1, 1, 1, 0, 0, 2, 0, 0]])
    # IoU 3/4 for cell 1 and exactly 1/2 for cell 2
    m = match_iou(t, f, iou_threshold=0.49)
    assert m.true_index.tolist() == [0, 1] and m.score.tolist() == [0.75, 0.5]
    m = match_iou(t, f, iou_threshold=0.5)  # 1/2 is not above 1/2 (Data Science Bowl)
    assert m.true_index.tolist() == [0] and m.found_index.tolist() == [0]
    assert precision_recall(m) == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5})


def test_match_iou_does_not_trade_a_good_pair_for_two_poor_ones():
    # IoU matrix [[2/9, 0], [6/17, 1/5]]: only (true 2, found 1) reaches 0.3. Maximising
    # the raw total IoU picks (1,1) + (2,2) = 0.42 > 0.35, both below 0.3: no match at all.
    t = np.zeros((1, 30), int)
    t[0, 8:10], t[0, 11:25] = 1, 2      # 2 px and 14 px
    f = np.zeros((1, 30), int)
    f[0, 8:17], f[0, 22:26] = 1, 2      # 9 px and 4 px
    # overlaps: (1,1) 2 px of 9; (2,1) 6 px of 14 + 9 - 6 = 17; (2,2) 3 px of 14 + 4 - 3 = 15
    assert np.allclose(iou_matrix(t, f), [[2 / 9, 0], [6 / 17, 1 / 5]])
    m = match_iou(t, f, iou_threshold=0.3)
    assert m.true_index.tolist() == [1] and m.found_index.tolist() == [0]
    assert m.score.tolist() == pytest.approx([6 / 17])


def test_one_detection_covering_two_cells_matches_at_most_one():
    t = np.array([[1, 1, 1, 0, 2, 2, 2]])
    f = np.array([[1, 1, 1, 1, 1, 1, 1]])
    m = match_iou(t, f, iou_threshold=0.1)
    assert m.n_matched == 1 and m.n_true == 2 and m.n_found == 1


def test_label_centroids_by_hand():
    lab = np.zeros((6, 8), int)
    lab[1:4, 1:4] = 1   # rows 1-3, columns 1-3: centre (x, y) = (2, 2)
    lab[4, 5:8] = 3     # row 4, columns 5-7: centre (6, 4); label 2 has no pixels
    c = label_centroids(lab)
    assert c.shape == (2, 2)  # one row per label present
    assert c[0].tolist() == [2.0, 2.0] and c[1].tolist() == [6.0, 4.0]


def test_label_centroids_memory_follows_the_objects_not_the_label_values():
    lab = np.zeros((4, 4), np.uint64)
    lab[0, 0] = 2**64 - 1
    lab[3, 2:4] = 10**9
    assert label_centroids(lab).tolist() == [[2.5, 3.0], [0.0, 0.0]]


# ------------------------------------------------------------------ precision / recall


@pytest.mark.parametrize(
    "n_matched, n_true, n_found, precision, recall",
    [
        (3, 4, 5, 3 / 5, 3 / 4),
        (0, 4, 2, 0.0, 0.0),
        (0, 0, 0, 1.0, 1.0),   # nothing to find, nothing found: nothing wrong
        (0, 0, 3, 0.0, 1.0),   # only false detections
        (0, 3, 0, 1.0, 0.0),   # only misses
    ],
)
def test_precision_recall_formulas(n_matched, n_true, n_found, precision, recall):
    idx = np.arange(n_matched)
    m = Matches(idx, idx, np.ones(n_matched), n_true, n_found)
    out = precision_recall(m)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    assert out == pytest.approx({"precision": precision, "recall": recall, "f1": f1})


# -------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: match_by_distance([[1, 2, 3]], [[1, 2]], 3), ValueError, "true_centres"),
        (lambda: match_by_distance([[1, 2]], [1, 2, 3], 3), ValueError, "found_centres"),
        (lambda: match_by_distance([[1, 2]], [[1, 2]], 0), ValueError, "max_distance"),
        (lambda: match_by_distance([[1, 2]], [[1, 2]], np.inf), ValueError, "max_distance"),
        (lambda: match_by_distance([[1, 2]], [[1, 2]], "3"), TypeError, "max_distance"),
        (lambda: iou_matrix(np.zeros((2, 2)), np.zeros((2, 2), int)), TypeError, "true_labels"),
        (lambda: iou_matrix(np.zeros((2, 2), int), np.zeros((2, 3), int)), ValueError, "shape"),
        (lambda: iou_matrix(np.zeros(4, int), np.zeros(4, int)), ValueError, "2-D"),
        (lambda: iou_matrix(np.zeros((2, 2), int), -np.ones((2, 2), int)), ValueError,
         "found_labels"),
        (lambda: match_iou(np.ones((2, 2), int), np.ones((2, 2), int), iou_threshold=-0.1),
         ValueError, "iou_threshold"),
        (lambda: match_iou(np.ones((2, 2), int), np.ones((2, 2), int), iou_threshold=1.0),
         ValueError, "iou_threshold"),
        (lambda: label_centroids(np.ones((2, 2), bool)), TypeError, "labels"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_inputs_are_not_modified():
    t = np.array([[1, 1, 0, 2]])
    f = np.array([[1, 0, 0, 2]])
    centres = np.array([[0.0, 0.0], [np.nan, 1.0]])
    copies = t.copy(), f.copy(), centres.copy()
    match_iou(t, f)
    match_by_distance(centres, centres, 2)
    assert np.array_equal(t, copies[0]) and np.array_equal(f, copies[1])
    assert np.array_equal(centres, copies[2], equal_nan=True)


def test_centres_may_be_nan_but_not_infinite():
    # A label with no pixels has a NaN centroid and simply matches nothing.
    m = match_by_distance([[0.0, 0.0], [np.nan, np.nan]], [[1.0, 0.0]], 5)
    assert m.true_index.tolist() == [0] and m.found_index.tolist() == [0]
    with pytest.raises(ValueError, match="found_centres contain infinite"):
        match_by_distance([[0.0, 0.0]], [[np.inf, 0.0]], 5)

"""cellseg_teach.metrics: hand-made cases with answers worked out by hand, brute-force
references written with loops (fine in a test), and scikit-image where it has the same
measure (``skimage.metrics.contingency_table``)."""

from __future__ import annotations

import numpy as np
import pytest

from cellseg_teach.metrics import (
    IOU_THRESHOLDS,
    average_precision,
    contingency,
    detection_scores,
    error_categories,
    error_objects,
    iou_matrix,
    iou_pairs,
    match_iou,
    precision_per_threshold,
)


def _random_labels(seed: int, shape=(60, 80), n=25, radius=6) -> np.ndarray:
    """Random overlapping disks, labelled so that later disks paint over earlier ones."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    lab = np.zeros(shape, dtype=np.int32)
    for k in range(1, n + 1):
        cy, cx = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        r = rng.uniform(0.5, 1.5) * radius
        lab[(yy - cy) ** 2 + (xx - cx) ** 2 < r**2] = k
    return lab


def _brute_iou(t: np.ndarray, f: np.ndarray) -> dict[tuple[int, int], float]:
    out = {}
    for i in np.unique(t[t > 0]):
        for j in np.unique(f[f > 0]):
            inter = np.sum((t == i) & (f == j))
            if inter:
                out[(int(i), int(j))] = inter / np.sum((t == i) | (f == j))
    return out


# ------------------------------------------------------------------ hand-made cases


def test_identical_images_score_perfectly():
    lab = np.zeros((10, 10), int)
    lab[1:4, 1:4] = 1
    lab[6:9, 2:8] = 2
    assert detection_scores(lab, lab) == {
        "tp": 2, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert average_precision(lab, lab) == 1.0
    assert error_categories(lab, lab) == {"split": 0, "merged": 0, "missed": 0, "extra": 0}


def test_iou_of_shifted_squares():
    # 4x4 squares shifted by one column: intersection 12, union 20, IoU 0.6
    t = np.zeros((8, 8), int)
    f = np.zeros((8, 8), int)
    t[2:6, 1:5] = 1
    f[2:6, 2:6] = 1
    ti, fi, iou = iou_pairs(t, f)
    assert ti.tolist() == [1] and fi.tolist() == [1]
    assert iou[0] == pytest.approx(0.6)
    # matched at 0.5 and 0.55, not from 0.6 on (strictly above): AP = 2/10
    assert precision_per_threshold(t, f).tolist() == [1, 1] + [0] * 8
    assert average_precision(t, f) == pytest.approx(0.2)


def test_ap_counts_fp_and_fn_in_the_denominator():
    # true: 3 objects; found: 2 exact copies and 2 extras -> TP 2, FP 2, FN 1 -> 2/5
    t = np.zeros((10, 20), int)
    f = np.zeros((10, 20), int)
    for k, c in enumerate((1, 6, 11), start=1):
        t[2:5, c:c + 3] = k
    f[2:5, 1:4] = 5
    f[2:5, 6:9] = 7
    f[7:9, 1:3] = 8
    f[7:9, 10:12] = 9
    assert average_precision(t, f) == pytest.approx(2 / 5)
    s = detection_scores(t, f)
    assert (s["tp"], s["fp"], s["fn"]) == (2, 2, 1)
    assert s["precision"] == pytest.approx(0.5) and s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 * 2 / (3 + 4))


def test_labels_need_not_be_consecutive():
    t = np.zeros((6, 6), int)
    t[1:3, 1:3] = 7
    f = np.zeros((6, 6), int)
    f[1:3, 1:3] = 40
    m = match_iou(t, f)
    assert (m.n_true, m.n_found, m.n_matched) == (1, 1, 1)
    # indices number the labels present (one each), not label - 1
    assert m.true_index.tolist() == [0] and m.found_index.tolist() == [0]


def test_half_overlaps_need_an_assignment_below_one_half():
    # true object 1 is the union of found 1 and found 2 (equal halves): IoU 0.5 each.
    t = np.zeros((4, 8), int)
    t[:, :] = 1
    f = np.zeros((4, 8), int)
    f[:, :4] = 1
    f[:, 4:] = 2
    assert detection_scores(t, f, iou_threshold=0.5)["tp"] == 0  # not strictly above 0.5
    s = detection_scores(t, f, iou_threshold=0.4)
    assert (s["tp"], s["fp"], s["fn"]) == (1, 1, 0)  # one-to-one: only one half matches


def test_empty_images():
    z = np.zeros((5, 5), int)
    one = z.copy()
    one[1:3, 1:3] = 1
    assert detection_scores(z, z)["f1"] == 1.0
    assert average_precision(z, z) == 1.0
    assert detection_scores(one, z) == {
        "tp": 0, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.0, "f1": 0.0}
    assert average_precision(z, one) == 0.0


# ------------------------------------------------------------- error categories


def test_split_merged_missed_extra_by_hand():
    t = np.zeros((12, 30), int)
    f = np.zeros((12, 30), int)
    t[1:5, 1:9] = 1          # split: found as two halves
    f[1:5, 1:5] = 1
    f[1:5, 5:9] = 2
    t[1:5, 12:15] = 2        # merged: two true nuclei inside one found region
    t[1:5, 16:19] = 3
    f[1:5, 12:19] = 3        # (28 px: 12 of each nucleus, 4 of background)
    t[7:10, 1:4] = 4         # missed: nothing found there
    f[7:10, 10:13] = 4       # extra: found where the truth is background
    t[7:10, 20:26] = 5       # missed as well: only a third of it found, so its
    f[7:10, 20:22] = 5       # best partner is the background (but 5 is not extra)
    obj = error_objects(t, f)
    assert obj["split"].tolist() == [1]
    assert obj["merged"].tolist() == [3]
    assert obj["missed"].tolist() == [4, 5]
    assert obj["extra"].tolist() == [4]
    assert error_categories(t, f) == {"split": 1, "merged": 1, "missed": 2, "extra": 1}


def test_split_into_three_counts_once():
    t = np.ones((3, 9), int)
    f = np.repeat(np.array([[1, 1, 1, 2, 2, 2, 3, 3, 3]]), 3, axis=0)
    assert error_categories(t, f) == {"split": 1, "merged": 0, "missed": 0, "extra": 0}
    # and the reverse is one merge
    assert error_categories(f, t) == {"split": 0, "merged": 1, "missed": 0, "extra": 0}


def _brute_errors(t: np.ndarray, f: np.ndarray) -> dict[str, list[int]]:
    """Coelho et al. (2009) by loops: best partner by shared pixels, background included."""
    def best(a, b, label):
        vals, counts = np.unique(b[a == label], return_counts=True)
        return int(vals[counts == counts.max()].min())  # ties: smallest label
    t_ids = [int(i) for i in np.unique(t[t > 0])]
    f_ids = [int(j) for j in np.unique(f[f > 0])]
    tb = {i: best(t, f, i) for i in t_ids}
    fb = {j: best(f, t, j) for j in f_ids}
    return {
        "split": [i for i in t_ids if sum(fb[j] == i for j in f_ids) >= 2],
        "merged": [j for j in f_ids if sum(tb[i] == j for i in t_ids) >= 2],
        "missed": [i for i in t_ids if tb[i] == 0],
        "extra": [j for j in f_ids if fb[j] == 0],
    }


@pytest.mark.parametrize("seed", range(6))
def test_error_objects_match_a_loop(seed):
    t = _random_labels(seed)
    f = _random_labels(seed + 100)
    got = {k: v.tolist() for k, v in error_objects(t, f).items()}
    assert got == _brute_errors(t, f)


# --------------------------------------------------- against references and scikit-image


@pytest.mark.parametrize("seed", range(4))
def test_contingency_equals_scikit_image(seed):
    from skimage.metrics import contingency_table

    t = _random_labels(seed)
    f = _random_labels(seed + 50)
    c = contingency(t, f)
    ref = contingency_table(t, f).tocoo()
    ref_entries = sorted(
        zip(ref.row.tolist(), ref.col.tolist(), ref.data.astype(int).tolist(), strict=True)
    )
    ref_entries = [e for e in ref_entries if e[2] > 0]
    ours = list(zip(c.true_labels[c.true_index].tolist(), c.found_labels[c.found_index].tolist(),
                    c.count.tolist(), strict=True))
    assert ours == ref_entries


def test_sparse_path_equals_dense_path():
    # thousands of labels on each side force the scipy.sparse branch
    rng = np.random.default_rng(3)
    t = rng.permutation(np.arange(1, 1601)).reshape(40, 40)
    f = np.roll(t, 1, axis=1) * 3
    f[:5] = 0
    c = contingency(t, f)
    pairs, counts = np.unique(np.stack([t.ravel(), f.ravel()]), axis=1, return_counts=True)
    assert c.true_labels[c.true_index].tolist() == pairs[0].tolist()
    assert c.found_labels[c.found_index].tolist() == pairs[1].tolist()
    assert c.count.tolist() == counts.tolist()
    assert c.n_true == 1600 and c.n_found == 1400


@pytest.mark.parametrize("seed", range(4))
def test_iou_pairs_equal_brute_force_and_iou_matrix(seed):
    t = _random_labels(seed)
    f = _random_labels(seed + 7)
    ti, fi, iou = iou_pairs(t, f)
    brute = _brute_iou(t, f)
    ours = {(int(a), int(b)): v for a, b, v in zip(ti, fi, iou, strict=True)}
    assert ours == pytest.approx(brute)
    dense = iou_matrix(t, f)  # rows/columns: the labels present, in increasing order
    rows = np.searchsorted(np.unique(t[t > 0]), ti)
    cols = np.searchsorted(np.unique(f[f > 0]), fi)
    assert np.allclose(dense[rows, cols], iou)
    assert np.count_nonzero(dense) == iou.size


def test_ap_thresholds_are_the_data_science_bowl_ones():
    assert IOU_THRESHOLDS.tolist() == [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]


# -------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "t, f, err, word",
    [
        (np.zeros((3, 3), int), np.zeros((3, 4), int), ValueError, "shape"),
        (np.zeros((3, 3), float), np.zeros((3, 3), int), TypeError, "true_labels"),
        (np.zeros((3, 3), int), -np.ones((3, 3), int), ValueError, "found_labels"),
        (np.zeros(9, int), np.zeros(9, int), ValueError, "2-D"),
    ],
)
def test_bad_label_images(t, f, err, word):
    with pytest.raises(err, match=word):
        detection_scores(t, f)


@pytest.mark.parametrize("thr", [-0.1, 1.0, float("nan")])
def test_bad_threshold(thr):
    z = np.zeros((3, 3), int)
    with pytest.raises(ValueError, match="iou_threshold"):
        match_iou(z, z, iou_threshold=thr)


def test_ap_rejects_thresholds_below_one_half():
    z = np.zeros((3, 3), int)
    with pytest.raises(ValueError, match="iou_thresholds"):
        precision_per_threshold(z, z, iou_thresholds=[0.3, 0.5])


def test_inputs_are_not_modified():
    t = _random_labels(1)
    f = _random_labels(2)
    t0, f0 = t.copy(), f.copy()
    average_precision(t, f)
    error_objects(t, f)
    detection_scores(t, f, iou_threshold=0.3)
    assert (t == t0).all() and (f == f0).all()


def test_error_gallery_shows_each_category_with_its_count():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cellseg_teach.plotting import show_error_gallery

    t = np.zeros((12, 30), int)
    f = np.zeros((12, 30), int)
    t[1:5, 1:9] = 1
    f[1:5, 1:5] = 1
    f[1:5, 5:9] = 2
    f[7:10, 10:13] = 4
    image = (t > 0) * 100.0 + (f > 0) * 50.0 + 10
    fig = show_error_gallery(image, t, f, n_examples=2, crop=8)
    rows = [ax.get_ylabel() for ax in fig.axes[::2]]
    assert rows == ["split (1)", "merged (0)", "missed (0)", "extra (1)"]
    assert fig.axes[0].get_title() == "true #1" and fig.axes[6].get_title() == "found #4"
    plt.close(fig)
    with pytest.raises(ValueError, match="shape"):
        show_error_gallery(image[:5], t, f)

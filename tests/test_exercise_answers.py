"""The exercises' checks judge answers: they reject plausible wrong ones, accept right ones.

Each answer below is what a learner could write into the stubs of a generated exercise. A
*wrong* answer must be rejected by a **Check** cell (a cell that starts with ``# Check``) with
a ``CheckFailed``/``AssertionError`` whose message starts with the task of that cell ("Task 2a,
...") and names what is wrong, never by a crash in the learner's own cell or in a later cell.
An *alternative* answer is right but written differently from the solution (another loop,
another function, another reasonable parameter): every cell must run.

The answers run in this process on the generated exercise (see ``exercise_runner``): the
solution runs once per exercise, and each answer re-runs only the cells from the first one
it changes (about a minute of CPU for all exercises; marked slow so that ``-m "not slow"``
skips them while you iterate, but the default suite and CI run them). A new exercise is
picked up automatically by ``test_every_exercise_has_answers``, which fails until its
answers are written here.
"""

from __future__ import annotations

import re

import pytest
from exercise_runner import ROOT, Answer, exercise_run, stems

ANSWERS: dict[str, list[Answer]] = {}


def answers(stem: str, *items: Answer) -> None:
    ANSWERS[stem] = list(items)


# ------------------------------------------------------------------ 01_do_the_maths

_PEAK = "peak_by_hand = B * SIGMA**2"
_NOISE = "noise_std_by_hand = NOISE / (2 * math.sqrt(math.pi) * SIGMA_S)"
_CLIPPED = "clipped_mean_by_hand = NOISE / math.sqrt(2 * math.pi)"
_FRACTIONS = "fraction_zero_mean_model = 0.5 * math.erfc("
_RADIUS = "sigma_eff = math.sqrt(SIGMA**2 + SIGMA_S**2)"
_MIDPOINT = "midpoint_by_hand = 2 * B * math.exp("
_SEPARATION = "separation_by_hand = 2 * SIGMA * math.sqrt("

answers(
    "01_do_the_maths",
    Answer("peak-not-smoothed", "wrong", {_PEAK: "peak_by_hand = B"},
           message="Task 1, peak_by_hand against the simulation: found 1, expected 0.9"),
    Answer("clipped-fraction-with-a-zero-mean", "wrong", {_FRACTIONS: """
        fraction_zero_mean_model = 0.5 * math.erfc(LOW_T / (noise_std_by_hand * math.sqrt(2)))
        fraction_clipped = 0.5 * math.erfc(LOW_T / (clipped_std_by_hand * math.sqrt(2)))
        """}, message="Task 3b, fraction_clipped against theory: found"),
    Answer("noise-std-without-the-square-root", "wrong", {_NOISE: """
        noise_std_by_hand = NOISE / (4 * math.pi * SIGMA_S**2)
        """}, message="Task 2, .*noise_std_by_hand against theory.smoothed_noise_std: "
                      "found 0.002984"),
    Answer("clipped-std-without-subtracting-the-mean", "wrong", {_CLIPPED: """
        clipped_mean_by_hand = NOISE / math.sqrt(2 * math.pi)
        clipped_std_by_hand = math.sqrt(NOISE**2 / 2) / (2 * math.sqrt(math.pi) * SIGMA_S)
        """}, message="Task 3a, .*clipped_std_by_hand against theory: found 0.01496"),
    Answer("clipped-std-from-the-half-normal-formula", "wrong", {_CLIPPED: """
        clipped_mean_by_hand = NOISE / math.sqrt(2 * math.pi)
        half_normal_std = NOISE * math.sqrt(1 - 2 / math.pi)   # the std of |X|, not of max(X, 0)
        clipped_std_by_hand = half_normal_std / (2 * math.sqrt(math.pi) * SIGMA_S)
        """}, message="Task 3a, clipped_std_by_hand against theory: found 0.01275, "
                      "expected 0.01235"),
    Answer("radius-of-the-unsmoothed-cell", "wrong", {_RADIUS: """
        radius_by_hand = SIGMA * math.sqrt(2 * math.log(B / T))
        area_by_hand = math.pi * radius_by_hand**2
        """}, message="Task 4, .*radius_by_hand against theory: found 7.064"),
    Answer("midpoint-with-the-quoted-exponent", "wrong", {_MIDPOINT: """
        midpoint_by_hand = 2 * B * math.exp(-2.25)
        """}, message="Task 5, .*midpoint_by_hand against the simulation: found 0.2108"),
    Answer("separation-of-smoothed-cells", "wrong", {_SEPARATION: """
        s_eff = math.sqrt(SIGMA**2 + SIGMA_S**2)
        separation_by_hand = 2 * s_eff * math.sqrt(2 * math.log(2 * peak_by_hand / T))
        """}, message="Task 6, .*separation_by_hand against the simulation: found 20.25"),
    Answer("numpy-scipy-and-a-discrete-kernel", "alternative", {
        _PEAK: "peak_by_hand = round(36 / 40, 2)",
        _NOISE: """
        x = np.arange(-10, 11)
        g = np.exp(-x**2 / (2 * SIGMA_S**2))
        kernel = np.outer(g, g) / np.outer(g, g).sum()
        noise_std_by_hand = NOISE * np.sqrt((kernel**2).sum())
        """,
        _CLIPPED: """
        factor = 1 / (2 * np.sqrt(np.pi) * SIGMA_S)
        clipped_mean_by_hand = NOISE / np.sqrt(2 * np.pi)
        clipped_std_by_hand = NOISE * np.sqrt(0.5 - 1 / (2 * np.pi)) * factor
        """,
        _FRACTIONS: """
        from scipy.stats import norm

        fraction_zero_mean_model = norm.sf(LOW_T, loc=0, scale=noise_std_by_hand)
        fraction_clipped = norm.sf(LOW_T, loc=clipped_mean_by_hand, scale=clipped_std_by_hand)
        """,
        _RADIUS: """
        area_by_hand = 2 * np.pi * (SIGMA**2 + SIGMA_S**2) * np.log(peak_by_hand / T)
        radius_by_hand = np.sqrt(area_by_hand / np.pi)
        """,
        _MIDPOINT: "midpoint_by_hand = 2 * np.exp(-2.0)",
        _SEPARATION: "separation_by_hand = math.sqrt(8 * SIGMA**2 * math.log(2 * B / T))",
    }),
)


# --------------------------------------------------------------------- 02_watershed

_MARKERS = "peaks = (surface == ndimage.maximum_filter(surface, size=size)) & mask"
_GROW = "cost = np.where(mask, 0, 255).astype(np.uint8)"
_SPLIT = "distance = ndimage.distance_transform_edt(mask)\n    markers = find_markers("
_BY_INTENSITY = "return grow_markers(mask, find_markers(smoothed, mask, min_distance))"
_SWEEP_02 = "count = {m: np.zeros((len(SEPARATIONS), len(SWEEP_SEEDS)), dtype=int)"

def _sweep_02(line: str) -> str:
    """The sweep of task 5 with one line of the scoring replaced."""
    body = """
        count = {m: np.zeros((len(SEPARATIONS), len(SWEEP_SEEDS)), dtype=int) for m in METHODS}
        error = {m: np.zeros((len(SEPARATIONS), len(SWEEP_SEEDS))) for m in METHODS}
        correct = {m: np.zeros((len(SEPARATIONS), len(SWEEP_SEEDS)), dtype=bool) for m in METHODS}
        for i, d in enumerate(SEPARATIONS):
            for j, seed in enumerate(SWEEP_SEEDS):
                img, c = two_cells(d, seed)
                sm = smooth(img)
                lab, _ = segment(sm)
                fg = lab > 0
                results = {"plain": lab, "distance": split_touching(fg),
                           "intensity": split_by_intensity(sm, fg)}
                for m, labels in results.items():
                    found = label_centroids(labels)
                    count[m][i, j] = labels.max()
                    error[m][i, j] = centre_error(c, found)
                    matched = match_by_distance(c, found, MATCH_DISTANCE).n_matched
                    correct[m][i, j] = labels.max() == 2 and matched == 2
        """
    key = line.split(" = ")[0]
    lines = [("                    " + line) if ln.strip().startswith(key + " =") else ln
             for ln in body.split("\n")]
    return "\n".join(lines)


answers(
    "02_watershed",
    Answer("plateau-pixels-not-joined", "wrong", {_MARKERS: """
        size = 2 * int(min_distance) + 1
        peaks = (surface == ndimage.maximum_filter(surface, size=size)) & mask
        return peaks.astype(int)
        """}, message="Task 2a, .*markers on the toy surface: found 1, expected 3"),
    Answer("window-of-min-distance-pixels", "wrong", {_MARKERS: """
        peaks = (surface == ndimage.maximum_filter(surface, size=min_distance)) & mask
        return ndimage.label(peaks, structure=np.ones((3, 3)))[0]
        """}, message="Task 2a, .*two peaks 3 px apart, min_distance=3, higher on the left: "
                      "found 2, "
                      "expected 1"),
    Answer("markers-with-their-positive-sign", "wrong", {_GROW: """
        cost = np.where(mask, 0, 255).astype(np.uint8)
        labels = ndimage.watershed_ift(cost, markers.astype(np.int32))
        labels[~mask] = 0
        return labels
        """}, message="Task 3a, .*grow_markers on the row of 3.2: found"),
    Answer("unmarked-piece-kept", "wrong", {_GROW: """
        cost = np.where(mask, 0, 255).astype(np.uint8)
        labels = -ndimage.watershed_ift(cost, -markers.astype(np.int32))
        labels[~mask] = 0
        return labels
        """}, message="Task 3a, .*grow_markers on two pieces, one marked: "
                      "found .*1, 1, 1, 0, 1, 1"),
    Answer("markers-on-the-flat-mask", "wrong", {_SPLIT: """
        return grow_markers(mask, find_markers(mask.astype(float), mask, min_distance))
        """}, message="Task 3b, regions of split_touching\\(mask\\) at 14 px: found 1, expected 2"),
    Answer("intensity-split-on-the-distance", "wrong", {_BY_INTENSITY: """
        distance = ndimage.distance_transform_edt(mask)
        return grow_markers(mask, find_markers(distance, mask, min_distance))
        """}, message="Task 4, regions of split_by_intensity, noise-free pair 13 px apart: "
                      "found 1"),
    Answer("float-marker-labels", "wrong", {_MARKERS: """
        size = 2 * int(min_distance) + 1
        peaks = (surface == ndimage.maximum_filter(surface, size=size)) & mask
        return ndimage.label(peaks, structure=np.ones((3, 3)))[0] * 1.0
        """}, message="Task 2a, find_markers.*expected integer labels .*found dtype float64"),
    Answer("even-window-of-twice-min-distance", "wrong", {_MARKERS: """
        peaks = (surface == ndimage.maximum_filter(surface, size=2 * min_distance)) & mask
        return ndimage.label(peaks, structure=np.ones((3, 3)))[0]
        """}, message="Task 2a, .*higher on the right: found 2, expected 1"),
    Answer("plateau-labelled-4-connected", "wrong", {_MARKERS: """
        size = 2 * int(min_distance) + 1
        peaks = (surface == ndimage.maximum_filter(surface, size=size)) & mask
        return ndimage.label(peaks)[0]
        """}, message="Task 2a, markers of a plateau whose two pixels touch at a corner: found 2"),
    Answer("intensity-smoothed-twice", "wrong", {_BY_INTENSITY: """
        return grow_markers(mask, find_markers(smooth(smoothed), mask, min_distance))
        """}, message="Task 4, regions of split_by_intensity, noise-free pair 13 px apart: "
                      "found 1"),
    Answer("centre-error-arguments-swapped", "wrong", {_SWEEP_02: _sweep_02(
        "error[m][i, j] = centre_error(found, c)")},
        message="Task 5, error\\['(plain|distance|intensity)'\\] at separation"),
    Answer("correct-needs-one-match", "wrong", {_SWEEP_02: _sweep_02(
        "correct[m][i, j] = labels.max() == 2 and matched == 1")},
        message="Task 5, correct\\['plain'\\] at separation 20 px, seed .*: found False, "
                "expected True"),
    Answer("grey-dilation-and-skimage-label", "alternative", {_MARKERS: """
        from skimage.measure import label

        size = 2 * int(min_distance) + 1
        peaks = mask & (surface >= ndimage.grey_dilation(surface, size=(size, size)))
        return label(peaks, connectivity=2)
        """}),
    Answer("skimage-flat-flood", "alternative", {_GROW: """
        from skimage.segmentation import watershed

        flooded = watershed(np.zeros(mask.shape), markers, mask=mask)
        return flooded
        """}),
    Answer("cost-wall-of-one", "alternative", {_GROW: """
        cost = np.where(mask, 0, 1).astype(np.uint8)
        labels = -ndimage.watershed_ift(cost, -markers.astype(np.int32))
        pieces, _ = ndimage.label(mask)
        labels[~(mask & np.isin(pieces, pieces[markers > 0]))] = 0
        return labels
        """}),
    Answer("breadth-first-growth-by-dilation", "alternative", {_GROW: """
        labels = np.where(mask, markers, 0).astype(int)
        cross = ndimage.generate_binary_structure(2, 1)
        while True:
            grown = ndimage.grey_dilation(labels, footprint=cross)
            new = mask & (labels == 0) & (grown > 0)
            if not new.any():
                return labels
            labels[new] = grown[new]
        """}),
    Answer("footprint-bincount-and-a-flat-loop", "alternative", {
        _MARKERS: """
        footprint = np.ones((2 * min_distance + 1, 2 * min_distance + 1), dtype=bool)
        is_peak = mask & (ndimage.maximum_filter(surface, footprint=footprint) <= surface)
        labelled, _ = ndimage.label(is_peak, structure=ndimage.generate_binary_structure(2, 2))
        return labelled
        """,
        _GROW: """
        wall = (~mask).astype(np.uint8) * 255
        grown = -ndimage.watershed_ift(wall, -np.asarray(markers, dtype=np.int32))
        pieces, n = ndimage.label(mask)
        has_marker = np.bincount(pieces[markers > 0], minlength=n + 1) > 0
        has_marker[0] = False
        return np.where(has_marker[pieces], grown, 0)
        """,
        _SPLIT: """
        return grow_markers(mask, find_markers(ndimage.distance_transform_edt(mask), mask,
                                               min_distance))
        """,
        _BY_INTENSITY: """
        markers = find_markers(smoothed, mask, min_distance)
        return grow_markers(mask, markers)
        """,
        _SWEEP_02: """
        shape = (len(SEPARATIONS), len(SWEEP_SEEDS))
        count = {m: np.zeros(shape, dtype=int) for m in METHODS}
        error = {m: np.zeros(shape) for m in METHODS}
        correct = {m: np.zeros(shape, dtype=bool) for m in METHODS}
        for (i, d), (j, seed) in ((a, b) for a in enumerate(SEPARATIONS)
                                  for b in enumerate(SWEEP_SEEDS)):
            img, c = two_cells(d, seed)
            sm = smooth(img)
            fg = segment(sm)[0] > 0
            for m, labels in (("plain", ndimage.label(fg)[0] * 0 + segment(sm)[0]),
                              ("distance", split_touching(fg)),
                              ("intensity", split_by_intensity(sm, fg))):
                found = label_centroids(labels)
                n = int(labels.max())
                count[m][i, j] = n
                error[m][i, j] = centre_error(c, found)
                correct[m][i, j] = n == 2 and match_by_distance(c, found, 6.0).n_matched == 2
        """}),
)


# --------------------------------------------------------------------- 03_dim_cells

_SCORE_DETECTIONS = '"dim_found": int(found[is_dim].sum())'
_SEGMENT_WITH_MEANS = "means = ndimage.mean(smoothed, labels"
_SWEEP = "dim_recall, bright_recall, unmatched_per_image, noise_per_image = ("
_BEST = "errors = ((1 - dim_recall) * n_dim_total"
_REGION_MEAN = "def expected_region_mean(peak, threshold):"
_CLASSIFY = "counts = {name: np.zeros(3, dtype=int)"
_CHOOSE = ("(lambda thresholds, errors, noise: "
           "float(thresholds[noise == 0][np.argmin(errors[noise == 0])]))")

answers(
    "03_dim_cells",
    Answer("peaks-not-smoothed", "wrong", {"bright_peak = smoothed_peak(BRIGHT)": """
        bright_peak, dim_peak = BRIGHT, DIM
        """}, message="Task 2a, bright_peak: found 1, expected 0.9"),
    Answer("unmatched-counts-missed-cells", "wrong", {_SCORE_DETECTIONS: '''
        labels, n_found = segment(smoothed, threshold, min_size)
        m = match_by_distance(centres, label_centroids(labels), MATCH_DISTANCE)
        found = np.isin(np.arange(len(centres)), m.true_index)
        return {"dim_found": int(found[is_dim].sum()), "bright_found": int(found[~is_dim].sum()),
                "unmatched": int((~found).sum())}
        '''}, message="Task 2b, score_detections on image 0 at threshold 0.5: "
                      "found .*unmatched: 4"),
    Answer("unmatched-total-not-per-image", "wrong", {_SWEEP: '''
        dim_recall, bright_recall, unmatched_per_image, noise_per_image = (
            np.zeros(len(THRESHOLDS)) for _ in range(4))
        for k, t in enumerate(THRESHOLDS):
            s = [score_detections(sm, c, d, t) for sm, (_, c, d) in zip(sample_smoothed, sample)]
            dim_recall[k] = sum(x["dim_found"] for x in s) / n_dim_total
            bright_recall[k] = sum(x["bright_found"] for x in s) / n_bright_total
            unmatched_per_image[k] = sum(x["unmatched"] for x in s)
            noise_per_image[k] = np.mean([segment(z, t)[1] for z in noise_smoothed])
        '''}, message="Task 3a, unmatched_per_image at threshold 0.08: found"),
    Answer("errors-as-fractions", "wrong", {_BEST: '''
        errors = (1 - dim_recall) + (1 - bright_recall) + unmatched_per_image
        choose_threshold = ''' + _CHOOSE + '''
        best_threshold = float(THRESHOLDS[np.argmin(np.where(noise_per_image == 0, errors, 99))])
        '''}, message="Task 3b, errors at threshold 0.08: found .*, expected"),
    Answer("errors-without-unmatched", "wrong", {_BEST: '''
        errors = (1 - dim_recall) * n_dim_total + (1 - bright_recall) * n_bright_total
        choose_threshold = ''' + _CHOOSE + '''
        best_threshold = float(THRESHOLDS[np.argmin(np.where(noise_per_image == 0, errors, 999))])
        '''}, message="Task 3b, errors at threshold 0.08: found"),
    Answer("threshold-choice-without-the-noise-rule", "wrong", {_BEST: '''
        errors = ((1 - dim_recall) * n_dim_total + (1 - bright_recall) * n_bright_total
                  + unmatched_per_image * len(sample))

        def choose_threshold(thresholds, errors, noise_per_image):
            return float(thresholds[np.argmin(errors)])

        best_threshold = choose_threshold(THRESHOLDS, errors, noise_per_image)
        '''}, message=r"Task 3b, choose_threshold\(thresholds=\[0.1, 0.2, 0.3, 0.4\], "
                    r"errors=\[1, 5, 2, 4\].*found 0.1, expected 0.3"),
    Answer("threshold-above-the-last-noisy-one", "alternative", {_BEST: '''
        errors = np.rint((1 - dim_recall) * n_dim_total + (1 - bright_recall) * n_bright_total
                         + unmatched_per_image * len(sample))

        def choose_threshold(thresholds, errors, noise_per_image):
            quiet = np.flatnonzero(np.asarray(noise_per_image) == 0)
            return float(thresholds[quiet[np.argmin(np.asarray(errors)[quiet])]])

        best_threshold = choose_threshold(THRESHOLDS, errors, noise_per_image)
        '''}),
    Answer("means-include-the-background", "wrong", {_SEGMENT_WITH_MEANS: '''
        labels, n = segment(smoothed, threshold, min_size)
        return labels, ndimage.mean(smoothed, labels, index=np.arange(n + 1))
        '''}, message="Task 4a, .*toy_means: expected 2 means, one per label .*; found 3"),
    Answer("sums-instead-of-means", "wrong", {_SEGMENT_WITH_MEANS: '''
        labels, n = segment(smoothed, threshold, min_size)
        return labels, ndimage.sum(smoothed, labels, index=np.arange(1, n + 1))
        '''}, message="Task 4a, mean of label 1: found 7.2, expected 0.8"),
    Answer("region-mean-is-the-average-of-peak-and-threshold", "wrong", {_REGION_MEAN: '''
        def expected_region_mean(peak, threshold):
            return (peak + threshold) / 2

        class_threshold = (expected_region_mean(bright_peak, best_threshold)
                           + expected_region_mean(dim_peak, best_threshold)) / 2
        '''}, message=r"Task 4b, expected_region_mean\(1.0, 0.5\): found 0.75, expected 0.7213"),
    Answer("class-threshold-between-the-peaks", "wrong", {_REGION_MEAN: '''
        def expected_region_mean(peak, threshold):
            return (peak - threshold) / np.log(peak / threshold)

        class_threshold = (bright_peak + dim_peak) / 2
        '''}, message="Task 4b, class_threshold: found 0.63, expected 0.4312"),
    Answer("dim-and-bright-swapped", "wrong", {_CLASSIFY: '''
        tp = {"bright": 0, "dim": 0}; called = dict(tp); true = dict(tp)
        for sm, (_, c, d) in zip(sample_smoothed, sample):
            labels, means = segment_with_means(sm, threshold)
            xy = label_centroids(labels)
            for name, t_sel, f_sel in (("dim", d, means > class_threshold),
                                       ("bright", ~d, means <= class_threshold)):
                m = match_by_distance(c[t_sel], xy[f_sel], MATCH_DISTANCE)
                tp[name] += m.n_matched; called[name] += m.n_found; true[name] += m.n_true
        return {k: {"precision": tp[k] / called[k], "recall": tp[k] / true[k]} for k in tp}
        '''}, message="Task 5, .*bright precision: found 0"),
    Answer("float-look-up-and-vectorised", "alternative", {
        _SCORE_DETECTIONS: '''
        labels, n = segment(smoothed, threshold, min_size)
        m = match_by_distance(centres, label_centroids(labels), MATCH_DISTANCE)
        hit = np.isin(np.arange(len(centres)), m.true_index)
        return dict(dim_found=np.count_nonzero(hit & is_dim),
                    bright_found=np.count_nonzero(hit & ~is_dim), unmatched=n - len(m.true_index))
        ''',
        _SWEEP: '''
        rows = []
        for t in THRESHOLDS:
            tot = {"dim_found": 0, "bright_found": 0, "unmatched": 0}
            for sm, (_, c, d) in zip(sample_smoothed, sample):
                for key, v in score_detections(sm, c, d, t).items():
                    tot[key] += v
            noise = sum(segment(z, t)[1] for z in noise_smoothed) / len(noise_smoothed)
            rows.append((tot["dim_found"] / 160, tot["bright_found"] / 160,
                         tot["unmatched"] / 40, noise))
        dim_recall, bright_recall, unmatched_per_image, noise_per_image = np.array(rows).T
        ''',
        _BEST: '''
        missed = (1 - dim_recall) * 160 + (1 - bright_recall) * 160
        errors = np.round(missed + 40 * unmatched_per_image)

        def choose_threshold(thresholds, errors, noise_per_image):
            best = int(np.argmin(np.where(noise_per_image > 0, np.inf, errors)))
            return thresholds[0] + 0.1 * round(10 * (thresholds[best] - thresholds[0]), 1)

        best = int(np.argmin(np.where(noise_per_image > 0, np.inf, errors)))
        best_threshold = 0.08 + 0.01 * best   # not exactly a value of THRESHOLDS
        ''',
        _SEGMENT_WITH_MEANS: '''
        labels, n = segment(smoothed, threshold, min_size)
        sums = np.bincount(labels.ravel(), weights=smoothed.ravel(), minlength=n + 1)
        return labels, sums[1:] / np.bincount(labels.ravel(), minlength=n + 1)[1:]
        ''',
        _REGION_MEAN: '''
        from scipy.integrate import quad

        def expected_region_mean(peak, threshold, s=1.0):
            r_t = s * np.sqrt(2 * np.log(peak / threshold))
            total, _ = quad(lambda r: peak * np.exp(-r**2 / (2 * s**2)) * 2 * np.pi * r, 0, r_t)
            return total / (np.pi * r_t**2)

        class_threshold = np.mean([expected_region_mean(p, best_threshold)
                                   for p in (bright_peak, dim_peak)])
        ''',
        _CLASSIFY: '''
        per_class = {"bright": [0, 0, 0], "dim": [0, 0, 0]}
        for sm, (_, c, d) in zip(sample_smoothed, sample):
            labels, means = segment_with_means(sm, threshold)
            xy = label_centroids(labels)
            for name, want_dim in (("bright", False), ("dim", True)):
                m = match_by_distance(c[d == want_dim], xy[(means < class_threshold) == want_dim],
                                      MATCH_DISTANCE)
                pr = precision_recall(m)
                per_class[name][0] += pr["recall"] * m.n_true      # true positives
                per_class[name][1] += m.n_found
                per_class[name][2] += m.n_true
        return {k: {"precision": tp / n_called, "recall": tp / n_true}
                for k, (tp, n_called, n_true) in per_class.items()}
        '''}),
)


# -------------------------------------------------------------------- 04_noise_sweep

_SCORE_IMAGE = "matched = match_by_distance(centres, label_centroids(labels), MATCH_DISTANCE)"
_SWEEP_04 = "out = {key: np.zeros((len(noise_levels), n_images), dtype=int)"
_EXTEND = "levels = np.concatenate([SEED_LEVELS, EXTENDED_LEVELS])"
_TASK3_04 = """
        levels = np.concatenate([SEED_LEVELS, EXTENDED_LEVELS])
        extended_sweep = sweep(EXTENDED_LEVELS)
        result = {key: np.concatenate([seed_sweep[key], extended_sweep[key]])
                  for key in seed_sweep}"""

answers(
    "04_noise_sweep",
    Answer("misses-and-false-from-the-count", "wrong", {_SCORE_IMAGE: """
        labels, count = segment(smooth(image))
        return count, max(len(centres) - count, 0), max(count - len(centres), 0)
        """}, message=r"Task 1, score_image at noise 0.65, image 5: \(count, missed, false\): "
                   r"found \(7, 1, 0\)"),
    Answer("count-of-matched-regions", "wrong", {_SCORE_IMAGE: """
        labels, count = segment(smooth(image))
        m = match_by_distance(centres, label_centroids(labels), MATCH_DISTANCE)
        return m.n_matched, m.n_true - m.n_matched, m.n_found - m.n_matched
        """}, message=r"Task 1, .*found \(6, 2, 1\), expected \(7, 2, 1\)"),
    Answer("wrong-means-count-not-8", "wrong", {_EXTEND: _TASK3_04 + """
        fraction_wrong = (result["count"] != N_CELLS).mean(axis=1)
        first_failure = float(levels[np.argmax(fraction_wrong > FAIL_FRACTION)])
        """}, message="Task 3, fraction of images wrong at noise 0.\\d+: found"),
    Answer("first-level-with-any-wrong-image", "wrong", {_EXTEND: _TASK3_04 + """
        bad = (result["count"] != N_CELLS) | (result["missed"] > 0) | (result["false"] > 0)
        fraction_wrong = bad.mean(axis=1)
        first_failure = float(levels[np.argmax(fraction_wrong > 0)])
        """}, message="Task 3, first_failure: found 0.6, expected 0.65"),
    Answer("wrong-images-counted-not-a-fraction", "wrong", {_EXTEND: _TASK3_04 + """
        bad = (result["count"] != N_CELLS) | (result["missed"] > 0) | (result["false"] > 0)
        fraction_wrong = bad.sum(axis=1)
        first_failure = float(levels[np.argmax(fraction_wrong > FAIL_FRACTION)])
        """}, message="Task 3, fraction_wrong lies between 0 and 1: no"),
    Answer("score-as-a-dict", "wrong", {_SCORE_IMAGE: """
        labels, count = segment(smooth(image))
        m = match_by_distance(centres, label_centroids(labels), MATCH_DISTANCE)
        return {"count": count, "missed": m.n_true - m.n_matched, "false": count - m.n_matched}
        """}, message="Task 1, score_image.*expected 3 numbers in a tuple .*found a dict"),
    Answer("seed-k-instead-of-seed-plus-k", "wrong", {_SWEEP_04: """
        out = {key: np.zeros((len(noise_levels), n_images), dtype=int)
               for key in ("count", "missed", "false")}
        for i, level in enumerate(noise_levels):
            for k in range(n_images):
                scores = score_image(*make_image(noise_scale=level, seed=k))
                for key, value in zip(("count", "missed", "false"), scores):
                    out[key][i, k] = value
        return out
        """}, message="Task 2, sweep at noise 0.85, image 0: found"),
    Answer("one-seed-for-every-image", "wrong", {_SWEEP_04: """
        out = {key: np.zeros((len(noise_levels), n_images), dtype=int)
               for key in ("count", "missed", "false")}
        for i, level in enumerate(noise_levels):
            image, centres = make_image(noise_scale=level)
            scores = score_image(image, centres)
            for k in range(n_images):
                for key, value in zip(("count", "missed", "false"), scores):
                    out[key][i, k] = value
        return out
        """}, message="Task 2, sweep at noise 0.85, image 1: found"),
    Answer("sets-stacked-arrays-and-flatnonzero", "alternative", {
        _SCORE_IMAGE: """
        labels, n = segment(smooth(image))
        m = match_by_distance(centres, label_centroids(labels), MATCH_DISTANCE)
        hits = len(set(m.true_index.tolist()))
        return int(n), int(len(centres) - hits), int(n - hits)
        """,
        _SWEEP_04: """
        scores = np.array([[score_image(*make_image(noise_scale=lv, seed=SEED + k))
                            for k in range(n_images)] for lv in noise_levels])
        return {"count": scores[..., 0], "missed": scores[..., 1], "false": scores[..., 2]}
        """,
        _EXTEND: """
        levels = np.append(SEED_LEVELS, EXTENDED_LEVELS)
        more = sweep(EXTENDED_LEVELS)
        result = {k: np.vstack([seed_sweep[k], more[k]]) for k in ("count", "missed", "false")}
        ok = (result["count"] == 8) & (result["missed"] == 0) & (result["false"] == 0)
        fraction_wrong = 1.0 - ok.mean(axis=1)
        first_failure = levels[np.flatnonzero(fraction_wrong > FAIL_FRACTION)[0]]
        """}),
)


# ------------------------------------------------------------ 05_adaptive_threshold

_SCORE = "m = match_by_distance(centres, label_centroids(labels), MATCH_DISTANCE)\n    return {"
_TASK3 = "def errors(smoothed_images, images, threshold):"
_GENERIC = "return ndimage.generic_filter(smoothed, np.percentile"
_PFILTER = "return ndimage.percentile_filter(smoothed, percentile, size=size)"
_DOWN = "blocks = smoothed.reshape(rows // factor, factor, cols // factor, factor)"
_LOCAL = "return segment(smoothed - background_downsampled(smoothed), MARGIN"
_ERRORS_LOCAL = "errors_local = np.zeros(len(AMPLITUDES), dtype=int)"


def _downsampled(small_size: str, upsample: str) -> str:
    return f"""
        rows, cols = smoothed.shape
        blocks = smoothed.reshape(rows // factor, factor, cols // factor, factor).mean(axis=(1, 3))
        small = ndimage.percentile_filter(blocks, percentile, size={small_size})
        return {upsample}
        """


_ZOOM = 'ndimage.zoom(small, factor, order=1, grid_mode=True, mode="nearest")'

answers(
    "05_adaptive_threshold",
    Answer("missed-cells-reported-as-false", "wrong", {_SCORE: """
        m = match_by_distance(centres, label_centroids(labels), MATCH_DISTANCE)
        return {"found": m.n_matched, "missed": m.n_true - m.n_matched,
                "false": m.n_true - m.n_matched}
        """}, message="Task 1, .*default image plus a region in the corner: found .*false: 0"),
    Answer("errors-count-only-missed-cells", "wrong", {_TASK3: """
        def errors(smoothed_images, images, threshold):
            return sum(score(segment(sm, threshold)[0], c)["missed"]
                       for sm, (_, c) in zip(smoothed_images, images))

        errors_at_05 = np.array([errors(sweep_smoothed[a], sweep[a], THRESHOLD)
                                 for a in AMPLITUDES])
        table = np.array([[errors(sweep_smoothed[a], sweep[a], t) for t in GLOBAL_THRESHOLDS]
                          for a in AMPLITUDES])
        best_global = GLOBAL_THRESHOLDS[table.argmin(axis=1)]
        errors_best_global = table.min(axis=1)
        """}, message="Task 3, .*errors at 0.5 .*: found"),
    Answer("argmin-along-the-wrong-axis", "wrong", {_TASK3: """
        def errors(smoothed_images, images, threshold):
            total = 0
            for sm, (_, c) in zip(smoothed_images, images):
                s = score(segment(sm, threshold)[0], c)
                total += s["missed"] + s["false"]
            return total

        errors_at_05 = np.array([errors(sweep_smoothed[a], sweep[a], THRESHOLD)
                                 for a in AMPLITUDES])
        table = np.array([[errors(sweep_smoothed[a], sweep[a], t) for t in GLOBAL_THRESHOLDS]
                          for a in AMPLITUDES])
        best_global = GLOBAL_THRESHOLDS[table.argmin(axis=0)]
        errors_best_global = table.min(axis=0)
        """}, message="Task 3, .*best_global: expected 5 thresholds, one per amplitude; found 46"),
    Answer("percent-as-a-fraction", "wrong", {_PFILTER: """
        return ndimage.percentile_filter(smoothed, percentile / 100, size=size)
        """}, message="Task 4a, .*top-left pixel: found"),
    Answer("no-way-back-to-full-size", "wrong", {_DOWN: """
        rows, cols = smoothed.shape
        blocks = smoothed.reshape(rows // factor, factor, cols // factor, factor).mean(axis=(1, 3))
        return ndimage.percentile_filter(blocks, percentile, size=round(size / factor) | 1)
        """}, message=r"Task 4b, .*shape of background_downsampled\(smoothed_hard\): "
                      r"found \(32, 32\), "
                      r"expected \(128, 128\)"),
    Answer("window-not-scaled-to-blocks", "wrong", {_DOWN: _downsampled("size", _ZOOM)},
           message="Task 4b, .*mean \\|downsampled - percentile_filter\\|"),
    Answer("block-mean-instead-of-percentile", "wrong", {_DOWN: """
        rows, cols = smoothed.shape
        blocks = smoothed.reshape(rows // factor, factor, cols // factor, factor).mean(axis=(1, 3))
        small = ndimage.uniform_filter(blocks, size=round(size / factor) | 1)
        return ndimage.zoom(small, factor, order=1, grid_mode=True, mode="nearest")
        """}, message="Task 4b, .*mean \\|downsampled - percentile_filter\\|"),
    Answer("no-background-subtracted", "wrong", {_LOCAL: """
        return segment(smoothed, MARGIN, MIN_CELL_SIZE)[0]
        """}, message="Task 5, .*errors of the local threshold"),
    Answer("errors-local-from-the-global-threshold", "wrong", {_ERRORS_LOCAL: """
        errors_local = np.zeros(len(AMPLITUDES), dtype=int)
        for k, a in enumerate(AMPLITUDES):
            for sm, (_, c) in zip(sweep_smoothed[a], sweep[a]):
                s = score(segment(sm, THRESHOLD)[0], c)
                errors_local[k] += s["missed"] + s["false"]
        """}, message="Task 5, errors_local at A = 0.4: found [1-9][0-9]*, but segment_local "
                      "makes 0 errors"),
    Answer("window-of-9-blocks", "alternative", {_DOWN: _downsampled("9", _ZOOM)}),
    Answer("zoom-without-grid-mode", "alternative",
           {_DOWN: _downsampled("11", "ndimage.zoom(small, factor, order=1)")}),
    Answer("hard-coded-arrays", "wrong", {_TASK3: """
        errors_at_05 = np.array([0, 10, 50, 60, 70])
        best_global = np.array([0.5, 0.6, 0.7, 0.9, 1.0])
        errors_best_global = np.array([0, 0, 0, 2, 15])
        """}, message="Task 3, errors at 0.5 at A = 0.4: found 10, expected"),
    Answer("kron-upsampling", "alternative",
           {_DOWN: _downsampled("11", "np.kron(small, np.ones((factor, factor)))")}),
    Answer("float-arrays-and-other-loops", "alternative", {
        _TASK3: """
        errors_at_05 = np.zeros(len(AMPLITUDES))
        errors_best_global = np.zeros(len(AMPLITUDES))
        best_global = np.zeros(len(AMPLITUDES))
        for i, a in enumerate(AMPLITUDES):
            per_t = []
            for t in GLOBAL_THRESHOLDS:
                scores = [score(segment(sm, t)[0], c)
                          for sm, (_, c) in zip(sweep_smoothed[a], sweep[a])]
                per_t.append(sum(s["missed"] + s["false"] for s in scores))
            per_t = np.array(per_t, dtype=float)
            k = len(per_t) - 1 - np.argmin(per_t[::-1])   # the last of the tied thresholds
            best_global[i], errors_best_global[i] = GLOBAL_THRESHOLDS[k], per_t[k]
            pairs = zip(sweep_smoothed[a], sweep[a])
            at_05 = [score(segment(sm, 0.5)[0], c) for sm, (_, c) in pairs]
            errors_at_05[i] = sum(s["missed"] + s["false"] for s in at_05)
        """,
        _LOCAL: """
        difference = np.subtract(smoothed, background_downsampled(smoothed, factor=4))
        return segment(difference, threshold=MARGIN, min_size=MIN_CELL_SIZE)[0]
        """,
        _ERRORS_LOCAL: """
        errors_local = []
        for a in AMPLITUDES:
            pairs = zip(sweep_smoothed[a], sweep[a])
            scores = [score(segment_local(sm), c) for sm, (_, c) in pairs]
            errors_local.append(float(sum(s["missed"] + s["false"] for s in scores)))
        """}),
)


# ----------------------------------------------------------------- 06_improve_nuclei

_ERRORS_06 = 'baseline_errors = {"split": 0'
_PIPELINE_06 = "mask = ndimage.binary_fill_holes(sm > otsu_threshold(sm))"
_DELTAS_06 = 'delta_f1 = after["f1"] - before["f1"]'


def _changes_06(count: str, delta_f1: str = 'after["f1"] - before["f1"]') -> str:
    """score_changes's body with another count of the images that improved."""
    return f"""
        delta_f1 = {delta_f1}
        delta_ap = after["ap"] - before["ap"]
        return delta_f1, delta_ap, {count}
        """


def _watershed_06(markers: str, flood: str = "watershed(-dist, markers, mask=mask)",
                  smoothing: str = "ndimage.gaussian_filter(raw, DIAMETER / 8)") -> str:
    """improved_pipeline's body with other markers, flood or smoothing of the distance map."""
    return f"""
        sm = smooth(image, 2.0)
        mask = ndimage.binary_fill_holes(sm > otsu_threshold(sm))
        raw = ndimage.distance_transform_edt(mask)
        dist = {smoothing}
        markers = {markers}
        labels = {flood}
        area = np.bincount(labels.ravel())
        labels[(area < 30)[labels]] = 0
        return labels
        """


_PEAKS_06 = "ndimage.label(mask & (dist == ndimage.maximum_filter(dist, size={})))[0]"

answers(
    "06_improve_nuclei",
    Answer("error-categories-with-the-arguments-swapped", "wrong", {_ERRORS_06: """
        baseline_errors = {"split": 0, "merged": 0, "missed": 0, "extra": 0}
        for s, found in zip(samples, baseline["found"]):
            for k, v in error_categories(found, s.labels).items():
                baseline_errors[k] += v
        """}, message=r"Task 1, .*errors of the simple pipeline, 12 images: "
                      r"found \{split: 168, merged: 0"),
    Answer("counts-of-the-last-image-only", "wrong", {_ERRORS_06: """
        for s, found in zip(samples, baseline["found"]):
            baseline_errors = error_categories(s.labels, found)
        """}, message="Task 1, .*errors of the simple pipeline, 12 images: found"),
    Answer("counter-sum-drops-the-zero-count", "wrong", {_ERRORS_06: """
        from collections import Counter

        baseline_errors = sum((Counter(error_categories(s.labels, f))
                               for s, f in zip(samples, baseline["found"])), Counter())
        """}, message="Task 1, .*baseline_errors: expected a dict with the keys "
                      ".*found the keys 'extra', "
                      "'merged', 'missed'$"),
    Answer("a-mask-instead-of-labels", "wrong", {_PIPELINE_06: """
        sm = smooth(image, 2.0)
        mask = ndimage.binary_fill_holes(sm > otsu_threshold(sm))
        dist = ndimage.gaussian_filter(ndimage.distance_transform_edt(mask), DIAMETER / 8)
        peaks = mask & (dist == ndimage.maximum_filter(dist, size=19))
        return watershed(-dist, ndimage.label(peaks)[0], mask=mask) > 0
        """}, message="Task 2, improved_pipeline.*expected integer labels .* found dtype bool"),
    Answer("one-marker-per-connected-component", "wrong",
           {_PIPELINE_06: _watershed_06("ndimage.label(mask)[0]")},
           message="Task 2, .*merged objects: found 168"),
    Answer("flood-uphill-from-the-peaks", "wrong",
           {_PIPELINE_06: _watershed_06(_PEAKS_06.format(19),
                                        flood="watershed(dist, markers, mask=mask)")},
           message="Task 2, .*merged objects: found 168"),
    Answer("markers-from-the-raw-distance-map", "wrong",
           {_PIPELINE_06: _watershed_06(_PEAKS_06.format(19), smoothing="raw")},
           message="Task 2, .*nuclei split into pieces: found 328"),
    Answer("markers-from-intensity-maxima", "wrong",
           {_PIPELINE_06: _watershed_06(
               "ndimage.label(mask & (sm == ndimage.maximum_filter(sm, size=19)))[0]",
               flood="watershed(-sm, markers, mask=mask)")},
           message="Task 2, .*nuclei split into pieces: found 106"),
    Answer("markers-a-diameter-apart-and-more", "wrong",
           {_PIPELINE_06: _watershed_06(_PEAKS_06.format("2 * round(DIAMETER) + 1"))},
           message="Task 2, .*nuclei missed: found 317"),
    Answer("flood-without-the-mask", "wrong",
           {_PIPELINE_06: _watershed_06(_PEAKS_06.format(19), flood="watershed(-dist, markers)")},
           message="Task 2, foreground of image 0: .* lie outside the Otsu mask"),
    Answer("relative-change-of-f1", "wrong",
           {_DELTAS_06: _changes_06("int(np.sum(after['f1_per_image'] > before['f1_per_image']))",
                                    'after["f1"] / before["f1"]')},
           message="Task 3, score_changes.* delta_f1 found 1.077, expected 0.05"),
    Answer("mean-of-per-image-f1", "wrong",
           {_DELTAS_06: _changes_06("int(np.sum(after['f1_per_image'] > before['f1_per_image']))",
                                    'np.mean(after["f1_per_image"] - before["f1_per_image"])')},
           message="Task 3, score_changes.* delta_f1 found 0.042, expected 0.05"),
    Answer("fraction-of-images-not-count", "wrong",
           {_DELTAS_06: _changes_06("np.mean(after['f1_per_image'] > before['f1_per_image'])")},
           message="Task 3, .*n_images_better found 0.6, expected 3"),
    Answer("images-better-or-equal", "wrong",
           {_DELTAS_06: _changes_06(
               "int(np.sum(after['f1_per_image'] >= before['f1_per_image']))")},
           message="Task 3, .*n_images_better found 4, expected 3"),
    Answer("images-with-a-positive-f1", "wrong",
           {_DELTAS_06: _changes_06("int(np.sum(after['f1_per_image'] > 0))")},
           message="Task 3, .*n_images_better found 5, expected 3"),
    Answer("number-of-images", "wrong",
           {_DELTAS_06: _changes_06("len(after['f1_per_image'])")},
           message="Task 3, .*n_images_better found 5, expected 3"),
    Answer("images-above-the-pooled-f1", "wrong",
           {_DELTAS_06: _changes_06("int(np.sum(after['f1_per_image'] > before['f1']))")},
           message="Task 3, .*n_images_better found 4, expected 3"),
    Answer("no-size-filter", "wrong", {_PIPELINE_06: """
        sm = smooth(image, 2.0)
        mask = ndimage.binary_fill_holes(sm > otsu_threshold(sm))
        dist = ndimage.gaussian_filter(ndimage.distance_transform_edt(mask), DIAMETER / 8)
        peaks = mask & (dist == ndimage.maximum_filter(dist, size=19))
        return watershed(-dist, ndimage.label(peaks)[0], mask=mask)
        """}, message="Task 2, objects under 30 px in image"),
    Answer("otsu-on-the-raw-image", "wrong", {_PIPELINE_06: """
        sm = smooth(image, 2.0)
        mask = ndimage.binary_fill_holes(sm > otsu_threshold(image))
        dist = ndimage.gaussian_filter(ndimage.distance_transform_edt(mask), DIAMETER / 8)
        peaks = mask & (dist == ndimage.maximum_filter(dist, size=19))
        labels = watershed(-dist, ndimage.label(peaks)[0], mask=mask)
        area = np.bincount(labels.ravel())
        labels[(area < 30)[labels]] = 0
        return labels
        """}, message="Task 2, foreground of image 0: the objects cover 98.1%"),
    Answer("h-maxima-markers", "alternative", {_PIPELINE_06: """
        from skimage.morphology import h_maxima

        sm = smooth(image, 2.0)
        mask = ndimage.binary_fill_holes(sm > otsu_threshold(sm))
        dist = ndimage.gaussian_filter(ndimage.distance_transform_edt(mask), DIAMETER / 8)
        markers = ndimage.label(h_maxima(dist, 1.0) & mask, structure=np.ones((3, 3)))[0]
        labels = watershed(-dist, markers, mask=mask)
        area = np.bincount(labels.ravel())
        labels[(area < 30)[labels]] = 0
        return labels
        """}),
    Answer("peak-local-max-and-a-counter", "alternative", {
        _ERRORS_06: """
        from collections import Counter

        baseline_errors = Counter()
        for truth, found in zip((s.labels for s in samples), baseline["found"]):
            baseline_errors.update(error_categories(truth, found))
        """,
        _PIPELINE_06: """
        from skimage.feature import peak_local_max
        from skimage.filters import gaussian, threshold_otsu

        sm = gaussian(image.astype(float), 2.0, preserve_range=True)
        mask = ndimage.binary_fill_holes(sm > threshold_otsu(sm))
        dist = gaussian(ndimage.distance_transform_edt(mask), DIAMETER / 8)
        peaks = peak_local_max(dist, min_distance=int(DIAMETER // 3),
                               labels=ndimage.label(mask)[0], exclude_border=False)
        markers = np.zeros(mask.shape, dtype=np.int32)
        markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
        labels = watershed(-dist, markers, mask=mask)
        small = np.flatnonzero(np.bincount(labels.ravel()) < 30)
        labels[np.isin(labels, small[small > 0])] = 0
        return labels
        """,
        _DELTAS_06: """
        delta_f1, delta_ap = (after[k] - before[k] for k in ("f1", "ap"))
        return delta_f1, delta_ap, sum(b < i for b, i in zip(before["f1_per_image"],
                                                             after["f1_per_image"]))
        """}),
    Answer("no-hole-filling-and-a-window-of-diameter-over-3", "alternative", {_PIPELINE_06: """
        sm = smooth(image, 2.0)
        mask = sm > otsu_threshold(sm)
        dist = ndimage.gaussian_filter(ndimage.distance_transform_edt(mask), DIAMETER / 8)
        peaks = mask & (dist == ndimage.maximum_filter(dist, size=round(DIAMETER / 3)))
        labels = watershed(-dist, ndimage.label(peaks)[0], mask=mask)
        return np.where(np.bincount(labels.ravel())[labels] >= 30, labels, 0)
        """}),
)


# ---------------------------------------------------------------- 07_better_features

_HELD_OUT_07 = "test_samples = samples[-3:]"
_CONTRAST_07 = "mean = ndimage.uniform_filter(z, 7)"
_SCORE_07 = "tp = fp = fn = 0"

answers(
    "07_better_features",
    Answer("measured-on-the-training-images", "wrong", {_HELD_OUT_07: """
        test_samples = samples[:3]
        """}, message="Task 1, test_samples holds 3 training image"),
    Answer("all-twelve-images", "wrong", {_HELD_OUT_07: """
        test_samples = samples
        """}, message="Task 1, test_samples holds 3 training image"),
    Answer("one-held-out-image", "wrong", {_HELD_OUT_07: """
        test_samples = samples[5:6]
        """}, message="Task 1, test_samples: 1 image"),
    Answer("a-copy-of-the-bank", "wrong", {_CONTRAST_07: """
        return ndimage.gaussian_filter(normalise(image)[0], 2)
        """}, message="Task 2, the feature function: plane 0 repeats the filter bank's plane"),
    Answer("the-whole-image-standard-deviation", "wrong", {_CONTRAST_07: """
        return np.std(normalise(image)[0])
        """}, message="Task 2, the feature function: expected a numpy array, found float64"),
    Answer("a-constant-plane", "wrong", {_CONTRAST_07: """
        z = normalise(image)[0]
        return np.full(z.shape, z.std())
        """}, message="Task 2, the feature function: plane 0 is constant"),
    Answer("f1-as-mean-of-per-image-f1", "wrong", {_SCORE_07: """
        f1s, aps = [], []
        for s in samples:
            found = instances_from_probabilities(model.predict_proba(s.image))
            f1s.append(detection_scores(s.labels, found)["f1"])
            aps.append(average_precision(s.labels, found))
        return {"f1": float(np.mean(f1s)), "ap": float(np.mean(aps))}
        """}, message="Task 3, score_forest: f1 found"),
    Answer("held-out-images-by-name", "alternative", {_HELD_OUT_07: """
        trained = {s.name for s in train}
        test_samples = [s for s in samples if s.name not in trained][:3]
        """}),
    Answer("another-feature-a-wide-log", "alternative", {_CONTRAST_07: """
        return ndimage.gaussian_laplace(normalise(image)[0], 12.0)
        """}),
)


# --------------------------------------------------------------------- the tests


def _cases(kind: str) -> list:
    return [pytest.param(stem, a, id=f"{stem}-exercise-{a.id}")
            for stem, items in sorted(ANSWERS.items()) for a in items if a.kind == kind]


def test_every_exercise_has_answers():
    """At least three wrong answers and one alternative per exercise (a new one included)."""
    for stem in stems():
        items = ANSWERS.get(stem, [])
        n_wrong = sum(a.kind == "wrong" for a in items)
        n_alt = sum(a.kind == "alternative" for a in items)
        assert n_wrong >= 3 and n_alt >= 1, (
            f"{stem}: {n_wrong} wrong and {n_alt} alternative answers in "
            "tests/test_exercise_answers.py; write at least 3 and 1")


def test_every_checked_task_rejects_some_wrong_answer():
    """A check that no wrong answer can fail is not a check. Every wrong answer's message
    names its task ("Task 2a, ..."), and test_exercise_rejects_wrong_answer proves that the
    check of that task rejects it with that message; so every task with a check cell must
    have a wrong answer here."""
    import nbformat

    for stem in stems():
        nb = nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", 4)
        checked = {t for c in nb.cells if c.cell_type == "code" and c.source.startswith("# Check")
                   for t in re.findall(r'checking\("task (\w+)"\)', c.source)}
        wrong = [a for a in ANSWERS.get(stem, []) if a.kind == "wrong"]
        unnamed = [a.name for a in wrong if not re.match(r"Task \w+, ", a.message)]
        assert not unnamed, f"{stem}: messages that do not start with their task: {unnamed}"
        rejected = {re.match(r"Task (\w+), ", a.message).group(1) for a in wrong}
        assert checked and checked <= rejected, (
            f"{stem}: no wrong answer for the checks of task(s) {sorted(checked - rejected)}")


@pytest.mark.slow  # runs in the default suite and CI; -m 'not slow' skips it
def test_the_solution_runs_in_the_runner():
    for stem in sorted(ANSWERS):
        outcome = exercise_run(stem).solution_outcome
        assert outcome.error is None, f"{stem}: {outcome.describe()}"


@pytest.mark.slow  # runs in the default suite and CI; -m 'not slow' skips it
@pytest.mark.parametrize("stem, answer", _cases("wrong"))
def test_exercise_rejects_wrong_answer(stem, answer):
    run = exercise_run(stem)
    outcome = run.run(answer)
    assert outcome.error is not None, f"{answer.name} passed every check"
    cell = run.exercise.cells[outcome.cell].source
    assert cell.startswith("# Check"), (
        f"{answer.name} is not rejected by a check but fails elsewhere: {outcome.describe()}\n"
        f"{cell[:300]}")
    assert isinstance(outcome.error, AssertionError), outcome.describe()
    message = str(outcome.error)
    assert message, "a check must say what it expected and what it found"
    tasks = re.findall(r"\b(\d+[a-z]?)\b", cell.split("\n", 1)[0])
    assert any(message.startswith(f"Task {t}, ") for t in tasks), (
        f"{answer.name}: the message does not start with the task of its check cell "
        f"({cell.splitlines()[0]!r}):\n{message}")
    assert re.search(answer.message, message), (
        f"{answer.name} was rejected with an unexpected message:\n{message}")


@pytest.mark.slow  # runs in the default suite and CI; -m 'not slow' skips it
@pytest.mark.parametrize("stem, answer", _cases("alternative"))
def test_exercise_accepts_alternative_answer(stem, answer):
    outcome = exercise_run(stem).run(answer)
    assert outcome.error is None, f"{answer.name} is right but {outcome.describe()}"

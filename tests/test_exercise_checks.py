"""cellseg_teach.exercise_checks: each failure says, in plain words, what was expected and found."""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from scipy import ndimage

from cellseg_teach.compare import CheckFailed
from cellseg_teach.exercise_checks import (
    as_numbers,
    check,
    check_find_markers,
    check_midpoint,
    check_score,
    check_score_changes,
    check_segment_with_means,
    check_smoothed_peak,
    check_smoothed_peaks,
    check_threshold_choice,
    expect_between,
    expect_close,
    expect_equal,
    expect_keys,
    expect_length,
    index_of,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: expect_length("means", None, 2, "means, one per label"),
         "means: expected 2 means, one per label; found NoneType"),
        (lambda: expect_length("means", np.zeros(3), 2, "means, one per label"),
         "means: expected 2 means, one per label; found 3"),
        (lambda: expect_length("table", np.zeros((5, 46)), 5, "values"),
         r"in one dimension; found an array of shape \(5, 46\)"),
        (lambda: as_numbers("recall", [0.5, np.nan], 2, "values"), "1 of the 2 values are NaN"),
        (lambda: as_numbers("recall", ["a", "b"], 2, "values"), "expected 2 numbers"),
        (lambda: expect_close("peak", "0.9", 0.9, atol=0.01),
         "peak: expected a number; must be a real number, got the string '0.9'"),
        (lambda: expect_close("peak", True, 0.9, atol=0.01),
         "peak: expected a number; must be a real number, got the truth value True"),
        (lambda: expect_close("peak", np.array([]), 0.9, atol=0.01),
         "peak: expected a number; is empty"),
        (lambda: expect_close("peak", np.nan, 0.9, atol=0.01), "found NaN"),
        (lambda: expect_between("t", 0.4, 0.25, 0.31, "the best"),
         r"t: found 0.4, expected 0.25 to 0.31 \(the best\)"),
        (lambda: expect_equal("score", {"found": np.int64(7)}, {"found": 8}),
         r"score: found \{found: 7\}, expected \{found: 8\}"),
        (lambda: expect_equal("row", np.array([1, 2]), np.array([1, 1])), "row: found"),
        (lambda: expect_keys("s", [1, 2], ["a"]), "expected a dict with the keys 'a'; found list"),
        (lambda: index_of("best", np.array([0.1, 0.2]), 0.15), "0.15 is not one of the values"),
        (lambda: check("gap", False, "0.5 < 0.4"), r"gap: NO \(0.5 < 0.4\)"),
    ],
)
def test_a_failed_check_says_what_was_expected_and_found(call, message):
    with pytest.raises(CheckFailed, match=message):
        call()


def test_a_failed_check_is_an_assertion_error():
    with pytest.raises(AssertionError):
        expect_equal("n", 1, 2)


def test_passing_checks_print_one_line_each(capsys):
    expect_equal("n", np.int64(3), 3)
    expect_close("x", 0.30000000000000004, 0.3, atol=1e-9)
    expect_length("arr", [1, 2, 3], 3, "values")
    expect_keys("d", {"b": 1, "a": 2}, ["a", "b"])
    lines = capsys.readouterr().out.strip().split("\n")
    # a passing check shows the learner's value, never what was expected
    assert lines == ["n: 3 ok", "x: 0.3 ok", "arr: 3 values ok", "d: keys a, b ok"]


def test_float_look_up_with_a_tolerance():
    thresholds = np.round(np.arange(0.08, 0.505, 0.01), 2)
    exact_misses = sum(not np.any(thresholds == 0.08 + 0.01 * k) for k in range(43))
    assert exact_misses > 0  # why a tolerance is needed
    assert [index_of("t", thresholds, 0.08 + 0.01 * k) for k in range(43)] == list(range(43))


def test_exercise_checks_has_no_second_check_function():
    import cellseg_teach.exercise_checks as ec
    from cellseg_teach import compare

    assert not hasattr(ec, "expect")
    assert ec.check is compare.check


# ----------------------------------------------- the constructed cases tell right from wrong


def _markers(surface, mask, min_distance, size=None, structure=True):
    structure = np.ones((3, 3)) if structure is True else structure
    size = 2 * int(min_distance) + 1 if size is None else size(min_distance)
    peaks = (surface == ndimage.maximum_filter(surface, size=size)) & mask
    return ndimage.label(peaks, structure=structure)[0]


@pytest.mark.parametrize("wrong, message", [
    (lambda s, m, d: _markers(s, m, d, size=lambda d: 2 * d), "higher on the right: found 2"),
    (lambda s, m, d: _markers(s, m, d, structure=None), "touch at a corner: found 2"),
    (lambda s, m, d: _markers(s, m, d).astype(float), "found dtype float64"),
    (lambda s, m, d: (_markers(s, m, d) > 0), "found dtype bool"),
    (lambda s, m, d: _markers(s, m, d).tolist(), "found list"),
])
def test_find_markers_check_rejects_each_mistake(wrong, message):
    check_find_markers(_markers)  # the right one passes
    with pytest.raises(CheckFailed, match=message):
        check_find_markers(wrong)


def _right_choice(thresholds, errors, noise):
    return float(thresholds[noise == 0][np.argmin(errors[noise == 0])])


def test_threshold_rule_is_checked_where_the_noise_rule_matters():
    """On made-up sweeps where the fewest errors lie at a noisy threshold (the exercise's own
    data cannot tell: there the best threshold makes no noise component anyway)."""
    thresholds = np.array([0.1, 0.2, 0.3])
    values = {"dim_recall": np.array([1.0, 1.0, 0.5]), "bright_recall": np.ones(3),
              "unmatched_per_image": np.zeros(3), "noise_per_image": np.array([1.0, 0, 0])}
    sample = [(None, None, np.array([True, False]))] * 2  # 2 dim and 2 bright cells
    errors = np.array([0.0, 0.0, 1.0])
    check_threshold_choice(_right_choice, errors, 0.2, values, thresholds, sample)
    with pytest.raises(CheckFailed, match=r"found 0.1, expected 0.3 \(the fewest errors among"):
        check_threshold_choice(lambda t, e, n: float(t[np.argmin(e)]), errors, 0.2, values,
                               thresholds, sample)
    with pytest.raises(CheckFailed, match=r"best_threshold: found 0.1, expected 0.2"):
        check_threshold_choice(_right_choice, errors, 0.1, values, thresholds, sample)
    with pytest.raises(CheckFailed, match=r"errors at threshold 0.30: found 0.5, expected 1"):
        check_threshold_choice(_right_choice, np.array([0, 0, 0.5]), 0.2, values, thresholds,
                               sample)


def _changes(count):
    def score_changes(before, after):
        return (after["f1"] - before["f1"], after["ap"] - before["ap"], count(before, after))
    return score_changes


@pytest.mark.parametrize("count, found, blind", [
    (lambda b, a: int(np.sum(a["f1_per_image"] >= b["f1_per_image"])), "found 4", True),
    (lambda b, a: int(np.sum(a["f1_per_image"] > 0)), "found 5", True),
    (lambda b, a: len(a["f1_per_image"]), "found 5", True),
    (lambda b, a: int(np.sum(a["f1_per_image"] > b["f1"])), "found 4", True),
    (lambda b, a: int(np.sum(a["f1_per_image"] > a["f1"])), "found 2", False),
    (lambda b, a: np.mean(a["f1_per_image"] > b["f1_per_image"]), "found 0.6", False),
    (lambda b, a: bool(np.all(a["f1_per_image"] > b["f1_per_image"])), "found False", False),
])
def test_images_better_is_checked_where_some_image_got_worse(count, found, blind):
    """Where every image improves (as on the twelve images), the first four counts give 12
    too: only the constructed pair, with an image that got worse and one that did not change,
    tells them from the right count."""
    twelve = {"f1": 0.65, "ap": 0.5, "f1_per_image": np.linspace(0.6, 0.68, 12)}
    better = {"f1": 0.82, "ap": 0.6, "f1_per_image": np.linspace(0.75, 0.9, 12)}
    right = _changes(lambda b, a: int(np.sum(a["f1_per_image"] > b["f1_per_image"])))
    assert right(twelve, better)[2] == 12
    if blind:
        assert count(twelve, better) == 12
    check_score_changes(right, twelve, better, right(twelve, better))
    with pytest.raises(CheckFailed, match=f"n_images_better {found}, expected 3"):
        check_score_changes(_changes(count), twelve, better, right(twelve, better))


# ------------------------------------------------- reference answers stay out of the notebooks

# Expected values that the checks used to spell out in the exercises' check cells: each gives
# away an answer (of the task checked, or of a later question).
GIVEN_AWAY = {
    "01_do_the_maths": ["theory.", "TOL", "atol"],
    "02_watershed": ['"plain": 21', '"distance": 15', '"intensity": 6'],
    "03_dim_cells": ["0.29", "ln 2", "159 / 160", "9.65", "0.4312", "0.9,", "0.36", "36/40",
                     "1 / 3"],
    "04_noise_sweep": ["0.65", "0.88", "(7, 2, 1)"],
    "05_adaptive_threshold": ["[0, 12, 51, 62, 68]", "[0, 0, 0, 3, 16]", "(0.42, 0.80)",
                              '"found": 8', "0.0751", "np.zeros(", "0.0,"],
    "06_improve_nuclei": ["error_categories(s.labels", "improved[\"f1\"] - baseline[\"f1\"]",
                          "f1_per_image\"] > baseline"],
}


@pytest.mark.parametrize("stem", sorted(GIVEN_AWAY))
def test_check_cells_do_not_hold_the_answers(stem):
    nb = nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", 4)
    checks = [c.source for c in nb.cells
              if c.cell_type == "code" and c.source.startswith("# Check")]
    assert checks
    for text in GIVEN_AWAY[stem]:
        leaks = [c.split("\n", 1)[0] for c in checks if text in c]
        assert not leaks, f"{stem}: {text!r} appears in {leaks}"


def test_every_check_cell_names_its_task():
    for path in sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, 4)
        for c in nb.cells:
            if c.cell_type == "code" and c.source.startswith("# Check"):
                header, _, body = c.source.partition("\n")
                tasks = re.findall(r"\b(\d+[a-z]?)\b", header)
                named = re.findall(r'checking\("task (\d+[a-z]?)"\)', body)
                assert named and set(named) <= set(tasks), f"{path.name}: {header}"


def _check_outputs_saying_expected(nb) -> list[str]:
    """The first lines of the check cells whose printed output says "expected"."""
    return [c.source.splitlines()[0] for c in nb.cells
            if c.cell_type == "code" and c.source.startswith("# Check")
            and re.search(r"\bexpected\b", "".join(o.get("text", "") for o in c.outputs))]


def test_passing_check_cells_print_no_expected_value():
    """In the executed solutions every check passes, and a passing check prints the learner's
    values only: no check cell's output says what was expected."""
    leaky = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "# Check task 1", outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text="x: 0.9 ok (expected 0.9)\n")])])
    assert _check_outputs_saying_expected(leaky) == ["# Check task 1"]  # the test can fail
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        assert not _check_outputs_saying_expected(nbformat.read(path, 4)), path.name


# ------------------------------------- the checks of exercises 1, 3 and 5 compute what they expect


def test_exercise_1_checks_compute_the_formula_and_print_only_the_answer(capsys):
    check_smoothed_peak(0.9, 0.8993, 1.0, 6.0, 2.0)
    check_midpoint(0.27, 0.2707, 24.0, 1.0, 6.0)  # within two decimals of 2 exp(-2) = 0.2707
    out = capsys.readouterr().out
    assert "0.27 ok" in out and "0.2707" not in out and "expected" not in out


@pytest.mark.parametrize("call, message", [
    (lambda: check_smoothed_peak(1.0, 1.0, 1.0, 6.0, 2.0),
     r"peak_by_hand against theory.smoothed_peak: found 1, expected 0.9 ± 0.005"),
    (lambda: check_smoothed_peak(0.9, 1.0, 1.0, 6.0, 2.0),
     "peak_by_hand against the simulation: found 0.9, expected 1"),
    (lambda: check_midpoint(2 * np.exp(-2.25), 0.2107, 24.0, 1.0, 6.0),
     "midpoint_by_hand against theory.midpoint_intensity: found 0.2108, expected 0.2707"),
])
def test_exercise_1_wrong_answers_are_rejected_with_the_formula_value(call, message):
    with pytest.raises(CheckFailed, match=message):
        call()


def test_exercise_3_wrong_peaks_and_means_are_rejected(capsys):
    check_smoothed_peaks(0.9, 0.36, 1.0, 0.4)
    assert "0.36 ok" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match=r"dim_peak: found 0.4, expected 0.36"):
        check_smoothed_peaks(0.9, 0.4, 1.0, 0.4)

    def with_means(smoothed, threshold, min_size, means=ndimage.mean):
        labels = ndimage.label(smoothed > threshold)[0]
        return labels, np.asarray(means(smoothed, labels, np.arange(1, labels.max() + 1)))

    def segment(smoothed, threshold, min_size):
        return ndimage.label(smoothed > threshold)[0], None

    check_segment_with_means(with_means, segment)
    out = capsys.readouterr().out
    assert "mean of label 2: 0.3333 ok" in out and "expected" not in out
    with pytest.raises(CheckFailed, match=r"mean of label 1: found 7.2, expected 0.8"):
        check_segment_with_means(lambda s, t, m: with_means(s, t, m, ndimage.sum), segment)
    with pytest.raises(CheckFailed, match="expected a tuple"):
        check_segment_with_means(lambda s, t, m: with_means(s, t, m)[1], segment)


def test_exercise_5_wrong_score_is_rejected_where_a_region_matches_no_cell(capsys):
    from cellseg_teach.matching import label_centroids, match_by_distance

    labels = np.zeros((40, 40), dtype=int)
    labels[10:14, 10:14], labels[25:29, 25:29] = 1, 2
    centres = np.array([[11.5, 11.5], [26.5, 26.5], [30.0, 5.0]])  # one cell has no region

    def score(labels, centres, false=lambda m: m.n_found - m.n_matched):
        m = match_by_distance(centres, label_centroids(labels), 6.0)
        return {"found": m.n_matched, "missed": m.n_true - m.n_matched, "false": false(m)}

    check_score(score, labels, centres, 6.0)
    out = capsys.readouterr().out
    assert "expected" not in out and "{found: 2, missed: 1, false: 0} ok" in out
    message = (r"default image: found \{found: 2, missed: 1, false: 1\}, "
               r"expected \{found: 2, missed: 1, false: 0\}")
    with pytest.raises(CheckFailed, match=message):
        check_score(lambda lab, c: score(lab, c, lambda m: m.n_true - m.n_matched), labels,
                    centres, 6.0)

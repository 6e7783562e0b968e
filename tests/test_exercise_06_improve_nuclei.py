"""Exercise 6 (improve a nucleus pipeline): its "Check your answers" cells judge outcomes.

The setup cell and the check cells are read from ``solutions/06_improve_nuclei.md`` and run
here with hand-made answers in place of the learner's: wrong answers must be rejected (an
``AssertionError`` from a check cell) and a correct answer written differently from the
solution must be accepted.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import matplotlib
import numpy as np
import pytest
from scipy import ndimage

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "06_improve_nuclei.md"


def _cells() -> tuple[str, list[str]]:
    nb = jupytext.read(SOLUTION)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    start = next(i for i, c in enumerate(nb.cells)
                 if c.cell_type == "markdown" and "## Check your answers" in c.source)
    checks = [c.source for c in nb.cells[start:] if c.cell_type == "code"]
    return code[0].replace("%matplotlib inline", ""), checks


@pytest.fixture(scope="module")
def setup():
    """The exercise's setup cell, run once: samples, pipelines, scorer, baseline."""
    source, checks = _cells()
    ns: dict = {}
    exec(compile(source, "setup cell", "exec"), ns)
    return ns, checks


def _errors(ns, found_list, swap=False):
    total = {"split": 0, "merged": 0, "missed": 0, "extra": 0}
    for s, found in zip(ns["samples"], found_list, strict=True):
        a, b = (found, s.labels) if swap else (s.labels, found)
        for k, v in ns["error_categories"](a, b).items():
            total[k] += v
    return total


def _answers(ns, pipeline, **override):
    """A full set of answers for ``pipeline``, correct unless overridden."""
    improved = ns["score_pipeline"](pipeline)
    base = ns["baseline"]
    answers = {
        "baseline_errors": _errors(ns, base["found"]),
        "improved_pipeline": pipeline,
        "improved": improved,
        "delta_f1": improved["f1"] - base["f1"],
        "delta_ap": improved["ap"] - base["ap"],
        "n_images_better": int(np.sum(improved["f1_per_image"] > base["f1_per_image"])),
    }
    answers.update(override)
    return answers


def _run_checks(setup, answers):
    base, checks = setup
    ns = dict(base)
    ns.update(answers)
    for i, source in enumerate(checks):
        exec(compile(source, f"check cell {i}", "exec"), ns)


def _watershed(image, *, smooth_sigma=2.0, marker_sigma=28 / 8, scale=1.0, raw_peaks=False):
    """A threshold + watershed pipeline written independently of the solution."""
    from skimage.feature import peak_local_max
    from skimage.filters import gaussian, threshold_otsu
    from skimage.segmentation import watershed

    sm = gaussian(image.astype(float), smooth_sigma, preserve_range=True)
    mask = ndimage.binary_fill_holes(sm > scale * threshold_otsu(sm))
    dist = ndimage.distance_transform_edt(mask)
    if not raw_peaks:
        dist = ndimage.gaussian_filter(dist, marker_sigma)
    comp, _ = ndimage.label(mask)
    peaks = peak_local_max(dist, min_distance=9, labels=comp, exclude_border=False)
    markers = np.zeros(mask.shape, dtype=np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    labels = watershed(-dist, markers, mask=mask)
    area = np.bincount(labels.ravel())
    labels[(area < 30)[labels]] = 0
    return labels


# ------------------------------------------------------------------- accepted answers


def test_exercise_06_solution_answers_pass(setup):
    ns, _ = setup
    source = jupytext.read(SOLUTION)
    cell = next(c.source for c in source.cells
                if c.cell_type == "code" and "def improved_pipeline" in c.source)
    exec(compile(cell, "solution cell", "exec"), ns)
    _run_checks(setup, _answers(ns, ns["improved_pipeline"]))


def test_exercise_06_alternative_peak_local_max_pipeline_is_accepted(setup):
    """scikit-image's peak_local_max on the smoothed map, skimage's Gaussian: also right."""
    ns, _ = setup
    _run_checks(setup, _answers(ns, _watershed))


# ------------------------------------------------------------------- rejected answers


def test_exercise_06_wrong_unchanged_pipeline_is_rejected(setup):
    ns, _ = setup
    with pytest.raises(AssertionError, match=r"merges|F1"):
        _run_checks(setup, _answers(ns, ns["simple_pipeline"]))


def _mask_and_distance(ns, image):
    sm = ns["smooth"](image, 2.0)
    mask = ndimage.binary_fill_holes(sm > ns["otsu_threshold"](sm))
    return mask, ndimage.distance_transform_edt(mask)


def test_exercise_06_wrong_components_as_markers_are_rejected(setup):
    """One marker per connected component: the watershed has nothing to cut."""
    from skimage.segmentation import watershed

    ns, _ = setup

    def pipeline(image):
        mask, dist = _mask_and_distance(ns, image)
        return watershed(-dist, ndimage.label(mask)[0], mask=mask)

    with pytest.raises(AssertionError, match="merges"):
        _run_checks(setup, _answers(ns, pipeline))


def test_exercise_06_wrong_every_local_maximum_as_marker_is_rejected(setup):
    """Every 3×3 maximum of the raw distance map is a marker: nuclei cut into pieces."""
    from skimage.segmentation import watershed

    ns, _ = setup

    def pipeline(image):
        mask, dist = _mask_and_distance(ns, image)
        peaks = mask & (dist == ndimage.maximum_filter(dist, size=3))
        return watershed(-dist, ndimage.label(peaks)[0], mask=mask)

    with pytest.raises(AssertionError, match="pieces"):
        _run_checks(setup, _answers(ns, pipeline))


def test_exercise_06_wrong_mask_instead_of_labels_is_rejected(setup):
    ns, _ = setup
    answers = _answers(ns, _watershed)
    answers["improved_pipeline"] = lambda im: _watershed(im) > 0
    with pytest.raises(AssertionError, match="integer label image"):
        _run_checks(setup, answers)


def test_exercise_06_wrong_error_count_order_is_rejected(setup):
    """error_categories(found, truth) swaps split and merged."""
    ns, _ = setup
    swapped = _errors(ns, ns["baseline"]["found"], swap=True)
    with pytest.raises(AssertionError, match="truth first"):
        _run_checks(setup, _answers(ns, _watershed, baseline_errors=swapped))


def test_exercise_06_wrong_relative_change_is_rejected(setup):
    ns, _ = setup
    answers = _answers(ns, _watershed)
    answers["delta_f1"] = answers["improved"]["f1"] / ns["baseline"]["f1"]
    with pytest.raises(AssertionError, match="delta_f1"):
        _run_checks(setup, answers)

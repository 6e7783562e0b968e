"""The threshold formulas of ``cellseg_teach.theory`` against rendered, noise-free cells.

``threshold_radius`` and ``expected_cell_area`` are checked against the pixels of smoothed
cells that lie above the threshold; ``midpoint_intensity`` and ``min_separation`` against
rendered pairs of cells, including where the pair stops being one connected component.
The images come from ``render_cells`` (a direct evaluation of the Gaussian model) and
``smooth`` (scipy's filter), both independent of the formulas. So that each test can fail,
it also checks that a plausible *wrong* formula lands outside the tolerance.
"""

import math

import numpy as np
import pytest
from scipy import ndimage

from cellseg_teach import render_cells, segment, smooth
from cellseg_teach.theory import (
    expected_cell_area,
    midpoint_intensity,
    min_separation,
    smoothed_peak,
    smoothed_sigma,
    threshold_radius,
)

# (threshold, brightness, cell_sigma, smooth_sigma): the default, a low and a high
# threshold, a brighter and narrower cell, heavy smoothing, and no smoothing at all.
CASES = [
    (0.5, 1.0, 6.0, 2.0),
    (0.2, 1.0, 6.0, 2.0),
    (0.8, 1.2, 5.0, 1.5),
    (0.3, 0.7, 4.0, 3.0),
    (0.5, 1.0, 6.0, 0.0),
]


def _smoothed(img, smooth_sigma):
    return img if smooth_sigma == 0 else smooth(img, smooth_sigma)


# ---------------------------------------------------------------------------------------
# Radius and area of one isolated cell
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("threshold", "brightness", "cell_sigma", "smooth_sigma"), CASES)
def test_threshold_radius_is_where_the_profile_crosses_the_threshold(
    threshold, brightness, cell_sigma, smooth_sigma
):
    # A cell centred on pixel (60, 60); along its central row the smoothed profile falls
    # through the threshold at r_t. Linear interpolation between pixels of a curve whose
    # second derivative is < B/σ_eff² errs by < 1/8 · B/σ_eff² ≈ 0.02 px here; the filter
    # itself is exact to ~1e-4 in intensity (see test_theory_smoothing). Tolerance 0.05 px.
    c = 60
    img = _smoothed(render_cells([[c, c]], shape=121, cell_sigma=cell_sigma, brightness=brightness),
                    smooth_sigma)
    profile = img[c, c:]  # from the centre outwards: decreasing
    r = np.arange(profile.size)
    measured = np.interp(-threshold, -profile, r)  # np.interp needs increasing x
    r_t = threshold_radius(threshold, brightness, cell_sigma, smooth_sigma)
    assert abs(measured - r_t) < 0.05
    # Wrong: the raw width σ instead of σ_eff (only differs when there is smoothing), or
    # a missing factor 2 under the square root.
    if smooth_sigma > 0:
        s_eff = smoothed_sigma(cell_sigma, smooth_sigma)
        assert abs(measured - r_t * cell_sigma / s_eff) > 0.1
    peak = smoothed_peak(brightness, cell_sigma, smooth_sigma)
    wrong = smoothed_sigma(cell_sigma, smooth_sigma) * math.sqrt(math.log(peak / threshold))
    assert abs(measured - wrong) > 0.5


@pytest.mark.parametrize(("threshold", "brightness", "cell_sigma", "smooth_sigma"), CASES)
def test_expected_cell_area_is_the_mean_pixel_count(
    threshold, brightness, cell_sigma, smooth_sigma
):
    # A pixel count is the number of pixel centres inside a disc of radius r_t; it depends
    # on where the disc sits on the grid, but its average over uniformly random sub-pixel
    # positions is exactly the disc's area. 64 cells on an 8 x 8 grid, 48 px apart (their
    # tails are < 1e-10 at the neighbour), each at a random sub-pixel offset, in one image.
    # Tolerance: 4 standard errors of the mean count, at least 0.5 px².
    rng = np.random.default_rng(17)
    grid = np.stack(np.meshgrid(np.arange(8), np.arange(8)), -1).reshape(-1, 2)
    centres = 30 + 48 * grid + rng.uniform(0, 1, size=grid.shape)
    img = _smoothed(render_cells(centres, shape=8 * 48 + 12, cell_sigma=cell_sigma,
                                 brightness=brightness), smooth_sigma)
    labels, n = ndimage.label(img > threshold)
    assert n == len(centres)  # isolated: one component per cell
    counts = np.bincount(labels.ravel())[1:]
    area = expected_cell_area(threshold, brightness, cell_sigma, smooth_sigma)
    tol = max(4 * counts.std() / math.sqrt(n), 0.5)
    assert abs(counts.mean() - area) < tol
    # The same quantity written as 2π σ_eff² ln(B_s / t).
    s_eff = smoothed_sigma(cell_sigma, smooth_sigma)
    peak = smoothed_peak(brightness, cell_sigma, smooth_sigma)
    assert area == pytest.approx(2 * math.pi * s_eff**2 * math.log(peak / threshold))
    # Wrong: the raw peak B instead of the smoothed one (it ignores that smoothing lowers
    # the cell) would be off by > 10 px² wherever there is smoothing.
    if smooth_sigma > 0:
        wrong = 2 * math.pi * s_eff**2 * math.log(brightness / threshold)
        assert abs(counts.mean() - wrong) > 10 * tol


def test_default_radius_and_area_by_hand():
    # σ_eff² = 36 + 4 = 40, B_s = 36/40 = 0.9: r_t = sqrt(80 ln 1.8), A = 80π ln 1.8.
    assert threshold_radius() == pytest.approx(math.sqrt(80 * math.log(1.8)), rel=1e-12)
    assert expected_cell_area() == pytest.approx(80 * math.pi * math.log(1.8), rel=1e-12)
    assert round(expected_cell_area(), 1) == 147.7


@pytest.mark.parametrize("threshold", [0.9, 0.95, 2.0])
def test_no_area_at_or_above_the_smoothed_peak(threshold):
    # The default smoothed peak is 0.9: a threshold there or above leaves no pixel (up to
    # the filter's ~1e-4 error, hence the 1e-3 margin), and the formulas say 0 instead of
    # taking the square root of a negative log.
    img = smooth(render_cells([[30, 30]], shape=61))
    assert not (img > threshold + 1e-3).any()
    assert (img > 0.9 - 1e-3).any()  # ... while just below the peak there is a pixel
    assert threshold_radius(threshold) == 0.0
    assert expected_cell_area(threshold) == 0.0


# ---------------------------------------------------------------------------------------
# Two cells: midpoint and minimum separation
# ---------------------------------------------------------------------------------------

ROW, MID = 25, 50  # the pair lies along row 25, symmetric about column 50
PAIR_SHAPE = (51, 101)


def _pair(distance, cell_sigma=6.0, brightness=1.0, smooth_sigma=0.0):
    """Two equal cells `distance` px apart whose midpoint is the pixel (MID, ROW)."""
    centres = [[MID - distance / 2, ROW], [MID + distance / 2, ROW]]
    img = render_cells(centres, shape=PAIR_SHAPE, cell_sigma=cell_sigma, brightness=brightness)
    return _smoothed(img, smooth_sigma)


@pytest.mark.parametrize("ratio", [2.0, 2.7, 3.3, 4.0, 5.0])
@pytest.mark.parametrize(("cell_sigma", "smooth_sigma"), [(6.0, 0.0), (6.0, 2.0), (4.0, 1.0)])
def test_midpoint_intensity_against_a_rendered_pair(ratio, cell_sigma, smooth_sigma):
    # Distances from 2σ to 5σ, where the midpoint ranges from 0.06 to 1. Raw: render_cells
    # evaluates the Gaussians exactly, so 1e-9. Smoothed: the filter is exact to ~1e-4
    # (sampled, truncated kernel), so 1e-3.
    distance = ratio * cell_sigma
    got = _pair(distance, cell_sigma, 0.8, smooth_sigma)[ROW, MID]
    formula = midpoint_intensity(distance, 0.8, cell_sigma, smooth_sigma)
    assert abs(got - formula) < (1e-9 if smooth_sigma == 0 else 1e-3)
    # Wrong: the seed's exponent (2.25 at 24 px, i.e. -d²/(7.11 σ²) instead of -d²/(8σ²)),
    # or -d²/(4σ²) (the distance to the midpoint taken as d instead of d/2). Both are at
    # least 5 % off at every distance here, well beyond the tolerance.
    s = smoothed_sigma(cell_sigma, smooth_sigma)
    peak = smoothed_peak(0.8, cell_sigma, smooth_sigma)
    for k in (576 / (2.25 * 36), 4):
        wrong = 2 * peak * math.exp(-(distance**2) / (k * s**2))
        assert abs(got / wrong - 1) > 0.05


def test_midpoint_at_24_px_is_0_27_not_0_21():
    # The seed's number: 2·exp(-2.25) = 0.21. The right one: 24²/(8·36) = 2, 2·exp(-2) = 0.27.
    got = _pair(24.0)[ROW, MID]
    assert got == pytest.approx(2 * math.exp(-2), abs=1e-9)
    assert midpoint_intensity(24) == pytest.approx(0.2707, abs=1e-4)
    assert abs(got - 0.21) > 0.05


@pytest.mark.parametrize("distance", [13.0, 16.0, 20.0, 24.0, 30.0])
def test_midpoint_is_the_valley_between_two_peaks(distance):
    # For d > 2σ (12 px) the profile through both centres has two peaks, and the lowest
    # point between them is the midpoint: that is the pass a connected bridge would cross,
    # which is why the midpoint decides whether the pair merges.
    profile = _pair(distance)[ROW]
    inner = profile[1:-1]
    peaks = np.flatnonzero((inner > profile[:-2]) & (inner > profile[2:])) + 1
    assert len(peaks) == 2
    assert np.argmin(profile[peaks[0] : peaks[1] + 1]) + peaks[0] == MID


@pytest.mark.parametrize("distance", [6.0, 10.0, 12.0])
def test_cells_closer_than_two_sigma_fuse_into_one_peak(distance):
    # For d <= 2σ the midpoint is a maximum, not a valley: there is nothing to separate.
    profile = _pair(distance)[ROW]
    inner = profile[1:-1]
    peaks = np.flatnonzero((inner > profile[:-2]) & (inner > profile[2:])) + 1
    assert peaks.tolist() == [MID]


def test_midpoint_intensity_is_vectorised_and_leaves_its_input_alone():
    d = np.array([0.0, 12.0, 24.0])
    before = d.copy()
    out = midpoint_intensity(d)
    assert isinstance(out, np.ndarray) and out.shape == (3,)
    assert np.array_equal(d, before)
    assert out[0] == pytest.approx(2.0)  # two cells on top of each other: 2B
    assert isinstance(midpoint_intensity(24), float)


@pytest.mark.parametrize(
    ("threshold", "brightness", "cell_sigma", "smooth_sigma"),
    [(0.5, 1.0, 6.0, 0.0), (0.5, 1.0, 6.0, 2.0), (0.3, 1.0, 6.0, 2.0), (0.6, 1.3, 4.0, 3.0)],
)
def test_min_separation_is_where_a_pair_stops_merging(
    threshold, brightness, cell_sigma, smooth_sigma
):
    d_min = min_separation(threshold, brightness, cell_sigma, smooth_sigma)
    # At d_min the rendered midpoint equals the threshold (tolerances as above) ...
    at = _pair(d_min, cell_sigma, brightness, smooth_sigma)
    assert abs(at[ROW, MID] - threshold) < (1e-9 if smooth_sigma == 0 else 1e-3)
    # ... 0.1 px closer the pair is one component, 0.1 px further it is two. (The midpoint
    # moves by |dI/dd| · 0.1 ≈ 0.0025 or more, above the filter's 1e-4 error.)
    for step, expected in ((-0.1, 1), (0.1, 2)):
        img = _pair(d_min + step, cell_sigma, brightness, smooth_sigma)
        assert segment(img, threshold=threshold, min_size=1)[1] == expected
    # Wrong for a smoothed image: the raw-image separation (σ and B instead of σ_eff, B_s)
    # lies outside that ±0.1 px bracket.
    if smooth_sigma > 0:
        raw = min_separation(threshold, brightness, cell_sigma, 0.0)
        assert abs(raw - d_min) > 0.1


def test_default_min_separation_by_hand():
    # 2·6·sqrt(2 ln 4) = 19.98 px on the raw image (the seed's comment rounds it to 19.8);
    # 2·sqrt(40)·sqrt(2 ln 3.6) = 20.25 px on the smoothed one.
    assert min_separation() == pytest.approx(12 * math.sqrt(2 * math.log(4)), rel=1e-12)
    assert min_separation(smooth_sigma=2) == pytest.approx(
        2 * math.sqrt(40) * math.sqrt(2 * math.log(3.6)), rel=1e-12)
    assert round(min_separation(), 2) == 19.98
    assert round(min_separation(smooth_sigma=2), 2) == 20.25


def test_min_separation_is_zero_when_even_coinciding_cells_stay_below():
    # Two cells of brightness 0.2 on top of each other peak at 0.4 < 0.5: never merged,
    # never even detected.
    assert min_separation(0.5, brightness=0.2) == 0.0
    assert _pair(0.0, brightness=0.2).max() == pytest.approx(0.4)
    assert segment(_pair(0.0, brightness=0.2), threshold=0.5, min_size=1)[1] == 0


# ---------------------------------------------------------------------------------------
# Input validation: bad arguments raise, naming the argument
# ---------------------------------------------------------------------------------------

AREA_FUNCTIONS = [threshold_radius, expected_cell_area, min_separation]


@pytest.mark.parametrize("func", AREA_FUNCTIONS)
@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"threshold": 0.0}, ValueError, "threshold"),
        ({"threshold": -0.5}, ValueError, "threshold"),
        ({"threshold": float("nan")}, ValueError, "threshold"),
        ({"threshold": "0.5"}, TypeError, "threshold"),
        ({"threshold": True}, TypeError, "threshold"),
        ({"brightness": -1.0}, ValueError, "brightness"),
        ({"brightness": float("inf")}, ValueError, "brightness"),
        ({"cell_sigma": 0.0}, ValueError, "cell_sigma"),
        ({"cell_sigma": None}, TypeError, "cell_sigma"),
        ({"smooth_sigma": -1.0}, ValueError, "smooth_sigma"),
    ],
)
def test_bad_arguments_are_named(func, kwargs, error, name):
    with pytest.raises(error, match=rf"^{name} must"):
        func(**kwargs)


@pytest.mark.parametrize("distance", [-1.0, float("nan"), float("inf"), [10.0, -2.0]])
def test_midpoint_rejects_bad_distances(distance):
    with pytest.raises(ValueError, match="distance"):
        midpoint_intensity(distance)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"brightness": -1.0}, "brightness"), ({"cell_sigma": -6.0}, "cell_sigma"),
     ({"smooth_sigma": -2.0}, "smooth_sigma")],
)
def test_midpoint_rejects_bad_model_parameters(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        midpoint_intensity(24.0, **kwargs)

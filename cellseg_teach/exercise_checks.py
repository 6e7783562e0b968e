"""Checks for the exercises: each one says, in plain words, what was expected and what was found.

An exercise's "Check" cell first names its task with :func:`checking`, then calls these on the
learner's answers. A check that passes prints one line with the learner's value; one that fails
raises :class:`~cellseg_teach.compare.CheckFailed` (an ``AssertionError``) whose message names
the task, the variable, what it should be and what it is::

    >>> from cellseg_teach.exercise_checks import checking, expect_equal, expect_length
    >>> checking("task 2b")
    >>> expect_equal("dim cells found at threshold 0.5", 0, 0)
    dim cells found at threshold 0.5: 0 ok
    >>> expect_length("means", [0.8], 2, "means, one per label")
    Traceback (most recent call last):
    ...
    cellseg_teach.compare.CheckFailed: Task 2b, means: expected 2 means, one per label; found 1
    >>> checking("")  # back to no task

Shapes and types are checked first, so that a wrong answer gets a message about the answer,
not a ``ValueError`` from a broadcast three lines further down.

The reference answers stay out of the notebooks: the second half of this module holds, for each
exercise, the checks that compute their expected values here (from a reference implementation,
or from the learner's own earlier results once those have passed), and print an expected value
only when the learner's answer differs from it. Where the exercise's data cannot tell a right
rule from a wrong one, a check runs the learner's function on a small constructed case where
the two differ.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
from scipy import ndimage

from .compare import CheckFailed, check, checking, fail, real_number

__all__ = [
    "CheckFailed",
    "as_numbers",
    "check",
    "check_background_filters",
    "check_cell_area",
    "check_class_scores",
    "check_clipped_noise",
    "check_downsampled_background",
    "check_error_counts",
    "check_exceedance",
    "check_extended_sweep",
    "check_extra_feature",
    "check_find_markers",
    "check_forest_score",
    "check_global_thresholds",
    "check_held_out",
    "check_improved_pipeline",
    "check_local_threshold",
    "check_midpoint",
    "check_min_separation",
    "check_noise_sweep",
    "check_region_mean",
    "check_score",
    "check_score_changes",
    "check_score_detections",
    "check_score_image",
    "check_segment_with_means",
    "check_separation_sweep",
    "check_smoothed_noise",
    "check_smoothed_peak",
    "check_smoothed_peaks",
    "check_split_by_intensity",
    "check_threshold_choice",
    "check_threshold_sweep",
    "check_watershed_errors",
    "checking",
    "expect_between",
    "expect_close",
    "expect_equal",
    "expect_keys",
    "expect_length",
    "index_of",
]


def _show(value: object) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        return str(int(x)) if x.is_integer() and abs(x) < 1e9 else f"{x:.4g}"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, separator=", ", threshold=20)
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _number(name: str, value: object) -> float:
    """``value`` as a float, or a CheckFailed that says why it is not a number.

    The same conversion as :func:`cellseg_teach.compare.real_number` (same argument order),
    but a learner's answer that is not a number is a wrong answer, so it fails the check.
    """
    try:
        x = real_number(name, value)
    except (TypeError, ValueError) as err:
        fail(f"{name}: expected a number; {str(err).removeprefix(name + ' ')}")
    if math.isnan(x):
        fail(f"{name}: expected a number, found NaN")
    return x


def expect_equal(name: str, found: object, expected: object, why: str = "") -> None:
    """Exact agreement, for counts, labels and dicts of counts.

    Examples
    --------
    >>> expect_equal("cells missed", 3, 0, "all are bright")
    Traceback (most recent call last):
    ...
    cellseg_teach.compare.CheckFailed: cells missed: found 3, expected 0 (all are bright)
    """
    if isinstance(expected, Mapping):
        same = isinstance(found, Mapping) and dict(found) == dict(expected)
    elif isinstance(expected, np.ndarray) or isinstance(found, np.ndarray):
        same = np.array_equal(np.asarray(found), np.asarray(expected))
    else:
        same = found == expected
        same = bool(np.all(same)) if isinstance(same, np.ndarray) else bool(same)
    if not same:
        suffix = f" ({why})" if why else ""
        fail(f"{name}: found {_show(found)}, expected {_show(expected)}{suffix}")
    print(f"{name}: {_show(found)} ok")


def expect_close(name: str, found: object, expected: float, atol: float, why: str = "") -> None:
    """Agreement within an absolute tolerance, for a number the learner computed.

    Examples
    --------
    >>> expect_close("smoothed peak", 0.9, 36 / 40, atol=0.005)
    smoothed peak: 0.9 ok
    >>> expect_close("smoothed peak", 0.75, 0.9, atol=0.005)
    Traceback (most recent call last):
    ...
    cellseg_teach.compare.CheckFailed: smoothed peak: found 0.75, expected 0.9 ± 0.005
    """
    x = _number(name, found)
    tol = f" ± {atol:g}" if atol >= 1e-4 else ""  # smaller: only rounding, not worth a word
    if not abs(x - expected) <= atol:
        suffix = f" ({why})" if why else ""
        fail(f"{name}: found {x:.4g}, expected {expected:.4g}{tol}{suffix}")
    print(f"{name}: {x:.4g} ok")


def expect_between(name: str, found: object, low: float, high: float, why: str = "") -> None:
    """``low <= found <= high``, for an answer that may fairly land anywhere in a range.

    Examples
    --------
    >>> expect_between("best threshold", 0.29, 0.25, 0.31)
    best threshold: 0.29 ok
    """
    x = _number(name, found)
    if not low <= x <= high:
        suffix = f" ({why})" if why else ""
        fail(f"{name}: found {x:.4g}, expected {low:g} to {high:g}{suffix}")
    print(f"{name}: {x:.4g} ok")


def expect_length(name: str, value: object, n: int, what: str, *, quiet: bool = False) -> None:
    """``value`` holds ``n`` items; ``what`` says what they are ("means, one per class").

    ``quiet=True`` prints nothing when the check passes (for a check inside a larger one).

    Examples
    --------
    >>> expect_length("dim_recall", np.zeros(43), 43, "values, one per threshold")
    dim_recall: 43 values, one per threshold ok
    """
    if value is None or isinstance(value, (str, bytes, numbers.Number)) or not hasattr(
        value, "__len__"
    ):
        fail(f"{name}: expected {n} {what}; found {type(value).__name__} {_show(value)}")
    arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    found = arr.shape[0] if arr.ndim else 0
    if arr.ndim > 1 and not isinstance(value, Mapping):
        fail(f"{name}: expected {n} {what} in one dimension; found an array of "
             f"shape {arr.shape}")
    if isinstance(value, Mapping):
        found = len(value)
    if found != n:
        fail(f"{name}: expected {n} {what}; found {found}")
    if not quiet:
        print(f"{name}: {n} {what} ok")


def as_numbers(name: str, value: object, n: int, what: str, *,
               quiet: bool = False) -> np.ndarray:
    """``value`` as a float array of ``n`` numbers, or CheckFailed saying what is wrong.

    ``quiet=True`` prints nothing when the check passes.

    Examples
    --------
    >>> as_numbers("errors", [3, 1, 0], 3, "counts, one per amplitude")
    errors: 3 counts, one per amplitude ok
    array([3., 1., 0.])
    """
    expect_length(name, value, n, what, quiet=quiet)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None:
        fail(f"{name}: expected {n} numbers ({what}); found {_show(value)}")
    if np.isnan(arr).any():
        fail(f"{name}: {int(np.isnan(arr).sum())} of the {n} values are NaN")
    return arr


def expect_keys(name: str, value: object, keys: Iterable[str]) -> None:
    """``value`` is a dict with exactly these keys.

    Examples
    --------
    >>> expect_keys("score", {"found": 8, "lost": 0}, ["found", "missed"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cellseg_teach.compare.CheckFailed: score: expected a dict with the keys 'found', 'missed'; ...
    """
    wanted = sorted(keys)
    if not isinstance(value, Mapping):
        fail(f"{name}: expected a dict with the keys "
                          f"{', '.join(map(repr, wanted))}; found {type(value).__name__}")
    have = sorted(map(str, value))
    if have != wanted:
        fail(f"{name}: expected a dict with the keys {', '.join(map(repr, wanted))}; "
                          f"found the keys {', '.join(map(repr, have))}")
    print(f"{name}: keys {', '.join(wanted)} ok")


def index_of(name: str, values: Sequence[float] | np.ndarray, value: object,
             atol: float = 1e-6) -> int:
    """Position of ``value`` in ``values``, comparing floats within ``atol``.

    ``0.08 + 0.01 * 21`` is not exactly ``0.29``; a look-up with ``==`` would miss it.

    Examples
    --------
    >>> thresholds = np.round(np.arange(0.08, 0.505, 0.01), 2)
    >>> index_of("best_threshold", thresholds, 0.08 + 0.01 * 21)
    21
    """
    x = _number(name, value)
    arr = np.asarray(values, dtype=float)
    hits = np.flatnonzero(np.abs(arr - x) <= atol)
    if hits.size == 0:
        fail(f"{name}: {x:.4g} is not one of the values swept "
                          f"({arr.min():g} to {arr.max():g})")
    return int(hits[0])


# =============================================================================================
# The exercises' own checks: the expected values are computed here, out of the learner's sight.
# =============================================================================================


def _call(task_function: str, function: Callable, *args: object) -> object:
    """``function(*args)``; an error inside the learner's function fails the check, named."""
    if not callable(function):
        fail(f"{task_function} is not a function (found {type(function).__name__})")
    try:
        return function(*args)
    except NotImplementedError:
        raise
    except Exception as err:  # the learner's code: say where it broke, not a bare traceback
        fail(f"{task_function} raised {type(err).__name__}: {err}")
    return None  # not reached


def _label_image(name: str, value: object, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as an integer label image of ``shape``, or CheckFailed saying what it is."""
    arr = np.asarray(value) if isinstance(value, np.ndarray) else None
    if arr is None:
        fail(f"{name}: expected an integer label image (a NumPy array), found "
             f"{type(value).__name__}")
    if arr.shape != tuple(shape):
        fail(f"{name}: expected an array of shape {tuple(shape)}, found shape {arr.shape}")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        fail(f"{name}: expected integer labels (1, 2, 3, ... and 0 for none), found dtype "
             f"{arr.dtype}; ndimage.label returns them, keep its dtype")
    return arr


def _first_difference(found: np.ndarray, expected: np.ndarray, atol: float) -> tuple | None:
    bad = ~np.isclose(found, expected, rtol=0, atol=atol, equal_nan=True)
    return tuple(int(i) for i in np.argwhere(bad)[0]) if bad.any() else None


def _counts_of(name: str, value: object, n: int, what: str) -> tuple[int, ...]:
    """A tuple of ``n`` whole numbers (a dict, a string or a float fails, named)."""
    if isinstance(value, Mapping):
        fail(f"{name}: expected {n} numbers in a tuple ({what}), found a dict with the keys "
             f"{', '.join(map(repr, value))}")
    arr = as_numbers(name, value, n, what, quiet=True)
    if not np.all(arr == np.round(arr)):
        fail(f"{name}: expected whole numbers ({what}), found {_show(arr)}")
    return tuple(int(v) for v in arr)


# ------------------------------------------------------------------ exercise 1, do the maths

def _against(name: str, found: object, simulated: float, theory_value: float, atol_sim: float,
             atol_theory: float, formula: str, why: str = "") -> None:
    """``found`` against the simulation and against the formula of ``cellseg_teach.theory``."""
    expect_close(f"{name} against the simulation", found, simulated, atol=atol_sim, why=why)
    expect_close(f"{name} against {formula}", found, theory_value, atol=atol_theory)


def check_smoothed_peak(peak_by_hand: object, peak_sim: float, brightness: float, cell_sigma: float,
                        smooth_sigma: float) -> None:
    """Exercise 1, task 1: the smoothed peak (a.u.), asked to two decimals (±0.005)."""
    from .theory import smoothed_peak

    _against("peak_by_hand", peak_by_hand, peak_sim,
             smoothed_peak(brightness, cell_sigma, smooth_sigma), 0.005, 0.005,
             "theory.smoothed_peak")


def check_smoothed_noise(noise_std_by_hand: object, noise_std_sim: float, noise: float,
                         smooth_sigma: float) -> None:
    """Exercise 1, task 2: the noise std after smoothing (a.u.), three decimals (±0.0005);
    the 512 × 512 simulated sample measures the std to about 1 % (±0.001)."""
    from .theory import smoothed_noise_std

    expect_close("noise_std_by_hand against theory.smoothed_noise_std", noise_std_by_hand,
                 smoothed_noise_std(noise, smooth_sigma), atol=0.0005)
    expect_close("noise_std_by_hand against the simulation", noise_std_by_hand, noise_std_sim,
                 atol=0.001)


def check_clipped_noise(clipped_mean_by_hand: object, clipped_std_by_hand: object,
                        clipped_mean_sim: float, clipped_std_sim: float, noise: float,
                        smooth_sigma: float) -> None:
    """Exercise 1, task 3a: mean and std (a.u.) of the clipped noise after smoothing.

    Asked to four decimals: ±0.0001 allows rounding, not a formula 3 % off (the half-normal
    std is 0.0004 off here); against the simulation ±0.001.
    """
    from .theory import smoothed_clipped_noise

    mean_theory, std_theory = smoothed_clipped_noise(noise, smooth_sigma)
    expect_close("clipped_mean_by_hand against theory", clipped_mean_by_hand, mean_theory,
                 atol=0.0001)
    expect_close("clipped_mean_by_hand against the simulation", clipped_mean_by_hand,
                 clipped_mean_sim, atol=0.001)
    expect_close("clipped_std_by_hand against theory", clipped_std_by_hand, std_theory,
                 atol=0.0001, why="the std after smoothing, from E[max(X,0)²] minus the mean²")
    expect_close("clipped_std_by_hand against the simulation", clipped_std_by_hand,
                 clipped_std_sim, atol=0.001)


def check_exceedance(fraction_zero_mean_model: object, fraction_clipped: object,
                     fraction_zero_mean_sim: float, fraction_clipped_sim: float,
                     low_threshold: float, noise: float, smooth_sigma: float) -> None:
    """Exercise 1, task 3b: the fractions of pure-noise pixels above ``low_threshold``.

    The Gaussian tail is exact for zero-mean noise (±0.002); for clipped, smoothed noise it is
    an approximation (the smoothed noise is close to, not exactly, Gaussian): ±0.02.
    """
    from .theory import exceedance_fraction, smoothed_clipped_noise, smoothed_noise_std

    mean_theory, std_theory = smoothed_clipped_noise(noise, smooth_sigma)
    zero_mean_theory = exceedance_fraction(low_threshold, 0.0, smoothed_noise_std(noise,
                                                                                  smooth_sigma))
    expect_close("fraction_zero_mean_model against theory", fraction_zero_mean_model,
                 zero_mean_theory, atol=0.002)
    expect_close("fraction_zero_mean_model against zero-mean noise", fraction_zero_mean_model,
                 fraction_zero_mean_sim, atol=0.002)
    expect_close("fraction_clipped against theory", fraction_clipped,
                 exceedance_fraction(low_threshold, mean_theory, std_theory), atol=0.02)
    expect_close("fraction_clipped against clipped noise", fraction_clipped,
                 fraction_clipped_sim, atol=0.02)
    check("clipped noise exceeds the threshold far more often than zero-mean noise",
          fraction_clipped_sim > 50 * fraction_zero_mean_sim)


def check_cell_area(radius_by_hand: object, area_by_hand: object, radius_sim: float,
                    area_sim: float, threshold: float, brightness: float, cell_sigma: float,
                    smooth_sigma: float) -> None:
    """Exercise 1, task 4: radius (px, ±0.05) and area (px², ±3) of a smoothed cell at the
    threshold. A disc on a pixel grid: the count moves by a few pixels with the centre's
    position."""
    from .theory import expected_cell_area, threshold_radius

    expect_close("radius_by_hand against theory", radius_by_hand,
                 threshold_radius(threshold, brightness, cell_sigma, smooth_sigma), atol=0.05)
    expect_close("radius_by_hand against the simulation", radius_by_hand, radius_sim, atol=0.05)
    expect_close("area_by_hand against theory", area_by_hand,
                 expected_cell_area(threshold, brightness, cell_sigma, smooth_sigma), atol=3.0)
    expect_close("area_by_hand against the simulation", area_by_hand, area_sim, atol=3.0)


def check_midpoint(midpoint_by_hand: object, midpoint_sim: float, distance: float,
                   brightness: float, cell_sigma: float) -> None:
    """Exercise 1, task 5: the midpoint intensity (a.u.) of two unsmoothed cells, two
    decimals (±0.005)."""
    from .theory import midpoint_intensity

    _against("midpoint_by_hand", midpoint_by_hand, midpoint_sim,
             midpoint_intensity(distance, brightness, cell_sigma), 0.005, 0.005,
             "theory.midpoint_intensity")


def check_min_separation(separation_by_hand: object, separation_sim: float, threshold: float,
                         brightness: float, cell_sigma: float) -> None:
    """Exercise 1, task 6: the smallest separation (px) of two unsmoothed cells that stay
    apart at the threshold; the simulation steps in 0.01 px (±0.02)."""
    from .theory import min_separation

    _against("separation_by_hand", separation_by_hand, separation_sim,
             min_separation(threshold, brightness, cell_sigma), 0.02, 0.02, "theory.min_separation",
             why="two unsmoothed cells")


# --------------------------------------------------------------------- exercise 2, watershed

def _ex2_markers(surface: np.ndarray, mask: np.ndarray, min_distance: int) -> np.ndarray:
    size = 2 * int(min_distance) + 1
    peaks = (surface == ndimage.maximum_filter(surface, size=size)) & mask
    return ndimage.label(peaks, structure=np.ones((3, 3), dtype=bool))[0]


def _ex2_grow(mask: np.ndarray, markers: np.ndarray) -> np.ndarray:
    cost = np.where(mask, 0, 255).astype(np.uint8)
    labels = -ndimage.watershed_ift(cost, -markers.astype(np.int32))
    pieces, _ = ndimage.label(mask)
    labels[~(mask & np.isin(pieces, pieces[markers > 0]))] = 0
    return labels


def check_find_markers(find_markers: Callable) -> None:
    """Exercise 2, task 2a: ``find_markers`` on small surfaces where a mistake shows.

    Two peaks and a two-pixel plateau (three markers); a plateau of two pixels that touch at a
    corner (one marker, as 8-connected labelling joins them); two peaks 3 px apart with
    ``min_distance=3``, once with the higher peak on the left and once on the right (one
    marker each: an even window looks further to one side than to the other).
    """
    toy = np.zeros((7, 15))
    toy[4, 2], toy[4, 12], toy[1, 7:9] = 3.0, 3.0, 1.0
    found = _label_image("find_markers(toy, toy > 0, 2)",
                         _call("find_markers", find_markers, toy, toy > 0, 2), toy.shape)
    expect_equal("markers on the toy surface", int(found.max()), 3,
                 "two peaks, and a plateau of two pixels that is one marker")
    expect_equal("marker pixels on the toy surface", int(np.count_nonzero(found)), 4)
    diagonal = np.zeros((6, 6))
    diagonal[2, 2] = diagonal[3, 3] = 1.0
    found = _label_image("find_markers(diagonal, ...)",
                         _call("find_markers", find_markers, diagonal, diagonal > 0, 1),
                         diagonal.shape)
    expect_equal("markers of a plateau whose two pixels touch at a corner", int(found.max()), 1,
                 "label the peaks 8-connected: structure=np.ones((3, 3))")
    for side, (high, low) in (("left", (3, 6)), ("right", (6, 3))):
        close = np.zeros((7, 11))
        close[3, high], close[3, low] = 3.0, 2.0
        found = _label_image("find_markers(close, ...)",
                             _call("find_markers", find_markers, close, close > 0, 3),
                             close.shape)
        expect_equal(f"markers of two peaks 3 px apart, min_distance=3, higher on the {side}",
                     int(found.max()), 1,
                     "the lower peak lies within min_distance of the higher one; the window "
                     "is 2 * min_distance + 1 pixels wide, centred on the pixel")


def check_split_by_intensity(split_by_intensity: Callable, render: Callable,
                             smooth: Callable, threshold: float, shape: tuple[int, int],
                             noisy_labels: np.ndarray) -> None:
    """Exercise 2, task 4: noise-free pairs 18 px and 13 px apart (two regions each), and the
    14 px pair of the default seed (one region: the noise leaves one intensity maximum).

    At 13 px the once-smoothed pair still has a dip between its peaks; smoothed twice it has
    a single peak, so smoothing the already smoothed image again gives one region.
    """
    for d in (18.0, 13.0):
        c = np.array([[48 - d / 2, 32.0], [48 + d / 2, 32.0]])
        clean = smooth(render(c, shape))
        labels = _label_image(f"split_by_intensity on the noise-free pair {d:g} px apart",
                              _call("split_by_intensity", split_by_intensity, clean,
                                    clean > threshold), clean.shape)
        expect_equal(f"regions of split_by_intensity, noise-free pair {d:g} px apart",
                     int(labels.max()), 2,
                     "markers at the maxima of the smoothed image it is given (smooth once, "
                     "not twice)")
    expect_equal("regions of split_by_intensity at 14 px, default noise",
                 int(np.max(noisy_labels)), 1,
                 "the smoothed intensity, not the distance transform, has a single maximum here")


def check_separation_sweep(count: object, error: object, correct: object,
                           separations: np.ndarray, seeds: Sequence[int],
                           two_cells: Callable, smooth: Callable, segment: Callable,
                           min_distance: int, match_distance: float) -> None:
    """Exercise 2, task 5: the three tables against a reference sweep computed here.

    The reference segments every image with the plain pipeline, the distance watershed and
    the intensity watershed (the solution's methods), and scores them as the task says.
    """
    from .matching import label_centroids, match_by_distance

    methods = ("plain", "distance", "intensity")
    shape = (len(separations), len(seeds))
    tables = {"count": count, "error": error, "correct": correct}
    for table_name, table in tables.items():
        expect_keys(table_name, table, methods)
        for m in methods:
            if np.shape(table[m]) != shape:
                fail(f"shape of {table_name}[{m!r}]: found {np.shape(table[m])}, expected "
                     f"{shape} (one row per separation, one column per seed)")
    ref = {name: {m: np.zeros(shape) for m in methods} for name in tables}
    for i, d in enumerate(separations):
        for j, seed in enumerate(seeds):
            img, c = two_cells(d, seed)
            sm = smooth(img)
            lab = segment(sm)[0]
            fg = lab > 0
            dist = ndimage.distance_transform_edt(fg)
            results = {"plain": lab,
                       "distance": _ex2_grow(fg, _ex2_markers(dist, fg, min_distance)),
                       "intensity": _ex2_grow(fg, _ex2_markers(sm, fg, min_distance))}
            for m, labels in results.items():
                found = label_centroids(labels)
                gaps = np.hypot(*(c[:, None, :] - found[None, :, :]).transpose(2, 0, 1))
                n = int(labels.max())
                ref["count"][m][i, j] = n
                ref["error"][m][i, j] = gaps.min(axis=1).mean() if n else np.nan
                ref["correct"][m][i, j] = (
                    n == 2 and match_by_distance(c, found, match_distance).n_matched == 2)
    hints = {"count": "the number of regions of the label image",
             "error": "centre_error(true centres, found centres): the mean over the two true "
                      "cells of the distance to the nearest found centre",
             "correct": "exactly two regions, both matched within MATCH_DISTANCE"}
    # the error of a right answer may differ by a fraction of a pixel: where two markers
    # reach a pixel at the same time, another flooding order gives it to the other region
    atol = {"count": 0, "correct": 0, "error": 0.5}
    for table_name in ("count", "correct", "error"):
        for m in methods:
            found = np.asarray(tables[table_name][m], dtype=float)
            want = ref[table_name][m]
            where = _first_difference(found, want, atol=atol[table_name])
            if where is not None:
                i, j = where
                f, w = found[i, j], want[i, j]
                if table_name == "correct":
                    f, w = bool(f), bool(w)
                fail(f"{table_name}[{m!r}] at separation {int(separations[i])} px, seed "
                     f"{list(seeds)[j]}: found {_show(f)}, expected {_show(w)} "
                     f"({hints[table_name]})")
    print(f"count, error and correct: {len(separations)} separations × {len(seeds)} seeds, "
          "all three methods ok")


# -------------------------------------------------------------------- exercise 3, dim cells

def _ex3_score(smoothed: np.ndarray, centres: np.ndarray, is_dim: np.ndarray, threshold: float,
               min_size: int, match_distance: float) -> dict[str, int]:
    from .matching import label_centroids, match_by_distance
    from .segmentation import segment

    labels, n = segment(smoothed, threshold, min_size)
    m = match_by_distance(centres, label_centroids(labels), match_distance)
    hit = np.zeros(len(centres), dtype=bool)
    hit[m.true_index] = True
    return {"dim_found": int(hit[is_dim].sum()), "bright_found": int(hit[~is_dim].sum()),
            "unmatched": int(n - m.n_matched)}


def check_score_detections(score_detections: Callable, dim_found_at_05: object,
                           sample_smoothed: Sequence[np.ndarray], sample: Sequence[tuple],
                           min_size: int, match_distance: float) -> None:
    """Exercise 3, task 2b: ``score_detections`` on all 40 images at 0.5 and at 0.25.

    At 0.25 several bright neighbours fuse into one region whose centroid lies between them:
    two cells missed and one detection that matches no cell.
    """
    keys = ["dim_found", "bright_found", "unmatched"]
    first = _call("score_detections", score_detections, sample_smoothed[0], sample[0][1],
                  sample[0][2], 0.5)
    expect_keys("score_detections(...)", first, keys)
    for t in (0.5, 0.25):
        for k, (sm, (_, c, d)) in enumerate(zip(sample_smoothed, sample, strict=True)):
            found = _call("score_detections", score_detections, sm, c, d, t)
            want = _ex3_score(sm, c, d, t, min_size, match_distance)
            if not isinstance(found, Mapping) or {key: found.get(key) for key in keys} != want:
                fail(f"score_detections on image {k} at threshold {t}: found {_show(found)}, "
                     f"expected {_show(want)} (a fused pair is 2 cells not found and 1 "
                     "detection that matches no cell)")
    print(f"score_detections: the {len(sample)} images at thresholds 0.5 and 0.25 ok")
    want = sum(_ex3_score(sm, c, d, 0.5, min_size, match_distance)["dim_found"]
               for sm, (_, c, d) in zip(sample_smoothed, sample, strict=True))
    expect_equal("dim_found_at_05", dim_found_at_05, want,
                 f"a count of dim cells over the {len(sample)} images")


def _ex3_sweep(thresholds: np.ndarray, sample_smoothed: Sequence[np.ndarray],
               sample: Sequence[tuple], noise_smoothed: Sequence[np.ndarray], min_size: int,
               match_distance: float) -> dict[str, np.ndarray]:
    from .segmentation import segment

    n_dim = sum(int(np.sum(d)) for _, _, d in sample)
    n_bright = sum(int(np.sum(~d)) for _, _, d in sample)
    out = {k: np.zeros(len(thresholds)) for k in
           ("dim_recall", "bright_recall", "unmatched_per_image", "noise_per_image")}
    for i, t in enumerate(thresholds):
        s = [_ex3_score(sm, c, d, t, min_size, match_distance)
             for sm, (_, c, d) in zip(sample_smoothed, sample, strict=True)]
        out["dim_recall"][i] = sum(x["dim_found"] for x in s) / n_dim
        out["bright_recall"][i] = sum(x["bright_found"] for x in s) / n_bright
        out["unmatched_per_image"][i] = sum(x["unmatched"] for x in s) / len(sample)
        out["noise_per_image"][i] = np.mean([segment(z, t, min_size)[1] for z in noise_smoothed])
    return out


def check_threshold_sweep(values: Mapping[str, object], thresholds: np.ndarray,
                          sample_smoothed: Sequence[np.ndarray], sample: Sequence[tuple],
                          noise_smoothed: Sequence[np.ndarray], min_size: int,
                          match_distance: float) -> None:
    """Exercise 3, task 3a: the four arrays against a reference sweep computed here."""
    ref = _ex3_sweep(thresholds, sample_smoothed, sample, noise_smoothed, min_size,
                     match_distance)
    why = {"dim_recall": "a fraction: dim cells found / all dim cells of the 40 images",
           "bright_recall": "a fraction: bright cells found / all bright cells",
           "unmatched_per_image": "detections that match no cell, divided by the 40 images",
           "noise_per_image": "components segment finds in a pure-noise image, averaged over "
                              "the 40 noise images"}
    for name in ref:
        arr = as_numbers(name, values.get(name), len(thresholds),
                         "values, one per threshold in THRESHOLDS", quiet=True)
        where = _first_difference(arr, ref[name], atol=1e-9)
        if where is not None:
            (i,) = where
            fail(f"{name} at threshold {thresholds[i]:.2f}: found {arr[i]:.4g}, expected "
                 f"{ref[name][i]:.4g} ({why[name]})")
    print(f"{', '.join(ref)}: {len(thresholds)} thresholds ok")


def check_threshold_choice(choose_threshold: Callable, errors: object, best_threshold: object,
                           values: Mapping[str, object], thresholds: np.ndarray,
                           sample: Sequence[tuple]) -> None:
    """Exercise 3, task 3b: the error counts, the rule, and the threshold it chooses.

    On the exercise's data the threshold with the fewest errors happens to make no noise
    component, so the data cannot tell whether the rule "only thresholds with no component in
    pure noise" was applied. ``choose_threshold`` is therefore also run on small constructed
    sweeps where the fewest errors lie at a threshold that noise crosses.
    """
    n_dim = sum(int(np.sum(d)) for _, _, d in sample)
    n_bright = sum(int(np.sum(~d)) for _, _, d in sample)
    v = {k: np.asarray(values[k], dtype=float) for k in values}
    ref_errors = np.round((1 - v["dim_recall"]) * n_dim + (1 - v["bright_recall"]) * n_bright
                          + v["unmatched_per_image"] * len(sample))
    arr = as_numbers("errors", errors, len(thresholds), "counts, one per threshold", quiet=True)
    where = _first_difference(arr, ref_errors, atol=1e-6)
    if where is not None:
        (i,) = where
        fail(f"errors at threshold {thresholds[i]:.2f}: found {arr[i]:.4g}, expected "
             f"{ref_errors[i]:.4g} (counts over the {len(sample)} images: missed dim cells + "
             "missed bright cells + unmatched detections)")
    print(f"errors: {len(thresholds)} counts ok")
    cases = [([0.1, 0.2, 0.3, 0.4], [1, 5, 2, 4], [2.0, 0, 0, 0], 0.3),
             ([0.1, 0.2, 0.3, 0.4], [6, 1, 2, 3], [0, 0.5, 0, 0], 0.3),
             ([0.1, 0.2, 0.3, 0.4], [4, 3, 1, 2], [0, 0, 0, 0], 0.3)]
    for t, e, noise, want in cases:
        got = _number("choose_threshold(...)", _call(
            "choose_threshold", choose_threshold, np.array(t), np.array(e, dtype=float),
            np.array(noise)))
        if abs(got - want) > 1e-9:
            fail(f"choose_threshold(thresholds={t}, errors={e}, noise_per_image={noise}): "
                 f"found {got:g}, expected {want:g} (the fewest errors among the thresholds "
                 "at which pure noise makes no component)")
    print("choose_threshold on three constructed sweeps ok")
    allowed = v["noise_per_image"] == 0
    if not allowed.any():
        fail("noise_per_image: no threshold makes zero components in pure noise")
    want = float(thresholds[allowed][np.argmin(ref_errors[allowed])])
    got = _number("best_threshold", best_threshold)
    if abs(got - want) > 1e-6:
        fail(f"best_threshold: found {got:g}, expected {want:g} (choose_threshold(THRESHOLDS, "
             "errors, noise_per_image))")
    print(f"best_threshold: {got:.2f} ok")


def check_class_scores(class_scores: object, sample_smoothed: Sequence[np.ndarray],
                       sample: Sequence[tuple], threshold: float, class_threshold: float,
                       min_size: int, match_distance: float) -> None:
    """Exercise 3, task 5: precision and recall per class, against a reference computed here
    (detections called dim when their mean is below ``class_threshold``, matched to the true
    cells of the same class)."""
    from .matching import label_centroids, match_by_distance
    from .segmentation import segment

    counts = {"bright": np.zeros(3), "dim": np.zeros(3)}
    for sm, (_, c, d) in zip(sample_smoothed, sample, strict=True):
        labels, n = segment(sm, threshold, min_size)
        sums = np.bincount(labels.ravel(), weights=sm.ravel(), minlength=n + 1)[1:]
        means = sums / np.maximum(np.bincount(labels.ravel(), minlength=n + 1)[1:], 1)
        xy = label_centroids(labels)
        for name, true_sel, found_sel in (("dim", d, means < class_threshold),
                                          ("bright", ~d, means >= class_threshold)):
            m = match_by_distance(c[true_sel], xy[found_sel], match_distance)
            counts[name] += (m.n_matched, m.n_found, m.n_true)
    expect_keys("class_scores", class_scores, ["bright", "dim"])
    for name in ("bright", "dim"):
        expect_keys(f"class_scores[{name!r}]", class_scores[name], ["precision", "recall"])
        tp, called, true = counts[name]
        for key, want, why in (("precision", tp / max(called, 1),
                                f"true {name} cells found / detections called {name}"),
                               ("recall", tp / max(true, 1),
                                f"true {name} cells found / all true {name} cells")):
            got = _number(f"{name} {key}", class_scores[name][key])
            if abs(got - want) > 1e-6:
                fail(f"{name} {key}: found {got:.4g}, expected {want:.4g} ({why})")
            print(f"{name} {key}: {got:.3f} ok")


def check_smoothed_peaks(bright_peak: object, dim_peak: object, bright: float,
                         dim: float) -> None:
    """Exercise 3, task 2a: the smoothed peaks (a.u.) of a bright and a dim cell, computed here
    with ``theory.smoothed_peak`` (the course's cell width and smoothing width)."""
    from .theory import smoothed_peak

    for name, found, brightness in (("bright_peak", bright_peak, bright),
                                    ("dim_peak", dim_peak, dim)):
        expect_close(name, found, smoothed_peak(brightness), atol=1e-6,
                     why=f"the peak of a cell of brightness {brightness:g} after smoothing")


def check_segment_with_means(segment_with_means: Callable, segment: Callable) -> None:
    """Exercise 3, task 4a: ``segment_with_means`` on a toy image with two regions of known
    mean (a 3×3 square of 0.8, and one of 0.3 with one pixel of 0.6), threshold 0.1 and
    ``min_size=2``; the expected means are computed here."""
    toy = np.zeros((6, 9))
    toy[1:4, 1:4] = 0.8
    toy[2:5, 5:8] = 0.3
    toy[3, 6] = 0.6
    got = _call("segment_with_means", segment_with_means, toy, 0.1, 2)
    if not isinstance(got, tuple) or len(got) != 2:
        fail("segment_with_means(toy, threshold=0.1, min_size=2): expected a tuple "
             f"(labels, means), found {type(got).__name__}")
    labels, means = got
    want_labels = segment(toy, 0.1, 2)[0]
    check("labels are those of segment", np.array_equal(np.asarray(labels), want_labels))
    n = int(want_labels.max())
    toy_means = as_numbers("toy_means", means, n,
                           "means, one per label (none for the background)")
    sums = np.bincount(want_labels.ravel(), weights=toy.ravel())[1:]
    want = sums / np.bincount(want_labels.ravel())[1:]
    for k in range(n):
        expect_close(f"mean of label {k + 1}", toy_means[k], float(want[k]), atol=1e-9)


def _region_mean(peak: float, threshold: float) -> float:
    return (peak - threshold) / math.log(peak / threshold)


def check_region_mean(expected_region_mean: Callable, class_threshold: object,
                      bright_peak: float, dim_peak: float, best_threshold: float) -> None:
    """Exercise 3, task 4b: the mean over the region, at a few (peak, threshold) pairs."""
    for peak, t in ((1.0, 0.5), (0.9, 0.3), (0.36, 0.3), (2.0, 0.1)):
        name = f"expected_region_mean({peak}, {t})"
        got = _number(name, _call("expected_region_mean", expected_region_mean, peak, t))
        want = _region_mean(peak, t)
        if abs(got - want) > 1e-4:
            fail(f"{name}: found {got:.4g}, expected {want:.4g} (the integral of the intensity "
                 "over the disc where it exceeds the threshold, divided by the disc's area)")
        print(f"{name}: {got:.4f} ok")
    t = best_threshold
    want = 0.5 * (_region_mean(bright_peak, t) + _region_mean(dim_peak, t))
    got = _number("class_threshold", class_threshold)
    if abs(got - want) > 1e-3:
        fail(f"class_threshold: found {got:.4g}, expected {want:.4g} (midway between the "
             "expected means of a bright and a dim cell at best_threshold)")
    print(f"class_threshold: {got:.3f} ok")


# ------------------------------------------------------------------ exercise 4, noise sweep

def _ex4_score(image: np.ndarray, centres: np.ndarray) -> tuple[int, int, int]:
    from .filters import smooth
    from .matching import label_centroids, match_by_distance
    from .parameters import CELL_SIGMA
    from .segmentation import segment

    labels, n = segment(smooth(image))
    matched = match_by_distance(centres, label_centroids(labels), CELL_SIGMA).n_matched
    return int(n), int(len(centres) - matched), int(n - matched)


def _ex4_image(level: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    from .image_model import make_image
    from .parameters import SEED

    return make_image(noise_scale=level, seed=SEED + k)


def check_score_image(score_image: Callable) -> None:
    """Exercise 4, task 1: ``score_image`` on the default image and on four noisier ones.

    Image 5 at noise 0.65 holds a fused pair (count 7: 2 cells missed and 1 false region);
    a count alone cannot tell that from a plain miss.
    """
    for level, k in ((0.15, 0), (0.65, 5), (0.85, 1), (0.85, 2), (1.0, 3)):
        image, centres = _ex4_image(level, k)
        name = f"score_image at noise {level:.2f}, image {k}: (count, missed, false)"
        found = _counts_of(name, _call("score_image", score_image, image, centres), 3,
                           "count, missed, false")
        want = _ex4_score(image, centres)
        if found != want:
            fail(f"{name}: found {_show(found)}, expected {_show(want)} (missed: true cells "
                 "with no region within MATCH_DISTANCE; false: regions with no true cell)")
    print("score_image: (count, missed, false) on 5 images ok")


def check_noise_sweep(seed_sweep: object, sweep: Callable, levels: np.ndarray,
                      n_images: int) -> None:
    """Exercise 4, task 2: the shapes of ``seed_sweep``, and ``sweep`` at a noise level where
    images differ (so that the images' seeds matter: image ``k`` uses seed ``SEED + k``)."""
    keys = ["count", "missed", "false"]
    expect_keys("seed_sweep", seed_sweep, keys)
    for key in keys:
        if np.shape(seed_sweep[key]) != (len(levels), n_images):
            fail(f"shape of seed_sweep[{key!r}]: found {np.shape(seed_sweep[key])}, expected "
                 f"{(len(levels), n_images)} (one row per noise level, one column per image)")
    for i, level in enumerate(levels):
        for k in (0, n_images - 1):
            want = _ex4_score(*_ex4_image(float(level), k))
            found = tuple(int(seed_sweep[key][i, k]) for key in keys)
            if found != want:
                fail(f"seed_sweep at noise {level:.2f}, image {k}: found {_show(found)}, "
                     f"expected {_show(want)} (image k uses seed SEED + k)")
    probe = _call("sweep", sweep, np.array([0.85, 1.0]), 4)
    expect_keys("sweep(np.array([0.85, 1.0]), 4)", probe, keys)
    for i, level in enumerate((0.85, 1.0)):
        for k in range(4):
            want = _ex4_score(*_ex4_image(level, k))
            try:
                found = tuple(int(probe[key][i, k]) for key in keys)
            except (IndexError, TypeError, ValueError):
                fail(f"sweep(np.array([0.85, 1.0]), 4): expected arrays of shape (2, 4), found "
                     f"{', '.join(str(np.shape(probe[key])) for key in keys)}")
            if found != want:
                fail(f"sweep at noise {level:.2f}, image {k}: found {_show(found)}, expected "
                     f"{_show(want)} (make_image(noise_scale=level, seed=SEED + k), scored "
                     "with score_image)")
    print("sweep: noise 0.85 and 1.00, images 0 to 3, ok")


def check_extended_sweep(levels: object, result: object, fraction_wrong: object,
                         first_failure: object, seed_levels: np.ndarray,
                         extended_levels: np.ndarray, n_cells: int,
                         fail_fraction: float) -> None:
    """Exercise 4, task 3: ``levels`` and ``result`` joined in order (spot-checked against
    the reference scores), then ``fraction_wrong`` and ``first_failure`` recomputed here from
    ``result``."""
    want_levels = np.concatenate([seed_levels, extended_levels])
    lv = as_numbers("levels", levels, len(want_levels), "noise levels, the two sweeps joined",
                    quiet=True)
    if not np.allclose(lv, want_levels):
        fail(f"levels: found {_show(lv)}, expected SEED_LEVELS followed by EXTENDED_LEVELS")
    keys = ["count", "missed", "false"]
    expect_keys("result", result, keys)
    tables = {}
    for key in keys:
        tables[key] = np.asarray(result[key])
        if tables[key].ndim != 2 or tables[key].shape[0] != len(want_levels):
            fail(f"shape of result[{key!r}]: found {tables[key].shape}, expected "
                 f"({len(want_levels)}, images): one row per level of `levels`")
    n_images = tables["count"].shape[1]
    for i in range(len(seed_levels), len(want_levels), 3):
        k = i % n_images
        want = _ex4_score(*_ex4_image(float(want_levels[i]), k))
        found = tuple(int(tables[key][i, k]) for key in keys)
        if found != want:
            fail(f"result at noise {want_levels[i]:.2f}, image {k}: found {_show(found)}, "
                 f"expected {_show(want)}")
    wrong = (tables["count"] != n_cells) | (tables["missed"] > 0) | (tables["false"] > 0)
    want_fw = wrong.mean(axis=1)
    fw = as_numbers("fraction_wrong", fraction_wrong, len(want_levels),
                    "fractions, one per noise level", quiet=True)
    if not np.all((fw >= 0) & (fw <= 1)):
        fail(f"fraction_wrong lies between 0 and 1: no (found {_show(fw)}); a fraction of the "
             "images, not a count")
    where = _first_difference(fw, want_fw, atol=1e-9)
    if where is not None:
        (i,) = where
        fail(f"fraction of images wrong at noise {want_levels[i]:.2f}: found {fw[i]:.4g}, "
             f"expected {want_fw[i]:.4g} (wrong: a miss, a false detection or a count other "
             f"than {n_cells})")
    print(f"fraction_wrong: {len(want_levels)} fractions ok")
    failing = np.flatnonzero(want_fw > fail_fraction)
    if failing.size == 0:
        fail("fraction_wrong never exceeds FAIL_FRACTION: extend the sweep")
    want_first = float(want_levels[failing[0]])
    got = _number("first_failure", first_failure)
    if abs(got - want_first) > 1e-6:
        fail(f"first_failure: found {got:g}, expected {want_first:g} (the first level with "
             f"more than {fail_fraction:.0%} of its images wrong)")
    print(f"first_failure: {got:.2f} ok")


# ---------------------------------------------------------- exercise 5, adaptive threshold

def check_global_thresholds(errors_at_05: object, best_global: object,
                            errors_best_global: object, sweep_smoothed: Mapping[float, list],
                            sweep: Mapping[float, list], amplitudes: np.ndarray,
                            thresholds: np.ndarray, threshold: float,
                            match_distance: float) -> None:
    """Exercise 5, task 3: the three arrays against a reference table computed here
    (errors of every global threshold at every amplitude). Where several thresholds tie for
    the fewest errors, any of them is right."""
    from .matching import label_centroids, match_by_distance
    from .segmentation import segment

    def errors(a: float, t: float) -> int:
        total = 0
        for sm, (_, c) in zip(sweep_smoothed[a], sweep[a], strict=True):
            m = match_by_distance(c, label_centroids(segment(sm, t)[0]), match_distance)
            total += (m.n_true - m.n_matched) + (m.n_found - m.n_matched)
        return total

    n = len(amplitudes)
    e05 = as_numbers("errors_at_05", errors_at_05, n, "counts, one per amplitude", quiet=True)
    bt = as_numbers("best_global", best_global, n, "thresholds, one per amplitude", quiet=True)
    eb = as_numbers("errors_best_global", errors_best_global, n, "counts, one per amplitude",
                    quiet=True)
    n_images = len(next(iter(sweep.values())))
    for i, a in enumerate(amplitudes):
        want = errors(a, threshold)
        if e05[i] != want:
            fail(f"errors at 0.5 at A = {a:.1f}: found {e05[i]:g}, expected {want} (missed "
                 f"cells plus false detections, summed over the {n_images} images)")
    print(f"errors_at_05: {n} counts ok")
    for i, a in enumerate(amplitudes):
        table = np.array([errors(a, t) for t in thresholds])
        if eb[i] != table.min():
            fail(f"fewest errors of a global threshold at A = {a:.1f}: found {eb[i]:g}, "
                 f"expected {table.min()} (the smallest entry of the row, over "
                 "GLOBAL_THRESHOLDS)")
        k = np.flatnonzero(np.isclose(thresholds, bt[i], atol=1e-6))
        if k.size == 0 or table[k[0]] != table.min():
            fail(f"best global threshold at A = {a:.1f}: found {bt[i]:g}, which makes "
                 f"{table[k[0]] if k.size else 'no'} errors; expected a threshold of "
                 f"GLOBAL_THRESHOLDS with {table.min()} errors")
    print(f"best_global and errors_best_global: {n} amplitudes ok")


def _ex5_score(labels: np.ndarray, centres: np.ndarray, match_distance: float) -> dict[str, int]:
    from .matching import label_centroids, match_by_distance

    m = match_by_distance(centres, label_centroids(labels), match_distance)
    return {"found": int(m.n_matched), "missed": int(m.n_true - m.n_matched),
            "false": int(m.n_found - m.n_matched)}


def _ex5_background(smoothed: np.ndarray, window: int, percentile: float,
                    factor: int = 4) -> np.ndarray:
    """The reference local background: the percentile over ``window / factor`` blocks of
    ``factor`` × ``factor`` block means, interpolated back to full size (a full-resolution
    percentile filter of a 41 px window takes about a second per image; this, milliseconds)."""
    rows, cols = smoothed.shape
    blocks = smoothed.reshape(rows // factor, factor, cols // factor, factor).mean(axis=(1, 3))
    small = ndimage.percentile_filter(blocks, percentile, size=round(window / factor) | 1)
    return ndimage.zoom(small, factor, order=1, grid_mode=True, mode="nearest")


def check_score(score: Callable, labels: np.ndarray, centres: np.ndarray,
                match_distance: float) -> None:
    """Exercise 5, task 1: ``score`` on three label images of one layout: ``labels`` itself,
    ``labels`` with an extra region in a corner far from every cell (a false detection), and
    an empty one (every cell missed). The expected scores are computed here."""
    keys = ["found", "missed", "false"]
    extra = np.array(labels, copy=True)
    extra[0:6, 0:6] = labels.max() + 1
    empty = np.zeros_like(labels)
    first = _call("score", score, labels, centres)
    expect_keys("score(...)", first, keys)
    for name, lab, why in (
            ("default image", labels, ""),
            ("default image plus a region in the corner", extra,
             "the extra region matches no cell: false"),
            ("empty label image", empty, "no detection: every cell missed, none false")):
        got = first if lab is labels else _call("score", score, lab, centres)
        got = {k: got.get(k) for k in keys} if isinstance(got, Mapping) else got
        expect_equal(name, got, _ex5_score(lab, centres, match_distance), why)


def check_background_filters(bg_fast: object, bg_generic: object, smoothed: np.ndarray,
                             window: int, percentile: float) -> None:
    """Exercise 5, task 4a: the two backgrounds have the image's shape, the percentile filter
    agrees with a reference computed here, and the two are identical."""
    expect_equal("shape of background_percentile_filter(smoothed_hard)", np.shape(bg_fast),
                 smoothed.shape, "one background value per pixel")
    expect_equal("shape of background_generic(smoothed_hard)", np.shape(bg_generic),
                 smoothed.shape)
    want = ndimage.percentile_filter(smoothed, percentile, size=window)
    expect_close("percentile_filter background, top-left pixel", np.asarray(bg_fast)[0, 0],
                 float(want[0, 0]), atol=1e-4,
                 why=f"the {percentile:g}th percentile of the {window} × {window} window, "
                     "reflected at the edges")
    where = _first_difference(np.asarray(bg_fast, dtype=float), want, atol=1e-4)
    check("percentile_filter background at every pixel", where is None,
          "" if where is None else f"first difference at pixel {where}")
    check("generic_filter and percentile_filter give identical backgrounds",
          np.array_equal(bg_generic, bg_fast),
          "" if np.array_equal(bg_generic, bg_fast) else
          f"largest difference {np.abs(np.asarray(bg_generic) - bg_fast).max():.1e}")


def check_downsampled_background(background_downsampled: Callable, smoothed: np.ndarray,
                                 bg_fast: np.ndarray, images_smoothed: Sequence[np.ndarray],
                                 images: Sequence[tuple], margin: float, window: int,
                                 percentile: float, match_distance: float) -> None:
    """Exercise 5, task 4b: the downsampled background has the image's shape, stays within
    0.03 a.u. of the percentile filter's on average, and finds on each image what a reference
    percentile background finds (computed here)."""
    from .segmentation import segment

    bg_down = _call("background_downsampled", background_downsampled, smoothed)
    expect_equal("shape of background_downsampled(smoothed_hard)", np.shape(bg_down),
                 smoothed.shape, "back to full size: one background value per pixel")
    expect_between("mean |downsampled - percentile_filter| on the A = 1.0 image",
                   np.mean(np.abs(np.asarray(bg_down, dtype=float) - bg_fast)), 0.0, 0.03)
    for k, (sm, (_, c)) in enumerate(zip(images_smoothed, images, strict=True)):
        down = _call("background_downsampled", background_downsampled, sm)
        got = _ex5_score(segment(sm - down, margin)[0], c, match_distance)
        ref = _ex5_background(sm, window, percentile)
        want = _ex5_score(segment(sm - ref, margin)[0], c, match_distance)
        if got != want:
            fail(f"A = 1.0, image {k}: cells found with the downsampled background: found "
                 f"{_show(got)}, expected {_show(want)} (as with a percentile background)")
    print(f"A = 1.0, {len(images)} images: cells found as with a percentile background ok")


def check_local_threshold(errors_local: object, segment_local: Callable,
                          sweep_smoothed: Mapping[float, list], sweep: Mapping[float, list],
                          amplitudes: np.ndarray, margin: float, window: int,
                          percentile: float, match_distance: float) -> None:
    """Exercise 5, task 5: ``errors_local`` against the learner's own ``segment_local``, then
    ``segment_local`` against a reference local threshold computed here (a percentile
    background plus ``margin``), amplitude by amplitude.

    Neither passing check prints an error count: the figure after the check shows them.
    Last, ``segment_local`` on the flat default image against the same reference.
    """
    from .segmentation import segment

    n = len(amplitudes)
    el = as_numbers("errors_local", errors_local, n, "counts, one per amplitude")
    n_images = len(next(iter(sweep.values())))
    for i, a in enumerate(amplitudes):
        own = ref = 0
        for sm, (_, c) in zip(sweep_smoothed[a], sweep[a], strict=True):
            labels = _label_image("segment_local(smoothed)",
                                  _call("segment_local", segment_local, sm), sm.shape)
            s = _ex5_score(labels, c, match_distance)
            own += s["missed"] + s["false"]
            bg = _ex5_background(sm, window, percentile)
            r = _ex5_score(segment(sm - bg, margin)[0], c, match_distance)
            ref += r["missed"] + r["false"]
        if el[i] != own:
            fail(f"errors_local at A = {a:.1f}: found {el[i]:g}, but segment_local makes {own} "
                 f"errors (missed cells plus false detections, summed over the {n_images} "
                 "images)")
        if own > ref:
            fail(f"errors of the local threshold at A = {a:.1f}: segment_local makes {own} "
                 f"errors in the {n_images} images, a local threshold of background plus "
                 f"margin {ref} (subtract background_downsampled(smoothed), segment the "
                 "difference at MARGIN)")
    print(f"errors of the local threshold, {n} amplitudes × {n_images} images: ok")
    from .filters import smooth
    from .image_model import make_image

    image, centres = make_image()
    sm = smooth(image)
    labels = _label_image("segment_local(smoothed)", _call("segment_local", segment_local, sm),
                          sm.shape)
    bg = _ex5_background(sm, window, percentile)
    expect_equal("segment_local on the flat default image",
                 _ex5_score(labels, centres, match_distance),
                 _ex5_score(segment(sm - bg, margin)[0], centres, match_distance),
                 "as a percentile background plus MARGIN")


# ----------------------------------------------------------- exercise 6, improve nuclei

_CATEGORIES = ("split", "merged", "missed", "extra")


def _summed_errors(truths: Sequence[np.ndarray], found: Sequence[np.ndarray]) -> dict[str, int]:
    from .metrics import error_categories

    total = dict.fromkeys(_CATEGORIES, 0)
    for t, f in zip(truths, found, strict=True):
        for k, v in error_categories(t, f).items():
            total[k] += int(v)
    return total


def check_error_counts(baseline_errors: object, truths: Sequence[np.ndarray],
                       found: Sequence[np.ndarray]) -> dict[str, int]:
    """Exercise 6, task 1: the error counts summed over the images, computed here.

    Returns the reference counts, which task 2's check compares against.
    """
    expect_keys("baseline_errors", baseline_errors, list(_CATEGORIES))
    want = _summed_errors(truths, found)
    got = {k: baseline_errors[k] for k in _CATEGORIES}
    if got != want:
        fail(f"errors of the simple pipeline, {len(truths)} images: found {_show(got)}, "
             f"expected {_show(want)} (error_categories(expert labels, found labels), added "
             "up over all the images; in the other order a merge counts as a split)")
    print(f"errors of the simple pipeline, {len(truths)} images: {_show(got)} ok")
    return want


def check_improved_pipeline(improved_pipeline: Callable, images: Sequence[np.ndarray],
                            smooth: Callable, otsu_threshold: Callable) -> None:
    """Exercise 6, task 2: what ``improved_pipeline`` returns, and the steps it keeps.

    An integer label image of the image's shape; no object under 30 px (the size filter);
    and a foreground that is the Otsu mask of the *smoothed* image with its holes filled: no
    object outside it, and each piece of it that holds an object covered (99 %: the size
    filter may drop a few pixels). Otsu's threshold of the raw image leaves a rim of about
    2 % of each nucleus uncovered.
    """
    first = _call("improved_pipeline", improved_pipeline, images[0])
    if isinstance(first, tuple):
        fail("improved_pipeline returns a tuple; return the label image alone")
    _label_image("improved_pipeline(samples[0].image)", first, np.shape(images[0]))
    print("improved_pipeline returns an integer label image: yes")
    for k, image in enumerate(images[:3]):
        labels = first if k == 0 else _label_image(
            f"improved_pipeline(samples[{k}].image)",
            _call("improved_pipeline", improved_pipeline, image), np.shape(image))
        area = np.bincount(labels.ravel())[1:]
        small = int(np.count_nonzero((area > 0) & (area < 30)))
        if small:
            fail(f"objects under 30 px in image {k}: found {small}, expected 0 (step 5: drop "
                 "objects smaller than 30 px)")
        sm = smooth(image, 2.0)
        mask = ndimage.binary_fill_holes(sm > otsu_threshold(sm))
        outside = float(np.count_nonzero((labels > 0) & ~mask) / max(np.count_nonzero(mask), 1))
        if outside > 0.005:
            fail(f"foreground of image {k}: {outside:.1%} of the labelled pixels lie outside the "
                 "Otsu mask of the smoothed image (expected none): flood inside the mask only "
                 "(watershed's mask=)")
        pieces = ndimage.label(mask)[0]
        kept = np.zeros(pieces.max() + 1, dtype=bool)
        kept[pieces[labels > 0]] = True
        kept[0] = False
        covered = float(np.mean(labels[kept[pieces]] > 0)) if kept.any() else 0.0
        if covered < 0.99:
            fail(f"foreground of image {k}: the objects cover {covered:.1%} of the mask pieces "
                 "they lie in (expected at least 99 %): threshold smooth(image, 2.0) at the "
                 "otsu_threshold of that smoothed image, fill the holes, and let the watershed "
                 "fill every piece of the mask that has a marker")
    print("size filter and foreground, images 0 to 2: ok")


def check_watershed_errors(truths: Sequence[np.ndarray], improved: Mapping,
                           baseline: Mapping, simple_errors: Mapping[str, int]) -> dict[str, int]:
    """Exercise 6, task 2: what the watershed does to the errors over the images, and the
    gains in pooled F1 and mean AP (results of ``score_pipeline``).

    Prints the error counts of both pipelines and returns those of the improved one.
    """
    new_errors = _summed_errors(truths, improved["found"])
    gain_f1 = improved["f1"] - baseline["f1"]
    gain_ap = improved["ap"] - baseline["ap"]
    n_nuclei = sum(len(np.unique(t)) - 1 for t in truths)
    print("errors, simple pipeline:  ", _show(dict(simple_errors)))
    print("errors, with a watershed: ", _show(new_errors))
    expect_between("nuclei split into pieces", new_errors["split"], 0, 30,
                   f"at most 30 of the {n_nuclei} nuclei; many more means many markers per "
                   "nucleus: smooth the distance map, and keep the markers DIAMETER / 3 apart")
    expect_between("nuclei missed", new_errors["missed"], 0,
                   round(1.1 * simple_errors["missed"]),
                   f"the simple pipeline missed {simple_errors['missed']}; does every region of "
                   "the mask get a marker? The watershed leaves a region without a marker empty")
    expect_between("extra objects", new_errors["extra"], 0, simple_errors["extra"] + 10,
                   f"the simple pipeline had {simple_errors['extra']}; does the flood stay "
                   "inside the mask?")
    expect_between("merged objects", new_errors["merged"], 0,
                   round(2 / 3 * simple_errors["merged"]),
                   f"the simple pipeline merged {simple_errors['merged']}; the watershed should "
                   "cut at least a third of them: one marker per nucleus, and a flood that runs "
                   "downhill from the markers")
    expect_between("gain in pooled F1 at IoU 0.5", gain_f1, 0.05, 1.0)
    expect_between("gain in mean AP", gain_ap, 0.05, 1.0)
    return new_errors


def check_score_changes(score_changes: Callable, baseline: Mapping, improved: Mapping,
                        changes: object) -> None:
    """Exercise 6, task 3: ``score_changes`` on a constructed pair of scores, then on the
    exercise's own.

    On the twelve images every per-image F1 goes up, so a count with ``>=``, the number of
    images, or a comparison with the pooled F1 all give the right number there. The
    constructed pair has an image that got worse, one that did not change, and per-image
    values on both sides of the pooled F1, where each of those gives another count.
    """
    before = {"f1": 0.65, "ap": 0.40, "f1_per_image": np.array([0.50, 0.70, 0.90, 0.80, 0.60])}
    after = {"f1": 0.70, "ap": 0.46, "f1_per_image": np.array([0.60, 0.70, 0.85, 0.90, 0.66])}
    name = "score_changes(before, after) on a constructed pair"
    got = _call("score_changes", score_changes, before, after)
    if isinstance(got, Mapping):
        fail(f"{name}: expected a tuple (delta_f1, delta_ap, n_images_better), found a dict")
    expect_length(name, got, 3, "values (delta_f1, delta_ap, n_images_better)", quiet=True)
    d_f1, d_ap = _number("delta_f1", got[0]), _number("delta_ap", got[1])
    if abs(d_f1 - 0.05) > 1e-9:
        fail(f"{name}: delta_f1 found {d_f1:.4g}, expected 0.05 (after minus before, of the "
             "pooled F1, the 'f1' entry: not a ratio and not the mean of the per-image F1)")
    if abs(d_ap - 0.06) > 1e-9:
        fail(f"{name}: delta_ap found {d_ap:.4g}, expected 0.06 (after minus before, of the "
             "'ap' entry)")
    n_better = got[2]
    if isinstance(n_better, (bool, np.bool_)) or _number("n_images_better", n_better) != 3:
        fail(f"{name}: n_images_better found {_show(n_better)}, expected 3 (per-image F1 "
             "0.50 0.70 0.90 0.80 0.60 before, 0.60 0.70 0.85 0.90 0.66 after: count the "
             "images whose F1 went strictly up, image by image)")
    print(f"{name}: ok")
    got = changes if isinstance(changes, tuple) else None
    if got is None or len(got) != 3:
        fail("delta_f1, delta_ap, n_images_better: expected the three values that "
             "score_changes(baseline, improved) returns")
    per_image = np.asarray(improved["f1_per_image"]) > np.asarray(baseline["f1_per_image"])
    want = (improved["f1"] - baseline["f1"], improved["ap"] - baseline["ap"],
            int(np.sum(per_image)))
    for label, g, w in zip(("delta_f1", "delta_ap", "n_images_better"), got, want, strict=True):
        if abs(_number(label, g) - w) > 1e-9:
            fail(f"{label}: found {_show(g)}, expected {_show(w)} "
                 "(score_changes(baseline, improved))")
    print("delta_f1, delta_ap, n_images_better from the 12 images: ok")


# ----------------------------------------------------------- exercise 7: better features


def _names(samples: object, what: str) -> list[str]:
    """The image names of a list of ``load_bbbc039`` samples, or a failed check."""
    if isinstance(samples, (str, bytes)) or not isinstance(samples, Sequence | Iterable):
        fail(f"{what}: expected a list of samples from load_bbbc039, found {_show(samples)}")
    names = []
    for s in samples:
        name = getattr(s, "name", None)
        if not isinstance(name, str) or not hasattr(s, "image") or not hasattr(s, "labels"):
            fail(f"{what}: expected samples (name, image, labels) from load_bbbc039, "
                 f"found {type(s).__name__}")
        names.append(name)
    return names


def check_held_out(train_samples: Sequence, test_samples: object, *, minimum: int = 3) -> None:
    """Exercise 7, task 1: the images a change is measured on are not training images.

    At least ``minimum`` images, none of them twice, and none of them among the images the
    forest was trained on: a score on training images measures memory, not accuracy.
    """
    train = set(_names(train_samples, "training samples"))
    test = _names(test_samples, "test_samples")
    if len(set(test)) != len(test):
        fail("test_samples: an image appears twice; each held-out image counts once")
    seen = sorted(set(test) & train)
    if seen:
        fail(f"test_samples holds {len(seen)} training image(s) ({seen[0][:16]}...): a forest "
             "scored on the images it was trained on measures what it remembers; keep only "
             "images it never saw")
    if len(test) < minimum:
        fail(f"test_samples: {len(test)} image(s); take at least {minimum}, so that one "
             "image's luck does not decide the result")
    print(f"test_samples: {len(test)} images, none used for training: ok")


def check_extra_feature(extra: Callable, image: np.ndarray, sigmas: Sequence[float]) -> None:
    """Exercise 7, task 2: a feature function gives new, finite, informative planes.

    It must return an (H, W) or (H, W, k) array of finite numbers for the image, not leave
    the image changed, not be constant, and not repeat a plane of the filter bank (a copy
    adds nothing the forest did not have).
    """
    from .learn import features

    before = np.array(image, copy=True)
    got = _call("the feature function", extra, image)
    if not np.array_equal(image, before):
        fail("the feature function changed the image it was given; work on a copy")
    arr = np.asarray(got, dtype=float) if isinstance(got, np.ndarray) else None
    if arr is None:
        fail(f"the feature function: expected a numpy array, found {type(got).__name__}")
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[:2] != image.shape:
        fail(f"the feature function: expected shape {image.shape} (one plane) or "
             f"(H, W, k), found {np.shape(got)}")
    if not np.isfinite(arr).all():
        fail("the feature function returns NaN or infinite values (a division by zero?)")
    bank = features(image, sigmas=tuple(sigmas)).astype(float)
    flat_bank = bank.reshape(-1, bank.shape[-1])
    for k in range(arr.shape[-1]):
        plane = arr[..., k].ravel()
        if plane.max() == plane.min():
            fail(f"the feature function: plane {k} is constant; it cannot tell pixels apart")
        corr = np.abs(np.corrcoef(np.c_[plane, flat_bank].T)[0, 1:])
        if corr.max() > 0.999:
            fail(f"the feature function: plane {k} repeats the filter bank's plane "
                 f"{int(corr.argmax())} (correlation {corr.max():.4f}); the forest already "
                 "has it")
    print(f"the feature function: {arr.shape[-1]} new plane(s), finite, not in the bank: ok")


def _forest_scores(model: object, samples: Sequence) -> dict[str, float]:
    """Pooled F1 at IoU 0.5 and mean AP of a pixel forest's nuclei (the reference)."""
    from .learn import instances_from_probabilities
    from .metrics import average_precision, detection_scores

    tp = fp = fn = 0
    aps = []
    for s in samples:
        found = instances_from_probabilities(model.predict_proba(s.image))
        d = detection_scores(s.labels, found)
        tp, fp, fn = tp + d["tp"], fp + d["fp"], fn + d["fn"]
        aps.append(average_precision(s.labels, found))
    return {"f1": 2 * tp / (2 * tp + fp + fn), "ap": float(np.mean(aps))}


def check_forest_score(score_forest: Callable, model: object, test_samples: Sequence,
                       train_samples: Sequence) -> dict[str, float]:
    """Exercise 7, task 3: ``score_forest(model, samples)`` gives the pooled F1 at IoU 0.5
    and the mean AP of the forest's nuclei on ``samples``; checked on the held-out images
    (refused if they include training images). Returns the reference scores."""
    test_names = _names(test_samples, "test_samples")
    if set(test_names) & set(_names(train_samples, "training samples")):
        fail("score_forest is checked on test_samples, which hold training images: measure "
             "on images the forest never saw (task 1)")
    got = _call("score_forest", score_forest, model, test_samples)
    if not isinstance(got, Mapping):
        fail(f"score_forest: expected a dict with keys 'f1' and 'ap', found {_show(got)}")
    expect_keys("score_forest(model, test_samples)", got, ("f1", "ap"))
    want = _forest_scores(model, test_samples)
    f1, ap = _number("f1", got["f1"]), _number("ap", got["ap"])
    if abs(f1 - want["f1"]) > 1e-6:
        fail(f"score_forest: f1 found {f1:.4f}, expected {want['f1']:.4f} (pooled over the "
             "images: 2 TP / (2 TP + FP + FN) with the counts summed first, not the mean of "
             "per-image F1; nuclei from instances_from_probabilities with its defaults)")
    if abs(ap - want["ap"]) > 1e-6:
        fail(f"score_forest: ap found {ap:.4f}, expected {want['ap']:.4f} (the mean over the "
             "images of average_precision(true, found))")
    print(f"score_forest on {len(test_names)} held-out images: F1 {f1:.3f}, AP {ap:.3f}: ok")
    return want

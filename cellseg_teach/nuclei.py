"""Segmenting fluorescent nuclei in real images: the course's best classical pipeline.

:func:`segment_nuclei` chains the steps the course teaches, with every parameter in
physical terms (pixels, noise standard deviations) and derived from one number, the
nucleus diameter:

0. **Scale**: if no diameter is given, :func:`estimate_diameter` measures it on the
   image (a scale-space measure: the size of blob that the scale-normalised Laplacian
   of Gaussian answers to most often). A learner's microscope, objective and camera
   set the nucleus size in pixels; a fixed default fits one set-up only.
1. **Smooth** with a Gaussian of ``smoothing`` px against pixel noise. The default is
   0 (no smoothing): on the shipped images the median nucleus pixel is 13–42 noise
   deviations above the background, so noise hardly moves the outline, while smoothing
   rounds it off and lowers the IoU with the expert outlines (see
   ``benchmarks/results_nuclei.md``). Raise it for noisy images.
2. **Uneven background** (vignetting, haze): a smooth surface, the 20th percentile of
   tiles four diameters wide, interpolated between the tile centres, is subtracted. A
   tile is background at its 20th percentile unless nuclei cover most of it.
3. **Threshold** at ``threshold_scale`` of Otsu's height above the background, so that
   the outline reaches the dim rim of each nucleus. Two guards make Otsu's level safe
   on real images. Saturated objects and bright debris are capped, for the threshold
   only, at twice the typical nucleus height, or a single saturated object lifts the
   level above the nuclei. The background and noise come from the pixels below Otsu's
   level (the background class), the noise from the lower side of their histogram
   only, because dim nuclei below the level widen its upper side; a crowded field
   would otherwise look like noise. If Otsu's level is less than ``min_snr`` noise
   deviations above the background, the image holds no nuclei and an empty label image
   is returned.
4. **Fill holes** (:func:`fill_holes`): a nucleus with a dim interior is still one
   region.
5. **Markers**: maxima of a landscape, the distance to the background (an octagonal
   distance, a fast stand-in for the Euclidean one) times the brightness (in units of
   Otsu's height above the background, at most 3), smoothed with a Gaussian of
   ``diameter / 12``; at least ``diameter / 4`` apart, one per nucleus (a maximum filter
   compares each pixel with its neighbourhood, no loop). Between two touching nuclei
   both the width and the intensity dip, so the product has a deeper saddle than the
   distance alone; on the shipped images it merges fewer pairs.
6. **Watershed**: each clump is flooded from its markers on the inverted landscape,
   so that it is cut along its necks.
7. **Size filter**: objects smaller than ``(diameter / 4)²`` pixels are dropped. Objects
   touching the image border are kept (the expert labels keep them too).

Which library does what, and why: steps 1–5 and 7 use NumPy and SciPy, because their
algorithms are what the course teaches. Step 6 uses ``skimage.segmentation.watershed``,
the tool a learner would use after the course: it floods by priority (the lowest
remaining level first), which is the watershed of the distance map.
``scipy.ndimage.watershed_ift`` instead charges a path its largest *step* between
neighbouring pixels, not its largest value, so on a smooth distance map it does not cut
clumps along their necks (lesson 5 and solution 2 show this).

The defaults were chosen on the 12 BBBC039 images shipped with the course
(:func:`cellseg_teach.datasets.load_bbbc039`) and on images made from them (rescaled
0.4×–1.5×, with a saturated object, bright debris or a background gradient added,
cropped to dense regions), with a leave-one-image-out check in
``benchmarks/loo_nuclei.py``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from ._checks import as_count, as_flag, as_image, as_positive, as_real, at_most, whole_numbers
from .labels import relabel_sequential
from .morphology import fill_holes
from .thresholds import otsu_threshold

__all__ = [
    "DIAMETER_PER_SIGMA",
    "NUCLEUS_DIAMETER",
    "DiameterEstimate",
    "background_and_noise",
    "estimate_diameter",
    "fill_holes",
    "normalise",
    "segment_nuclei",
    "segment_nuclei_simple",
    "segment_nuclei_skimage",
]

NUCLEUS_DIAMETER = 28.0
"""Typical nucleus diameter in the shipped BBBC039 images (pixels): 2√(A/π) for the
median expert area A ≈ 630 px."""

MAD_TO_SIGMA = 1.4826
"""1 / Φ⁻¹(3/4): the MAD of Gaussian noise times this is its standard deviation."""


DIAMETER_PER_SIGMA = 3.2
"""Nucleus diameter (px) per unit of the blob scale σ (px) at which the scale-normalised
difference of Gaussians responds most. For a flat disk the ratio is 2√2 ≈ 2.83; real
nuclei are brighter in the middle than at their rim, so they answer at a smaller σ.
Chosen on the 12 shipped BBBC039 images and their rescalings (0.4×–1.5×): the median
of (expert diameter 2√(A/π)) / σ, see ``benchmarks/loo_nuclei.py``."""

_SCALES_PER_OCTAVE = 3
_STEP = 2 ** (1 / _SCALES_PER_OCTAVE)
_S0 = 1.0  # σ (px of the current octave) of each octave's first Gaussian


class DiameterEstimate(NamedTuple):
    """What :func:`estimate_diameter` found.

    Attributes
    ----------
    diameter : float
        Typical nucleus diameter (pixels); NaN if no blob was found.
    confidence : float
        Share (0–1) of the blobs' total strength carried by blobs within ±25 % of
        ``diameter``. Around 0.5–0.9 on the shipped images; below about 0.3 the blobs
        disagree (mixed sizes, texture, no nuclei) and a diameter measured by hand is
        safer.
    blob_diameters : numpy.ndarray of float64
        Diameter (pixels) of each blob that took part, ``DIAMETER_PER_SIGMA × σ``.
    blob_strengths : numpy.ndarray of float64
        Its scale-normalised response (image units above the median), the weight it
        had.
    """

    diameter: float
    confidence: float
    blob_diameters: np.ndarray
    blob_strengths: np.ndarray


def _half(arr: np.ndarray) -> np.ndarray:
    """Mean of each 2×2 block (float32; an odd last row or column is dropped)."""
    h, w = arr.shape[0] // 2 * 2, arr.shape[1] // 2 * 2
    a = arr[:h, :w].astype(np.float32)  # single precision: plenty for a blur, and faster
    return (a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2]) / 4


def _dog_stack(half: np.ndarray) -> list[tuple[np.ndarray, int, float]]:
    """Scale-normalised differences of Gaussians of a half-size image, octave by octave.

    Each octave blurs its image with Gaussians of σ = 1, 2^(1/3), 2^(2/3), 2 px (each
    from the previous one), takes the three differences, and halves the last blur for
    the next octave. ``(G_σ − G_kσ) / (k − 1)`` is close to ``−σ² ∇²G_σ``, the
    scale-normalised Laplacian of Gaussian, whose height at a blob's centre is largest
    at a σ proportional to the blob's size. Returns ``(response, factor, sigma)`` with
    ``factor`` the octave's pixel size and ``sigma`` the scale, both in pixels of the
    full image.
    """
    out = []
    g = ndimage.gaussian_filter(half, math.sqrt(_S0**2 - 0.25), truncate=3.0)
    factor = 2
    while min(g.shape) >= 12:
        blurs = [g]
        for j in range(1, _SCALES_PER_OCTAVE + 1):
            inc = _S0 * math.sqrt(_STEP ** (2 * j) - _STEP ** (2 * j - 2))
            blurs.append(ndimage.gaussian_filter(blurs[-1], inc, truncate=3.0))
        for j in range(_SCALES_PER_OCTAVE):
            sigma = factor * _S0 * _STEP ** (j + 0.5)
            out.append(((blurs[j] - blurs[j + 1]) / (_STEP - 1), factor, sigma))
        g = blurs[-1][::2, ::2]
        factor *= 2
    return out


def _max3(arr: np.ndarray) -> np.ndarray:
    """Maximum over each pixel's 3×3 neighbourhood (edges: the pixels that exist).

    Four element-wise maxima of shifted views; for a 3×3 window this is several times
    faster than a general maximum filter."""
    rows = arr.copy()
    np.maximum(rows[1:], arr[:-1], out=rows[1:])
    np.maximum(rows[:-1], arr[1:], out=rows[:-1])
    out = rows.copy()
    np.maximum(out[:, 1:], rows[:, :-1], out=out[:, 1:])
    np.maximum(out[:, :-1], rows[:, 1:], out=out[:, :-1])
    return out


def _at(arr: np.ndarray, factor: int, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Values of an octave's array at full-image coordinates (nearest pixel)."""
    i = np.clip(np.rint((y + 0.5) / factor - 0.5).astype(np.intp), 0, arr.shape[0] - 1)
    j = np.clip(np.rint((x + 0.5) / factor - 0.5).astype(np.intp), 0, arr.shape[1] - 1)
    return arr[i, j]


def _estimate(img: np.ndarray, half: np.ndarray | None = None) -> DiameterEstimate:
    """estimate_diameter on a checked image (``half``: its 2×2 block means, if made)."""
    empty = np.zeros(0)
    if min(img.shape) < 24:
        return DiameterEstimate(math.nan, 0.0, empty, empty)
    half = _half(img) if half is None else half
    # Saturated objects and bright debris would dominate the weights: cap the image at
    # its 99th percentile, which lies inside the nuclei when they cover > 1 % of it.
    lo, hi = np.percentile(half[::2, ::2], [50, 99])  # every other pixel is plenty
    half = np.minimum(half, hi) - lo
    stack = _dog_stack(half)
    if len(stack) < 3:
        return DiameterEstimate(math.nan, 0.0, empty, empty)
    peaks_max = [_max3(r) for r, _, _ in stack]
    log_s = np.log([s for _, _, s in stack])
    found_s, found_w = [], []
    # a blob is a maximum in space (3×3) and in scale (above both neighbouring scales)
    for i in range(1, len(stack) - 1):
        resp, factor, _ = stack[i]
        yy, xx = np.nonzero((resp == peaks_max[i]) & (resp > 0))
        v = resp[yy, xx]
        y, x = (yy + 0.5) * factor - 0.5, (xx + 0.5) * factor - 0.5
        below = _at(peaks_max[i - 1], stack[i - 1][1], y, x)
        above = _at(peaks_max[i + 1], stack[i + 1][1], y, x)
        ok = (v > below) & (v >= above)
        y, x, v = y[ok], x[ok], v[ok]
        ra = _at(stack[i - 1][0], stack[i - 1][1], y, x)
        rb = _at(stack[i + 1][0], stack[i + 1][1], y, x)
        # the vertex of the parabola through the three scales (equal steps in log σ)
        curv = ra - 2 * v + rb
        shift = np.where(curv < 0, 0.5 * (ra - rb) / np.where(curv < 0, curv, -1.0), 0.0)
        found_s.append(log_s[i] + np.clip(shift, -0.5, 0.5) * (log_s[i + 1] - log_s[i]))
        found_w.append(v)
    ls, w = np.concatenate(found_s), np.concatenate(found_w)
    if ls.size == 0:
        return DiameterEstimate(math.nan, 0.0, empty, empty)
    # weak blobs are noise and texture inside nuclei: keep those at least 35 % as strong
    # as the strong ones (95th percentile)
    keep = w >= 0.35 * np.percentile(w, 95)
    ls, w = ls[keep], w[keep]
    # the most common scale, weighted by strength: the peak of a smoothed histogram
    # (kernel 1.5 scale steps wide). Clumps and debris add blobs at other scales; they
    # move a mode less than a mean or a median.
    grid = np.linspace(ls.min(), ls.max(), 200)
    width = 1.5 * math.log(_STEP)
    density = (w[:, None] * np.exp(-0.5 * ((grid - ls[:, None]) / width) ** 2)).sum(axis=0)
    mode = float(grid[np.argmax(density)])
    confidence = float(w[np.abs(ls - mode) < math.log(1.25)].sum() / w.sum())
    return DiameterEstimate(
        DIAMETER_PER_SIGMA * math.exp(mode), confidence, DIAMETER_PER_SIGMA * np.exp(ls), w
    )


def estimate_diameter(image: object) -> DiameterEstimate:
    """Estimate the typical nucleus diameter of a fluorescence image, and how sure it is.

    A scale-space measure. The image (halved in size, capped at its 99th percentile
    so that saturated debris does not dominate) is blurred with Gaussians of growing σ
    (three per octave, about 1.4–90 px); the difference of two successive blurs,
    divided by the step, approximates the scale-normalised Laplacian of Gaussian
    −σ²∇²G_σ, which answers most strongly at a blob's centre when σ matches the
    blob's size. Every point that is higher than its 8 neighbours and than the two
    neighbouring scales is a blob; its σ is refined by a parabola through the three
    scales. The estimate is the strength-weighted mode of the blobs' σ, times
    :data:`DIAMETER_PER_SIGMA`.

    Parameters
    ----------
    image : array-like, 2-D
        Raw intensities (bright nuclei on a dark background); not modified.

    Returns
    -------
    DiameterEstimate
        ``(diameter, confidence, blob_diameters, blob_strengths)``; ``diameter`` in
        pixels, NaN (with confidence 0) when no blob is found or the image is smaller
        than 24 px on a side. Diameters from about 9 px up to a third of the image's
        shorter side can be found.

    Raises
    ------
    TypeError, ValueError
        For an image that is not a 2-D real array, is empty, or holds NaN or infinite
        values.

    Examples
    --------
    >>> import numpy as np
    >>> yy, xx = np.mgrid[:200, :200]
    >>> img = np.zeros((200, 200))
    >>> for cy in range(25, 200, 50):
    ...     for cx in range(25, 200, 50):
    ...         img[(yy - cy) ** 2 + (xx - cx) ** 2 < 10 ** 2] = 100.0   # 20 px disks
    >>> est = estimate_diameter(img)
    >>> bool(17 < est.diameter < 25), est.confidence > 0.5
    (True, True)
    """
    return _estimate(as_image(image))


def normalise(image: object) -> tuple[np.ndarray, float, float]:
    """Express an image in background noise units: ``(image − median) / (1.4826 · MAD)``.

    The median is the background level when most pixels are background; the median
    absolute deviation (MAD) measures the spread of those background pixels and ignores
    the bright tail of the nuclei.

    Parameters
    ----------
    image : array-like, 2-D
        Raw intensities (any real dtype, e.g. uint16 camera values).

    Returns
    -------
    z : numpy.ndarray of float64
        The normalised image (noise standard deviations above background).
    background : float
        The median, in the image's units.
    noise : float
        1.4826 × MAD, in the image's units (the standard deviation of the whole image
        if the MAD is 0 but the image is not constant).

    Raises
    ------
    ValueError
        If the image is constant (no noise to measure and nothing to find).

    Examples
    --------
    >>> import numpy as np
    >>> z, bg, noise = normalise(np.array([[10, 11, 9], [10, 30, 10]]))
    >>> bg, round(noise, 4), round(float(z.max()), 2)
    (10.0, 0.7413, 26.98)
    """
    arr = as_image(image)
    background, noise = _background_and_noise(arr)
    return (arr.astype(np.float64) - background) / noise, background, noise


def _background_and_noise(arr: np.ndarray) -> tuple[float, float]:
    """Median and 1.4826 × MAD of a checked image; std if the MAD is 0; error if constant."""
    background, mad = _median_and_mad(arr)
    noise = MAD_TO_SIGMA * mad
    if noise == 0:
        lo, hi = arr.min(), arr.max()
        if lo == hi:
            raise ValueError(
                f"image is constant (every pixel is {lo}): there is no contrast to segment"
            )
        noise = float(arr.std())
    return background, noise


def background_and_noise(
    image: object, *, below: float | None = None, lower_side: bool = False
) -> tuple[float, float]:
    """Background level and noise standard deviation: median and 1.4826 × MAD.

    Parameters
    ----------
    image : array-like, 2-D
        Intensities.
    below : float, optional
        Use only the pixels ``<= below``, e.g. below Otsu's threshold: the background
        class. Then a crowded image, where nuclei cover a third of the field or more, no
        longer pulls the median up and inflates the MAD.
    lower_side : bool
        Take the noise from the pixels below the median only: 1.4826 × the median of
        their distances below it. Dim nuclei under ``below`` widen the upper side of the
        histogram; the lower side is noise alone. :func:`segment_nuclei` uses this.

    Returns
    -------
    background, noise : float
        In the image's units. The noise falls back to the standard deviation when the MAD
        (or the lower-side spread) is 0, and is 0 only when the pixels used are all equal.

    Examples
    --------
    >>> img = np.array([[10, 12, 8, 10], [500, 510, 490, 505]])
    >>> background_and_noise(img)[0], background_and_noise(img, below=100)
    (251.0, (10.0, 1.4826))
    """
    arr = as_image(image)
    lower_side = as_flag(lower_side, "lower_side")
    values = arr.ravel() if below is None else arr[arr <= as_real(below, "below")]
    if values.size == 0:
        raise ValueError(f"no pixel of image is <= below ({below})")
    background, mad = _median_and_mad(values)
    noise = _lower_noise(values, background) if lower_side else MAD_TO_SIGMA * mad
    return background, noise if noise > 0 else float(values.std())


def _median_of_counts(counts: np.ndarray) -> float:
    """Median of the values 0, 1, 2, ... occurring ``counts`` times (as ``numpy.median``)."""
    cum = np.cumsum(counts)
    n = int(cum[-1])
    lo, hi = np.searchsorted(cum, [(n - 1) // 2 + 1, n // 2 + 1])
    return (lo + hi) / 2


def _median_and_mad(arr: np.ndarray) -> tuple[float, float]:
    """Median and median absolute deviation; for integer images from one histogram.

    An integer camera image has few distinct values, so counting them
    (``numpy.bincount``) and reading the middle of the cumulative counts is faster than
    sorting; the MAD comes from the same counts, by deviation from the median.
    """
    if np.issubdtype(arr.dtype, np.integer) and int(arr.max()) - int(arr.min()) < 2**20:
        lo = int(arr.min())
        counts = np.bincount(arr.ravel().astype(np.int64) - lo)
        med = _median_of_counts(counts)  # offset from lo; may end in .5
        # deviations |v - med|, doubled so that they stay integers
        dev2 = np.abs(2 * np.arange(counts.size) - round(2 * med))
        mad = _median_of_counts(np.bincount(dev2, weights=counts)) / 2
        return float(med + lo), float(mad)
    img = arr.astype(np.float64)
    med = float(np.median(img))
    return med, float(np.median(np.abs(img - med)))


def _derived(value: float | None, default: float, name: str, *, allow_zero: bool) -> float:
    return default if value is None else as_positive(value, name, allow_zero=allow_zero)


def _background_surface(
    half: np.ndarray, shape: tuple[int, int], diameter: float
) -> np.ndarray | None:
    """A smooth background surface (full size), or None if the background is even.

    The image at a quarter of its size is cut into tiles four diameters wide; in each
    tile the 20th percentile is background as long as nuclei cover less than about 80 %
    of it, and a 3×3 median over the tiles replaces a tile that a clump covers entirely
    by its neighbours' level. If the tiles' levels differ by less than a tenth of the
    image's contrast (99th percentile − median), the background counts as even and
    None is returned (nothing to subtract). Otherwise the levels are interpolated
    bilinearly between the tile centres, one value per pixel.
    """
    quarter = _half(half) if min(half.shape) >= 2 else half
    tile = max(round(diameter), 4)  # 4 diameters, in quarter-size pixels
    ny, nx = quarter.shape[0] // tile, quarter.shape[1] // tile
    if ny * nx < 2:
        return None
    tiles = quarter[: ny * tile, : nx * tile].reshape(ny, tile, nx, tile).swapaxes(1, 2)
    grid = np.percentile(tiles.reshape(ny, nx, -1), 20, axis=-1)
    grid = ndimage.median_filter(grid, size=3, mode="nearest")
    middle, top = np.percentile(quarter, [50, 99])
    if np.ptp(grid) <= 0.1 * (top - middle):
        return None
    scale = (shape[0] / quarter.shape[0], shape[1] / quarter.shape[1])
    cy = (np.arange(ny) + 0.5) * tile * scale[0]
    cx = (np.arange(nx) + 0.5) * tile * scale[1]
    wy = _interp_matrix(np.arange(shape[0]) + 0.5, cy)
    wx = _interp_matrix(np.arange(shape[1]) + 0.5, cx)
    return np.einsum("ib,jb->ij", wy @ grid, wx)  # einsum: no BLAS threads to start


def _interp_matrix(at: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Matrix of linear-interpolation weights (constant beyond the end knots)."""
    eye = np.eye(knots.size)
    return np.stack([np.interp(at, knots, eye[k]) for k in range(knots.size)], axis=1)


def _distance(mask: np.ndarray) -> np.ndarray:
    """Octagonal distance to the background: the mean of the city-block and chessboard
    chamfer distances (float32).

    Along the axes it equals the Euclidean distance and along a diagonal it is 1.21×
    it instead of 1.41× (city block) or 1× (chessboard); after the Gaussian smoothing
    of step 5 its maxima and necks are where the Euclidean map has them. Two chamfer
    passes cost about a quarter of :func:`scipy.ndimage.distance_transform_edt`, which
    pays for the diameter estimate (``benchmarks/bench_nuclei.py``). On the shipped
    images, unweighted, F1 at IoU 0.5 was within 0.005 of the Euclidean map's (0.922
    against 0.926 at 0.5×, 0.932 against 0.934 at 1×).
    """
    city = ndimage.distance_transform_cdt(mask, metric="taxicab")
    chess = ndimage.distance_transform_cdt(mask, metric="chessboard")
    return (city + chess).astype(np.float32) / 2


def _lower_noise(values: np.ndarray, background: float) -> float:
    """1.4826 × the median distance below the background of the pixels under it.

    Dim nuclei below Otsu's level sit *above* the background and widen the upper side
    of the histogram; the lower side is noise alone.
    """
    below = background - values[values < background]
    if below.size == 0:
        return 0.0
    return MAD_TO_SIGMA * float(np.median(below))


def _bright_cap(sample: np.ndarray) -> float | None:
    """Twice the typical nucleus height above the median pixel, or None if no pixel
    stands 5 noise sd above it. The noise is taken from below the median (see
    :func:`_lower_noise`); the median of the bright pixels ignores a saturated object
    as long as it is smaller than the nuclei together."""
    values = sample.ravel()
    middle = float(np.median(values))
    noise = _lower_noise(values, middle)
    bright = values[values > middle + 5 * noise]
    if bright.size == 0:
        return None
    typical = float(np.median(bright))
    return middle + 2 * (typical - middle)


def segment_nuclei(
    image: object,
    *,
    diameter: float | None = None,
    smoothing: float = 0.0,
    threshold_scale: float = 0.8,
    min_snr: float = 5.0,
    marker_sigma: float | None = None,
    min_distance: float | None = None,
    min_size: float | None = None,
) -> np.ndarray:
    """Label the nuclei of a fluorescence image (bright nuclei on a dark background).

    Parameters
    ----------
    image : array-like, 2-D
        Raw intensities, e.g. a uint16 camera image; not modified.
    diameter : float, optional
        Expected nucleus diameter in pixels (> 0). By default it is measured on the
        image with :func:`estimate_diameter` (:data:`NUCLEUS_DIAMETER` if no blob is
        found). The background tiles, the marker smoothing, the marker spacing and the
        smallest object are derived from it.
    smoothing : float
        Standard deviation (pixels, >= 0) of the Gaussian applied before thresholding;
        0 (the default) thresholds the raw image.
    threshold_scale : float
        The mask is ``image − background > threshold_scale × (Otsu − background)``
        (in (0, 1.5]); below 1 the outline reaches further into the dim rim.
    min_snr : float
        Smallest Otsu level (noise standard deviations above background, >= 0) that
        counts as nuclei being present; below it the result is empty.
    marker_sigma : float, optional
        Gaussian smoothing of the landscape (pixels); default ``diameter / 12``.
    min_distance : float, optional
        Smallest distance between two markers (pixels); default ``diameter / 4``.
    min_size : float, optional
        Smallest object kept (pixels); default ``(diameter / 4)²``.

    Returns
    -------
    numpy.ndarray of int32
        Same shape as ``image``; 0 = background, 1..n = nuclei.

    Raises
    ------
    TypeError, ValueError
        For an image that is not a 2-D real array, is empty, holds NaN or infinite
        values, or is constant; for a diameter or other parameter out of range.
        Each message names the argument.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import ndimage
    >>> yy, xx = np.mgrid[:64, :96]
    >>> disks = sum(((xx - cx) ** 2 + (yy - 32) ** 2 < 13 ** 2) for cx in (20, 44, 75))
    >>> rng = np.random.default_rng(0)   # three nuclei, the first two touching,
    >>> img = 100 + 400 * ndimage.gaussian_filter((disks > 0) * 1.0, 1.5)  # blurred
    >>> img += rng.normal(0, 5, img.shape)
    >>> int(segment_nuclei(img, diameter=26).max())
    3
    >>> int(segment_nuclei(rng.normal(100, 5, (64, 96))).max())   # no nuclei
    0
    """
    img_shape = np.shape(image)
    # sizes up to 256 px always (defaults work on small crops); beyond, within the image
    side = max(256, *img_shape) if len(img_shape) == 2 else None
    if diameter is not None:
        diameter = as_positive(diameter, "diameter")
        if side:
            at_most(diameter, "diameter", side, "a nucleus wider than the image")
    smoothing = as_positive(smoothing, "smoothing", allow_zero=True)
    if side:
        at_most(smoothing, "smoothing", side, "a blur wider than the image")
    threshold_scale = as_real(threshold_scale, "threshold_scale")
    if not 0 < threshold_scale <= 1.5:
        raise ValueError(f"threshold_scale must be in (0, 1.5], got {threshold_scale}")
    min_snr = as_positive(min_snr, "min_snr", allow_zero=True)
    for value, name in ((marker_sigma, "marker_sigma"), (min_distance, "min_distance"),
                        (min_size, "min_size")):
        if value is not None:
            as_positive(value, name, allow_zero=name != "min_distance")

    img = whole_numbers(as_image(image))  # the same values give the same result in any dtype
    if np.issubdtype(img.dtype, np.integer) and int(img.max()) > 2**53:
        raise ValueError(f"image values must be below 2**53 (a camera's range), got {img.max()}")
    if img.min() == img.max():
        raise ValueError(
            f"image is constant (every pixel is {img.flat[0]}): there is no contrast to segment"
        )
    # 0: the scale. Every size below follows from the diameter.
    half = _half(img) if min(img.shape) >= 2 else img.astype(np.float32)
    if diameter is None:
        found = _estimate(img, half).diameter
        diameter = found if math.isfinite(found) else NUCLEUS_DIAMETER
    marker_sigma = _derived(marker_sigma, diameter / 12, "marker_sigma", allow_zero=True)
    min_distance = _derived(min_distance, diameter / 4, "min_distance", allow_zero=False)
    min_size = _derived(min_size, (diameter / 4) ** 2, "min_size", allow_zero=True)

    sm = ndimage.gaussian_filter(img.astype(np.float64), smoothing) if smoothing > 0 else img
    # 1: uneven background (vignetting, out-of-focus haze): subtract a smooth surface,
    # rounded so that integer images keep one histogram bin per value
    surface = _background_surface(half, img.shape, diameter)
    if surface is None:
        flat = sm
    elif np.issubdtype(sm.dtype, np.integer):
        flat = sm.astype(np.int64) - np.rint(surface).astype(np.int64)
    else:
        flat = sm - np.rint(surface)
    # 2: saturated objects and bright debris must not set the threshold. Otsu's level
    # weighs every pixel by its squared distance from the class mean, so a few hundred
    # pixels at the top of the range pull it above the nuclei. A first look (every
    # other pixel) finds the typical nucleus: the median of the pixels more than 5
    # noise sd above the median pixel; everything brighter than twice its height counts
    # as that bright when Otsu's level is computed.
    sample = flat[::2, ::2]
    cap = _bright_cap(sample)
    if cap is not None and np.issubdtype(flat.dtype, np.integer):
        cap = math.floor(cap)  # keep the integer dtype: one histogram bin per value
    level = otsu_threshold(np.minimum(flat, cap) if cap is not None else flat)
    # 3: background and noise of the background class (every other pixel is plenty);
    # the noise from the lower side only, which dim nuclei below Otsu's level do not
    # widen
    if not (sample <= level).any():  # a tiny image: its every-other pixels all above
        sample = flat
    background, noise = background_and_noise(sample, below=level, lower_side=True)
    if level - background < min_snr * noise:
        return np.zeros(img.shape, dtype=np.int32)
    # 4: the mask, holes filled
    mask = fill_holes(flat > background + threshold_scale * (level - background))
    # 5: markers, the maxima of the smoothed landscape at least min_distance apart: the
    # distance to the background
    # weighted by brightness (in units of Otsu's height, at most 3): between two
    # touching nuclei the intensity dips as well as the width, so the saddle deepens
    dist = _distance(mask)
    height = level - background
    dist *= np.clip((flat - background).astype(np.float32) / np.float32(height), 0, 3)
    if marker_sigma > 0:
        dist = ndimage.gaussian_filter(dist, marker_sigma, truncate=3.0)
    size = 2 * max(round(min_distance), 1) + 1
    peaks = mask & (dist == ndimage.maximum_filter(dist, size=size))
    markers, _ = ndimage.label(peaks)  # a flat-topped maximum is one marker
    # 6: watershed of the inverted landscape, from the markers, inside the mask
    labels = _seeded_watershed(-dist, markers, mask)
    # 7: size filter, then renumber 1..n (an area >= 3.2 px is an area >= 4 px)
    return relabel_sequential(labels, min_size=math.ceil(min_size))[0]


def _seeded_watershed(cost: np.ndarray, markers: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Flood ``cost`` from ``markers`` inside ``mask``: the course's seeded watershed.

    Step 6 of :func:`segment_nuclei`, shared with :mod:`cellseg_teach.learn` (which floods a
    boundary probability map from interior seeds). ``skimage.segmentation.watershed``
    floods by priority, the lowest remaining ``cost`` first, so two markers meet along
    the ridges of ``cost``. A connected part of ``mask`` that holds no marker becomes an
    object of its own (numbered after the markers), not background.

    Parameters
    ----------
    cost : numpy.ndarray, 2-D
        The landscape to flood (any real units; low = reached first).
    markers : numpy.ndarray of int, same shape
        0 = unmarked, 1..n = the seeds (checked by the caller).
    mask : numpy.ndarray of bool, same shape
        Pixels that may be flooded.

    Returns
    -------
    numpy.ndarray of int32
        Labels 1..n from the markers, then one label per marker-less part of ``mask``.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((3, 7), bool); mask[:, :3] = mask[:, 4:] = True
    >>> markers = np.zeros((3, 7), int); markers[1, 1] = 1
    >>> _seeded_watershed(np.zeros((3, 7)), markers, mask)[1].tolist()
    [1, 1, 1, 0, 2, 2, 2]
    """
    try:
        from skimage.segmentation import watershed  # the tool after the course (see above)
    except ImportError as err:  # scikit-image is in the "course" extra, not the core
        raise ImportError(
            "the seeded watershed needs scikit-image: pip install scikit-image"
        ) from err
    n = int(markers.max()) if markers.size else 0
    labels = watershed(cost, markers, mask=mask).astype(np.int32)
    # a part of the mask without a marker is an object of its own
    orphans, n_orphans = ndimage.label(mask & (labels == 0))
    if n_orphans:
        labels[orphans > 0] = orphans[orphans > 0] + n
    return labels


def segment_nuclei_simple(
    image: object, *, smoothing: float = 2.0, min_size: int = 30
) -> np.ndarray:
    """The course's first pipeline on a real image: smooth, Otsu, label, size filter.

    :func:`cellseg_teach.smooth` with ``smoothing`` px, then
    :func:`cellseg_teach.thresholds.otsu_threshold` on the smoothed image, then
    :func:`cellseg_teach.segment` (connected components of at least ``min_size`` px).
    No watershed: touching nuclei stay one object. A baseline for :func:`segment_nuclei`.

    Returns
    -------
    numpy.ndarray of int32
        0 = background, 1..n = objects.
    """
    from .filters import smooth
    from .segmentation import segment

    smoothing = as_positive(smoothing, "smoothing", allow_zero=True)
    min_size = as_count(min_size, "min_size")
    arr = as_image(image)
    at_most(smoothing, "smoothing", max(256, *arr.shape), "a blur wider than the image")
    sm = smooth(arr, smoothing)
    labels, _ = segment(sm, threshold=otsu_threshold(sm), min_size=min_size)
    return labels.astype(np.int32)


def segment_nuclei_skimage(image: object, *, diameter: float = NUCLEUS_DIAMETER) -> np.ndarray:
    """The plain scikit-image pipeline, as its documentation shows it.

    ``threshold_otsu`` on the raw image, ``scipy.ndimage.distance_transform_edt`` of the
    mask, ``peak_local_max`` with ``min_distance = diameter / 3`` inside each component
    as markers, and ``watershed`` of the inverted distance map. No normalisation, no
    smoothing, no filled holes, no size filter. A reference for :func:`segment_nuclei`
    (accuracy in lesson 7, speed in ``benchmarks/bench_nuclei.py``).

    Returns
    -------
    numpy.ndarray of int32
        0 = background, 1..n = objects.
    """
    from skimage.feature import peak_local_max
    from skimage.filters import threshold_otsu
    from skimage.segmentation import watershed

    # whole numbers stored as floats are thresholded as the integers they are, so the
    # same values give the same result in any dtype (one histogram bin per value)
    img = whole_numbers(as_image(image))
    if np.issubdtype(img.dtype, np.integer) and int(img.max()) > 2**53:
        raise ValueError(f"image values must be below 2**53 (a camera's range), got {img.max()}")
    diameter = as_positive(diameter, "diameter")
    at_most(diameter, "diameter", max(256, *img.shape), "a nucleus wider than the image")
    mask = img > threshold_otsu(img)
    dist = ndimage.distance_transform_edt(mask)
    components, _ = ndimage.label(mask)
    peaks = peak_local_max(
        dist, min_distance=max(round(diameter / 3), 1), labels=components, exclude_border=False
    )
    markers = np.zeros(mask.shape, dtype=np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    return watershed(-dist, markers, mask=mask).astype(np.int32)

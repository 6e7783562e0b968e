"""Segmenting fluorescent nuclei in real images: the course's best classical pipeline.

:func:`segment_nuclei` chains the steps the course teaches, with every parameter in
physical terms (pixels, noise standard deviations) and derived from one number, the
expected nucleus diameter:

1. **Smooth** with a Gaussian of ``smoothing`` px against pixel noise. The default is
   0 (no smoothing): on the shipped images the median nucleus pixel is 13–42 noise
   deviations above the background, so noise hardly moves the outline, while smoothing
   rounds it off and lowers the IoU with the expert outlines (see
   ``benchmarks/results_nuclei.md``). Raise it for noisy images.
2. **Background and noise** (:func:`background_and_noise`): the median and
   1.4826 × the median absolute deviation (MAD) of the pixels below Otsu's level
   (:func:`cellseg_teach.thresholds.otsu_threshold`), the background class. Taken over the
   whole image, as :func:`normalise` does, they are biased up by the nuclei, and in a
   crowded field (a third of the pixels or more) so much that nuclei seem absent.
3. **Threshold** at ``threshold_scale`` of Otsu's height above the background, so that
   the outline reaches the dim rim of each nucleus. If Otsu's level is less than
   ``min_snr`` noise deviations above the background, the image holds no nuclei and an
   empty label image is returned. Working with heights above the background and in
   noise units makes the rule independent of camera gain and exposure.
4. **Fill holes** (:func:`fill_holes`): a nucleus with a dim interior is still one
   region.
5. **Markers**: maxima of the distance transform, smoothed with a Gaussian of
   ``diameter / 8`` and at least ``diameter / 3`` apart, one per nucleus (a maximum
   filter compares each pixel with its neighbourhood, no loop).
6. **Watershed**: each clump is flooded from its markers on the inverted smoothed
   distance map, so that it is cut along its necks.
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
(:func:`cellseg_teach.datasets.load_bbbc039`), with a leave-one-image-out check in
``benchmarks/loo_nuclei.py``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from ._checks import as_count, as_image, as_positive, as_real, at_most, whole_numbers
from .labels import relabel_sequential
from .morphology import fill_holes
from .thresholds import otsu_threshold

__all__ = [
    "NUCLEUS_DIAMETER",
    "background_and_noise",
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


def background_and_noise(image: object, *, below: float | None = None) -> tuple[float, float]:
    """Background level and noise standard deviation: median and 1.4826 × MAD.

    Parameters
    ----------
    image : array-like, 2-D
        Intensities.
    below : float, optional
        Use only the pixels ``<= below``, e.g. below Otsu's threshold: the background
        class. Then a crowded image, where nuclei cover a third of the field or more, no
        longer pulls the median up and inflates the MAD.

    Returns
    -------
    background, noise : float
        In the image's units. The noise falls back to the standard deviation when the MAD
        is 0, and is 0 only when the pixels used are all equal.

    Examples
    --------
    >>> img = np.array([[10, 12, 8, 10], [500, 510, 490, 505]])
    >>> background_and_noise(img)[0], background_and_noise(img, below=100)
    (251.0, (10.0, 1.4826))
    """
    arr = as_image(image)
    values = arr.ravel() if below is None else arr[arr <= as_real(below, "below")]
    if values.size == 0:
        raise ValueError(f"no pixel of image is <= below ({below})")
    background, mad = _median_and_mad(values)
    noise = MAD_TO_SIGMA * mad if mad > 0 else float(values.std())
    return background, noise


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


def segment_nuclei(
    image: object,
    *,
    diameter: float = NUCLEUS_DIAMETER,
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
    diameter : float
        Expected nucleus diameter in pixels (> 0). The marker smoothing, the marker
        spacing and the smallest object are derived from it.
    smoothing : float
        Standard deviation (pixels, >= 0) of the Gaussian applied before thresholding;
        0 (the default) thresholds the raw image.
    threshold_scale : float
        The mask is ``smoothed > background + threshold_scale × (Otsu − background)``
        (in (0, 1.5]); below 1 the outline reaches further into the dim rim.
    min_snr : float
        Smallest Otsu level (noise standard deviations above background, >= 0) that
        counts as nuclei being present; below it the result is empty.
    marker_sigma : float, optional
        Gaussian smoothing of the distance transform (pixels); default ``diameter / 8``.
    min_distance : float, optional
        Smallest distance between two markers (pixels); default ``diameter / 3``.
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
    diameter = as_positive(diameter, "diameter")
    smoothing = as_positive(smoothing, "smoothing", allow_zero=True)
    if side:
        at_most(diameter, "diameter", side, "a nucleus wider than the image")
        at_most(smoothing, "smoothing", side, "a blur wider than the image")
    threshold_scale = as_real(threshold_scale, "threshold_scale")
    if not 0 < threshold_scale <= 1.5:
        raise ValueError(f"threshold_scale must be in (0, 1.5], got {threshold_scale}")
    min_snr = as_positive(min_snr, "min_snr", allow_zero=True)
    marker_sigma = _derived(marker_sigma, diameter / 8, "marker_sigma", allow_zero=True)
    min_distance = _derived(min_distance, diameter / 3, "min_distance", allow_zero=False)
    min_size = _derived(min_size, (diameter / 4) ** 2, "min_size", allow_zero=True)

    # 1-3: smoothing, background and noise of the background class, threshold. The
    # arithmetic is done in the image's own units (the same as thresholding a normalised
    # image, without making it): Otsu's level, its height above the background.
    img = whole_numbers(as_image(image))  # the same values give the same result in any dtype
    if img.min() == img.max():
        raise ValueError(
            f"image is constant (every pixel is {img.flat[0]}): there is no contrast to segment"
        )
    sm = ndimage.gaussian_filter(img.astype(np.float64), smoothing) if smoothing > 0 else img
    level = otsu_threshold(sm)  # integer images: one histogram bin per value
    background, noise = background_and_noise(sm, below=level)
    if level - background < min_snr * noise:
        return np.zeros(img.shape, dtype=np.int32)
    # 4: the mask, holes filled
    mask = fill_holes(sm > background + threshold_scale * (level - background))
    # 5: markers, the maxima of the smoothed distance map at least min_distance apart
    dist = ndimage.distance_transform_edt(mask)
    if marker_sigma > 0:
        dist = ndimage.gaussian_filter(dist, marker_sigma)
    size = 2 * max(round(min_distance), 1) + 1
    peaks = mask & (dist == ndimage.maximum_filter(dist, size=size))
    markers, _ = ndimage.label(peaks)  # a flat-topped maximum is one marker
    # 6: watershed of the inverted distance map, from the markers, inside the mask
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

"""Two global thresholds: the article's max-of-tiles vote, and Otsu's method from scratch.

Max of tiles (the article's ``thresholdImage``)
-----------------------------------------------
Cut the image into ``coarseness x coarseness`` tiles and take the maximum of each. If
most tiles hold only background, the most common tile maximum (the peak of the
histogram of maxima, ``peak``) is the typical *brightest background value* in a tile of
that size. Pixels above it are probably not background. The article then nudges the
value up with ``offset``::

    threshold = int(offset * (abs(peak - 1) + 1) + 1)     # = int(offset * peak + 1), peak >= 1

So ``offset`` is a *ratio applied to the peak measured from zero* (1.1–1.2 in the
article), not a margin above the background: with a camera dark offset of 100 ADU, the
dark offset is scaled too. ``offset=None`` returns ``peak`` itself. Larger tiles
(``coarseness``) give larger maxima (the maximum of more noise pixels), so a higher
threshold, and more tiles that contain an object.

Otsu
----
:func:`otsu_threshold` picks the histogram split that maximises the between-class
variance of the two sides.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_count, as_image, as_positive, at_most, whole_numbers

__all__ = ["max_of_tiles_threshold", "otsu_threshold", "tile_maxima"]


# Largest histogram (bins) a threshold builds: 16 million bins, 128 MB.
_MAX_BINS = 2**24


def tile_maxima(image: object, coarseness: int) -> np.ndarray:
    """Maximum of each ``coarseness x coarseness`` tile, tiles starting at pixel (0, 0).

    Tiles at the right and bottom edges are smaller when the side is not a multiple
    of ``coarseness`` (as with the article's slicing). Vectorised: the image is padded
    with its own minimum (which cannot change a maximum) and reshaped to
    ``(rows, coarseness, columns, coarseness)``.

    Parameters
    ----------
    image : array-like, 2-D
        Grey image (any real dtype).
    coarseness : int
        Tile side in pixels, >= 1.

    Returns
    -------
    numpy.ndarray
        ``(ceil(H / coarseness), ceil(W / coarseness))`` array of tile maxima, same dtype.

    Examples
    --------
    >>> import numpy as np
    >>> tile_maxima(np.arange(15).reshape(3, 5), 2).tolist()
    [[6, 8, 9], [11, 13, 14]]
    """
    img = as_image(image, "image")
    # a tile larger than the image is one tile; beyond 256 px it must fit the image
    k = as_count(
        coarseness, "coarseness", minimum=1, maximum=max(256, *img.shape),
        why="a tile larger than the image",
    )  # fmt: skip
    rows, cols = img.shape
    pr, pc = -rows % k, -cols % k
    if pr or pc:
        img = np.pad(img, ((0, pr), (0, pc)), constant_values=img.min())
    r, c = img.shape
    # two reductions over contiguous blocks: first k rows at a time, then k columns
    by_rows = img.reshape(r // k, k, c).max(axis=1)
    return by_rows.reshape(r // k, c // k, k).max(axis=2)


def max_of_tiles_threshold(
    image: object,
    *,
    coarseness: int = 16,
    offset: float | None = 1.2,
    bin_width: float | None = 1.0,
) -> float:
    """The article's threshold: the commonest tile maximum, scaled by ``offset``.

    Parameters
    ----------
    image : array-like, 2-D
        Grey image: a uint8/uint16 camera image or a float image in the same units
        (e.g. a gradient magnitude). Tile maxima are binned into integer bins of
        width 1 (a float maximum ``m`` votes for ``floor(m)``), as the article's
        ``2**16``-bin histogram does; negative maxima vote for 0.
    coarseness : int
        Tile side in pixels (>= 1). Choose it so that most tiles are pure background.
    offset : float or None
        Ratio > 0 applied to the peak as the article does:
        ``int(offset * (abs(peak - 1) + 1) + 1)``; None returns the peak unchanged.
    bin_width : float or None
        Width of the histogram bins of the tile maxima (intensity units). 1 is the
        article's one-bin-per-value histogram; it needs many more tiles than distinct
        maxima, otherwise most bins hold 0–2 votes and the "peak" is a random tile
        (a gradient image of 512² in 32² tiles has 256 maxima spread over hundreds of
        values). ``None`` chooses the width by the Freedman–Diaconis rule,
        ``2 IQR / n^(1/3)`` of the ``n`` tile maxima (at least 1), and the peak is then
        the centre of the fullest bin. Either way the peak is only the background's if
        most tiles hold background alone: tiles much smaller than the gaps between
        objects (see the Notes).

    Returns
    -------
    float
        The threshold (intensity units of ``image``); foreground is ``image > threshold``.

    Notes
    -----
    A tile of side ``k`` holds part of an object of diameter ``d`` when the object's
    centre lies within a square of side about ``k + d``; with ``n`` objects per pixel,
    a fraction ``exp(-n (k + d)²)`` of the tiles is background alone. For 300 cells of
    24 px in 1024² that is 75 % at ``k = 8``, 41 % at ``k = 32`` and only 11 % at
    ``k = 64``, where the "peak" is the edge of a cell rather than the background.

    The article's ``argmax(max_pix_hist[1:]) + 1`` ignores the bin of value 0; so does
    this function (a tile whose maximum is 0 does not vote), unless every tile has
    maximum 0, in which case the peak is 0. Known limitation: with automatic, wide bins
    (``bin_width=None``) the first bin holds small non-zero values too, so skipping it
    can skip the background itself (on the gradient of the default 24-h frame, ``k = 16``
    gives bins of about 1160 ADU and a peak near 11000 instead of a few hundred); the
    default ``k = 8`` avoids it.

    Examples
    --------
    A uniform background at 100 with one bright 4 x 4 square: every background tile
    votes 100, so the peak is 100 and the threshold ``int(1.2 * 100 + 1) = 121``.

    >>> import numpy as np
    >>> img = np.full((64, 64), 100, np.uint16); img[10:14, 10:14] = 1000
    >>> max_of_tiles_threshold(img, coarseness=8, offset=None)
    100.0
    >>> max_of_tiles_threshold(img, coarseness=8, offset=1.2)
    121.0
    """
    maxima = tile_maxima(image, coarseness)
    if offset is not None:
        offset = at_most(as_positive(offset, "offset"), "offset", 1e6, "a ratio")
    values = np.clip(maxima.astype(np.float64, copy=False).ravel(), 0, None)
    if bin_width is None:
        q1, q3 = np.percentile(values, [25, 75])
        width = max(2 * (q3 - q1) / len(values) ** (1 / 3), 1.0)
    else:
        width = as_positive(bin_width, "bin_width")
    if values.max() / width > _MAX_BINS:
        raise ValueError(
            f"the image's tile maxima (up to {values.max():g}) span more than {_MAX_BINS} bins"
            f" of bin_width {width:g}; give a larger bin_width or rescale the image"
        )
    votes = np.floor(values / width).astype(np.int64)
    hist = np.bincount(votes)
    peak_bin = int(np.argmax(hist[1:])) + 1 if len(hist) > 1 else 0
    peak = (peak_bin + 0.5) * width if bin_width is None else peak_bin * width
    if offset is None:
        return float(peak)
    # The article's formula, with its "maxind = 1" kept.
    return float(int(offset * (abs(peak - 1) + 1) + 1))


def otsu_threshold(image: object, *, bins: int = 256) -> float:
    """Otsu's threshold, from a ``bins``-bin histogram (same binning as scikit-image).

    For each candidate split between bins the weights ``w0, w1`` and means ``m0, m1``
    of the two sides give the between-class variance ``w0 w1 (m0 - m1)²``; the
    threshold is the centre of the bin that ends the best lower class. Computed from
    cumulative sums, no loop. Integer images (uint8, uint16) use one bin per integer
    value between their minimum and maximum, as scikit-image does; so do float images
    whose values are all whole numbers (a camera image converted to float), so the
    threshold does not depend on the dtype of the same values.

    Parameters
    ----------
    image : array-like, 2-D
        Grey image.
    bins : int
        Number of histogram bins (>= 2) for float images; ignored for integer-valued
        images.

    Returns
    -------
    float
        Threshold; foreground is ``image > threshold``. A constant image returns its value.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.r_[np.zeros(50), np.full(50, 10.0)].reshape(10, 10)
    >>> int((img > otsu_threshold(img)).sum())     # the 50 bright pixels
    50
    >>> otsu_threshold(img) == otsu_threshold(img.astype(np.uint8))
    True
    """
    img = whole_numbers(as_image(image, "image"))
    bins = as_count(bins, "bins", minimum=2, maximum=_MAX_BINS)
    lo, hi = img.min(), img.max()
    if lo == hi:
        return float(lo)
    if np.issubdtype(img.dtype, np.integer) and int(hi) - int(lo) <= _MAX_BINS:
        counts = np.bincount((img.ravel() - lo).astype(np.intp))
        centres = np.arange(int(lo), int(hi) + 1, dtype=np.float64)
    else:
        counts, edges = np.histogram(img.ravel(), bins=bins, range=(float(lo), float(hi)))
        centres = (edges[:-1] + edges[1:]) / 2
    counts = counts.astype(np.float64)
    w0 = np.cumsum(counts)[:-1]
    w1 = np.cumsum(counts[::-1])[::-1][1:]
    s0 = np.cumsum(counts * centres)[:-1]
    s1 = np.cumsum((counts * centres)[::-1])[::-1][1:]
    m0 = s0 / np.maximum(w0, 1e-300)
    m1 = s1 / np.maximum(w1, 1e-300)
    between = w0 * w1 * (m0 - m1) ** 2
    return float(centres[:-1][np.argmax(between)])

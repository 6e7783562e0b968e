"""Sobel gradient magnitude: where neighbouring pixels differ, i.e. edges of cells."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .._checks import as_image, as_positive, at_most

__all__ = ["sobel_magnitude"]


def sobel_magnitude(image: object, *, smooth_sigma: float = 0.0) -> np.ndarray:
    """Euclidean magnitude of the 3 x 3 Sobel gradient, as float32.

    ``sqrt(Sx² + Sy²)`` with ``Sx`` the Sobel derivative along columns (kernel
    ``[1, 2, 1]ᵀ [-1, 0, 1]``) and ``Sy`` along rows, the same kernels as OpenCV's
    ``cv2.Sobel(..., ksize=3)``. Borders are mirrored without repeating the edge pixel
    (``mode="mirror"``, OpenCV's default ``BORDER_REFLECT_101``).

    The article casts the result to uint16, which truncates fractions and wraps values
    above 65535 around to small numbers (a bright edge becomes dark). Here the result
    stays floating point: no wrap-around, no truncation.

    Parameters
    ----------
    image : array-like, 2-D
        Grey image (uint8, uint16 or float), intensity units (e.g. ADU).
    smooth_sigma : float
        Optional Gaussian pre-smoothing (pixels, >= 0; 0 = none, as in the article).

    Returns
    -------
    numpy.ndarray of float32
        Gradient magnitude, intensity units: 8 times the slope in intensity per pixel
        (the central difference ``[-1, 0, 1]`` spans 2 pixels and the smoothing
        ``[1, 2, 1]`` weighs 4), so a ramp of slope 1 per pixel gives 8.

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.tile(np.arange(6, dtype=np.uint16), (5, 1))   # slope 1 per pixel
    >>> sobel_magnitude(ramp)[2, 1:5].tolist()
    [8.0, 8.0, 8.0, 8.0]
    >>> big = np.tile(np.array([0, 0, 60000, 60000], np.uint16), (3, 1))
    >>> float(sobel_magnitude(big).max())                   # 240000, not wrapped
    240000.0
    """
    img = as_image(image, "image").astype(np.float32)
    smooth_sigma = as_positive(smooth_sigma, "smooth_sigma", allow_zero=True)
    at_most(smooth_sigma, "smooth_sigma", max(img.shape), "a blur wider than the image")
    if smooth_sigma > 0:
        img = ndimage.gaussian_filter(img, smooth_sigma, mode="mirror")
    # One pass per axis on a mirrored copy, in float32: the smoothing [1, 2, 1] and the
    # difference [-1, 0, 1] as sums of shifted views (what ndimage.sobel computes with
    # four correlate1d passes; for integer images every value is an exact integer, so
    # the two agree to the last bit, and a test checks it).
    p = np.pad(img, 1, mode="reflect")  # numpy's "reflect" is scipy's "mirror"
    rows = p[:-2] + 2 * p[1:-1] + p[2:]  # smoothed down the columns, (H, W + 2)
    cols = p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]  # smoothed along the rows, (H + 2, W)
    gx = rows[:, 2:] - rows[:, :-2]
    gy = cols[2:] - cols[:-2]
    return np.hypot(gx, gy)

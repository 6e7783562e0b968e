"""Smoothing: the Gaussian filter that suppresses pixel-to-pixel noise."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ._checks import as_image, as_positive
from .parameters import SMOOTH_SIGMA

__all__ = ["smooth"]

_MODES = ("reflect", "constant", "nearest", "mirror", "wrap")


def smooth(image: object, sigma: float = SMOOTH_SIGMA, mode: str = "reflect") -> np.ndarray:
    """Return the image after 2-D Gaussian smoothing.

    Each output pixel is a weighted average of its neighbourhood, with Gaussian
    weights of standard deviation ``sigma`` pixels (the kernel is truncated at 4σ).

    Parameters
    ----------
    image : array-like, 2-D
        Intensities (a.u.); integer camera images are converted to float64.
    sigma : float
        Standard deviation of the kernel (pixels), >= 0 and at most 10 times the image's
        longer side (a wider kernel averages the whole image many times over: a typo,
        refused before it asks for the memory); 0 returns a float copy.
    mode : str
        How the image is extended beyond its edges (scipy's ``mode``). The default
        ``"reflect"`` mirrors it, so a uniform image stays uniform up to the edge;
        ``"constant"`` pads with zeros and darkens the edge: by more than 1 % up to about
        2.5σ in, by a little up to 4σ (the kernel's reach).

    Returns
    -------
    numpy.ndarray
        Float64 array of the same shape; the input is not modified.

    Examples
    --------
    >>> import numpy as np
    >>> out = smooth(np.full((20, 20), 0.7), sigma=2)
    >>> bool(np.allclose(out, 0.7))
    True
    """
    arr = as_image(image)
    sigma = as_positive(sigma, "sigma", allow_zero=True)
    if sigma > 10 * max(arr.shape):
        raise ValueError(
            f"sigma must be at most 10 times the image's longer side "
            f"({10 * max(arr.shape)} px), got {sigma}"
        )
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    return ndimage.gaussian_filter(arr.astype(np.float64), sigma=sigma, mode=mode)

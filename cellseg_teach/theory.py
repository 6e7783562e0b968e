"""What the image model predicts, as formulas the lessons check against simulation.

Every function here is a closed-form consequence of the model in
:mod:`cellseg_teach.image_model` (Gaussian cells of width σ and peak B, Gaussian
noise of standard deviation σ_n clipped at zero, Gaussian smoothing of width σ_s).
Lengths are in pixels, intensities in arbitrary units (a.u.).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ._checks import as_float_array, as_positive, as_real, at_most
from .parameters import CELL_BRIGHTNESS, CELL_SIGMA, NOISE_SCALE, SMOOTH_SIGMA, THRESHOLD

__all__ = [
    "clipped_noise_mean",
    "clipped_noise_std",
    "exceedance_fraction",
    "expected_cell_area",
    "midpoint_intensity",
    "min_separation",
    "smoothed_clipped_noise",
    "smoothed_noise_std",
    "smoothed_peak",
    "smoothed_sigma",
    "threshold_radius",
]


# Widths (pixels) beyond this describe no microscope image, and their squares overflow.
MAX_WIDTH = 1e6
MIN_WIDTH = 1e-6


def _length(value: object, name: str, *, allow_zero: bool = False) -> float:
    """A width in pixels: finite, 0 (if allowed) or in [MIN_WIDTH, MAX_WIDTH]; or raise."""
    out = as_positive(value, name, allow_zero=allow_zero)
    if 0 < out < MIN_WIDTH:  # its square underflows: the formulas divide by zero
        raise ValueError(f"{name} must be 0 or at least {MIN_WIDTH:g} px, got {out}")
    return at_most(out, name, MAX_WIDTH, "wider than any microscope image")


def smoothed_sigma(cell_sigma: float = CELL_SIGMA, smooth_sigma: float = SMOOTH_SIGMA) -> float:
    """Width of a Gaussian cell after Gaussian smoothing, ``sqrt(σ² + σ_s²)`` (pixels).

    Convolving two Gaussians adds their variances.

    Examples
    --------
    >>> round(smoothed_sigma(6, 2), 3)
    6.325
    """
    cell_sigma = _length(cell_sigma, "cell_sigma")
    smooth_sigma = _length(smooth_sigma, "smooth_sigma", allow_zero=True)
    return math.hypot(cell_sigma, smooth_sigma)


def smoothed_peak(
    brightness: float = CELL_BRIGHTNESS,
    cell_sigma: float = CELL_SIGMA,
    smooth_sigma: float = SMOOTH_SIGMA,
) -> float:
    """Peak of a smoothed Gaussian cell, ``B σ² / (σ² + σ_s²)`` (a.u.).

    Smoothing keeps the cell's total intensity ``2π B σ²`` but spreads it over the
    wider Gaussian of :func:`smoothed_sigma`, so the peak drops.

    Examples
    --------
    >>> round(smoothed_peak(1.0, 6, 2), 3)
    0.9
    """
    brightness = as_positive(brightness, "brightness", allow_zero=True)
    s_eff = smoothed_sigma(cell_sigma, smooth_sigma)
    return brightness * _length(cell_sigma, "cell_sigma") ** 2 / s_eff**2


def smoothed_noise_std(
    noise_scale: float = NOISE_SCALE, smooth_sigma: float = SMOOTH_SIGMA
) -> float:
    """Standard deviation of white noise after Gaussian smoothing (a.u.).

    For independent pixels of standard deviation σ_n, a filter with weights ``w``
    gives ``σ_n · sqrt(Σ w²)``; for a normalised Gaussian of width σ_s that sum is
    ``1 / (4π σ_s²)``, so the result is ``σ_n / (2 √π σ_s)``. The continuous formula
    is accurate to about 1 % for σ_s ≥ 1 pixel.

    Examples
    --------
    >>> round(smoothed_noise_std(0.15, 2), 4)
    0.0212
    """
    noise_scale = as_positive(noise_scale, "noise_scale", allow_zero=True)
    smooth_sigma = _length(smooth_sigma, "smooth_sigma")
    return noise_scale / (2 * math.sqrt(math.pi) * smooth_sigma)


def clipped_noise_mean(noise_scale: float = NOISE_SCALE) -> float:
    """Mean of ``max(X, 0)`` for ``X ~ N(0, σ_n²)``: ``σ_n / sqrt(2π)`` (a.u.).

    Clipping removes the negative half of the noise, so what is left is not
    zero-mean: the background of a clipped image sits at about 0.4 σ_n.

    Examples
    --------
    >>> round(clipped_noise_mean(0.15), 4)
    0.0598
    """
    return as_positive(noise_scale, "noise_scale", allow_zero=True) / math.sqrt(2 * math.pi)


def clipped_noise_std(noise_scale: float = NOISE_SCALE) -> float:
    """Standard deviation of ``max(X, 0)`` for ``X ~ N(0, σ_n²)`` (a.u.).

    ``E[max(X,0)²] = σ_n²/2`` and the mean is ``σ_n/√(2π)``, so the standard
    deviation is ``σ_n · sqrt(1/2 − 1/(2π)) ≈ 0.584 σ_n``.

    Examples
    --------
    >>> round(clipped_noise_std(0.15), 4)
    0.0876
    """
    noise_scale = as_positive(noise_scale, "noise_scale", allow_zero=True)
    return noise_scale * math.sqrt(0.5 - 1 / (2 * math.pi))


def smoothed_clipped_noise(
    noise_scale: float = NOISE_SCALE, smooth_sigma: float = SMOOTH_SIGMA
) -> tuple[float, float]:
    """Mean and standard deviation of clipped noise after smoothing (a.u.).

    Smoothing preserves the mean and scales the standard deviation as in
    :func:`smoothed_noise_std`. This is the background the generator really makes.

    Returns
    -------
    (mean, std) : tuple of float

    Examples
    --------
    >>> [round(v, 4) for v in smoothed_clipped_noise(0.15, 2)]
    [0.0598, 0.0124]
    """
    std = smoothed_noise_std(clipped_noise_std(noise_scale), smooth_sigma)
    return clipped_noise_mean(noise_scale), std


def exceedance_fraction(threshold: float, mean: float, std: float) -> float:
    """Fraction of Gaussian-distributed pixels above ``threshold``.

    ``P(X > t) = erfc((t − μ) / (σ √2)) / 2`` for ``X ~ N(μ, σ²)``. Smoothed noise
    is close to Gaussian near its mean (a weighted sum of many pixels) even when the
    raw noise was clipped, but not in the far tail: for clipped noise this formula
    underestimates the fraction above 0.10 by about 3× and above 0.12 by about 25×
    (lesson 4). :mod:`cellseg_teach.noise_tails` computes that tail properly.

    Examples
    --------
    >>> round(exceedance_fraction(0.0, 0.0, 1.0), 3)
    0.5
    """
    threshold = as_real(threshold, "threshold")
    mean = as_real(mean, "mean")
    std = as_positive(std, "std")
    return float(0.5 * special.erfc((threshold - mean) / (std * math.sqrt(2))))


def threshold_radius(
    threshold: float = THRESHOLD,
    brightness: float = CELL_BRIGHTNESS,
    cell_sigma: float = CELL_SIGMA,
    smooth_sigma: float = SMOOTH_SIGMA,
) -> float:
    """Radius (pixels) at which a smoothed, isolated cell falls to ``threshold``.

    Solving ``B_s exp(−r²/2σ_eff²) = t`` gives ``r = σ_eff · sqrt(2 ln(B_s / t))``;
    0 when the threshold is at or above the smoothed peak ``B_s``.

    Examples
    --------
    >>> round(threshold_radius(0.5, 1.0, 6, 2), 2)
    6.86
    """
    threshold = as_positive(threshold, "threshold")
    peak = smoothed_peak(brightness, cell_sigma, smooth_sigma)
    if threshold >= peak:
        return 0.0
    return smoothed_sigma(cell_sigma, smooth_sigma) * math.sqrt(2 * math.log(peak / threshold))


def expected_cell_area(
    threshold: float = THRESHOLD,
    brightness: float = CELL_BRIGHTNESS,
    cell_sigma: float = CELL_SIGMA,
    smooth_sigma: float = SMOOTH_SIGMA,
) -> float:
    """Area (pixels²) of an isolated smoothed cell above ``threshold``: ``π r_t²``.

    Equivalently ``2π σ_eff² ln(B_s / t)``. Noise and the pixel grid shift a real
    count by a few pixels; see lesson 3.

    Examples
    --------
    >>> round(expected_cell_area(0.5, 1.0, 6, 2), 1)
    147.7
    """
    return math.pi * threshold_radius(threshold, brightness, cell_sigma, smooth_sigma) ** 2


def midpoint_intensity(
    distance: float | np.ndarray,
    brightness: float = CELL_BRIGHTNESS,
    cell_sigma: float = CELL_SIGMA,
    smooth_sigma: float = 0.0,
) -> float | np.ndarray:
    """Intensity halfway between two equal cells ``distance`` pixels apart (a.u.).

    Each cell contributes ``B exp(−(d/2)²/2σ²)`` there, so the sum is
    ``2 B exp(−d² / 8σ²)``. With ``smooth_sigma > 0`` the smoothed peak and width
    are used, which is what the threshold actually sees. For ``d > 2σ`` this point
    is the lowest point between the two peaks; for ``d ≤ 2σ`` the two cells
    have fused into one peak.

    Examples
    --------
    >>> round(midpoint_intensity(24, 1.0, 6), 3)
    0.271
    """
    d = as_float_array(distance, "distance", "a number or an array of numbers")
    if not np.isfinite(d).all() or (d < 0).any():
        raise ValueError("distance must be finite and >= 0")
    peak = smoothed_peak(brightness, cell_sigma, smooth_sigma)
    s = smoothed_sigma(cell_sigma, smooth_sigma)
    out = 2 * peak * np.exp(-(d**2) / (8 * s**2))
    return float(out) if out.ndim == 0 else out


def min_separation(
    threshold: float = THRESHOLD,
    brightness: float = CELL_BRIGHTNESS,
    cell_sigma: float = CELL_SIGMA,
    smooth_sigma: float = 0.0,
) -> float:
    """Smallest centre distance (pixels) whose midpoint stays at or below ``threshold``.

    Inverting :func:`midpoint_intensity`: ``d = 2σ · sqrt(2 ln(2B / t))``. Returns 0
    when even touching centres stay below the threshold (``2B ≤ t``).

    Examples
    --------
    >>> round(min_separation(0.5, 1.0, 6), 2)
    19.98
    """
    threshold = as_positive(threshold, "threshold")
    peak = smoothed_peak(brightness, cell_sigma, smooth_sigma)
    if 2 * peak <= threshold:
        return 0.0
    width = smoothed_sigma(cell_sigma, smooth_sigma)
    return 2 * width * math.sqrt(2 * math.log(2 * peak / threshold))

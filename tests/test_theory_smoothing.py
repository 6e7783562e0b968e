"""The smoothing and noise formulas of ``cellseg_teach.theory`` against simulation.

Each test compares a formula with an independent measurement (a simulated image,
moments of a rendered cell, or numerical integration) and, so that the test can
fail, also checks that a plausible *wrong* formula would land outside the tolerance.
Tolerances are stated next to each check with the reason for their size.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from cellseg_teach import make_pure_noise, render_cells, smooth
from cellseg_teach.theory import (
    clipped_noise_mean,
    clipped_noise_std,
    smoothed_clipped_noise,
    smoothed_noise_std,
    smoothed_peak,
    smoothed_sigma,
)

# (cell_sigma, smooth_sigma) in pixels: the default, narrow and wide cells, heavy smoothing.
WIDTHS = [(6.0, 2.0), (3.0, 1.0), (4.0, 3.0), (10.0, 4.0), (6.0, 6.0)]


def _smoothed_cell(cell_sigma, smooth_sigma, brightness=1.0, size=121, centre=(60.3, 59.6)):
    """A noise-free cell rendered off the pixel grid, then smoothed."""
    cell = render_cells([centre], shape=size, cell_sigma=cell_sigma, brightness=brightness)
    return smooth(cell, smooth_sigma)


@pytest.mark.parametrize(("cell_sigma", "smooth_sigma"), WIDTHS)
def test_smoothed_cell_is_the_predicted_gaussian_everywhere(cell_sigma, smooth_sigma):
    # Convolving two Gaussians gives a Gaussian of width sqrt(σ² + σ_s²) and the same
    # total intensity, hence peak B σ²/(σ² + σ_s²). The filter samples its kernel on
    # pixels and truncates it at 4σ_s; for σ_s >= 1 that changes pixel values by < 1e-4
    # (measured: at most 4e-5), so 1e-3 is a safe bound that still catches any formula
    # error above 0.1 % of the peak.
    brightness, centre = 0.8, (60.3, 59.6)
    got = _smoothed_cell(cell_sigma, smooth_sigma, brightness, centre=centre)
    s_eff = smoothed_sigma(cell_sigma, smooth_sigma)
    peak = smoothed_peak(brightness, cell_sigma, smooth_sigma)
    expected = render_cells([centre], shape=got.shape, cell_sigma=s_eff, brightness=peak)
    assert np.abs(got - expected).max() < 1e-3
    # A wrong peak (the 1-D factor σ/sqrt(σ²+σ_s²)) would be far outside.
    wrong_peak = brightness * cell_sigma / s_eff
    wrong = render_cells([centre], shape=got.shape, cell_sigma=s_eff, brightness=wrong_peak)
    assert np.abs(got - wrong).max() > 1e-2


def test_default_smoothed_peak_is_0_90():
    # The seed's worked example: B = 1, σ = 6, σ_s = 2 gives 36/40 = 0.90. Measured on a
    # cell centred on a pixel, where the brightest pixel is the peak itself.
    got = _smoothed_cell(6.0, 2.0, centre=(60.0, 60.0)).max()
    assert smoothed_peak(1.0, 6.0, 2.0) == pytest.approx(0.90, abs=1e-12)
    assert abs(got - 0.90) < 1e-3


@pytest.mark.parametrize(("cell_sigma", "smooth_sigma"), WIDTHS)
def test_smoothed_width_from_second_moments(cell_sigma, smooth_sigma):
    # Independent of render_cells: the intensity-weighted variance of a Gaussian blob
    # along x is σ_eff². The image spans > 8 σ_eff on each side, so the truncated tails
    # carry < 1e-12 of the intensity; sums over a pixel grid of such a smooth function
    # match the integrals to far better than 0.01 px, the tolerance used.
    centre = (60.3, 59.6)
    img = _smoothed_cell(cell_sigma, smooth_sigma, centre=centre)
    x = np.arange(img.shape[1])
    total = img.sum()
    mean_x = (img.sum(axis=0) * x).sum() / total
    width = math.sqrt((img.sum(axis=0) * (x - mean_x) ** 2).sum() / total)
    assert abs(mean_x - centre[0]) < 0.01
    assert abs(width - smoothed_sigma(cell_sigma, smooth_sigma)) < 0.01
    # Adding widths instead of variances would be off by at least 0.6 px here.
    assert abs(width - (cell_sigma + smooth_sigma)) > 0.5


@pytest.fixture(scope="module")
def white_noise():
    """A 1024 x 1024 sample of N(0, 0.15²) noise, seeded."""
    return np.random.default_rng(20240601).normal(0.0, 0.15, size=(1024, 1024))


@pytest.mark.parametrize("smooth_sigma", [1.0, 2.0, 3.0])
def test_smoothed_noise_std_against_simulation(white_noise, smooth_sigma):
    # Smoothed noise is correlated over ~σ_s, so the sample std of N pixels has a relative
    # standard error of about sqrt(Σρ²/(2N)) with Σρ² = 2π σ_s² (ρ = the Gaussian
    # autocorrelation): 0.6 % at σ_s = 3 on the 1024² interior. The continuous formula
    # itself is within 0.4 % of the sampled kernel for σ_s >= 1. A 3 % tolerance is
    # therefore > 4 standard errors, and still rejects any wrong constant (missing √π:
    # +77 %, √(2π) instead of 2√π: +41 %).
    sn = 0.15
    edge = int(4 * smooth_sigma)  # avoid the reflected border, where pixels repeat
    got = smooth(white_noise, smooth_sigma)[edge:-edge, edge:-edge].std()
    formula = smoothed_noise_std(sn, smooth_sigma)
    assert abs(got / formula - 1) < 0.03
    assert abs(got / (sn / (2 * smooth_sigma)) - 1) > 0.3  # wrong: no √π
    assert abs(got / (sn / (math.sqrt(2 * math.pi) * smooth_sigma)) - 1) > 0.15  # wrong: √(2π)


def test_smoothed_noise_std_scales_linearly_with_noise(white_noise):
    # Smoothing is linear: doubling the noise doubles the smoothed std, exactly.
    a = smooth(white_noise, 2.0).std()
    b = smooth(2 * white_noise, 2.0).std()
    assert b / a == pytest.approx(2.0, rel=1e-12)
    assert smoothed_noise_std(0.30, 2.0) / smoothed_noise_std(0.15, 2.0) == pytest.approx(2.0)


@pytest.mark.parametrize("noise_scale", [0.05, 0.15, 1.0])
def test_clipped_noise_moments_by_numerical_integration(noise_scale):
    # Independent of simulation: E[max(X,0)] and E[max(X,0)²] for X ~ N(0, σ_n²),
    # integrated numerically over x > 0 (quad is accurate to ~1e-12 here).
    pdf = stats.norm(0.0, noise_scale).pdf
    m1 = integrate.quad(lambda x: x * pdf(x), 0, np.inf)[0]
    m2 = integrate.quad(lambda x: x * x * pdf(x), 0, np.inf)[0]
    assert clipped_noise_mean(noise_scale) == pytest.approx(m1, rel=1e-8)
    assert clipped_noise_std(noise_scale) == pytest.approx(math.sqrt(m2 - m1**2), rel=1e-8)


@pytest.mark.parametrize("noise_scale", [0.05, 0.15, 1.0])
def test_clipped_noise_moments_against_simulation(noise_scale):
    # One million clipped draws. Standard errors: mean σ_c/√N ≈ 0.0006 σ_n and std about
    # 0.0009 σ_n, i.e. < 0.15 % of the values; a 1 % tolerance is > 6 standard errors and
    # rejects the usual slips (mean σ_n/2: +25 %; std σ_n/√2, ignoring the mean: +21 %).
    x = np.random.default_rng(11).normal(0.0, noise_scale, size=1_000_000)
    clipped = np.clip(x, 0.0, None)
    mean, std = clipped_noise_mean(noise_scale), clipped_noise_std(noise_scale)
    assert abs(clipped.mean() / mean - 1) < 0.01
    assert abs(clipped.std() / std - 1) < 0.01
    assert abs(clipped.mean() / (noise_scale / 2) - 1) > 0.1
    assert abs(clipped.std() / (noise_scale / math.sqrt(2)) - 1) > 0.1
    # Half the pixels are exactly zero (standard error 0.0005).
    assert abs(np.mean(clipped == 0) - 0.5) < 0.003


@pytest.mark.parametrize("smooth_sigma", [1.0, 2.0, 3.0])
def test_smoothed_clipped_noise_against_the_generator(smooth_sigma):
    # The background the generator really makes: make_pure_noise, then smooth. The mean is
    # kept by smoothing (weights sum to 1): standard error ≈ 0.0876/1024 ≈ 1e-4, i.e. 0.15 %
    # of 0.06, so 1 % is > 6 standard errors. The std tolerance (3 %) is argued as in
    # test_smoothed_noise_std_against_simulation. Using the unclipped σ_n for the std
    # (0.0212 instead of 0.0124 at σ_s = 2, +71 %) or assuming a zero mean would fail.
    sn = 0.15
    img = make_pure_noise(noise_scale=sn, image_size=1024, seed=5)
    edge = int(4 * smooth_sigma)
    got = smooth(img, smooth_sigma)[edge:-edge, edge:-edge]
    mean, std = smoothed_clipped_noise(sn, smooth_sigma)
    assert abs(got.mean() / mean - 1) < 0.01
    assert abs(got.std() / std - 1) < 0.03
    assert abs(smoothed_noise_std(sn, smooth_sigma) / got.std() - 1) > 0.5
    assert got.mean() > 0.05
    # The pieces agree with the separate formulas.
    assert mean == pytest.approx(clipped_noise_mean(sn))
    assert std == pytest.approx(smoothed_noise_std(clipped_noise_std(sn), smooth_sigma))

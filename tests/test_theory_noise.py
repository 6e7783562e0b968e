"""How often smoothed noise crosses a threshold: the tail formulas against simulation.

``theory.exceedance_fraction`` (a Gaussian tail) is checked against scipy and against
simulated noise, exactly Gaussian (unclipped, smoothed) and as the generator makes it
(clipped, smoothed); the seed lesson's zero-mean assumption must fail for the latter.
``noise_tails`` (saddle point and Chernoff bound for clipped noise) is checked against
the same simulations, far enough into the tail that the Gaussian formula fails.
The moments of the background (mean, std) are tested in test_theory_smoothing.py.

Standard errors: neighbouring smoothed pixels are correlated, so a fraction measured on
one image is less precise than sqrt(p(1-p)/N). Fractions near the bulk get their standard
error from the scatter over 64 blocks of the image; counts in the tail from the clusters
of exceeding pixels (a cluster of s pixels is one random event, so var ≈ Σ s²).
"""

import math

import numpy as np
import pytest
from scipy import integrate, ndimage, special, stats

from cellseg_teach import make_pure_noise, smooth
from cellseg_teach.noise_tails import exceedance_bound, exceedance_saddlepoint, kernel_weights
from cellseg_teach.theory import exceedance_fraction, smoothed_clipped_noise, smoothed_noise_std

SN = 0.15  # noise std before clipping (a.u.), the course default
SS = 2.0  # smoothing width (pixels), the course default
EDGE = 8  # the kernel's reach, 4 σ_s: border pixels (reflected) are dropped


def _block_fraction(values, t, n=8):
    """Fraction of values above t and its standard error from n x n blocks."""
    side = values.shape[0] // n * n
    above = values[:side, :side] > t
    blocks = above.reshape(n, side // n, n, side // n).mean(axis=(1, 3))
    return above.mean(), blocks.std(ddof=1) / n


def _count_and_error(values, t):
    """Number of values above t and its standard error sqrt(Σ cluster size²)."""
    above = values > t
    labels, _ = ndimage.label(above)
    sizes = np.bincount(labels[above])
    return int(above.sum()), math.sqrt(float((sizes**2).sum()))


@pytest.fixture(scope="module")
def gaussian_background():
    """Unclipped N(0, 0.15²) noise, 1024², smoothed: exactly Gaussian, mean 0."""
    noise = np.random.default_rng(31).normal(0.0, SN, (1024, 1024))
    return smooth(noise, SS)[EDGE:-EDGE, EDGE:-EDGE]


@pytest.fixture(scope="module")
def clipped_background():
    """What the generator makes: clipped noise, 2048², smoothed."""
    return smooth(make_pure_noise(SN, 2048, seed=32), SS)[EDGE:-EDGE, EDGE:-EDGE]


# --- exceedance_fraction: the formula itself -------------------------------------------


@pytest.mark.parametrize(("t", "mean", "std"), [(0.05, 0.0, 0.0212), (0.05, 0.0598, 0.0124),
                                                (-1.0, 2.0, 3.0), (10.0, 0.0, 1.0)])
def test_exceedance_fraction_is_the_normal_tail(t, mean, std):
    # Independent implementation: scipy's survival function of N(mean, std²).
    expected = stats.norm(mean, std).sf(t)
    assert exceedance_fraction(t, mean, std) == pytest.approx(expected, rel=1e-10, abs=1e-300)


def test_exceedance_fraction_symmetry_and_scaling():
    # Half the mass lies above the mean; P(X > μ + d) + P(X > μ − d) = 1; shifting and
    # scaling threshold, mean and std together changes nothing.
    assert exceedance_fraction(0.06, 0.06, 0.012) == pytest.approx(0.5, abs=1e-15)
    for d in (0.005, 0.02, 0.05):
        up, down = exceedance_fraction(0.06 + d, 0.06, 0.012), exceedance_fraction(0.06 - d, 0.06,
                                                                                   0.012)
        assert up + down == pytest.approx(1.0, abs=1e-14)
    assert exceedance_fraction(3 * 0.05 + 1, 3 * 0.02 + 1, 3 * 0.01) == pytest.approx(
        exceedance_fraction(0.05, 0.02, 0.01), rel=1e-9)
    # The seed's own number: 2.4 standard deviations out, 0.82 %.
    assert exceedance_fraction(2.4, 0.0, 1.0) == pytest.approx(0.0082, abs=5e-5)


# --- exceedance_fraction against simulation ---------------------------------------------


@pytest.mark.parametrize("t", [0.0, 0.02, 0.04, 0.05])
def test_exceedance_fraction_on_smoothed_gaussian_noise(gaussian_background, t):
    # Without clipping the smoothed background is exactly Gaussian with mean 0 and std
    # σ_n/(2√π σ_s): the formula must agree within 4 standard errors (+ 0.4 % of p for the
    # continuous-kernel std, see theory.smoothed_noise_std).
    std = smoothed_noise_std(SN, SS)
    measured, se = _block_fraction(gaussian_background, t)
    formula = exceedance_fraction(t, 0.0, std)
    assert abs(measured - formula) < 4 * se + 0.004 * formula
    # Wrong: the unsmoothed σ_n = 0.15 (forgetting that smoothing lowers the noise).
    if t > 0:
        assert abs(measured - exceedance_fraction(t, 0.0, SN)) > 10 * se


@pytest.mark.parametrize("t", [0.04, 0.05, 0.06, 0.07])
def test_exceedance_fraction_on_the_generators_noise(clipped_background, t):
    # The generator clips at zero: mean σ_n/√(2π) ≈ 0.060, std ≈ 0.0124 after smoothing.
    # The Gaussian formula with these moments is an approximation: the background's
    # skewness γ ≈ 0.31 shifts the fraction by up to γ/(6√(2π)) ≈ 0.021 near the mean
    # (first Edgeworth term); sampling error is < 0.002. Tolerance 0.03.
    mean, std = smoothed_clipped_noise(SN, SS)
    measured, se = _block_fraction(clipped_background, t)
    assert se < 0.003
    assert abs(measured - exceedance_fraction(t, mean, std)) < 0.03
    # Wrong: the seed's zero-mean model (unclipped std 0.0212). At 0.05 it predicts 0.9 %
    # where 78 % are measured; at every t here it is off by more than 0.15, five times the
    # tolerance.
    assert abs(measured - exceedance_fraction(t, 0.0, smoothed_noise_std(SN, SS))) > 0.15
    # Wrong: the right mean with the unclipped std (0.0212 instead of 0.0124).
    if abs(t - mean) > 0.005:
        assert abs(measured - exceedance_fraction(t, mean, smoothed_noise_std(SN, SS))) > 0.05


def test_seeds_zero_mean_claim_at_0_05(clipped_background):
    # The seed: "at 0.05 roughly 0.8 % of pixels exceed". True for its zero-mean model,
    # false for the generator: about 78 % do.
    seed_model = exceedance_fraction(0.05, 0.0, smoothed_noise_std(SN, SS))
    measured, _ = _block_fraction(clipped_background, 0.05)
    assert 0.008 < seed_model < 0.01
    assert 0.75 < measured < 0.81


@pytest.mark.parametrize(("t", "factor"), [(0.10, 2.0), (0.11, 4.0), (0.12, 8.0)])
def test_gaussian_formula_underestimates_the_clipped_tail(clipped_background, t, factor):
    # Documented limitation: clipped noise is skewed, so the Gaussian tail is too thin.
    # Measured on 4 million pixels: 3.4x at 0.10, 9x at 0.11, 27x at 0.12 (2048² image of
    # lesson 4); the bounds leave room for sampling error.
    mean, std = smoothed_clipped_noise(SN, SS)
    count, se = _count_and_error(clipped_background, t)
    gauss = clipped_background.size * exceedance_fraction(t, mean, std)
    assert count - 3 * se > factor * gauss


# --- noise_tails: the tail of clipped noise --------------------------------------------


@pytest.mark.parametrize("smooth_sigma", [1.0, 2.0, 3.5])
def test_kernel_weights_are_what_smooth_applies(smooth_sigma):
    w = kernel_weights(smooth_sigma)
    r = w.shape[0] // 2
    assert w.shape == (2 * r + 1, 2 * r + 1) and r == int(4 * smooth_sigma + 0.5)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(w, w.T) and np.allclose(w, w[::-1])
    # Σ w² ≈ 1/(4π σ_s²), the continuous Gaussian's value, within 1 % for σ_s >= 1.
    assert (w**2).sum() * 4 * math.pi * smooth_sigma**2 == pytest.approx(1.0, rel=0.01)
    # Weighting a patch by hand gives the smoothed value at its centre.
    img = np.random.default_rng(3).random((4 * r + 3, 4 * r + 3))
    c = 2 * r + 1
    by_hand = (w * img[c - r:c + r + 1, c - r:c + r + 1]).sum()
    assert smooth(img, smooth_sigma)[c, c] == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize("t", [0.08, 0.09, 0.10, 0.11])
def test_saddlepoint_matches_simulation_in_the_tail(clipped_background, t):
    # Where at least ~200 pixels exceed, the saddle point agrees within 4 standard errors
    # (lesson 4: within 1 s.e. at 0.08-0.13); the Gaussian formula is outside from 0.09.
    count, se = _count_and_error(clipped_background, t)
    predicted = clipped_background.size * exceedance_saddlepoint(t, SN, SS)
    assert count > 200
    assert abs(count - predicted) < 4 * se
    bound = clipped_background.size * exceedance_bound(t, SN, SS)
    assert bound > count


def _exact_tail(t, noise_scale=SN, smooth_sigma=SS):
    """P(S > t) by numerical inversion of the characteristic function (Gil-Pelaez).

    Independent of the saddle point: E[exp(isY)] for Y = max(X, 0), X ~ N(0, σ²), is
    1/2 + exp(−s²σ²/2)/2 + i D(sσ/√2)/√π (D = Dawson's integral), the pixels are
    independent, and P(S > t) = 1/2 + (1/π) ∫ Im[exp(−iut) φ(u)]/u du.
    """
    w = kernel_weights(smooth_sigma).ravel()
    w = w[w > 0] * noise_scale

    def integrand(u):
        s = u * w
        cf = 0.5 + 0.5 * np.exp(-s * s / 2) + 1j * special.dawsn(s / math.sqrt(2)) / math.sqrt(
            math.pi)
        return (np.exp(-1j * u * t) * np.prod(cf)).imag / u

    value, err = integrate.quad(integrand, 0, 2000, limit=1000, epsabs=1e-13)
    return 0.5 + value / math.pi, err / math.pi


@pytest.mark.parametrize("t", [0.04, 0.06, 0.08, 0.10, 0.12])
def test_saddlepoint_against_exact_inversion(t):
    # The characteristic function decays to < 1e-40 by u = 2000 (std of S ≈ 0.0124), and
    # quad reports an error below 1e-8 absolute; the saddle point agrees to 0.06 % here,
    # so 0.3 % relative is a safe tolerance that still catches any error in its terms.
    exact, err = _exact_tail(t)
    assert err < 1e-8
    assert exceedance_saddlepoint(t, SN, SS) == pytest.approx(exact, rel=3e-3)
    # The Gaussian formula is off by more than 10 % from 0.08 on (Gaussian tail too thin).
    if t >= 0.08:
        mean, std = smoothed_clipped_noise(SN, SS)
        assert abs(exceedance_fraction(t, mean, std) / exact - 1) > 0.1


def test_saddlepoint_at_the_mean_sees_the_skew(clipped_background):
    # Right at the mean the formula switches to its limit 1/2 − κ₃/(6√(2π)κ₂^{3/2}) ≈ 0.479:
    # fewer than half the pixels exceed the mean of a right-skewed distribution. The
    # Gaussian's 0.5 is more than 4 standard errors away.
    mean, _ = smoothed_clipped_noise(SN, SS)
    measured, se = _block_fraction(clipped_background, mean)
    at_mean = exceedance_saddlepoint(mean, SN, SS)
    assert abs(measured - at_mean) < 4 * se + 0.002
    assert abs(measured - 0.5) > 4 * se
    # The limit joins the general formula continuously.
    for d in (1e-7, 1e-5, 1e-3):
        near = exceedance_saddlepoint(mean + d, SN, SS)
        assert abs(near - at_mean) < 2 * d / 0.0124 + 1e-6  # slope ≈ density ≤ 1/(√(2π)σ)


def test_saddlepoint_scales_with_the_noise():
    # S scales linearly with σ_n, so P(S > t; σ_n) = P(S > k t; k σ_n).
    for t in (0.03, 0.08, 0.2):
        assert exceedance_saddlepoint(2 * t, 2 * SN, SS) == pytest.approx(
            exceedance_saddlepoint(t, SN, SS), rel=1e-6)


@pytest.mark.parametrize("t", [0.01, 0.1, 0.3, 0.6])
def test_bound_holds_where_the_answer_is_exact(t):
    # A 1-pixel kernel (σ_s tiny) leaves S = max(X, 0) itself: P(S > t) = P(X > t) exactly.
    exact = stats.norm(0.0, SN).sf(t)
    assert kernel_weights(0.01).shape == (1, 1)
    assert exceedance_bound(t, SN, 0.01) >= exact


@pytest.mark.parametrize("z", [4.0, 6.0])
def test_bound_for_one_pixel_approaches_the_gaussian_chernoff_bound(z):
    # For S = max(X, 0) far out, E[exp(λS)] → exp(λ²σ²/2) (the clipped half hardly counts),
    # so the optimal bound tends to exp(−z²/2), Chernoff's bound for a normal variable:
    # within 1.4e-4 at z = 4 and 1e-8 at z = 6; tolerance 1e-3.
    assert exceedance_bound(z * SN, SN, 0.01) == pytest.approx(math.exp(-z * z / 2), rel=1e-3)


def test_bound_and_saddlepoint_at_the_operating_threshold():
    # Lesson 4's numbers: at 0.5 the bound is 2.2e-118 per pixel, the saddle point 3.6e-120,
    # and the Gaussian formula 2e-278, far below both (and below the guaranteed limit by
    # > 150 decades: the Gaussian formula is not a safe estimate of the tail).
    mean, std = smoothed_clipped_noise(SN, SS)
    bound, saddle = exceedance_bound(0.5, SN, SS), exceedance_saddlepoint(0.5, SN, SS)
    assert 1e-119 < bound < 1e-117
    assert saddle < bound
    assert math.log10(saddle) - math.log10(exceedance_fraction(0.5, mean, std)) > 150
    # At or below the mean no λ > 0 helps: the bound is 1; a threshold <= 0 is always crossed.
    assert exceedance_bound(mean, SN, SS) == 1.0
    assert exceedance_saddlepoint(0.0, SN, SS) == 1.0


# --- input validation ------------------------------------------------------------------


@pytest.mark.parametrize(("args", "error", "name"), [
    ((0.05, 0.0, 0.0), ValueError, "std"),
    ((0.05, 0.0, -1.0), ValueError, "std"),
    ((float("nan"), 0.0, 1.0), ValueError, "threshold"),
    ((0.05, float("inf"), 1.0), ValueError, "mean"),
    (("0.05", 0.0, 1.0), TypeError, "threshold"),
    ((0.05, None, 1.0), TypeError, "mean"),
])
def test_exceedance_fraction_rejects_bad_input(args, error, name):
    with pytest.raises(error, match=name):
        exceedance_fraction(*args)


@pytest.mark.parametrize("func", [exceedance_bound, exceedance_saddlepoint])
@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"threshold": float("nan")}, ValueError, "threshold"),
    ({"threshold": "high"}, TypeError, "threshold"),
    ({"threshold": 0.1, "noise_scale": 0.0}, ValueError, "noise_scale"),
    ({"threshold": 0.1, "noise_scale": -0.1}, ValueError, "noise_scale"),
    ({"threshold": 0.1, "smooth_sigma": 0.0}, ValueError, "smooth_sigma"),
    ({"threshold": 0.1, "smooth_sigma": float("inf")}, ValueError, "smooth_sigma"),
])
def test_tail_functions_reject_bad_input(func, kwargs, error, name):
    with pytest.raises(error, match=name):
        func(**kwargs)


def test_kernel_weights_rejects_bad_width():
    with pytest.raises(ValueError, match="smooth_sigma"):
        kernel_weights(-1.0)
    with pytest.raises(TypeError, match="smooth_sigma"):
        kernel_weights("2")

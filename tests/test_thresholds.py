"""Thresholds: the article's max-of-tiles vote, and Otsu against scikit-image."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.filters import threshold_otsu

from cellseg_teach.livedead import make_frame, nucleus_threshold
from cellseg_teach.thresholds import max_of_tiles_threshold, otsu_threshold, tile_maxima


def article_threshold(image, offset, coarseness):
    """The article's thresholdImage, typos fixed (courseness), loop kept: the reference."""
    xy = image.shape
    hist = np.zeros(2**16, dtype="uint16")
    rc_i = np.array(
        [[r, c] for r in range(0, xy[0], coarseness) for c in range(0, xy[1], coarseness)]
    )
    for (ri, ci), (re, ce) in zip(rc_i, rc_i + coarseness, strict=True):
        hist[np.max(image[ri:re, ci:ce])] += 1
    k = np.argmax(hist[1:]) + 1
    if offset is None:
        return k
    return int(offset * (abs(k - 1) + 1) + 1)


@pytest.mark.parametrize("shape", [(64, 64), (50, 77), (31, 16)])
@pytest.mark.parametrize("coarseness", [1, 5, 16])
def test_tile_maxima_match_a_loop(shape, coarseness):
    img = np.random.default_rng(sum(shape)).integers(0, 1000, shape)
    got = tile_maxima(img, coarseness)
    rows = range(0, shape[0], coarseness)
    cols = range(0, shape[1], coarseness)
    want = [[img[r : r + coarseness, c : c + coarseness].max() for c in cols] for r in rows]
    assert np.array_equal(got, want)


@pytest.mark.parametrize("offset", [None, 1.1, 1.2, 2.0])
@pytest.mark.parametrize("coarseness", [8, 13, 32])
def test_same_value_as_the_articles_code(offset, coarseness):
    f = make_frame(shape=(128, 160), seed=3)
    for img in (f.hoechst, f.draq7, f.brightfield):
        ours = max_of_tiles_threshold(img, coarseness=coarseness, offset=offset)
        assert ours == article_threshold(
            img, offset, coarseness
        )


def test_lands_just_above_a_known_background():
    # Background uniform on 100..119: a 16x16 tile (256 pixels) almost surely holds 119,
    # so the commonest tile maximum is the background maximum, and bright squares
    # (a few tiles) cannot move it.
    rng = np.random.default_rng(1)
    img = rng.integers(100, 120, (256, 256)).astype(np.uint16)
    for r, c in [(20, 20), (100, 180), (200, 60)]:
        img[r : r + 10, c : c + 10] = 3000
    assert max_of_tiles_threshold(img, coarseness=16, offset=None) == 119
    assert max_of_tiles_threshold(img, coarseness=16, offset=1.2) == int(1.2 * 119 + 1)
    assert ((img > 119) == (img == 3000)).all()


def test_larger_tiles_give_a_higher_peak_on_noise():
    img = np.random.default_rng(2).normal(1000, 30, (512, 512))
    peaks = [max_of_tiles_threshold(img, coarseness=k, offset=None) for k in (2, 8, 32)]
    assert peaks[0] < peaks[1] < peaks[2]
    # the peak of the maxima of k² normal pixels is near the (1 - 1/k²) quantile
    from scipy.stats import norm

    assert abs(peaks[2] - (1000 + 30 * norm.ppf(1 - 1 / 32**2))) < 15


def test_edge_cases():
    assert max_of_tiles_threshold(np.zeros((8, 8)), coarseness=4, offset=None) == 0
    full = np.full((8, 8), 65535, np.uint16)
    assert max_of_tiles_threshold(full, coarseness=4, offset=None) == 65535
    with pytest.raises(ValueError, match="coarseness"):
        max_of_tiles_threshold(np.ones((8, 8)), coarseness=0)
    with pytest.raises(ValueError, match="offset"):
        max_of_tiles_threshold(np.ones((8, 8)), coarseness=2, offset=-1.0)


def _otsu_images():
    rng = np.random.default_rng(7)
    f = make_frame(shape=(256, 256), seed=5)
    two = np.r_[rng.normal(10, 2, 3000), rng.normal(30, 5, 1000)].reshape(40, 100)
    return [
        f.hoechst,
        f.draq7,
        f.brightfield,
        f.hoechst.astype(float) / 3.7,
        two,
        rng.integers(0, 50, (30, 30)).astype(np.uint8),
        rng.normal(size=(100, 100)),
    ]


@pytest.mark.parametrize("index", range(7))
def test_otsu_equals_scikit_image(index):
    img = _otsu_images()[index]
    assert otsu_threshold(img) == pytest.approx(threshold_otsu(img), rel=1e-9, abs=1e-9)


def test_otsu_separates_two_populations():
    img = np.r_[np.full(600, 10.0), np.full(400, 50.0)].reshape(10, 100)
    t = otsu_threshold(img)
    assert 10 <= t < 50 and ((img > t) == (img == 50)).all()
    assert otsu_threshold(np.full((4, 4), 7.0)) == 7.0


def test_nucleus_threshold_uses_the_tiles_floor_without_nuclei():
    empty = np.random.default_rng(3).poisson(200, (256, 256)).astype(np.uint16)
    t = nucleus_threshold(empty)
    assert t == max_of_tiles_threshold(empty, coarseness=16, offset=1.2) > otsu_threshold(empty)
    assert (empty > t).mean() < 1e-3  # Otsu alone would keep about half the pixels
    assert (empty > otsu_threshold(empty)).mean() > 0.3

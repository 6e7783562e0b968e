"""The image generator: placement, rendering, noise, the true labels."""

import math

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from cellseg_teach import (
    CELL_SIGMA,
    IMAGE_SIZE,
    MIN_SEPARATION,
    N_CELLS,
    make_image,
    make_pure_noise,
    place_cells,
    render_cells,
    true_labels,
)


@pytest.mark.parametrize("seed", range(20))
def test_placement_honours_separation_and_margin(seed):
    centres = place_cells(12, 128, 24, seed=seed)
    assert centres.shape == (12, 2)
    assert pdist(centres).min() >= 24
    assert centres.min() >= 12 and centres.max() <= 127 - 12


def test_placement_is_reproducible():
    assert np.array_equal(place_cells(seed=3), place_cells(seed=3))
    assert not np.array_equal(place_cells(seed=3), place_cells(seed=4))


def test_impossible_placement_fails_at_once_with_a_clear_message():
    # 100 discs of diameter 24 need ~45 000 px²; a 128 px image offers ~16 000.
    with pytest.raises(ValueError, match="cannot fit"):
        place_cells(100, 128, 24, seed=0)


def test_crowded_but_not_provably_impossible_placement_stops():
    # Not ruled out by area (28 discs need 12 700 of 14 600 px²) but far denser than
    # random placement ever reaches (about 55 % of the plane): it must give up, not hang.
    with pytest.raises(ValueError, match="could not place"):
        place_cells(28, 128, 24, seed=0, batch=16, max_batches=5)


def test_margin_larger_than_the_image_is_rejected():
    with pytest.raises(ValueError, match="margin"):
        place_cells(1, 10, 24, seed=0, margin=8)


def test_one_rendered_cell_matches_the_formula():
    cx, cy, cell_sigma, b = 20.3, 14.7, 4.0, 0.8
    img = render_cells([[cx, cy]], shape=(30, 40), cell_sigma=cell_sigma, brightness=b)
    ys, xs = np.mgrid[0:30, 0:40]
    expected = b * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * cell_sigma**2))
    np.testing.assert_allclose(img, expected, rtol=1e-12, atol=1e-15)


def test_cells_add_up():
    a = render_cells([[10, 10]], 32)
    b = render_cells([[20, 15]], 32)
    np.testing.assert_allclose(render_cells([[10, 10], [20, 15]], 32), a + b, atol=1e-12)


def test_total_intensity_of_a_cell_is_two_pi_b_sigma_squared():
    img = render_cells([[50, 50]], 101, cell_sigma=5, brightness=2)
    assert img.sum() == pytest.approx(2 * math.pi * 2 * 25, rel=1e-6)


def test_make_image_returns_clipped_noisy_cells():
    image, centres = make_image()
    assert image.shape == (IMAGE_SIZE, IMAGE_SIZE) and centres.shape == (N_CELLS, 2)
    assert image.min() == 0.0  # clipping happened: about half the background is zero
    clean = render_cells(centres, IMAGE_SIZE, CELL_SIGMA, 1.0)
    background = clean < 1e-3
    assert 0.4 < np.mean(image[background] == 0) < 0.6
    assert pdist(centres).min() >= MIN_SEPARATION


def test_make_image_without_noise_is_the_rendered_image():
    image, centres = make_image(noise_scale=0)
    np.testing.assert_allclose(image, render_cells(centres, IMAGE_SIZE, CELL_SIGMA, 1.0))


def test_pure_noise_is_clipped_gaussian():
    noise = make_pure_noise(noise_scale=0.2, image_size=256, seed=1)
    assert noise.min() == 0.0
    # E[max(X,0)] = σ/√(2π) ≈ 0.0798 for σ = 0.2; the standard error over 65 536
    # pixels is 0.2·0.58/256 ≈ 0.0005, so 0.002 is four standard errors.
    assert noise.mean() == pytest.approx(0.2 / math.sqrt(2 * math.pi), abs=0.002)


def test_true_labels_give_each_cell_its_own_region():
    _, centres = make_image()
    labels = true_labels(centres)
    assert labels.max() == N_CELLS
    # Every true centre lies inside its own label.
    ix = np.round(centres).astype(int)
    assert np.array_equal(labels[ix[:, 1], ix[:, 0]], np.arange(1, N_CELLS + 1))


def test_true_labels_split_two_close_cells_down_the_middle():
    # Centres 13 px apart: the dividing line x = 26.5 falls between pixel columns.
    labels = true_labels([[20, 20], [33, 20]], shape=(40, 54), threshold=0.3)
    assert labels[20, 26] == 1 and labels[20, 27] == 2
    # Mirror symmetry: each cell gets the same number of pixels.
    assert (labels == 1).sum() == (labels == 2).sum()


def test_a_dim_cell_below_threshold_has_no_true_pixels():
    labels = true_labels([[20, 20], [60, 20]], shape=(40, 80), brightness=[1.0, 0.3])
    assert (labels == 1).sum() > 100 and (labels == 2).sum() == 0


@pytest.mark.parametrize("shape", [(40, 200), (200, 40), (64, 64)])
def test_place_cells_in_a_rectangle_keeps_margin_and_separation(shape):
    rows, cols = shape
    centres = place_cells(12, shape, 10, seed=3, margin=5)
    assert (centres[:, 0] >= 5).all() and (centres[:, 0] <= cols - 1 - 5).all()  # x: columns
    assert (centres[:, 1] >= 5).all() and (centres[:, 1] <= rows - 1 - 5).all()  # y: rows
    assert pdist(centres).min() >= 10


def test_place_cells_square_pair_is_the_same_as_a_side():
    assert np.array_equal(place_cells(8, (128, 128), seed=1), place_cells(8, 128, seed=1))


def test_place_cells_rectangle_too_small_fails_clearly():
    with pytest.raises(ValueError, match="cannot fit in a 20x400 px image"):
        place_cells(80, (20, 400), 12)  # the packing bound rules it out at once
    with pytest.raises(ValueError, match="too crowded"):
        place_cells(60, (20, 400), 12)  # allowed by the bound; dart throwing gives up

"""The seed lesson's seven tests, reworded, with the same assertions.

Only the imports differ from the seed: everything comes from ``cellseg_teach``.
"""

import numpy as np

from cellseg_teach import (
    IMAGE_SIZE,
    N_CELLS,
    THRESHOLD,
    cell_sizes,
    make_image,
    make_pure_noise,
    segment,
    smooth,
)


def test_smoothing_lowers_the_variance_of_noise():
    # Averaging neighbours can only shrink pixel-to-pixel fluctuations.
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 1, (64, 64))
    assert smooth(noise, sigma=2).var() < noise.var()


def test_smoothing_keeps_the_shape():
    image = np.ones((IMAGE_SIZE, IMAGE_SIZE))
    assert smooth(image).shape == image.shape


def test_smoothing_leaves_a_uniform_interior_alone():
    # A weighted average of equal values is that value (the edge is checked in
    # test_filters.py: with the default "reflect" mode it is unchanged too).
    image = np.full((50, 50), 0.7)
    interior = smooth(image, sigma=2)[4:-4, 4:-4]
    assert np.allclose(interior, 0.7, atol=1e-6)


def test_default_pipeline_counts_every_cell():
    image, _ = make_image()
    _, n_found = segment(smooth(image))
    assert n_found == N_CELLS, f"expected {N_CELLS} cells, found {n_found}"


def test_every_cell_has_a_plausible_area():
    # The model predicts about 148 px² per cell at the operating threshold; the seed
    # allows a factor of about 3 either way for noise, overlap and the pixel grid.
    image, _ = make_image()
    labeled, _ = segment(smooth(image))
    sizes = cell_sizes(labeled)
    assert np.all(sizes >= 50), f"smallest cell {sizes.min()} px"
    assert np.all(sizes <= 350), f"largest cell {sizes.max()} px"


def test_threshold_above_the_maximum_finds_nothing():
    image, _ = make_image()
    _, n_found = segment(smooth(image), threshold=999.0)
    assert n_found == 0


def test_pure_noise_fools_a_low_threshold_but_not_the_operating_one():
    noise = make_pure_noise()
    _, n_false = segment(smooth(noise), threshold=0.05)
    assert n_false > 0, "a threshold of 0.05 should let noise through"
    _, n_safe = segment(smooth(noise), threshold=THRESHOLD)
    assert n_safe == 0, "the operating threshold should reject all noise"

"""segment and cell_sizes: hand-made cases, properties, and scikit-image as a reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

from cellseg_teach import cell_sizes, make_image, segment, smooth

skimage_measure = pytest.importorskip("skimage.measure")
skimage_morphology = pytest.importorskip("skimage.morphology")


def _remove_smaller_than(labels, min_size):
    """scikit-image's small-object filter; 0.26 renamed min_size (keep >= n) to max_size."""
    try:
        return skimage_morphology.remove_small_objects(labels, max_size=min_size - 1)
    except TypeError:  # scikit-image < 0.26
        return skimage_morphology.remove_small_objects(labels, min_size=min_size)


def test_hand_made_image():
    img = np.zeros((10, 10))
    img[1:4, 1:4] = 1.0  # 9 px
    img[6:9, 5:9] = 1.0  # 12 px
    img[0, 9] = 1.0  # 1 px, too small
    labeled, n = segment(img, threshold=0.5, min_size=4)
    assert n == 2
    assert cell_sizes(labeled).tolist() == [9, 12]
    assert labeled[0, 9] == 0


def test_threshold_is_strict():
    img = np.full((4, 4), 0.5)
    assert segment(img, threshold=0.5, min_size=0)[1] == 0
    assert segment(img, threshold=0.4999, min_size=0)[1] == 1


def test_diagonal_neighbours_need_eight_connectivity():
    img = np.eye(4)
    assert segment(img, threshold=0.5, min_size=0)[1] == 4
    assert segment(img, threshold=0.5, min_size=0, connectivity=2)[1] == 1


def test_cell_sizes_has_one_entry_per_label_present():
    assert cell_sizes(np.array([[0, 3, 3], [1, 0, 0]])).tolist() == [1, 2]
    assert cell_sizes(np.zeros((3, 3), dtype=int)).size == 0


def test_integer_camera_images_work():
    image, _ = make_image()
    counts = np.round(image * 1000).astype(np.uint16)
    lab_int, n_int = segment(smooth(counts), threshold=500)
    lab_float, n_float = segment(smooth(image), threshold=0.5)
    assert n_int == n_float == 8
    # Rounding to 1/1000 moves at most a few boundary pixels.
    assert np.mean(lab_int != lab_float) < 0.002


def test_input_is_not_modified():
    image, _ = make_image()
    before = image.copy()
    segment(image, threshold=0.3)
    smooth(image)
    assert np.array_equal(image, before)


def test_matches_scikit_image_on_the_default_image():
    sm = smooth(make_image()[0])
    ours, n = segment(sm, threshold=0.5, min_size=30)
    ref = skimage_measure.label(sm > 0.5, connectivity=1)
    ref = _remove_smaller_than(ref, 30)
    # Same regions; numbering may differ, so compare the partitions.
    assert n == len(np.unique(ref)) - 1
    pairs = np.unique(np.stack([ours.ravel(), ref.ravel()]), axis=1)
    assert pairs.shape[1] == n + 1  # a one-to-one correspondence, background included


images = arrays(
    np.float64,
    st.tuples(st.integers(1, 24), st.integers(1, 24)),
    elements=st.floats(0, 1, allow_nan=False, width=32),
)


@settings(max_examples=200, deadline=None)
@given(images, st.floats(0, 1), st.integers(0, 12))
def test_segment_properties(img, threshold, min_size):
    labeled, n = segment(img, threshold=threshold, min_size=min_size)
    assert labeled.shape == img.shape
    # Labels are exactly 1..n (contiguous), background 0.
    assert set(np.unique(labeled).tolist()) - {0} == set(range(1, n + 1))
    sizes = cell_sizes(labeled)
    assert len(sizes) == n and np.all(sizes >= min_size)
    # Labelled pixels are above the threshold...
    assert np.all(img[labeled > 0] > threshold)
    # ...and every pixel above it that is left out belongs to a component that was too small.
    raw, _ = ndimage.label(img > threshold)
    raw_sizes = np.bincount(raw.ravel())
    left_out = (img > threshold) & (labeled == 0)
    assert np.all(raw_sizes[raw[left_out]] < min_size)
    # Each kept component is one whole raw component.
    kept = labeled > 0
    pairs = np.unique(np.stack([labeled[kept], raw[kept]]), axis=1)
    assert pairs.shape[1] == n

"""What lessons 5 and 6 say about OpenCV, checked with real OpenCV.

Lesson 6 reads the article's OpenCV code critically. Each test below runs the article's
own calls (typos fixed, nothing else changed) on a small synthetic frame or a hand-made
image, and asserts one statement the lessons make. If an OpenCV release changes what a
call does, the matching test fails and the lesson must be rewritten.
"""

from __future__ import annotations

import cv2  # a pinned course package: a missing cv2 must fail here, not skip
import numpy as np
import pytest
from scipy import ndimage

from cellseg_teach.livedead import make_frame, segment_frame
from cellseg_teach.morphology import disk


def article_markers(cell_area, nuclei):
    """The article's marker image: background 1, area to flood 0, nucleus k -> k."""
    _, labels = cv2.connectedComponents(nuclei.astype("uint8"), ltype=cv2.CV_16U)
    markers = np.array(~cell_area, dtype="int32")
    markers += labels.astype("int32")
    return markers, labels


def article_distance_image(cell_area, nuclei):
    """The article's flood image: distance from the nearest nucleus, inside the cell area."""
    dist = cv2.distanceTransform(np.array(~nuclei, dtype="uint8"), cv2.DIST_L2, 5)
    return np.clip(cell_area * dist, 0, 255).astype("uint8")


def watershed(image, markers):
    """cv2.watershed on a grey uint8 image, as the article calls it (3 channels)."""
    return cv2.watershed(np.repeat(image[:, :, None], 3, axis=2), markers.copy())


@pytest.fixture(scope="module")
def frame_masks():
    """Cell area and nuclei of a 256 x 256 frame at 24 h, from the course's pipeline."""
    frame = make_frame(shape=(256, 256), seed=0)
    result = segment_frame(frame.brightfield, frame.hoechst, frame.draq7)
    nuclei = result.hoechst_mask | result.draq7_mask
    assert result.cell_labels.max() >= 10
    return result.cell_area, nuclei, result


def test_marker_collision_nucleus_1_is_background_and_its_cell_is_lost(frame_masks):
    area, nuclei, _ = frame_masks
    markers, labels = article_markers(area, nuclei)
    n_nuclei = int(labels.max())
    background = markers[~area & (labels == 0)]
    assert (background == 1).all()
    assert (markers[labels == 1] == 1).all()  # nucleus 1 carries the background's value
    assert (markers[labels == 2] == 2).all()  # the others keep their own label
    flooded = watershed(article_distance_image(area, nuclei), markers)
    cells = np.unique(flooded[flooded > 1])  # the article's segmented_cells = labels > 1
    assert len(cells) == n_nuclei - 1 and 1 not in cells
    assert (flooded[labels == 1] == 1).all()  # nucleus 1's pixels were flooded as background
    # With a background value no nucleus has, every nucleus keeps its cell.
    fixed = np.where(area, labels, n_nuclei + 1).astype(np.int32)
    flooded_fixed = watershed(article_distance_image(area, nuclei), fixed)
    found = np.unique(flooded_fixed[(flooded_fixed > 0) & (flooded_fixed <= n_nuclei)])
    assert len(found) == n_nuclei


def test_watershed_marks_the_image_border_minus_1_so_the_article_paints_it_outline(
    frame_masks,
):
    area, nuclei, result = frame_masks
    markers, _ = article_markers(area, nuclei)
    flooded = watershed(article_distance_image(area, nuclei), markers)
    border = np.ones(area.shape, bool)
    border[1:-1, 1:-1] = False
    assert (flooded[border] == -1).all()
    # The article's create_training_mask: cells 1, outlines (== -1) 2, then the nuclei.
    mask = np.zeros(area.shape, np.int64)
    mask[flooded > 1] = 1
    mask[flooded == -1] = 2
    mask[result.hoechst_mask] = 3
    mask[result.draq7_mask] = 4
    not_nucleus = border & ~nuclei
    assert (mask[not_nucleus] == 2).all()
    assert (~area[border]).mean() > 0.5  # most of the border is background in truth


def test_watershed_ranks_pixels_by_step_to_the_labelled_neighbour_not_by_value():
    # A strip rising steadily from marker 1 (left) to marker 2 (right). Flooding in
    # order of value would give marker 1 everything below marker 2's level; OpenCV
    # ranks a pixel by |its value - the labelled neighbour's|, all steps are 1, and the
    # two meet in the middle.
    width = 13
    image = np.repeat(np.arange(width, dtype=np.uint8)[None, :], 5, axis=0)
    markers = np.zeros(image.shape, np.int32)
    markers[1:4, 1], markers[1:4, width - 2] = 1, 2
    row = watershed(image, markers)[2]
    assert row.tolist() == [-1, 1, 1, 1, 1, 1, -1, 2, 2, 2, 2, 2, -1]
    # Steps that grow to the right (0, 1, 4, 9, ...): marker 1 takes almost all.
    image = np.repeat((np.arange(width) ** 2).astype(np.uint8)[None, :], 5, axis=0)
    assert watershed(image, markers)[2].tolist() == [-1] + [1] * 9 + [-1, 2, -1]


def test_distance_image_decides_almost_nothing_only_its_edge_step_matters(frame_masks):
    area, nuclei, _ = frame_masks
    markers, _ = article_markers(area, nuclei)
    with_distance = watershed(article_distance_image(area, nuclei), markers)
    cells = with_distance > 1
    # All-zero image: the cells share the area the same way, but nothing holds the
    # background marker back any more.
    zero = watershed(np.zeros(area.shape, np.uint8), markers)
    both = cells & (zero > 1)
    assert (zero[both] == with_distance[both]).mean() > 0.995
    assert (zero[cells] == 1).mean() > 0.1  # background floods a good part of the cells
    # The cell-area mask itself (0 outside, 1 inside) has the edge step and nothing else.
    step_only = watershed(area.astype(np.uint8), markers)
    assert (step_only[cells] == with_distance[cells]).mean() > 0.98
    assert (step_only[cells] == 1).mean() == 0


def test_floodfill_accepts_none_and_returns_the_fill_inside_a_set_frame():
    image = np.zeros((10, 10), np.uint8)
    image[4:7, 4:7] = 1  # a 3 x 3 object
    _, _, mask, _ = cv2.floodFill(image.copy(), None, (0, 0), 0)
    assert mask.shape == (12, 12)
    assert int((mask > 0).sum()) == 135  # 91 filled pixels + the 44 of the frame
    frame = np.ones((12, 12), bool)
    frame[1:-1, 1:-1] = False
    assert (mask[frame] > 0).all()
    # The article's mask[1:-1, 1:-1] == 0 is exactly what the flood did not reach.
    rng = np.random.default_rng(0)
    for _ in range(50):
        blobs = (rng.random((rng.integers(5, 40), rng.integers(5, 40))) < 0.4).astype(np.uint8)
        blobs[0, 0] = 0
        _, _, mask, _ = cv2.floodFill(blobs.copy(), None, (0, 0), 0)
        region, _ = ndimage.label(blobs == 0)  # 4-connected, like floodFill's default
        assert np.array_equal(mask[1:-1, 1:-1] == 0, region != region[0, 0])


def test_connected_components_numbers_by_pairs_of_rows_and_agrees_on_label_1(frame_masks):
    _, nuclei, _ = frame_masks
    count, labels = cv2.connectedComponents(nuclei.astype("uint8"), ltype=cv2.CV_16U)
    ours, n = ndimage.label(nuclei, np.ones((3, 3)))
    assert count - 1 == n
    same = labels.astype(int) == ours
    assert same[ours == 1].all()  # nucleus 1 is the same: the lost-cell claim holds
    top_row = ndimage.minimum(np.indices(nuclei.shape)[0], labels, np.arange(1, count))
    assert (np.diff(top_row // 2) >= 0).all()  # ordered by the pair of rows it starts in


def test_connected_components_numbering_differs_from_raster_order():
    # Two nuclei starting in rows 0 and 1 of one pair of rows: scipy numbers the one
    # whose first pixel comes first row by row; OpenCV scans two rows at a time.
    image = np.zeros((4, 8), np.uint8)
    image[1, 1] = 1  # starts in row 1, left
    image[0, 6] = 1  # starts in row 0, right
    _, labels = cv2.connectedComponents(image, ltype=cv2.CV_16U)
    ours, _ = ndimage.label(image, np.ones((3, 3)))
    assert ours[0, 6] == 1 and labels[1, 1] == 1


@pytest.mark.parametrize("radius", [1, 2, 3, 4])
def test_morph_ellipse_is_the_course_disk_for_radius_1_only(radius):
    ellipse = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    same = np.array_equal(ellipse.astype(bool), disk(radius))
    assert same == (radius == 1)
    expected = {1: (5, 5), 2: (17, 13), 3: (33, 29), 4: (57, 49)}[radius]
    assert (int(ellipse.sum()), int(disk(radius).sum())) == expected  # the docstring's counts

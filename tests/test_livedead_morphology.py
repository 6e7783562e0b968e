"""Sobel magnitude, morphology, nuclei and the live/dead call on hand-made arrays."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import morphology as skmorph

from cellseg_teach.livedead import call_dead, nucleus_mask, sobel_magnitude
from cellseg_teach.morphology import (
    close_mask,
    disk,
    fill_holes,
    open_mask,
    remove_small_objects,
)


def test_sobel_of_a_ramp_and_a_step():
    ramp = np.tile(np.arange(10, dtype=np.uint16) * 3, (6, 1))  # slope 3 per pixel
    assert np.allclose(sobel_magnitude(ramp)[1:-1, 1:-1], 8 * 3)
    step = np.zeros((5, 6), np.uint16)
    step[:, 3:] = 100
    g = sobel_magnitude(step)
    # columns 2 and 3 see the step through [-1, 0, 1], weighted 1 + 2 + 1 = 4
    assert np.allclose(g[:, 2:4], 400) and np.allclose(g[:, [0, 5]], 0)


def test_sobel_does_not_wrap_or_truncate():
    img = np.zeros((5, 5), np.uint16)
    img[:, 3:] = 65535
    g = sobel_magnitude(img)
    assert g.dtype == np.float32 and g.max() == pytest.approx(4 * 65535)
    diag = np.add.outer(np.arange(5), np.arange(5)).astype(np.uint16)  # slope 1 both ways
    assert sobel_magnitude(diag)[2, 2] == pytest.approx(8 * np.sqrt(2))  # not rounded to 11


def test_disk():
    assert disk(0).tolist() == [[True]]
    assert disk(2).sum() == 13


def test_close_bridges_a_gap_and_keeps_the_edges():
    m = np.zeros((11, 20), bool)
    m[3:8, 2:9] = m[3:8, 10:17] = True  # two boxes, one empty column between
    closed = close_mask(m, radius=1, iterations=1)
    # the gap is bridged except at its two ends (a cross cannot reach round a corner)
    assert closed[4:7, 9].all() and not closed[3, 9] and not closed[7, 9]
    added = closed & ~m
    assert (closed | ~m).all() and added.sum() == 3  # nothing added elsewhere
    edge = np.zeros((6, 6), bool)
    edge[:, :3] = True  # touches the image border: not eroded from there
    assert np.array_equal(close_mask(edge, radius=1, iterations=2), edge)


def test_open_fill_and_remove():
    m = np.zeros((9, 9), bool)
    m[2:7, 2:7] = True
    m[4, 4] = False  # a hole
    m[0, 8] = True  # a speck
    assert fill_holes(m)[4, 4] and not m[4, 4]  # input untouched
    assert not open_mask(m, radius=1)[0, 8]
    kept = remove_small_objects(m, min_size=5)
    assert not kept[0, 8] and kept[2:7, 2:7].sum() == 24


def test_remove_small_objects_matches_scikit_image():
    m = np.random.default_rng(0).random((200, 200)) > 0.6
    for conn in (1, 2):
        ours = remove_small_objects(m, min_size=6, connectivity=conn)
        try:
            ref = skmorph.remove_small_objects(m, max_size=5, connectivity=conn)
        except TypeError:  # scikit-image < 0.26
            ref = skmorph.remove_small_objects(m, min_size=6, connectivity=conn)
        assert np.array_equal(ours, ref)


def test_nucleus_mask_and_call_dead():
    img = np.full((30, 30), 100, np.uint16)
    img[5:12, 5:12] = 900  # a nucleus of 49 px
    img[20, 20] = 5000  # a hot pixel
    m = nucleus_mask(img, threshold=500)
    assert m[5:12, 5:12].sum() == 45 and m.sum() == 45  # corners cut by the opening
    lab = np.zeros((4, 6), int)
    lab[:, :3], lab[:, 3:] = 1, 2
    d = np.zeros((4, 6), bool)
    d[:2, :3] = True  # half of nucleus 1
    d[0, 3] = True  # one pixel of nucleus 2
    assert call_dead(lab, d).tolist() == [True, False]
    assert call_dead(lab, d, min_fraction=0.6).tolist() == [False, False]
    assert call_dead(np.zeros((3, 3), int), np.zeros((3, 3), bool)).shape == (0,)

"""Nucleus-seeded watershed, the article's marker bug, the five-class mask and its PNG files."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage
from skimage.segmentation import watershed

from cellseg_teach.livedead import (
    article_segregate_cells,
    class_mask,
    make_frame,
    read_class_mask,
    segment_frame,
    segregate_cells,
    write_class_mask,
)
from cellseg_teach.metrics import iou_matrix
from cellseg_teach.morphology import label_outlines


def two_cells_and_an_orphan():
    """Two touching 6x7 boxes with one nucleus each, and a box with no nucleus."""
    area = np.zeros((9, 24), bool)
    area[1:8, 1:13] = True  # cells 1 and 2 touch along the middle
    area[2:6, 17:22] = True  # no nucleus
    nuc = np.zeros_like(area)
    nuc[3:6, 2:5] = True  # nucleus 1 on the left
    nuc[3:6, 9:12] = True  # nucleus 2 on the right
    return area, nuc


def test_touching_cells_split_halfway_and_orphan_dropped():
    area, nuc = two_cells_and_an_orphan()
    seg = segregate_cells(area, nuc, np.zeros_like(nuc))
    assert seg.n_cells == 2
    lab = seg.cell_labels
    # nucleus edges at columns 4 and 9: columns 5-6 are nearer 1, 7-8 nearer 2 in row 4
    assert lab[4, 1:13].tolist() == [1] * 6 + [2] * 6
    assert (lab[~area] == 0).all() and (lab[2:6, 17:22] == 0).all()
    assert np.array_equal(lab > 0, area & (np.indices(area.shape)[1] < 13))
    assert seg.outlines[4, 6] and seg.outlines[4, 7] and not seg.outlines[4, 3]


def test_no_nuclei_gives_an_empty_result():
    area, _ = two_cells_and_an_orphan()
    seg = segregate_cells(area, np.zeros_like(area), np.zeros_like(area))
    assert seg.n_cells == 0 and not seg.cell_labels.any() and not seg.outlines.any()


def test_nucleus_outside_the_area_still_makes_a_cell():
    area = np.zeros((5, 5), bool)
    nuc = np.zeros((5, 5), bool)
    nuc[2, 2] = True
    seg = segregate_cells(area, np.zeros_like(nuc), nuc)
    assert seg.cell_labels[2, 2] == 1 and seg.cell_labels.sum() == 1


def test_article_bug_loses_cell_one_and_the_fix_keeps_it():
    area, nuc = two_cells_and_an_orphan()
    area[:, 13] = False  # separate the two cells, so each is unambiguous
    area[1:8, 14:16] = False
    cells, _, flooded = article_segregate_cells(area, nuc, np.zeros_like(nuc))
    # nucleus 1 carries the background's marker value 1: its cell floods as background
    assert (flooded[nuc & (np.indices(nuc.shape)[1] < 6)] == 1).all()
    assert not cells[1:8, 1:6].any()  # cell 1 lost
    assert cells[4, 10]  # cell 2 kept (label 2 > 1)
    fixed = segregate_cells(area, nuc, np.zeros_like(nuc)).cell_labels
    assert fixed[4, 3] == 1 and fixed[4, 10] == 2


def test_article_bug_on_a_real_frame_loses_exactly_one_cell():
    f = make_frame(shape=(256, 256), seed=12)
    res = segment_frame(f.brightfield, f.hoechst, f.draq7)
    cells, _, flooded = article_segregate_cells(res.cell_area, res.hoechst_mask, res.draq7_mask)
    kept = np.unique(flooded[cells])
    assert 1 not in kept and len(kept) == res.n_cells - 1
    assert not cells[res.nucleus_labels == 1].any()


def test_agrees_with_scikit_image_watershed():
    """Same markers and mask, scikit-image's watershed as the reference.

    Our flood is a breadth-first search from the nuclei (chessboard distance); on a flat
    image scikit-image does the same, and on the Euclidean distance from the nuclei it
    splits along slightly different lines. Ties are broken differently (ours: the
    smaller label; scikit-image's heap: by age), so
    the two may differ by a pixel or two along the line between two touching cells,
    and nowhere else: we require >= 99 % of the cell pixels alike (measured: 99.6 %
    flat, 99.3 % Euclidean), IoU >= 0.9 for every cell, and every disagreeing pixel
    within 2 px of a cell-cell boundary.
    """
    f = make_frame(shape=(512, 512), seed=3)
    res = segment_frame(f.brightfield, f.hoechst, f.draq7)
    seg = segregate_cells(res.cell_area, res.hoechst_mask, res.draq7_mask)
    area = res.cell_area | res.hoechst_mask | res.draq7_mask
    markers = seg.nucleus_labels
    ours = seg.cell_labels
    for surface in (np.zeros(area.shape), ndimage.distance_transform_edt(markers == 0)):
        ref = watershed(surface, markers, mask=area, connectivity=2)
        assert (ref[area] == ours[area]).mean() >= 0.99
        assert np.diag(iou_matrix(ref, ours)).min() >= 0.9
        # pixels of scikit-image's cells that have another cell in their 3x3 neighbourhood
        hi = ndimage.maximum_filter(ref, 3)
        lo = ndimage.minimum_filter(np.where(ref > 0, ref, ref.max() + 1), 3)
        cell_cell = (ref > 0) & (lo <= ref.max()) & ((hi != ref) | (lo != ref))
        near = ndimage.distance_transform_edt(~cell_cell) <= 2
        assert near[ref != ours].all()


def test_class_mask_layering():
    lab = np.zeros((7, 7), int)
    lab[1:6, 1:6] = 1
    h = np.zeros((7, 7), bool)
    d = np.zeros((7, 7), bool)
    h[2:5, 2:5] = True
    d[3, 3] = True  # in both masks: Draq7 (painted last) wins
    h[1, 3] = True  # a nucleus pixel on the outline: the nucleus wins
    cls = class_mask(lab, h, d)
    assert cls[3, 3] == 4 and cls[2, 2] == 3 and cls[1, 3] == 3
    assert cls[1, 1] == 2 and cls[0, 0] == 0
    assert (cls[1:6, 1:6] > 0).all()
    with pytest.raises(ValueError, match="draq7_nuclei"):
        class_mask(lab, h, d[:5])


def test_outlines_of_touching_cells_and_at_the_image_edge():
    lab = np.array([[1, 1, 1, 2, 2, 2]] * 3)
    out = label_outlines(lab)
    assert out[:, [2, 3]].all() and not out[:, [0, 1, 4, 5]].any()  # image edge: no outline
    assert label_outlines(lab, width=2)[:, 1:5].all()


def test_class_masks_written_as_png_read_back_identically(tmp_path):
    # A real five-class mask and random ones of odd shapes: imageio, which wrote them, and
    # Pillow, an independent decoder, both read back exactly the values written.
    frame = make_frame(shape=(96, 128), seed=3)
    rng = np.random.default_rng(0)
    masks = [frame.classes] + [rng.integers(0, 5, s).astype(np.uint8) for s in [(1, 1), (3, 17)]]
    for i, mask in enumerate(masks):
        path = tmp_path / f"m{i}.png"
        write_class_mask(path, mask)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # a PNG, whatever the suffix says
        back = read_class_mask(path)
        assert back.dtype == np.uint8 and np.array_equal(back, mask)
        with Image.open(path) as im:
            assert im.mode == "L"  # 8-bit greyscale
            assert np.array_equal(np.asarray(im), mask)
    assert set(np.unique(frame.classes)) == {0, 1, 2, 3, 4}  # every class went through


def test_class_mask_files_reject_what_is_not_a_mask(tmp_path):
    write_class_mask(tmp_path / "int64.png", np.array([[0, 4]], np.int64))  # cast to uint8
    assert read_class_mask(tmp_path / "int64.png").dtype == np.uint8
    with pytest.raises(ValueError, match=r"classes 0\.\.4"):
        write_class_mask(tmp_path / "y.png", np.array([[0, 5]]))
    with pytest.raises(TypeError, match="classes"):
        write_class_mask(tmp_path / "y.png", np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="2-D"):
        write_class_mask(tmp_path / "y.png", np.zeros(4, np.uint8))
    Image.fromarray(np.full((2, 2), 200, np.uint8)).save(tmp_path / "grey.png")
    with pytest.raises(ValueError, match=r"grey\.png"):
        read_class_mask(tmp_path / "grey.png")
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(tmp_path / "rgb.png")
    with pytest.raises(ValueError, match="2-D"):
        read_class_mask(tmp_path / "rgb.png")
    assert not (tmp_path / "y.png").exists()


@pytest.mark.parametrize("seed", range(20))
def test_every_seeded_piece_is_shared_among_its_own_nuclei(seed):
    # (This test found scipy's watershed_ift carrying labels across the background, when
    # the flood was a whole-frame watershed_ift.) Whatever the method, the split must
    # label every pixel of a piece of the cell area that holds a nucleus with one of that
    # piece's nuclei, and leave nucleus-free pieces and the background at 0.
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 40)), int(rng.integers(1, 60)))
    area = ndimage.binary_opening(rng.random(shape) < 0.7) if min(shape) > 2 else (
        rng.random(shape) < 0.8
    )
    nuclei = area & (rng.random(shape) < 0.02)
    seg = segregate_cells(area, nuclei, np.zeros_like(nuclei))
    grown = area | nuclei
    pieces, _ = ndimage.label(grown, np.ones((3, 3), bool))
    nucleus_piece = np.zeros(seg.n_cells + 1, dtype=int)
    nucleus_piece[seg.nucleus_labels[nuclei]] = pieces[nuclei]
    labelled = seg.cell_labels > 0
    seeded = np.isin(pieces, pieces[nuclei]) & grown
    assert np.array_equal(labelled, seeded)
    assert np.array_equal(nucleus_piece[seg.cell_labels[labelled]], pieces[labelled])

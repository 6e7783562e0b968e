"""The synthetic live/dead time-lapse: shapes, reproducibility, truth and camera model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from cellseg_teach.livedead import (
    CELL_OUTLINE,
    CHANNELS,
    DRAQ7_NUCLEUS,
    HOECHST_NUCLEUS,
    Camera,
    make_frame,
    make_timelapse,
)


@pytest.fixture(scope="module")
def tl():
    return make_timelapse(n_frames=4, shape=(256, 320), seed=11)


def test_shapes_dtypes_and_times(tl):
    assert sorted(tl.frames) == sorted(CHANNELS)
    for arr in tl.frames.values():
        assert arr.shape == (4, 256, 320) and arr.dtype == np.uint16
    assert np.allclose(tl.times, [0, 16, 32, 48])
    n = len(tl.truth.death_time)
    assert n == round(300 * 256 * 320 / 1024**2)  # default density
    assert tl.truth.dead.shape == (4, n) and tl.truth.classes.dtype == np.uint8
    # every cell has pixels and labels run 1..n
    assert np.array_equal(np.unique(tl.truth.cell_labels[0]), np.arange(n + 1))


def test_same_seed_same_data_other_seed_differs():
    a = make_timelapse(n_frames=2, shape=(64, 64), seed=5)
    b = make_timelapse(n_frames=2, shape=(64, 64), seed=5)
    c = make_timelapse(n_frames=2, shape=(64, 64), seed=6)
    for ch in CHANNELS:
        assert np.array_equal(a.frames[ch], b.frames[ch])
    assert not np.array_equal(a.frames["hoechst"], c.frames["hoechst"])


def test_dead_means_draq7_above_half_and_after_death_time(tl):
    truth = tl.truth
    assert np.array_equal(truth.dead, truth.draq7_level >= 0.5)
    assert np.array_equal(truth.dead, tl.times[:, None] >= truth.death_time[None, :])
    assert not truth.dead[0].any() or truth.death_time.min() <= 0
    # cells never come back to life, and some die during the run
    assert (np.diff(truth.dead.astype(int), axis=0) >= 0).all()
    assert 0 < truth.dead[-1].mean() < 1


def test_classes_follow_labels_and_state(tl):
    truth = tl.truth
    for t in (0, 3):
        cls, lab, nuc = truth.classes[t], truth.cell_labels[t], truth.nucleus_labels[t]
        assert np.array_equal(cls > 0, lab > 0)
        dead_of = np.r_[False, truth.dead[t]]
        assert np.array_equal(cls == DRAQ7_NUCLEUS, (nuc > 0) & dead_of[nuc])
        assert np.array_equal(cls == HOECHST_NUCLEUS, (nuc > 0) & ~dead_of[nuc])
        # nuclei sit inside their own cell
        assert np.array_equal(lab[nuc > 0], nuc[nuc > 0])
        # outline pixels touch another label (4-neighbourhood), interior pixels do not
        hi = ndimage.maximum_filter(lab, footprint=[[0, 1, 0], [1, 1, 1], [0, 1, 0]])
        assert (hi[cls == CELL_OUTLINE] != lab[cls == CELL_OUTLINE]).any()


def test_some_cells_touch():
    # Centres 20 px apart at least, diameters 20–28 px: some bodies must meet.
    lab = make_frame(shape=(1024, 1024), seed=2024).cell_labels
    a = np.r_[lab[:, :-1].ravel(), lab[:-1].ravel()]
    b = np.r_[lab[:, 1:].ravel(), lab[1:].ravel()]
    contact = (a > 0) & (b > 0) & (a != b)
    touching = np.unique(np.r_[a[contact], b[contact]])
    assert 0.05 < len(touching) / lab.max() < 0.5


def test_camera_mean_and_variance_match_poisson_plus_read_noise():
    # No cells, flat illumination: every pixel expects the same number of electrons.
    cam = Camera()
    f = make_frame(shape=(256, 256), n_cells=0, seed=2, illumination=0.0)
    for img, e in ((f.hoechst, cam.fluorescence_background), (f.brightfield, cam.brightfield)):
        adu = img.astype(float)
        mean = cam.dark_offset + cam.gain * e
        var = cam.gain**2 * (e + cam.read_noise**2) + 1 / 12  # + rounding to integers
        assert abs(adu.mean() - mean) < 5 * np.sqrt(var / adu.size) + 0.01
        assert abs(adu.var() / var - 1) < 0.03  # 65536 pixels: sd of the ratio ≈ 0.6 %


def test_uneven_illumination_and_saturation_clip():
    f = make_frame(shape=(256, 256), n_cells=0, seed=4, illumination=0.3)
    smooth = ndimage.uniform_filter(f.brightfield.astype(float), 31)[16:-16, 16:-16]
    assert 0.6 < smooth.min() / smooth.max() < 0.8  # field from 0.7 to 1
    hot = make_frame(shape=(64, 64), seed=1, camera=Camera(brightfield=2e5))
    assert hot.brightfield.max() == 65535  # clipped, not wrapped around


def test_brightfield_cells_are_edges_not_blobs():
    f = make_frame(shape=(512, 512), seed=8, illumination=0.0)
    inside = ndimage.binary_erosion(f.cell_labels > 0, iterations=3) & (f.nucleus_labels == 0)
    outside = ndimage.binary_dilation(f.cell_labels > 0, iterations=6) == 0
    ratio = f.brightfield[inside].mean() / f.brightfield[outside].mean()
    assert abs(ratio - 1) < 0.02  # cell interiors have the background's brightness


def test_frame_is_one_time_of_the_timelapse():
    tl = make_timelapse(n_frames=3, shape=(64, 64), seed=9, hours=48)
    f = make_frame(shape=(64, 64), seed=9, time=24.0, hours=48)
    assert np.array_equal(f.cell_labels, tl.truth.cell_labels[1])
    assert np.array_equal(f.dead, tl.truth.dead[1])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_frames": 0},
        {"shape": (8, 8)},
        {"shape": (64, 64, 3)},
        {"death_fraction": 0},
        {"hoechst_residual": 2},
        {"nucleus_radius": (9, 12)},
        {"illumination": 1.0},
        {"n_cells": 10_000, "shape": (64, 64)},
    ],
)
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        make_timelapse(**{"shape": (64, 64), **kwargs})

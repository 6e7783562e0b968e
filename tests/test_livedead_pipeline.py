"""The whole live/dead pipeline against the simulator's truth, and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from cellseg_teach.livedead import (
    CHANNELS,
    class_iou,
    count_error,
    live_dead_accuracy,
    make_frame,
    make_timelapse,
    run_timelapse,
    score_timelapse,
    segment_frame,
)


@pytest.fixture(scope="module")
def scored():
    tl = make_timelapse(n_frames=5, shape=(512, 512), seed=21)
    res = run_timelapse(**tl.frames)
    return tl, res, score_timelapse(tl, res)


def test_meets_the_issue_targets_on_a_small_timelapse(scored):
    """Issue 3's "done when": counts within 5 %, live/dead >= 95 %, mean class IoU >= 0.8.

    The IoU is pooled over the frames (each class's intersection and union summed over
    all frames, then averaged over the five classes).
    """
    tl, res, s = scored
    assert (np.abs(s["count_error"]) <= 0.05).all()
    assert (s["live_dead_accuracy"] >= 0.95).all()
    pooled = class_iou(tl.truth.classes, res.classes)
    assert np.nanmean(pooled) >= 0.8
    # no class is sacrificed for the mean: areas and nuclei well above, outlines (1 px
    # wide, so one pixel of shift halves them) above 0.45
    assert (pooled[[0, 1, 3, 4]] >= 0.85).all() and pooled[2] >= 0.45


def test_dead_cells_are_found_as_they_appear(scored):
    tl, res, _ = scored
    true_dead = tl.truth.dead.sum(axis=1)
    found_dead = np.array([d.sum() for d in res.dead])
    assert true_dead[-1] > true_dead[0]
    assert (np.abs(found_dead - true_dead) <= 0.05 * len(tl.truth.death_time) + 1).all()


def test_scores_on_hand_made_arrays():
    t = np.array([[0, 1, 1, 2], [0, 3, 3, 4]])
    f = np.array([[0, 1, 2, 2], [0, 3, 3, 3]])
    iou = class_iou(t, f)
    assert iou[:4].tolist() == [1.0, 0.5, 0.5, 2 / 3] and iou[4] == 0.0
    assert np.isnan(class_iou(np.zeros((2, 2), int), np.zeros((2, 2), int))[1])
    lab_t = np.array([[1, 1, 0, 2, 2, 0, 3, 3]])
    lab_f = np.array([[1, 1, 0, 2, 2, 0, 0, 0]])
    assert count_error(lab_t, lab_f) == pytest.approx(-1 / 3)
    # cell 3 is missed: counts as wrong even though nothing was called
    assert live_dead_accuracy(lab_t, [0, 1, 0], lab_f, [0, 1]) == pytest.approx(2 / 3)


def test_frame_without_cells_gives_an_empty_result():
    f = make_frame(shape=(128, 128), n_cells=0, seed=3)
    res = segment_frame(f.brightfield, f.hoechst, f.draq7)
    assert res.n_cells == 0 and res.dead.shape == (0,)
    assert not res.classes.any() and not res.cell_labels.any()


def test_saturated_frame_gives_a_defined_empty_result():
    full = np.full((96, 96), 65535, np.uint16)
    res = segment_frame(full, full, full)
    assert res.n_cells == 0 and not res.classes.any()
    assert all(np.isfinite(v) for v in res.thresholds.values())


def test_inputs_are_not_modified():
    f = make_frame(shape=(96, 96), seed=2)
    copies = [a.copy() for a in (f.brightfield, f.hoechst, f.draq7)]
    segment_frame(f.brightfield, f.hoechst, f.draq7)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(copies, (f.brightfield, f.hoechst, f.draq7), strict=True)
    )


def test_channels_of_different_shapes_name_the_argument():
    f = make_frame(shape=(96, 96), seed=2)
    with pytest.raises(ValueError, match="draq7"):
        segment_frame(f.brightfield, f.hoechst, f.draq7[:90])
    with pytest.raises(ValueError, match="hoechst"):
        segment_frame(f.brightfield, f.hoechst[:, :50], f.draq7)
    tl = make_timelapse(n_frames=2, shape=(64, 64), seed=1)
    with pytest.raises(ValueError, match="hoechst"):
        run_timelapse(tl.frames["brightfield"], tl.frames["hoechst"][:1], tl.frames["draq7"])
    with pytest.raises(ValueError, match="brightfield"):
        run_timelapse(tl.frames["brightfield"][0], tl.frames["hoechst"], tl.frames["draq7"])


def test_colour_and_other_bad_images_are_refused_clearly():
    f = make_frame(shape=(96, 96), seed=2)
    rgb = np.repeat(f.brightfield[:, :, None], 3, axis=2)
    with pytest.raises(ValueError, match="brightfield looks like a colour image"):
        segment_frame(rgb, f.hoechst, f.draq7)
    with pytest.raises(ValueError, match="hoechst must be 2-D"):
        segment_frame(f.brightfield, f.hoechst[0], f.draq7)
    bad = f.draq7.astype(float)
    bad[3, 3] = np.nan
    with pytest.raises(ValueError, match="draq7 contains NaN"):
        segment_frame(f.brightfield, f.hoechst, bad)
    with pytest.raises(TypeError, match="unknown parameters"):
        segment_frame(f.brightfield, f.hoechst, f.draq7, threshold=3)


def test_channel_order_matters():
    # Swapping the fluorescence channels swaps the live/dead calls.
    f = make_frame(shape=(256, 256), seed=4, time=30.0)
    a = segment_frame(f.brightfield, f.hoechst, f.draq7)
    b = segment_frame(f.brightfield, f.draq7, f.hoechst)
    assert a.dead.any() and not a.dead.all()
    assert a.dead.sum() != b.dead.sum()
    assert tuple(CHANNELS) == ("brightfield", "hoechst", "draq7")

"""One Draq7 threshold per time-lapse (issue 16, lessons item 1).

Chosen frame by frame, the Draq7 threshold of the frame at 0 h (no dead cell yet) falls
back to the tile floor, about 260 ADU, while every later frame gets about 600 ADU, and
cells barely starting to take up Draq7 are called dead at 0 h. ``run_timelapse`` now
applies one threshold, from all frames pooled, to every frame.
"""

from __future__ import annotations

import numpy as np
import pytest

from cellseg_teach.livedead import (
    make_timelapse,
    nucleus_threshold,
    run_timelapse,
    segment_frame,
    timelapse_threshold,
)


def _faint_and_bright():
    """Background 100/101 ADU; a faint square (300 ADU) in both frames, a bright one
    (900 ADU) only in the second: the faint square is below the stain's real cut."""
    first = 100 + np.indices((128, 128)).sum(0) % 2
    first[5:10, 5:10] = 300
    later = first.copy()
    later[60:90, 60:90] = 900
    return first, later


def test_pooled_threshold_does_not_fall_to_the_floor_on_an_empty_frame():
    first, later = _faint_and_bright()
    per_frame = nucleus_threshold(first)
    pooled = timelapse_threshold(np.stack([first, later]))
    # frame by frame, the empty frame gets the tile floor and the faint square is "stained"
    assert per_frame < 300 and (first > per_frame).sum() == 25
    # one threshold for both frames keeps it out, in both
    assert pooled >= 300 and (first > pooled).sum() == 0
    assert (later > pooled).sum() == 900
    # a list of frames is accepted and the input is not modified
    copy = first.copy()
    assert timelapse_threshold([first, later]) == pooled
    assert np.array_equal(first, copy)


def test_methods_and_bad_input_name_the_argument():
    first, later = _faint_and_bright()
    stack = np.stack([first, later])
    assert timelapse_threshold(stack, method="tiles") == max(
        nucleus_threshold(f, method="tiles") for f in stack
    )
    with pytest.raises(ValueError, match="frames"):
        timelapse_threshold(first)  # one frame, not a stack
    with pytest.raises(ValueError, match="method"):
        timelapse_threshold(stack, method="mean")
    with pytest.raises(ValueError, match="frames"):
        timelapse_threshold(np.full((2, 4, 4), np.nan))


@pytest.fixture(scope="module")
def small_timelapse():
    return make_timelapse(n_frames=5, shape=(512, 512), seed=21)


def test_frame_by_frame_calls_a_cell_dead_at_0_h_one_threshold_does_not(small_timelapse):
    tl = small_timelapse
    per_frame = [nucleus_threshold(f) for f in tl.frames["draq7"]]
    # the artefact: frame 0 gets less than half the threshold of every later frame
    assert per_frame[0] < 0.5 * min(per_frame[1:])
    old = run_timelapse(**tl.frames, draq7_threshold=None)
    new = run_timelapse(**tl.frames)
    assert old.draq7_threshold is None
    assert new.draq7_threshold == timelapse_threshold(tl.frames["draq7"])
    assert min(per_frame[1:]) - 30 < new.draq7_threshold < max(per_frame[1:]) + 30
    assert tl.truth.dead[0].sum() == 0
    assert old.dead[0].sum() >= 1  # a false dead call at 0 h, frame by frame
    assert new.dead[0].sum() == 0
    true_dead = tl.truth.dead.sum(axis=1)
    found = np.array([d.sum() for d in new.dead])
    assert np.abs(found - true_dead).max() <= 1


def test_a_fixed_threshold_is_applied_to_every_frame(small_timelapse):
    tl = small_timelapse
    res = run_timelapse(**tl.frames, draq7_threshold=60_000)  # above every pixel
    assert res.draq7_threshold == 60_000
    assert all(d.sum() == 0 for d in res.dead)
    one = segment_frame(*(tl.frames[c][2] for c in ("brightfield", "hoechst", "draq7")),
                        draq7_threshold=600)
    assert one.thresholds["draq7"] == 600
    with pytest.raises(ValueError, match="draq7_threshold"):
        run_timelapse(**tl.frames, draq7_threshold="per frame")
    with pytest.raises(TypeError, match="draq7_threshold"):
        segment_frame(*(tl.frames[c][2] for c in ("brightfield", "hoechst", "draq7")),
                      draq7_threshold="high")

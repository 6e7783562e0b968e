"""The same values give the same result whatever their dtype (uint16 or float64).

A learner who converts a camera image with ``image.astype(float)`` must get the same
nuclei and the same live/dead classes. The first test shows the trap is real: a plain
histogram threshold (scikit-image's Otsu) does depend on the dtype of the same values.
"""

from __future__ import annotations

import numpy as np
import pytest
from skimage.filters import threshold_otsu

from cellseg_teach.datasets import load_bbbc039
from cellseg_teach.livedead import make_frame, segment_frame
from cellseg_teach.nuclei import segment_nuclei, segment_nuclei_simple, segment_nuclei_skimage
from cellseg_teach.thresholds import otsu_threshold


@pytest.fixture(scope="module")
def crop() -> np.ndarray:
    return load_bbbc039()[0].image[:256, :256]


def test_a_plain_histogram_threshold_depends_on_the_dtype(crop):
    # the check below can fail: scikit-image bins integers one per value and floats in
    # 256 bins, so the same values get different thresholds
    assert threshold_otsu(crop) != threshold_otsu(crop.astype(np.float64))


def test_otsu_threshold_is_the_same_for_both_dtypes(crop):
    assert otsu_threshold(crop) == otsu_threshold(crop.astype(np.float64))
    # a float image that is not whole numbers keeps the 256-bin histogram
    assert otsu_threshold(crop + 0.5) != otsu_threshold(crop)


@pytest.mark.parametrize("segment", [segment_nuclei_skimage, segment_nuclei, segment_nuclei_simple])
def test_nuclei_are_the_same_for_both_dtypes(crop, segment):
    as_uint16 = segment(crop)
    as_float = segment(crop.astype(np.float64))
    assert as_uint16.max() > 5
    assert np.array_equal(as_uint16, as_float)


def test_segment_frame_is_the_same_for_both_dtypes():
    f = make_frame(shape=(256, 256), seed=3)
    channels = (f.brightfield, f.hoechst, f.draq7)
    a = segment_frame(*channels)
    b = segment_frame(*(c.astype(np.float64) for c in channels))
    assert a.thresholds == b.thresholds
    assert np.array_equal(a.classes, b.classes)
    assert np.array_equal(a.cell_labels, b.cell_labels)


def test_segment_frame_names_dead_fraction_in_its_error():
    f = make_frame(shape=(64, 64), seed=1)
    with pytest.raises(ValueError, match="dead_fraction must be > 0"):
        segment_frame(f.brightfield, f.hoechst, f.draq7, dead_fraction=0)

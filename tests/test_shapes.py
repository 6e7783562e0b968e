"""One shape parser (``_checks.as_shape``) behind every function that takes an image shape."""

from __future__ import annotations

import numpy as np
import pytest

from cellseg_teach._checks import as_shape
from cellseg_teach.image_model import render_cells, true_labels
from cellseg_teach.livedead import make_frame
from cellseg_teach.mosaic import make_mosaic, mosaic_centres


def test_a_side_or_a_pair():
    assert as_shape(5) == (5, 5)
    assert as_shape((3, 4)) == (3, 4)
    assert as_shape([3, np.int64(4)]) == (3, 4)


@pytest.mark.parametrize(
    "bad, error, words",
    [
        (2.5, TypeError, "shape must be a side or"),
        ("64", TypeError, "shape must be a side or"),
        (None, TypeError, "shape must be a side or"),
        ((3, 4, 5), ValueError, "shape must be a side or"),
        ((3, 0), ValueError, r"shape\[1\] must be >= 1"),
        ((3, 2.5), TypeError, r"shape\[1\] must be an integer"),
        (True, TypeError, "shape must be a side or"),
        ((2**21, 2**21), ValueError, "more than"),
    ],
)
def test_bad_shapes_name_the_argument(bad, error, words):
    with pytest.raises(error, match=words):
        as_shape(bad)


@pytest.mark.parametrize(
    "call",
    [
        lambda shape: render_cells([[1, 1]], shape),
        lambda shape: true_labels([[1, 1]], shape),  # used to give NumPy's own error
        lambda shape: make_mosaic(shape),
        lambda shape: mosaic_centres(shape),
        lambda shape: make_frame(shape=shape),
    ],
)
def test_every_shape_argument_uses_the_parser(call):
    with pytest.raises(TypeError, match="shape must be a side or"):
        call(2.5)
    with pytest.raises(ValueError, match=r"shape\[0\] must be >= "):
        call((0, 64))

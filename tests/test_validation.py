"""Bad input gets a clear error that names the argument; good odd input works."""

import numpy as np
import pytest

from cellseg_teach import cell_sizes, make_image, make_pure_noise, segment, smooth, theory

GOOD = np.zeros((8, 8))


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (np.zeros((4, 4, 3)), ValueError, "image must be 2-D"),
        (np.zeros(16), ValueError, "image must be 2-D"),
        (np.zeros((0, 5)), ValueError, "image is empty"),
        (np.array([[0.0, np.nan]]), ValueError, "image contains NaN"),
        (np.array([[0.0, np.inf]]), ValueError, "image contains NaN or infinite"),
        (np.array([["a", "b"]]), TypeError, "image must be a numeric"),
        (np.zeros((3, 3), dtype=complex), TypeError, "image must be a numeric"),
        ("not an image", TypeError, "image must be a 2-D numeric array"),
        (None, TypeError, "image must be a 2-D numeric array"),
    ],
)
@pytest.mark.parametrize("func", [smooth, segment])
def test_bad_images(func, bad, error, words):
    with pytest.raises(error, match=words):
        func(bad)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"sigma": -1.0}, ValueError, "sigma must be >= 0"),
        ({"sigma": float("nan")}, ValueError, "sigma must be finite"),
        ({"sigma": "2"}, TypeError, "sigma must be a real number"),
        ({"mode": "zeros"}, ValueError, "mode must be one of"),
    ],
)
def test_bad_smoothing_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        smooth(GOOD, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"threshold": "0.5"}, TypeError, "threshold must be a real number"),
        ({"threshold": None}, TypeError, "threshold must be a real number"),
        ({"threshold": True}, TypeError, "threshold must be a real number"),
        ({"threshold": float("nan")}, ValueError, "threshold must be finite"),
        ({"min_size": -1}, ValueError, "min_size must be >= 0"),
        ({"min_size": 2.5}, TypeError, "min_size must be an integer"),
    ],
)
def test_bad_segmentation_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        segment(GOOD, **kwargs)


def test_bad_label_images():
    with pytest.raises(TypeError, match="labeled must be an integer"):
        cell_sizes(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="labeled must be non-negative"):
        cell_sizes(np.array([[-1, 0]]))


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"cell_sigma": 0}, ValueError, "cell_sigma must be > 0"),
        ({"noise_scale": -0.1}, ValueError, "noise_scale must be >= 0"),
        ({"n_cells": 2.0}, TypeError, "n_cells must be an integer"),
        ({"image_size": 0}, ValueError, "image_size must be >= 1"),
        ({"seed": "abc"}, TypeError, "seed must be an integer"),
    ],
)
def test_bad_generator_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        make_image(**kwargs)


def test_bad_noise_arguments():
    with pytest.raises(ValueError, match="noise_scale must be >= 0"):
        make_pure_noise(noise_scale=-1)


def test_bad_theory_arguments():
    with pytest.raises(ValueError, match="smooth_sigma must be > 0"):
        theory.smoothed_noise_std(0.1, 0)
    with pytest.raises(ValueError, match="threshold must be > 0"):
        theory.expected_cell_area(threshold=-0.1)
    with pytest.raises(ValueError, match="distance must be finite"):
        theory.midpoint_intensity(-1)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.float32, bool])
def test_odd_but_valid_inputs(dtype):
    img = np.zeros((6, 6), dtype=dtype)
    img[1:3, 1:3] = 1
    if dtype is bool:
        with pytest.raises(TypeError, match="dtype bool"):
            smooth(img)
        return
    out = smooth(img, sigma=0.5)
    assert out.dtype == np.float64
    _, n = segment(img, threshold=0.5, min_size=1)
    assert n == 1


def test_one_pixel_image():
    assert segment(np.ones((1, 1)), threshold=0.5, min_size=1)[1] == 1

"""The pixel classifier of ``cellseg_teach.learn``: features, targets, forest, instances.

Expected values come from calculus (a Gaussian keeps a linear ramp as it is, so its
gradient is the ramp's slope; the Laplacian of a bright blob is most negative at its
centre), from label images drawn by hand, and from the expert masks of the shipped images.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from cellseg_teach.learn import (
    UNLABELLED,
    class_targets,
    feature_names,
    features,
    instances_from_probabilities,
    train_forest,
)
from cellseg_teach.metrics import detection_scores
from cellseg_teach.nuclei import normalise


def _blob(n: int = 61, width: float = 4.0) -> np.ndarray:
    yy, xx = np.mgrid[:n, :n]
    noise = np.random.default_rng(1).normal(0, 1, (n, n))
    return 100 + 80 * np.exp(-((xx - n // 2) ** 2 + (yy - n // 2) ** 2) / (2 * width**2)) + noise


def _plane(name: str, sigma: float = 2.0) -> int:
    return feature_names(sigmas=(sigma,)).index(f"{name} σ={sigma:g}")


def test_features_shape_dtype_and_names():
    f = features(_blob(), sigmas=(1, 3))
    assert f.shape == (61, 61, 13) and f.dtype == np.float32
    assert len(feature_names(sigmas=(1, 3))) == 13
    assert feature_names(sigmas=(1, 3))[0] == "intensity"
    assert len(feature_names()) == features(_blob(24)).shape[-1] == 31


def test_plane_zero_is_the_normalised_image():
    img = _blob()
    assert np.allclose(features(img, sigmas=(2,))[..., 0], normalise(img)[0], atol=1e-4)


def test_log_and_hessian_mark_the_centre_of_a_bright_blob():
    f = features(_blob(), sigmas=(3,))
    centre = (30, 30)
    assert np.unravel_index(np.argmin(f[..., _plane("log", 3)]), f.shape[:2]) == centre
    assert f[30, 30, _plane("hessian_max", 3)] < 0  # both curvatures negative on a peak
    assert f[30, 30, _plane("hessian_min", 3)] < f[30, 30, _plane("hessian_max", 3)]
    # the gradient vanishes at the top of the blob and is large on its flank
    grad = f[..., _plane("gradient", 3)]
    assert grad[30, 30] < 0.05 * grad.max()


def test_a_linear_ramp_has_its_slope_as_gradient_and_no_curvature():
    # A Gaussian keeps a linear function as it is, so away from the edges the gradient
    # magnitude is sigma x the slope in noise units, and every second derivative is 0.
    yy, xx = np.mgrid[:64, :80]
    img = 3.0 * xx + 4.0 * yy + np.where((xx + yy) % 2, 0.5, -0.5)  # MAD > 0
    noise = normalise(img)[2]
    sigma = 2.0
    f = features(img, sigmas=(sigma,))[16:-16, 16:-16]
    assert np.allclose(f[..., _plane("gradient")], sigma * 5.0 / noise, rtol=0.01)
    for name in ("log", "hessian_max", "hessian_min"):
        assert np.abs(f[..., _plane(name)]).max() < 0.01 * sigma * 5.0 / noise


def test_a_constant_image_is_refused():
    with pytest.raises(ValueError, match="constant"):
        features(np.full((20, 20), 7.0))


@pytest.mark.parametrize("sigmas", [(), (1, 1), (0,), "12", 3])
def test_bad_sigmas_are_refused_by_name(sigmas):
    with pytest.raises((TypeError, ValueError), match="sigmas"):
        features(_blob(20), sigmas=sigmas)


def test_class_targets_on_a_hand_drawn_label_image():
    lab = np.zeros((6, 9), int)
    lab[1:5, 1:4] = 1
    lab[1:5, 4:8] = 2  # touching nucleus 1 along a column
    expected = np.array([
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 2, 2, 2, 2, 2, 2, 2, 0],
        [0, 2, 1, 2, 2, 1, 1, 2, 0],
        [0, 2, 1, 2, 2, 1, 1, 2, 0],
        [0, 2, 2, 2, 2, 2, 2, 2, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
    ])  # fmt: skip
    out = class_targets(lab, boundary_width=1)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, expected)
    assert (class_targets(lab, boundary_width=2) != 1).all()  # too thin for an interior


def _disks(shape=(64, 96)) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    lab = np.zeros(shape, int)
    for k, cx in enumerate((20, 44, 75), start=1):  # the first two touch
        lab[((xx - cx) ** 2 + (yy - 32) ** 2 < 13**2) & (lab == 0)] = k
    img = 100 + 300.0 * (lab > 0) + np.random.default_rng(0).normal(0, 5, shape)
    return img, lab


def test_scribbles_train_the_forest_and_unlabelled_pixels_are_ignored():
    img, lab = _disks()
    full = class_targets(lab)
    scribbles = np.full(lab.shape, UNLABELLED, np.uint8)
    scribbles[5:8, 5:90] = 0  # a stroke in the background
    scribbles[30:33, 58:92] = full[30:33, 58:92]  # and one across the third nucleus
    n_scribbled = int((scribbles != UNLABELLED).sum())
    model = train_forest([img], [scribbles], sigmas=(1, 2), n_trees=5, pixels_per_image=10**5)
    assert model.n_pixels == n_scribbled  # every scribbled pixel, and nothing else
    assert list(model.forest.classes_) == [0, 1, 2]  # 255 is not a class
    dense = train_forest([img], [full], sigmas=(1, 2), n_trees=5, pixels_per_image=10**5)
    assert dense.n_pixels == img.size  # the same call reads every pixel of dense targets
    p = model.predict_proba(img)
    assert p.shape == (*img.shape, 3) and np.allclose(p.sum(axis=-1), 1)
    # trained on one nucleus and a strip of background, it finds the other nuclei
    assert p[32, 20, 0] < 0.5 and p[60, 5, 0] > 0.5


def test_targets_with_an_unknown_class_are_refused():
    img, lab = _disks()
    bad = class_targets(lab).astype(int)
    bad[0, 0] = 7
    with pytest.raises(ValueError, match=r"targets\[0\]"):
        train_forest([img], [bad], sigmas=(1,), n_trees=2)
    with pytest.raises(ValueError, match="no labelled pixel"):
        train_forest([img], [np.full(img.shape, UNLABELLED)], sigmas=(1,), n_trees=2)


def test_the_forest_is_reproducible_and_its_seed_matters():
    img, lab = _disks()
    t = class_targets(lab)
    kw = {"sigmas": (1, 2), "n_trees": 4, "pixels_per_image": 600}
    a = train_forest([img], [t], random_state=3, **kw).predict_proba(img)
    b = train_forest([img], [t], random_state=3, **kw).predict_proba(img)
    c = train_forest([img], [t], random_state=4, **kw).predict_proba(img)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)  # so the equality above could have failed
    m = train_forest([img], [t], random_state=3, **kw)
    assert m.feature_importances_.shape == (13,) and np.isclose(m.feature_importances_.sum(), 1)
    assert m.sigmas == (1.0, 2.0)


def _probabilities(lab: np.ndarray, boundary_width: int = 2) -> np.ndarray:
    """An ideal classifier's output: one-hot classes, slightly blurred."""
    from scipy import ndimage

    t = class_targets(lab, boundary_width=boundary_width)
    p = np.stack([(t == k).astype(float) for k in range(3)], axis=-1)
    p = ndimage.uniform_filter(p, size=(3, 3, 1))
    return p / p.sum(axis=-1, keepdims=True)


def test_instances_from_ideal_probabilities_are_the_nuclei():
    _, lab = _disks()
    found = instances_from_probabilities(_probabilities(lab), min_size=0)
    assert detection_scores(lab, found)["f1"] == 1.0
    # without the boundary class the two touching nuclei's seeds merge into one
    p = _probabilities(lab)
    merged = p.copy()
    merged[..., 1] += merged[..., 2]
    merged[..., 2] = 0
    assert int(instances_from_probabilities(merged, min_size=0).max()) == 2


def test_min_size_and_seed_threshold():
    _, lab = _disks()
    p = _probabilities(lab)
    assert int(instances_from_probabilities(p, min_size=10**4).max()) == 0
    with pytest.raises(ValueError, match="seed_threshold"):
        instances_from_probabilities(p, seed_threshold=1.0)
    with pytest.raises(ValueError, match="prob"):
        instances_from_probabilities(p[..., :2])


def test_forest_on_shipped_images_against_the_expert_masks():
    """Trained on 2 shipped images, scored on a third: the expert masks are the truth."""
    from cellseg_teach.datasets import load_bbbc039

    s = sorted(load_bbbc039(), key=lambda s: s.name)
    train = s[:2]
    model = train_forest([x.image for x in train], [class_targets(x.labels) for x in train],
                         sigmas=(1, 2, 4, 8), n_trees=10, pixels_per_image=3000)
    found = instances_from_probabilities(model.predict_proba(s[-1].image))
    assert detection_scores(s[-1].labels, found)["f1"] > 0.85

"""cellseg_teach.nuclei.segment_nuclei: synthetic nuclei whose answer is known, the
shipped real images against their expert labels, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from cellseg_teach.datasets import load_bbbc039
from cellseg_teach.metrics import average_precision, detection_scores
from cellseg_teach.nuclei import normalise, segment_nuclei


def _disks(centres, radius=12, shape=(96, 160), brightness=800.0, noise=10.0, seed=0):
    """uint16 camera-like image of flat disks on a background of 120 ADU, and the truth."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    truth = np.zeros(shape, dtype=np.int32)
    for k, (x, y) in enumerate(centres, start=1):
        truth[((xx - x) ** 2 + (yy - y) ** 2 < radius**2) & (truth == 0)] = k
    img = 120 + brightness * (truth > 0) + rng.normal(0, noise, shape)
    img = ndimage.gaussian_filter(img, 1.0)  # the optics blur the edges a little
    return np.clip(np.round(img), 0, 4095).astype(np.uint16), truth


def test_isolated_and_touching_disks_are_found_and_split():
    # two separate disks, and a pair touching (centres 22 px apart, radius 12)
    img, truth = _disks([(25, 30), (130, 60), (60, 60), (82, 60)])
    lab = segment_nuclei(img, diameter=24)
    s = detection_scores(truth, lab, iou_threshold=0.5)
    assert (s["tp"], s["fp"], s["fn"]) == (4, 0, 0)
    assert average_precision(truth, lab) > 0.8


def _bright_and_dim(dim: float, bright: float = 800.0, noise: float = 10.0):
    """A bright and a dim disk (radius 12) on a background of 120 ADU, blurred by 1 px."""
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[:96, :160]
    first = (xx - 30) ** 2 + (yy - 48) ** 2 < 12**2
    second = (xx - 110) ** 2 + (yy - 48) ** 2 < 12**2
    img = 120 + bright * first + dim * second + rng.normal(0, noise, (96, 160))
    img = ndimage.gaussian_filter(img, 1.0)
    return np.clip(np.round(img), 0, 4095).astype(np.uint16), first, second


@pytest.mark.parametrize("dim, found", [(500, 2), (150, 2), (80, 2), (50, 1)])
def test_dim_and_bright_nuclei_in_one_image(dim, found):
    """One global threshold for the image: a nucleus 1/10 as bright as its neighbour
    (80 ADU, 8 noise sd) is found, because the bright one counts at no more than twice
    the typical nucleus height when Otsu's level is set (without that cap a nucleus
    1/4 as bright was missed); one at 1/16 is missed, a limit the lesson states."""
    img, first, second = _bright_and_dim(dim)
    lab = segment_nuclei(img, diameter=24)
    assert lab.max() == found
    assert (lab[first] > 0).mean() > 0.9
    assert ((lab[second] > 0).mean() > 0.9) == (found == 2)


def test_no_nuclei_gives_an_empty_label_image():
    rng = np.random.default_rng(5)
    noise = rng.normal(300, 12, (120, 140)).round().astype(np.uint16)
    lab = segment_nuclei(noise)
    assert lab.shape == noise.shape and lab.dtype == np.int32 and lab.max() == 0


def test_output_is_consecutive_and_input_untouched():
    img, _ = _disks([(25, 30), (130, 60), (60, 60)])
    before = img.copy()
    lab = segment_nuclei(img, diameter=24)
    assert (img == before).all()
    assert np.unique(lab).tolist() == list(range(lab.max() + 1))


def test_size_filter_drops_specks_but_keeps_border_nuclei():
    img, _truth = _disks([(5, 48), (80, 48)])  # the first is cut by the left border
    img[10, 150] = 4000  # a one-pixel speck
    lab = segment_nuclei(img, diameter=24, smoothing=0)
    assert lab.max() == 2
    assert lab[48, 0] > 0  # the border nucleus is kept
    assert lab[10, 150] == 0


def test_normalise_measures_background_and_noise():
    rng = np.random.default_rng(2)
    img = rng.normal(200, 15, (300, 300))
    img[:60, :60] += 2000  # 4 % of the pixels are "nuclei": the median ignores them
    z, bg, noise = normalise(img)
    assert bg == pytest.approx(200, abs=1.5)
    assert noise == pytest.approx(15, rel=0.05)
    assert np.median(z) == pytest.approx(0, abs=1e-9)


def test_integer_median_and_mad_equal_numpy():
    rng = np.random.default_rng(4)
    img = rng.poisson(150, (51, 37)).astype(np.uint16)  # odd count: one middle value
    _z, bg, noise = normalise(img)
    assert bg == np.median(img)
    assert noise == pytest.approx(1.4826 * np.median(np.abs(img - np.median(img))))
    img = img[:, :36]  # even count: the median may fall between two values
    _, bg, noise = normalise(img)
    assert bg == np.median(img)
    assert noise == pytest.approx(1.4826 * np.median(np.abs(img - np.median(img))))


def test_shipped_real_images_score_well():
    """On three shipped images, with the defaults: the level the course reports."""
    samples = load_bbbc039()[:3]
    tp = n = 0
    for s in samples:
        lab = segment_nuclei(s.image)
        d = detection_scores(s.labels, lab, iou_threshold=0.5)
        tp += d["tp"]
        n += 2 * d["tp"] + d["fp"] + d["fn"]
        assert average_precision(s.labels, lab) > 0.6
    assert 2 * tp / n > 0.88


# -------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "image, kwargs, err, word",
    [
        (np.zeros((4, 4, 3)), {}, ValueError, "image must be 2-D"),
        (np.zeros((0, 5)), {}, ValueError, "image is empty"),
        (np.full((8, 8), np.nan), {}, ValueError, "NaN"),
        (np.full((8, 8), 7, np.uint16), {}, ValueError, "image is constant"),
        (np.arange(64.0).reshape(8, 8), {"diameter": -3}, ValueError, "diameter"),
        (np.arange(64.0).reshape(8, 8), {"diameter": 0}, ValueError, "diameter"),
        (np.arange(64.0).reshape(8, 8), {"smoothing": -1}, ValueError, "smoothing"),
        (np.arange(64.0).reshape(8, 8), {"threshold_scale": 0}, ValueError, "threshold_scale"),
        (np.arange(64.0).reshape(8, 8), {"min_distance": 0}, ValueError, "min_distance"),
        ("image.tif", {}, TypeError, "image"),
        (np.zeros((4, 4), bool), {}, TypeError, "image"),
    ],
)
def test_bad_input_names_the_argument(image, kwargs, err, word):
    with pytest.raises(err, match=word):
        segment_nuclei(image, **kwargs)


def test_a_crowded_field_is_still_segmented():
    """The densest 160x160 crop of a shipped image (about 40 % nuclei): the whole-image
    median and MAD would be biased so far up that no nucleus seems present; the
    background class (pixels below Otsu's level) is not."""
    from cellseg_teach.nuclei import background_and_noise

    s = load_bbbc039()[4]
    cover = ndimage.uniform_filter((s.labels > 0).astype(float), 160)[80:-80, 80:-80]
    r, c = np.unravel_index(np.argmax(cover), cover.shape)
    win = np.s_[r:r + 160, c:c + 160]
    image, truth = s.image[win], s.labels[win]
    assert (truth > 0).mean() > 0.35
    assert detection_scores(truth, segment_nuclei(image), iou_threshold=0.5)["f1"] > 0.85
    # the whole-crop estimate would put Otsu's level less than min_snr = 5 noise sd up
    _, bg, noise = normalise(image)
    from cellseg_teach.thresholds import otsu_threshold

    level = otsu_threshold(image)
    assert (level - bg) / noise < 5
    bg2, noise2 = background_and_noise(image, below=level)
    assert (level - bg2) / noise2 > 10


def test_background_and_noise_of_the_background_class():
    rng = np.random.default_rng(8)
    img = rng.normal(200, 10, (200, 200))
    img[:100] += 1000  # half the field is "nuclei"
    from cellseg_teach.nuclei import background_and_noise

    bg, noise = background_and_noise(img, below=700)
    assert bg == pytest.approx(200, abs=1) and noise == pytest.approx(10, rel=0.05)
    with pytest.raises(ValueError, match="below"):
        background_and_noise(img, below=0)


def test_lower_side_noise_ignores_dim_nuclei_under_the_threshold():
    """Dim nuclei just under Otsu's level widen the upper side of the background class's
    histogram: its MAD grows, its lower side does not."""
    from cellseg_teach.nuclei import background_and_noise

    rng = np.random.default_rng(9)
    img = rng.normal(200, 10, (200, 200))
    img[:40] += 40  # 20 % dim nuclei, 4 noise sd up, all below `below`
    both = background_and_noise(img, below=600)[1]
    bg, lower = background_and_noise(img, below=600, lower_side=True)
    assert both > 1.3 * 10  # the MAD is inflated by a third or more
    assert bg == background_and_noise(img, below=600)[0]  # the same median
    # the lower side is inflated only through the median's shift: by less than two
    # thirds of the MAD's excess (here 2.0 against 3.8 noise units)
    assert 10 < lower < 10 + 2 * (both - 10) / 3
    with pytest.raises(TypeError, match="lower_side"):
        background_and_noise(img, lower_side="yes")

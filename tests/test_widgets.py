"""The slider explorers: counts that follow the sliders, outputs that nbval can compare."""

import base64

import numpy as np
import pytest

import cellseg_teach.parameters as P
from cellseg_teach.datasets import load_bbbc039
from cellseg_teach.widgets import (
    nuclei_explorer,
    scale_to_unit,
    segmentation_explorer,
    smoothing_explorer,
)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _count(summary: str) -> int:
    return int(summary.split(" cells found")[0])


def test_default_segmentation_finds_the_cells_the_image_was_made_with():
    explorer = segmentation_explorer()
    assert _count(explorer.summary) == P.N_CELLS  # the generator placed N_CELLS cells
    assert explorer.summary == "8 cells found (threshold 0.50, minimum size 30 px)"


def test_moving_a_slider_changes_the_count_the_text_and_the_picture():
    explorer = segmentation_explorer()
    before_png, before_text = explorer.png, explorer.text.value
    explorer.threshold.value = 0.95  # above every smoothed peak (peaks are below 1)
    assert _count(explorer.summary) == 0
    assert explorer.text.value != before_text and "0 cells found" in explorer.text.value
    assert explorer.png != before_png
    explorer.threshold.value = 0.5
    explorer.min_size.value = 200  # larger than any cell (about 150 px at threshold 0.5)
    assert _count(explorer.summary) == 0


def test_the_cell_output_carries_a_picture_and_the_count_as_text():
    explorer = segmentation_explorer()
    data = explorer._repr_mimebundle_()
    assert data["text/plain"] == explorer.summary
    assert base64.b64decode(data["image/png"]).startswith(PNG_MAGIC)
    assert data[WIDGET_VIEW]["model_id"].startswith("cellseg-teach-segmentation-")


def test_widget_ids_are_numbered_not_random_and_never_repeat():
    first, second = segmentation_explorer(), segmentation_explorer()
    a = first._repr_mimebundle_()[WIDGET_VIEW]["model_id"]
    b = second._repr_mimebundle_()[WIDGET_VIEW]["model_id"]
    assert a != b
    assert int(b.rsplit("-", 1)[1]) == int(a.rsplit("-", 1)[1]) + 1


def test_smoothing_explorer_peak_drops_as_sigma_grows():
    explorer = smoothing_explorer()
    peaks = []
    for sigma in (1.0, 2.0, 4.0, 8.0):
        explorer.sliders[0].value = sigma
        peaks.append(float(explorer.summary.split("profile ")[1].split(" a.u.")[0]))
    # a cell of width 6 px smoothed with σ_s peaks at σ²/(σ² + σ_s²) of its height
    assert peaks == sorted(peaks, reverse=True), peaks
    assert explorer._repr_mimebundle_()["text/plain"].startswith("σ_s = 8.0 px")


def test_scale_to_unit_scales_camera_values_to_zero_one_without_touching_the_input():
    image = np.array([[100, 600], [1100, 4095]], dtype=np.uint16)
    copy = image.copy()
    out = scale_to_unit(image)
    assert out.dtype == np.float64 and out.min() == 0 and out.max() == 1
    np.testing.assert_allclose(out, (copy - 100) / 3995)
    np.testing.assert_array_equal(image, copy)
    assert not scale_to_unit(np.full((3, 3), 7)).any()


def test_real_image_count_is_near_the_expert_count():
    explorer = nuclei_explorer(0)
    expert = int(load_bbbc039()[0].labels.max())
    found = _count(explorer.summary)
    # a global threshold merges touching nuclei, so it finds fewer, but not far fewer
    assert 0.6 * expert <= found <= 1.1 * expert, (found, expert)


def test_a_camera_image_is_normalised_before_segmenting():
    raw = np.zeros((64, 64), dtype=np.uint16)
    raw[20:40, 20:40] = 4000  # one bright 20×20 square on a dark background
    assert _count(segmentation_explorer(raw, sigma=0).summary) == 1


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: segmentation_explorer(threshold=1.5), "threshold"),
        (lambda: segmentation_explorer(min_size=500), "min_size"),
        (lambda: segmentation_explorer(np.zeros((4, 4, 3))), "image"),
        (lambda: smoothing_explorer(sigma=0), "sigma"),
        (lambda: nuclei_explorer(99), "index"),
    ],
)
def test_bad_arguments_are_named(call, word):
    with pytest.raises(ValueError, match=word):
        call()

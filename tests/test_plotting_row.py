"""show_image_row draws every image on one shared colour scale and checks its input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cellseg_teach.plotting import show_image_row


def test_one_panel_per_image_on_one_shared_scale():
    images = [np.zeros((5, 6)), np.full((5, 6), 2.0), np.linspace(0, 3, 20).reshape(4, 5)]
    fig, axes = show_image_row(images, titles=["a", "b", "c"])
    assert len(axes) == 3
    assert [ax.get_title() for ax in axes] == ["a", "b", "c"]
    # default scale spans all images: 0 (first) to 3 (last), the same in every panel
    assert {ax.images[0].get_clim() for ax in axes} == {(0.0, 3.0)}
    # one colour bar for the row: one extra axes, not one per panel
    assert len(fig.axes) == 4
    plt.close(fig)


def test_given_limits_are_used_and_input_is_not_modified():
    img = np.array([[0.0, 1.0], [2.0, 3.0]])
    before = img.copy()
    fig, axes = show_image_row([img, img * 2], vmin=0.5, vmax=1.5, colorbar_label="weight")
    assert axes[0].images[0].get_clim() == (0.5, 1.5)
    assert fig.axes[-1].get_ylabel() == "weight"
    np.testing.assert_array_equal(img, before)
    plt.close(fig)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"images": []}, ValueError, "images is empty"),
        ({"images": [np.zeros((3, 3))], "titles": ["a", "b"]}, ValueError, "titles"),
        ({"images": [np.zeros((3, 3))], "panel_size": 0}, ValueError, "panel_size"),
        ({"images": np.zeros((3, 3))}, ValueError, "sequence of 2-D images"),
        ({"images": [np.zeros(3)]}, ValueError, r"images\[0\] must be 2-D"),
        ({"images": [np.zeros((2, 2)), "x"]}, TypeError, r"images\[1\]"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        show_image_row(**kwargs)
    plt.close("all")

"""show_label_grid: a small label image drawn pixel by pixel with its numbers."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from cellseg_teach.plotting import OKABE_ITO, show_label_grid


def _texts(ax):
    return sorted((round(t.get_position()[1]), round(t.get_position()[0]), t.get_text())
                  for t in ax.texts)


def test_each_foreground_pixel_shows_its_label_at_its_place():
    lab = np.array([[1, 0, 2], [0, 0, 2]])
    fig, ax = plt.subplots()
    show_label_grid(lab, ax=ax, title="tiny")
    # (row, column, text): pixel (0, 0) says 1, the two pixels of column 2 say 2
    assert _texts(ax) == [(0, 0, "1"), (0, 2, "2"), (1, 2, "2")]
    assert ax.get_title() == "tiny"
    plt.close(fig)


def test_background_is_white_and_components_take_okabe_ito_colours():
    lab = np.array([[0, 1], [2, 0]])
    fig, ax = plt.subplots()
    show_label_grid(lab, ax=ax)
    rgba = ax.images[0].to_rgba(ax.images[0].get_array())
    assert tuple(rgba[0, 0]) == to_rgba("white")
    assert tuple(rgba[0, 1]) == to_rgba(OKABE_ITO[0])
    assert tuple(rgba[1, 0]) == to_rgba(OKABE_ITO[1])
    plt.close(fig)


def test_a_boolean_mask_shows_its_foreground_as_ones_and_is_not_modified():
    mask = np.array([[True, False], [False, True]])
    before = mask.copy()
    fig, ax = plt.subplots()
    show_label_grid(mask, ax=ax)
    assert [t.get_text() for t in ax.texts] == ["1", "1"]
    assert np.array_equal(mask, before)
    plt.close(fig)


@pytest.mark.parametrize(
    ("labels", "error", "words"),
    [
        (np.zeros((3, 3, 3), int), ValueError, "2-D"),
        (np.full((2, 2), -1), ValueError, "non-negative"),
        (np.zeros((2, 2)), TypeError, "integer"),
        (np.zeros((30, 4), int), ValueError, "max_size"),
    ],
)
def test_bad_labels_are_rejected_with_a_clear_message(labels, error, words):
    with pytest.raises(error, match=words):
        show_label_grid(labels)
    plt.close("all")

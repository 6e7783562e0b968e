"""The shipped BBBC039 sample: checksums, counts from the manifest, labels from the masks."""

import csv

import numpy as np
import pytest
from scipy import ndimage

from cellseg_teach import datasets
from cellseg_teach.datasets import BBBC039_DIR, load_bbbc039, map_colours_to_instances


def test_checksums_match():
    result = datasets.verify_bbbc039()
    assert len(result) == 24
    assert all(result.values()), [k for k, ok in result.items() if not ok]


def test_a_corrupted_file_fails_the_checksum(tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "bbbc039"
    shutil.copytree(BBBC039_DIR, copy)
    tif = next((copy / "images").glob("*.tif"))
    data = bytearray(tif.read_bytes())
    data[-1] ^= 1
    tif.write_bytes(bytes(data))
    monkeypatch.setattr(datasets, "BBBC039_DIR", copy)
    result = datasets.verify_bbbc039()
    assert sum(not ok for ok in result.values()) == 1


def test_counts_agree_with_the_manifest():
    with open(BBBC039_DIR / "manifest.csv", newline="") as f:
        expected = {r["image"].split("/")[-1][:-4]: int(r["n_nuclei"]) for r in csv.DictReader(f)}
    samples = load_bbbc039()
    assert {s.name: int(s.labels.max()) for s in samples} == expected
    assert sum(expected.values()) == 1504
    for s in samples:
        assert s.image.dtype == np.uint16 and s.image.shape == (520, 696)
        assert s.image.max() <= 4095  # 12-bit camera values
        # labels are consecutive and every label is one 4-connected piece
        assert np.array_equal(np.unique(s.labels), np.arange(s.labels.max() + 1))
        pieces = ndimage.label(s.labels > 0)[1]
        assert pieces <= s.labels.max()  # touching nuclei may merge in the binary mask


def test_map_colouring_separates_touching_regions_of_different_colour():
    colours = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [0, 0, 0, 1], [3, 0, 0, 1]])
    labels = map_colours_to_instances(colours)
    assert labels.max() == 4
    assert labels[0, 0] != labels[0, 2]
    assert labels[0, 0] != labels[2, 3]  # same colour, not connected: two objects
    # diagonal contact is not 4-connected
    diag = map_colours_to_instances(np.array([[1, 0], [0, 1]]))
    assert diag.max() == 2


def test_bad_names_are_rejected():
    with pytest.raises(ValueError, match="unknown"):
        load_bbbc039(["nope"])
    with pytest.raises(TypeError, match="list"):
        load_bbbc039(datasets.bbbc039_names()[0])

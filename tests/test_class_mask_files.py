"""write_class_mask: never replaces a file unless asked, and writes PNG to .png names only."""

import numpy as np
import pytest

from cellseg_teach.livedead import read_class_mask, write_class_mask

MASK = np.array([[0, 1, 2], [3, 4, 0]], np.uint8)


def test_an_existing_file_is_not_replaced(tmp_path):
    path = tmp_path / "mask.png"
    path.write_bytes(b"the learner's earlier work")
    with pytest.raises(FileExistsError, match=r"mask\.png.*overwrite=True"):
        write_class_mask(path, MASK)
    assert path.read_bytes() == b"the learner's earlier work"  # untouched


def test_overwrite_true_replaces_it(tmp_path):
    path = tmp_path / "mask.png"
    write_class_mask(path, MASK)
    write_class_mask(path, 4 - MASK, overwrite=True)
    assert np.array_equal(read_class_mask(path), 4 - MASK)


@pytest.mark.parametrize("name", ["mask.jpg", "mask.JPEG", "mask.webp"])
def test_lossy_suffixes_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match=r"path .*lossy"):
        write_class_mask(tmp_path / name, MASK)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("name", ["mask.tif", "mask", "mask.png.bak"])
def test_other_suffixes_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match=r"path .*\.png"):
        write_class_mask(tmp_path / name, MASK)
    assert list(tmp_path.iterdir()) == []


def test_png_suffix_in_capitals_and_str_paths_work(tmp_path):
    path = str(tmp_path / "MASK.PNG")
    write_class_mask(path, MASK)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(read_class_mask(path), MASK)


def test_bad_path_and_overwrite_types_are_named(tmp_path):
    with pytest.raises(TypeError, match="path"):
        write_class_mask(None, MASK)
    with pytest.raises(TypeError, match="path"):
        write_class_mask(b"mask.png", MASK)
    with pytest.raises(TypeError, match="overwrite"):
        write_class_mask(tmp_path / "m.png", MASK, overwrite="yes")


def test_a_bad_mask_leaves_no_file(tmp_path):
    path = tmp_path / "m.png"
    with pytest.raises(ValueError, match="classes"):
        write_class_mask(path, np.array([[0, 7]]))
    assert not path.exists()

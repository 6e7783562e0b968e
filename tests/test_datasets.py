"""The shipped BBBC039 sample: checksums, counts from the manifest, labels from the masks.

The corruption tests work on a temporary copy of the data folder: each one damages the
copy in one way and checks that both :func:`verify_bbbc039` and the loader refuse it,
with a message that names the damaged file.
"""

import csv
import hashlib
import shutil
import time

import numpy as np
import pytest
from scipy import ndimage

from cellseg_teach import datasets
from cellseg_teach.datasets import (
    BBBC039_DIR,
    DataIntegrityError,
    bbbc039_names,
    load_bbbc039,
    map_colours_to_instances,
)

N_IMAGES = 12


def test_checksums_match():
    report = datasets.verify_bbbc039()
    assert report.ok, str(report)
    # 12 images, 12 masks, the manifest, and the list itself
    assert len(report.status) == 2 * N_IMAGES + 2
    assert {"manifest.csv", "SHA256SUMS"} <= set(report.status)
    assert "all 26 files match" in str(report)


def test_the_list_is_pinned_and_lists_every_file():
    raw = (BBBC039_DIR / "SHA256SUMS").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == datasets.SHA256SUMS_DIGEST
    listed = {line.split(maxsplit=1)[1] for line in raw.decode().splitlines()}
    on_disk = {
        p.relative_to(BBBC039_DIR).as_posix()
        for p in BBBC039_DIR.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert on_disk - listed == {"SHA256SUMS", "README.md"}
    assert listed - on_disk == set()
    assert "manifest.csv" in listed


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """A copy of the data folder that the loader reads instead of the shipped one."""
    folder = tmp_path / "bbbc039"
    shutil.copytree(BBBC039_DIR, folder)
    monkeypatch.setattr(datasets, "BBBC039_DIR", folder)
    return folder


def _first(copy, kind):
    pattern = {"images": "*.tif", "masks": "*.png"}[kind]
    return sorted((copy / kind).glob(pattern))[0]


def _refused(names_in_message):
    """Both the report and the loader refuse the copy, naming every given file."""
    report = datasets.verify_bbbc039()
    assert not report.ok
    assert set(names_in_message) <= set(report.problems), str(report)
    with pytest.raises(DataIntegrityError) as err:
        load_bbbc039()
    message = str(err.value)
    for name in names_in_message:
        assert name in message
    with pytest.raises(DataIntegrityError):
        bbbc039_names()
    return message


def test_an_intact_copy_loads(copy):
    assert datasets.verify_bbbc039().ok
    assert len(load_bbbc039()) == N_IMAGES


def test_a_flipped_byte_in_an_image_is_refused(copy):
    tif = _first(copy, "images")
    data = bytearray(tif.read_bytes())
    data[len(data) // 2] ^= 1  # one bit of one pixel
    tif.write_bytes(bytes(data))
    rel = f"images/{tif.name}"
    message = _refused([rel])
    assert "does not match its checksum" in message
    assert "git checkout --" in message  # says how to restore it
    assert list(datasets.verify_bbbc039().problems) == [rel]  # and nothing else


def test_swapped_image_and_mask_are_refused(copy):
    a, b = sorted((copy / "masks").glob("*.png"))[:2]
    a_bytes, b_bytes = a.read_bytes(), b.read_bytes()
    a.write_bytes(b_bytes)
    b.write_bytes(a_bytes)
    _refused([f"masks/{a.name}", f"masks/{b.name}"])


def test_an_image_swapped_with_its_mask_is_refused(copy):
    tif, png = _first(copy, "images"), _first(copy, "masks")
    t, p = tif.read_bytes(), png.read_bytes()
    tif.write_bytes(p)
    png.write_bytes(t)
    _refused([f"images/{tif.name}", f"masks/{png.name}"])


def test_a_truncated_tiff_is_refused(copy):
    tif = _first(copy, "images")
    tif.write_bytes(tif.read_bytes()[:1000])
    _refused([f"images/{tif.name}"])


def test_a_truncated_tiff_is_never_read_as_an_empty_array(copy):
    """Even past the checksum (say, list and digest regenerated), reading refuses it."""
    tif = _first(copy, "images")
    tif.write_bytes(tif.read_bytes()[:1000])
    with pytest.raises(DataIntegrityError, match=f"images/{tif.name}.*truncated or damaged"):
        datasets._read_image(copy, f"images/{tif.name}")
    tif.write_bytes(b"not a tiff at all")
    with pytest.raises(DataIntegrityError, match=f"images/{tif.name}: cannot be read"):
        datasets._read_image(copy, f"images/{tif.name}")


def test_a_mask_of_another_image_is_caught_by_its_count(copy):
    """Past the checksum too: a mask's nucleus count must agree with the manifest."""
    # regenerate list and digest after the swap, as a careless update would
    a, b = sorted((copy / "masks").glob("*.png"))[:2]
    a_bytes = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(a_bytes)
    lines = []
    for line in (copy / "SHA256SUMS").read_text().splitlines():
        rel = line.split(maxsplit=1)[1]
        lines.append(f"{hashlib.sha256((copy / rel).read_bytes()).hexdigest()}  {rel}")
    text = "\n".join(lines) + "\n"
    (copy / "SHA256SUMS").write_text(text)
    pinned = hashlib.sha256(text.encode()).hexdigest()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(datasets, "SHA256SUMS_DIGEST", pinned)
        assert datasets.verify_bbbc039().ok
        with pytest.raises(DataIntegrityError, match=f"masks/{a.name}: gives 88 nuclei"):
            load_bbbc039()


def test_a_truncated_manifest_is_refused(copy):
    manifest = copy / "manifest.csv"
    lines = manifest.read_bytes().splitlines(keepends=True)
    manifest.write_bytes(b"".join(lines[:2]))  # header and one image
    _refused(["manifest.csv"])
    # a manifest that fails its checksum is not trusted for anything else
    assert list(datasets.verify_bbbc039().problems) == ["manifest.csv"]


def test_a_manifest_that_disagrees_with_the_list_is_refused(copy):
    """Past the checksum: list, digest and manifest updated apart are caught."""
    manifest = copy / "manifest.csv"
    lines = manifest.read_bytes().splitlines(keepends=True)
    manifest.write_bytes(b"".join(lines[:-1]))  # drop the last image
    sums = copy / "SHA256SUMS"
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    text = "".join(
        f"{digest}  manifest.csv\n" if line.endswith("  manifest.csv") else line + "\n"
        for line in sums.read_text().splitlines()
    )
    sums.write_text(text)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(datasets, "SHA256SUMS_DIGEST", hashlib.sha256(text.encode()).hexdigest())
        last = sorted((copy / "images").glob("*.tif"))[-1].name
        message = _refused([f"images/{last}"])
        assert "not named in manifest.csv" in message


def test_a_file_missing_from_the_list_is_refused(copy):
    sums = copy / "SHA256SUMS"
    png = _first(copy, "masks")
    kept = [line for line in sums.read_text().splitlines() if png.name not in line]
    sums.write_text("\n".join(kept) + "\n")
    message = _refused(["SHA256SUMS", f"masks/{png.name}"])
    assert "not listed in SHA256SUMS" in message
    assert "pinned" in message


def test_an_extra_unlisted_file_is_refused(copy):
    extra = copy / "images" / "notes.tif"
    extra.write_bytes(b"anything")
    message = _refused(["images/notes.tif"])
    assert "not listed in SHA256SUMS" in message
    assert list(datasets.verify_bbbc039().problems) == ["images/notes.tif"]


def test_a_missing_file_is_refused(copy):
    tif = _first(copy, "images")
    tif.unlink()
    message = _refused([f"images/{tif.name}"])
    assert "missing" in message


def test_a_missing_list_is_refused(copy):
    (copy / "SHA256SUMS").unlink()
    _refused(["SHA256SUMS"])


def test_hidden_files_and_the_readme_need_no_checksum(copy):
    (copy / ".DS_Store").write_bytes(b"finder")
    (copy / "README.md").write_text("edited notes\n")
    assert datasets.verify_bbbc039().ok


def test_the_check_is_cached_but_sees_a_later_change(copy):
    """Once per process: a second load does not re-hash, a changed file is re-checked."""
    load_bbbc039(bbbc039_names()[:1])
    calls = []
    real = datasets._sha256

    def counting(path):
        calls.append(path)
        return real(path)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(datasets, "_sha256", counting)
        load_bbbc039(bbbc039_names()[:1])
        assert calls == []  # cached
        tif = _first(copy, "images")
        data = bytearray(tif.read_bytes())
        data[-1] ^= 1
        tif.write_bytes(bytes(data))
        with pytest.raises(DataIntegrityError, match=f"images/{tif.name}"):
            load_bbbc039(bbbc039_names()[:1])
        assert calls  # re-hashed after the change


def test_the_check_is_cheap():
    """The full check hashes about 9 MB; it must stay far below the load itself."""
    start = time.perf_counter()
    report = datasets.verify_bbbc039()
    elapsed = time.perf_counter() - start
    assert report.ok
    assert elapsed < 1.0, f"verification took {elapsed:.2f} s"


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
        load_bbbc039(bbbc039_names()[0])
    with pytest.raises(TypeError, match="names"):
        load_bbbc039([3])
    with pytest.raises(TypeError, match="names"):
        load_bbbc039(3)

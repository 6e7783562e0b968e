"""Images and labels on disk as OME-Zarr: cellseg_teach.omezarr, segment_large(out=),
cell_table(out=).

The independent reader is the ``ome-zarr`` package (``ome_zarr.reader.Reader``), which
parses the NGFF metadata itself; a 5-D image is written by its writer
(``ome_zarr.writer.write_image``), not by ours. The reference labels are the course's
in-memory ``segment(smooth(x))``; the reference measurements come from ``scipy.ndimage``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import ndimage

from cellseg_teach import segment, smooth
from cellseg_teach.mosaic import make_mosaic
from cellseg_teach.omezarr import open_image, write_labels, write_ome_zarr
from cellseg_teach.scale import cell_table, segment_large

ome_reader = pytest.importorskip("ome_zarr.reader")
from ome_zarr.io import parse_url  # noqa: E402

SHAPE = (600, 700)
PIXEL = 0.65  # micrometres


@pytest.fixture(scope="module")
def mosaic() -> np.ndarray:
    return make_mosaic(SHAPE, chunks=2048).compute()


@pytest.fixture(scope="module")
def reference(mosaic) -> tuple[np.ndarray, int]:
    return segment(smooth(mosaic))


def _store(tmp_path, chunks: int, name: str = "screen.zarr"):
    path = tmp_path / name
    write_ome_zarr(make_mosaic(SHAPE, chunks=chunks), path, chunks=chunks, pixel_size=PIXEL)
    return path


def _nodes(path) -> dict:
    """{path relative to the store: node} as the ome-zarr package reads them."""
    nodes = ome_reader.Reader(parse_url(path))()
    return {str(n.zarr.path).replace(str(path), "").strip("/"): n for n in nodes}


# ------------------------------------------------------------------ writing and reading


def test_written_image_is_read_back_by_the_ome_zarr_package(tmp_path, mosaic):
    path = _store(tmp_path, 256)
    node = _nodes(path)[""]
    axes = node.metadata["axes"]
    assert [a["name"] for a in axes] == ["y", "x"]
    assert {a["unit"] for a in axes} == {"micrometer"}
    scales = [t[0]["scale"] for t in node.metadata["coordinateTransformations"]]
    assert scales == [[PIXEL, PIXEL], [2 * PIXEL, 2 * PIXEL], [4 * PIXEL, 4 * PIXEL]]
    levels = [np.asarray(d) for d in node.data]
    assert np.array_equal(levels[0], mosaic)
    # level 1: the mean of every 2 x 2 block, computed here with numpy alone
    means = mosaic.reshape(300, 2, 350, 2).mean(axis=(1, 3))
    assert np.allclose(levels[1], means, rtol=0, atol=1e-12)
    assert levels[2].shape == (150, 175)
    assert json.loads((path / "zarr.json").read_text())["attributes"]["ome"]["version"] == "0.5"


def test_open_image_picks_one_plane_of_a_5d_image_written_by_ome_zarr(tmp_path):
    from ome_zarr.writer import write_image

    data = np.arange(2 * 3 * 2 * 32 * 48, dtype=np.uint16).reshape(2, 3, 2, 32, 48)
    path = tmp_path / "tczyx.zarr"
    write_image(data, str(path), axes="tczyx", scale_factors=(2,))
    plane = open_image(path, channel=1, z=1, t=0)
    assert plane.shape == (32, 48) and plane.dtype == np.uint16
    assert np.array_equal(plane.compute(), data[0, 1, 1])
    assert open_image(path, channel=2, z=0, t=1, level=1).shape == (16, 24)
    with pytest.raises(ValueError, match=r"3 along its 'c' axis: choose one with channel=0\.\.2"):
        open_image(path, z=0, t=0)
    with pytest.raises(ValueError, match=r"channel must be 0\.\.2"):
        open_image(path, channel=3, z=0, t=0)
    with pytest.raises(ValueError, match=r"level must be 0\.\.1"):
        open_image(path, channel=0, z=0, t=0, level=2)


def test_open_image_passes_arrays_through_and_refuses_plane_choices_for_them(mosaic):
    arr = open_image(mosaic)
    assert arr.shape == SHAPE and np.array_equal(arr.compute(), mosaic)
    with pytest.raises(ValueError, match="channel"):
        open_image(mosaic, channel=0)
    with pytest.raises(ValueError, match="3-D"):
        open_image(make_mosaic(SHAPE)[None])


def test_a_path_that_is_not_ome_zarr_gets_a_clear_error(tmp_path):
    import zarr

    with pytest.raises(ValueError, match="does not exist"):
        open_image(tmp_path / "missing.zarr")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ValueError, match="not an OME-Zarr image: not a Zarr group"):
        open_image(tmp_path / "plain")
    zarr.open_group(tmp_path / "bare.zarr", mode="w").create_array("0", shape=(4, 4), dtype="f8")
    with pytest.raises(ValueError, match="no 'multiscales'"):
        open_image(tmp_path / "bare.zarr")
    with pytest.raises(ValueError, match="not an OME-Zarr image"):
        segment_large(tmp_path / "plain")


def test_an_existing_image_is_never_overwritten_unless_asked(tmp_path, mosaic):
    path = _store(tmp_path, 256)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_ome_zarr(np.zeros(SHAPE), path)
    assert np.array_equal(open_image(path).compute(), mosaic)  # untouched
    write_ome_zarr(np.zeros((10, 12)), path, overwrite=True, n_levels=1)
    assert open_image(path).shape == (10, 12)
    with pytest.raises(ValueError, match=r"path must end in '\.zarr'"):
        write_ome_zarr(mosaic, tmp_path / "screen")


# ----------------------------------------------------------------------- labels on disk


# 100 and 256: every level written by the task that labels the chunk; 150: level 1 too,
# level 2 (150 / 4 is not a whole number) made afterwards from level 1 read back.
@pytest.mark.parametrize("chunks", [100, 150, 256])
def test_labels_on_disk_equal_the_in_memory_labels(tmp_path, reference, chunks):
    path = _store(tmp_path, chunks)
    labels, n = segment_large(path, out=path)
    assert n == reference[1]
    assert labels.chunksize == (chunks, chunks)
    assert np.array_equal(labels.compute(), reference[0])
    # the ome-zarr package finds a label image that points back to its image
    nodes = _nodes(path)
    label_node = nodes["labels/cells"]
    assert any(isinstance(spec, ome_reader.Label) for spec in label_node.specs)
    meta = json.loads((path / "labels" / "cells" / "zarr.json").read_text())["attributes"]
    assert meta["ome"]["image-label"]["source"]["image"] == "../../"
    levels = [np.asarray(d) for d in label_node.data]
    assert np.array_equal(levels[0], reference[0])
    assert [lv.shape for lv in levels] == [d.shape for d in nodes[""].data]
    for k in (1, 2):  # labels stay labels: every 2**k-th pixel of level 0
        rows, cols = levels[k].shape
        assert np.array_equal(levels[k], reference[0][:: 2**k, :: 2**k][:rows, :cols])
    assert levels[0].dtype == np.int32
    scales = [t[0]["scale"] for t in label_node.metadata["coordinateTransformations"]]
    assert scales[0] == [PIXEL, PIXEL]
    labels_group = json.loads((path / "labels" / "zarr.json").read_text())
    assert labels_group["attributes"]["ome"]["labels"] == ["cells"]


def test_existing_labels_are_never_overwritten_unless_asked(tmp_path, reference):
    path = _store(tmp_path, 256)
    segment_large(path, out=path)
    with pytest.raises(FileExistsError, match="labels/cells' exists; pass overwrite=True"):
        segment_large(path, out=path, threshold=0.8)
    assert np.array_equal(open_image(path / "labels" / "cells").compute(), reference[0])
    _, n_high = segment_large(path, out=path, threshold=0.8, overwrite=True)
    on_disk = open_image(path / "labels" / "cells").compute()
    assert n_high < reference[1] and on_disk.max() == n_high


def test_labels_need_an_existing_2d_image_of_the_same_shape(tmp_path, mosaic):
    with pytest.raises(ValueError, match="out must be an existing OME-Zarr image"):
        segment_large(mosaic, out=tmp_path / "new.zarr")
    small = tmp_path / "small.zarr"
    write_ome_zarr(np.zeros((50, 60)), small)
    with pytest.raises(ValueError, match=r"out: the image .* is \(50, 60\)"):
        segment_large(mosaic, out=small)
    with pytest.raises(TypeError, match="labels must be a 2-D integer"):
        write_labels(np.zeros((50, 60), int), small)


def test_the_same_labels_on_one_and_two_worker_processes(tmp_path, reference):
    from dask.distributed import Client

    from cellseg_teach.cluster import local_cluster

    # 12 chunks of 200 px (chunks of 100 px are checked with threads above: on processes
    # each of their ~600 tiny tasks costs scheduling time, not more checking)
    path = _store(tmp_path, 200)
    found = []
    with (
        local_cluster(n_workers=1, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        for n_workers in (1, 2):
            cluster.scale(n_workers)
            client.wait_for_workers(n_workers)
            assert len(client.scheduler_info()["workers"]) == n_workers
            labels, n = segment_large(path, out=path, overwrite=n_workers > 1)
            found.append((n, labels))
    # The labels are read from disk: they outlive the cluster and its futures.
    for n, labels in found:
        assert n == reference[1]
        assert np.array_equal(labels.compute(), reference[0])


# ------------------------------------------------------------------------- the cell table


def test_cell_table_csv_matches_scipy(tmp_path, mosaic, reference):
    path = _store(tmp_path, 256)
    segment_large(path, out=path)
    csv = tmp_path / "cells.csv"
    cell_table(path / "labels" / "cells", path, out=csv)
    lab, n = reference
    ids = np.arange(1, n + 1)
    header = csv.read_text().splitlines()[0]
    assert header == "label,area,mean_intensity,x,y"
    rows = np.loadtxt(csv, delimiter=",", skiprows=1)
    assert rows.shape == (n, 5)
    assert np.array_equal(rows[:, 0], ids)
    assert np.array_equal(rows[:, 1], ndimage.sum_labels(np.ones_like(lab), lab, ids))
    assert np.allclose(rows[:, 2], ndimage.mean(mosaic, lab, ids), rtol=1e-5)
    yx = np.array(ndimage.center_of_mass(np.ones_like(lab), lab, ids))
    assert np.allclose(rows[:, 3], yx[:, 1], atol=1e-3)
    assert np.allclose(rows[:, 4], yx[:, 0], atol=1e-3)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        cell_table(path / "labels" / "cells", path, out=csv)
    cell_table(path / "labels" / "cells", path, out=csv, overwrite=True)
    with pytest.raises(ValueError, match=r"out must end in '\.csv'"):
        cell_table(path / "labels" / "cells", path, out=tmp_path / "cells.parquet")

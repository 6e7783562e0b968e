"""cellseg_teach.scale: the lazy mosaic and segmentation across chunks.

The reference for every segmentation is the course's in-memory ``segment(smooth(x))``
(itself tested against scikit-image); the mosaic is checked against ``render_cells`` and
the noise formulas, and the measurements against ``scipy.ndimage``.
"""

from __future__ import annotations

import math

import dask
import dask.array as da
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage
from scipy.spatial import cKDTree

from cellseg_teach import render_cells, segment, smooth
from cellseg_teach.mosaic import make_mosaic, mosaic_centres
from cellseg_teach.parameters import MIN_SEPARATION, NOISE_SCALE
from cellseg_teach.scale import cell_table, segment_large

SHAPE = (600, 700)


@pytest.fixture(scope="module")
def mosaic() -> np.ndarray:
    return make_mosaic(SHAPE, chunks=2048).compute()


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two label images split the pixels into the same cells, whatever the
    numbers: the map label -> label is one to one, and the background is shared."""
    if a.shape != b.shape or not np.array_equal(a > 0, b > 0):
        return False
    pairs = np.unique(np.stack([a[a > 0], b[b > 0]]), axis=1)
    return len(np.unique(pairs[0])) == len(np.unique(pairs[1])) == pairs.shape[1]


# ----------------------------------------------------------------------- the mosaic


@pytest.mark.parametrize("chunks", [100, 128, 257, (64, 300), (600, 37)])
def test_mosaic_is_identical_whatever_the_chunking(mosaic, chunks):
    lazy = make_mosaic(SHAPE, chunks=chunks)
    assert isinstance(lazy, da.Array)
    assert lazy.dtype == np.float64 and lazy.shape == SHAPE
    assert np.array_equal(lazy.compute(), mosaic)


def test_mosaic_is_deterministic_for_a_seed_and_differs_between_seeds(mosaic):
    assert np.array_equal(make_mosaic(SHAPE, chunks=300).compute(), mosaic)
    other = make_mosaic(SHAPE, chunks=300, seed=1).compute()
    assert not np.allclose(other, mosaic)


def test_a_mosaic_is_the_corner_of_any_larger_mosaic(mosaic):
    big = make_mosaic((900, 1000), chunks=256)[: SHAPE[0], : SHAPE[1]].compute()
    assert np.array_equal(big, mosaic)


def test_mosaic_without_noise_is_the_sum_of_gaussian_cells():
    # Independent reference: render_cells sums every Gaussian over the whole image,
    # with no cut-off, from the true centres (including cells just outside).
    shape = (300, 420)
    clean = make_mosaic(shape, chunks=128, noise_scale=0).compute()
    centres = mosaic_centres(shape, border=60)
    assert np.allclose(clean, render_cells(centres, shape, 6, 1.0), rtol=0, atol=1e-12)


def test_mosaic_cells_keep_the_minimum_separation_across_fields():
    centres = mosaic_centres((1000, 1000))
    nearest = cKDTree(centres).query(centres, k=2)[0][:, 1]
    assert nearest.min() >= MIN_SEPARATION


def test_mosaic_density_is_that_of_the_course_images():
    # Fields of 128² with 8 cells each; the field grid starts half a field early, so
    # a 1024 + 128 wide square holds exactly 9 × 9 whole fields, shifted by 64 px.
    centres = mosaic_centres((1024 + 64, 1024 + 64))
    whole = (centres >= 64).all(axis=1)
    assert whole.sum() == 8 * 8 * 8


def test_mosaic_noise_is_clipped_gaussian():
    noise = make_mosaic((512, 512), chunks=200, n_cells=0).compute()
    # Clipped at 0: half the pixels are exactly 0 and the mean is σ/√(2π).
    n = noise.size
    assert abs((noise == 0).mean() - 0.5) < 5 * 0.5 / math.sqrt(n)
    clipped_std = NOISE_SCALE * math.sqrt(0.5 - 1 / (2 * math.pi))
    assert abs(noise.mean() - NOISE_SCALE / math.sqrt(2 * math.pi)) < 5 * clipped_std / math.sqrt(n)


def test_cells_straddle_chunk_borders(mosaic):
    labels, _ = segment(smooth(mosaic))
    for border in (256, 512):  # chunk borders of chunks=256
        above, below = labels[border - 1], labels[border]
        crossing = np.unique(above[(above > 0) & (above == below)])
        assert crossing.size >= 2, border


def test_mosaic_is_lazy_and_each_chunk_is_computed_alone():
    lazy = make_mosaic((20_000, 20_000), chunks=2048)  # 3.2 GB if it were computed
    assert lazy.numblocks == (10, 10)
    corner = lazy.blocks[9, 9].compute()
    assert corner.shape == (20_000 - 9 * 2048,) * 2


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        (dict(shape=(10, 10, 10)), ValueError),
        (dict(shape=0), ValueError),
        (dict(shape=100, chunks=0), ValueError),
        (dict(shape=100, chunks=12.5), TypeError),
        (dict(shape=100, seed=-1), ValueError),
        (dict(shape=100, n_cells=100), ValueError),  # cannot fit in a 128² field
        (dict(shape=100, cell_sigma=0), ValueError),
    ],
)
def test_make_mosaic_rejects_bad_input(kwargs, error):
    with pytest.raises(error):
        make_mosaic(**kwargs)


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: make_mosaic(100, cell_sigma=1e12), "cell_sigma"),
        (lambda: make_mosaic(100, cell_sigma=129), "cell_sigma"),  # wider than a field
        (lambda: mosaic_centres(100, border=1e12), "border"),
        (lambda: mosaic_centres(100, border=1e308), "border"),
        (lambda: make_mosaic((10**7, 10**7)), "shape"),  # 10^14 pixels
        (lambda: segment_large(np.zeros((20, 20)), sigma=1e12), "sigma"),
    ],
)
def test_absurd_sizes_are_refused_at_once_naming_the_argument(call, word):
    # each of these used to run for minutes into a MemoryError, or never return
    with pytest.raises(ValueError, match=word):
        call()


def test_the_largest_meaningful_values_still_work():
    assert make_mosaic(64, chunks=64, cell_sigma=128).shape == (64, 64)  # = field_size
    assert mosaic_centres(100, border=100).shape[1] == 2


# ------------------------------------------------------------------- segmentation


@pytest.mark.parametrize("chunks", [100, 128, 200, 333, (97, 250), (600, 700)])
def test_segment_large_equals_segment_of_smooth_for_any_chunking(mosaic, chunks):
    reference, n_ref = segment(smooth(mosaic))
    labels, n = segment_large(da.from_array(mosaic, chunks=chunks))
    assert isinstance(labels, da.Array) and isinstance(n, int)
    out = labels.compute()
    assert n == n_ref
    assert same_partition(out, reference)
    assert np.array_equal(out, reference)  # even the numbering is segment's


def test_segment_large_on_the_lazy_mosaic(mosaic):
    reference, n_ref = segment(smooth(mosaic))
    labels, n = segment_large(make_mosaic(SHAPE, chunks=150))
    assert n == n_ref
    assert np.array_equal(labels.compute(), reference)


def corner_image() -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Cells centred exactly where four 100-px chunks meet, a diagonal chain of
    overlapping cells crossing many chunks, and a U whose arms meet in another chunk."""
    corners = [(100, 100), (100, 200), (200, 100), (200, 200), (300, 300)]
    chain = [(40 + 11 * k, 240 + 11 * k) for k in range(10)]  # 11 px apart: one blob
    centres = np.array([(x, y) for y, x in corners] + [(x, y) for y, x in chain], dtype=float)
    image = render_cells(centres, (400, 420), 6, 1.0)
    u = np.zeros((400, 420))
    u[300:390, 20:26] = u[300:390, 80:86] = u[384:390, 20:86] = 1.0  # a U across 4 chunks
    rng = np.random.default_rng(3)
    image = np.clip(image + u + rng.normal(0, NOISE_SCALE, image.shape), 0, None)
    return image, corners


@pytest.mark.parametrize("chunks", [100, 50])
def test_cells_across_four_chunk_corners_get_one_label(chunks):
    image, corners = corner_image()
    reference, n_ref = segment(smooth(image))
    labels, n = segment_large(da.from_array(image, chunks=chunks))
    out = labels.compute()
    assert n == n_ref and np.array_equal(out, reference)
    for y, x in corners:
        cell = out[y, x]
        assert cell > 0
        # The cell has pixels in each of the four chunks that meet at its centre.
        quads = [out[y - 5 : y, x - 5 : x], out[y - 5 : y, x : x + 5],
                 out[y : y + 5, x - 5 : x], out[y : y + 5, x : x + 5]]  # fmt: skip
        assert all((q == cell).any() for q in quads)
    steps = 11 * np.arange(10)
    assert len(np.unique(out[40 + steps, 240 + steps])) == 1  # the chain: one cell
    assert len(np.unique(out[[305, 305], [22, 82]])) == 1  # the U's arms: one cell


def test_size_filter_counts_a_cell_across_chunks():
    # A 6 × 7 = 42 px block at the corner of four 50-px chunks: pieces of 9, 12, 9 and
    # 12 px, each below min_size = 30 but 42 px together. A 4 × 5 block is too small.
    image = np.zeros((100, 100))
    image[47:53, 46:53] = 1.0
    image[10:14, 10:15] = 1.0
    labels, n = segment_large(da.from_array(image, chunks=50), sigma=0)
    out = labels.compute()
    assert n == 1
    assert (out == 1).sum() == 42 and out[10:14, 10:15].max() == 0
    # Filtering each chunk on its own would lose the cell.
    per_chunk = da.from_array(image, chunks=50).map_blocks(lambda b: segment(b)[0] > 0)
    assert not per_chunk.compute().any()


def test_labels_are_lazy_and_one_block_computes_alone(mosaic):
    reference, _ = segment(smooth(mosaic))
    labels, _ = segment_large(da.from_array(mosaic, chunks=200))
    assert labels.chunks == ((200, 200, 200), (200, 200, 200, 100))
    assert np.array_equal(labels.blocks[1, 2].compute(), reference[200:400, 400:600])


def test_segment_large_reads_and_smooths_the_image_once(mosaic):
    calls = []

    def load(block):
        calls.append(1)
        return block

    image = da.from_array(mosaic, chunks=300).map_blocks(load, meta=np.empty((0, 0)))  # 6 blocks
    labels, _ = segment_large(image)
    labels.compute()
    labels.sum().compute()
    assert len(calls) == 6  # the packed mask is persisted: no recomputation


def test_segment_large_with_parameters_and_integer_images(mosaic):
    camera = np.round(mosaic * 1000).astype(np.uint16)
    for kwargs in (dict(threshold=400, min_size=50, sigma=3.0), dict(threshold=600, sigma=0),
                   dict(threshold=500, min_size=0)):  # fmt: skip
        ref, n_ref = segment(smooth(camera, kwargs.get("sigma", 2.0)),
                             kwargs["threshold"], kwargs.get("min_size", 30))  # fmt: skip
        labels, n = segment_large(da.from_array(camera, chunks=128), **kwargs)
        assert n == n_ref and np.array_equal(labels.compute(), ref)


def test_a_float32_image_is_read_as_stored_and_smoothed_in_float64(mosaic):
    # The benchmark's store is float32: segment_large never converts the chunks, and its
    # smoothing equals converting first, bit for bit (so the labels are segment(smooth(x))).
    from cellseg_teach.scale import _as_dask_image, _smooth_block

    x32 = mosaic.astype(np.float32)
    assert np.array_equal(_smooth_block(x32, 2.0), ndimage.gaussian_filter(x32.astype(float), 2.0))
    image = da.from_array(x32, chunks=128)
    ref, n_ref = segment(smooth(x32))
    labels, n = segment_large(image)
    assert n == n_ref and np.array_equal(labels.compute(), ref)
    assert _as_dask_image(image).dtype == np.float32  # read as stored, 4 bytes a pixel


def test_segment_large_accepts_numpy_and_finds_nothing_in_a_dark_image():
    labels, n = segment_large(np.zeros((50, 60)))
    assert n == 0 and labels.shape == (50, 60) and labels.compute().max() == 0


def test_segment_large_agrees_with_dask_image_label(mosaic):
    # dask-image's own label across chunks, a second independent reference.
    from dask_image import ndfilters, ndmeasure

    image = da.from_array(mosaic[:400, :400], chunks=200)
    theirs, _ = ndmeasure.label(ndfilters.gaussian_filter(image, 2.0) > 0.5)
    theirs = theirs.compute()
    ours, _ = segment_large(image, min_size=0)
    assert same_partition(ours.compute(), theirs)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    rows=st.integers(1, 40),
    cols=st.integers(1, 40),
    chunk_rows=st.integers(1, 15),
    chunk_cols=st.integers(1, 15),
    density=st.floats(0.2, 0.8),
    min_size=st.integers(0, 6),
)
def test_merge_equals_whole_image_labelling_on_random_masks(
    seed, rows, cols, chunk_rows, chunk_cols, density, min_size
):
    # Random masks have shapes no cell has (spirals, long snakes, holes): the merge
    # across faces must still give scipy's components, and the sizes must add up.
    image = (np.random.default_rng(seed).random((rows, cols)) < density).astype(float)
    reference, n_ref = segment(image, 0.5, min_size)
    labels, n = segment_large(da.from_array(image, chunks=(chunk_rows, chunk_cols)),
                              threshold=0.5, min_size=min_size, sigma=0)  # fmt: skip
    assert n == n_ref
    assert np.array_equal(labels.compute(), reference)


@pytest.mark.parametrize(
    ("image", "kwargs", "error"),
    [
        (np.zeros((4, 4, 4)), {}, ValueError),
        (da.zeros((4, 4, 4)), {}, ValueError),
        (np.zeros((0, 4)), {}, ValueError),
        (da.zeros((0, 4)), {}, ValueError),
        (np.zeros((4, 4), bool), {}, TypeError),
        (da.zeros((4, 4), dtype=bool), {}, TypeError),
        ("image.tif", {}, ValueError),  # a path, but not to an OME-Zarr image
        (b"image", {}, TypeError),
        (np.full((4, 4), np.nan), {}, ValueError),
        (np.zeros((4, 4)), dict(threshold="0.5"), TypeError),
        (np.zeros((4, 4)), dict(min_size=-1), ValueError),
        (np.zeros((4, 4)), dict(sigma=-1.0), ValueError),
    ],
)
def test_segment_large_rejects_bad_input(image, kwargs, error):
    with pytest.raises(error):
        segment_large(image, **kwargs)


def test_segment_large_does_not_modify_its_input(mosaic):
    before = mosaic.copy()
    segment_large(da.from_array(mosaic, chunks=256))[0].compute()
    assert np.array_equal(mosaic, before)


# ------------------------------------------------------------------- measurements


def test_cell_table_matches_scipy_on_the_whole_image(mosaic):
    reference, n = segment(smooth(mosaic))
    labels, _ = segment_large(da.from_array(mosaic, chunks=128))
    table = cell_table(labels, da.from_array(mosaic, chunks=(128, 128)))
    index = np.arange(1, n + 1)
    assert np.array_equal(table["label"], index)
    assert np.array_equal(table["area"], np.bincount(reference.ravel())[1:])
    assert np.allclose(table["mean_intensity"], ndimage.mean(mosaic, reference, index))
    com = np.array(ndimage.center_of_mass(np.ones_like(mosaic), reference, index))
    assert np.allclose(table["y"], com[:, 0]) and np.allclose(table["x"], com[:, 1])


def test_cell_table_with_other_chunks_and_missing_labels():
    labels = np.array([[1, 1, 0, 3], [0, 0, 0, 3]])
    image = np.array([[2.0, 4.0, 9.0, 1.0], [9.0, 9.0, 9.0, 3.0]])
    table = cell_table(da.from_array(labels, chunks=1), da.from_array(image, chunks=3), n_cells=4)
    assert table["area"].tolist() == [2, 0, 2, 0]
    assert table["mean_intensity"][[0, 2]].tolist() == [3.0, 2.0]
    assert table["x"][[0, 2]].tolist() == [0.5, 3.0] and table["y"][[0, 2]].tolist() == [0, 0.5]
    assert np.isnan(table["mean_intensity"][[1, 3]]).all()


def test_cell_table_rejects_mismatched_shapes_and_float_labels():
    with pytest.raises(ValueError, match="shape"):
        cell_table(np.zeros((3, 3), int), np.zeros((3, 4)))
    with pytest.raises(TypeError, match="labels"):
        cell_table(np.zeros((3, 3)), np.zeros((3, 3)))


def test_the_scheduler_does_not_change_the_answer(mosaic):
    reference, _ = segment(smooth(mosaic))
    with dask.config.set(scheduler="sync"):
        labels, _ = segment_large(da.from_array(mosaic, chunks=256))
        assert np.array_equal(labels.compute(), reference)


def test_labels_survive_on_a_distributed_cluster(mosaic):
    # Under dask.distributed the persisted mask lives on the workers; the lazy labels
    # must keep it alive after segment_large returns (it was once released too early).
    import gc

    from dask.distributed import Client

    from cellseg_teach.cluster import local_cluster

    reference, n_ref = segment(smooth(mosaic))
    with (
        local_cluster(n_workers=1, threads_per_worker=2, processes=False) as cluster,
        Client(cluster),
    ):
        labels, n = segment_large(da.from_array(mosaic, chunks=256))
        gc.collect()
        assert n == n_ref
        assert np.array_equal(labels.compute(), reference)


def test_cell_table_rows_follow_the_labels_present_not_their_values():
    lab = np.zeros((6, 6), np.uint64)
    lab[0:2, 0:2] = 2**64 - 1  # would be 2^64 rows, or a float that cannot hold it
    lab[4:6, 3:6] = 7
    image = np.arange(36, dtype=float).reshape(6, 6)
    table = cell_table(da.from_array(lab, chunks=3), image)
    assert table["label"].tolist() == [7, 2**64 - 1]
    assert table["area"].tolist() == [6, 4]
    assert table["mean_intensity"].tolist() == [image[4:6, 3:6].mean(), image[0:2, 0:2].mean()]
    # with n_cells, the rows are 1..n_cells whatever is present
    small = cell_table(da.from_array(np.where(lab == 7, 3, 0), chunks=3), image, n_cells=4)
    assert small["label"].tolist() == [1, 2, 3, 4] and small["area"].tolist() == [0, 0, 6, 0]
    with pytest.raises(ValueError, match="labels must be non-negative"):
        cell_table(-np.ones((3, 3), int), np.zeros((3, 3)))


def _faults_per_array() -> float:
    """Page faults per chunk-sized array made and freed, after a first one (in this
    process: minor faults, the kernel handing out fresh pages)."""
    import resource

    np.ones(2064 * 2064).sum()  # the heap has grown once
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        np.ones(2064 * 2064).sum()  # 34 MB: a 2,048² chunk with its margins, float64
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10


def test_worker_processes_reuse_memory_instead_of_asking_the_kernel(monkeypatch):
    # Dask's default for workers (MALLOC_TRIM_THRESHOLD_=65536 alone) makes every large
    # array fresh pages from the kernel; local_cluster's settings let a worker reuse them,
    # even when this process's environment holds Dask's default (an earlier nanny leaves
    # it there, and the environment wins over Dask's configuration).
    import os
    import subprocess
    import sys

    from dask.distributed import Client

    from cellseg_teach.cluster import WORKER_MALLOC, local_cluster

    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    with local_cluster(n_workers=1) as cluster, Client(cluster) as client:
        env = client.run(lambda: {k: os.environ.get(k) for k in WORKER_MALLOC})
        faults = client.run(_faults_per_array)
    assert list(env.values()) == [{k: str(v) for k, v in WORKER_MALLOC.items()}]
    # ... and this process's environment is as it was
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "65536"
    assert "MALLOC_MMAP_THRESHOLD_" not in os.environ
    (ours,) = faults.values()
    code = "import test_scale; print(test_scale._faults_per_array())"
    default = float(subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=os.path.dirname(__file__), env={**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"},
    ).stdout)  # fmt: skip
    # The test can fail: with Dask's default a 34 MB array costs at least 17 faults (one
    # per 2 MB huge page; 145 with this machine's settings, 8,300 with 4 KiB pages).
    assert default >= 10
    assert ours <= 1, f"{ours:.0f} page faults per 34 MB array in a worker"


def test_the_lessons_slurm_example_sets_the_same_allocator_settings():
    # The lesson's NOT RUN configuration for a SLURM cluster exports the variables by hand.
    from pathlib import Path

    from cellseg_teach.cluster import WORKER_MALLOC

    lesson = Path(__file__).parents[1] / "lessons" / "11_scale_out.md"
    (line,) = [x for x in lesson.read_text().splitlines() if '"export MALLOC_' in x]
    exported = dict(kv.split("=") for kv in line.split('"')[1].split()[1:])
    assert exported == {k: str(v) for k, v in WORKER_MALLOC.items()}

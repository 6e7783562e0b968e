"""Scale-out on Dask: segmentation across chunks, per-cell tables.

An image too large for memory is a :class:`dask.array.Array`: a grid of chunks, each a
NumPy array computed only when needed. Three things go wrong if each chunk is simply
segmented on its own, and this module does each of them right:

* **smoothing** needs the pixels just beyond a chunk's border, so chunks are padded with
  their neighbours' pixels (``map_overlap``);
* **a cell cut by a chunk border** gets one label: each chunk is labelled on its own,
  the pairs of labels that touch across chunk faces are collected in one pass, and a
  connected-components search on that small graph merges them;
* **the size filter** counts a cell's pixels in every chunk it touches.

The result equals ``segment(smooth(image))`` pixel for pixel, numbering included, for
any chunking. Memory stays bounded: the whole image and the whole label image are never
held, only the thresholded mask, packed at one bit per pixel (1/64 of a float64 image).

A lazy synthetic image of any size to try it on is :func:`cellseg_teach.mosaic.make_mosaic`.

Requires the ``scale`` extra (``dask[array]``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np
from scipy import ndimage, sparse
from scipy.sparse import csgraph

from ._checks import as_count, as_flag, as_positive, as_real
from .mosaic import DEFAULT_CHUNKS
from .omezarr import _as_path, _labels_target, _open, _refuse_existing, write_labels
from .parameters import MIN_CELL_SIZE, SMOOTH_SIGMA, THRESHOLD

__all__ = ["cell_table", "segment_large"]

TIMINGS: dict[str, float] = {}
"""Seconds spent by the last :func:`segment_large` in this process (``"merge"``: the
merge of the chunks' labels, which runs here, not on the workers); read by the benchmark."""


def _as_dask_image(image: object, name: str = "image") -> da.Array:
    """A 2-D numeric dask array in the dtype it is stored in: an OME-Zarr path opened (level
    0, a 2-D image or one whose extra axes have length 1), a dask array checked, a NumPy
    image checked fully and wrapped (:func:`~cellseg_teach.omezarr.open_image`).

    Not converted to float64 here: the smoothing reads each chunk as stored (float32 or a
    camera's uint16 is 2 to 4 times fewer bytes to read and to lend between chunks) and
    computes in float64, which gives the same values as converting first."""
    return _open(image, name)


def _smooth_block(block: np.ndarray, sigma: float) -> np.ndarray:
    """The Gaussian of one chunk with its margins, in float64 whatever the input's dtype
    (exactly ``gaussian_filter(block.astype(float64))``: SciPy converts each line to double
    as it reads it)."""
    return ndimage.gaussian_filter(block, sigma, mode="reflect", output=np.float64)


def _pack(block: np.ndarray, threshold: float) -> np.ndarray:
    """The foreground mask of a chunk, eight pixels per byte."""
    return np.packbits(block > threshold, axis=1)


def _unpack(packed: np.ndarray, width: int) -> np.ndarray:
    return np.unpackbits(packed, axis=1, count=width).view(bool)


def _summarise(packed: np.ndarray, width: int) -> dict:
    """Label one chunk and return what the merge needs, never the labels themselves.

    Returns the number of local labels, the pixels per label, the raster position of
    each label's first pixel, and the labels along the four faces of the chunk.
    """
    mask = _unpack(packed, width)
    lab, n = ndimage.label(mask)
    flat = np.flatnonzero(mask)
    vals = lab.ravel()[flat]
    first = np.full(n + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, vals, flat)
    return {
        "n": n,
        "sizes": np.bincount(vals, minlength=n + 1)[1:],
        "first_row": first[1:] // width,
        "first_col": first[1:] % width,
        "top": lab[0].copy(),
        "bottom": lab[-1].copy(),
        "left": lab[:, 0].copy(),
        "right": lab[:, -1].copy(),
    }


def _relabel(packed: np.ndarray, width: int, lut: np.ndarray) -> np.ndarray:
    """Label one chunk again (the same local labels) and map them to global cells."""
    lab, _ = ndimage.label(_unpack(packed, width))
    return lut[lab]


def _merge(summaries: list[list[dict]], chunks: tuple, min_size: int) -> tuple[list, int]:
    """Global cell numbers for every chunk's local labels.

    Every local label gets a global id (chunk offsets). Labels that touch across a chunk
    face are pairs of ids; connected components of that graph are the cells. Their sizes
    are summed over chunks, small ones dropped, and the rest numbered in raster order of
    their first pixel, as ``segment`` numbers them.
    """
    nbr, nbc = len(summaries), len(summaries[0])
    width = sum(chunks[1])
    r_starts = np.cumsum((0, *chunks[0][:-1]))
    c_starts = np.cumsum((0, *chunks[1][:-1]))
    counts = np.array([[s["n"] for s in row] for row in summaries], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(counts.ravel())[:-1])).reshape(nbr, nbc)
    total = int(counts.sum())

    def gid(local: np.ndarray, i: int, j: int) -> np.ndarray:
        return np.where(local > 0, local.astype(np.int64) + offsets[i, j], 0)

    # Face pairs: bottom row of (i, j) against top row of (i+1, j), right against left.
    a = [gid(summaries[i][j]["bottom"], i, j) for i in range(nbr - 1) for j in range(nbc)]
    b = [gid(summaries[i + 1][j]["top"], i + 1, j) for i in range(nbr - 1) for j in range(nbc)]
    a += [gid(summaries[i][j]["right"], i, j) for i in range(nbr) for j in range(nbc - 1)]
    b += [gid(summaries[i][j + 1]["left"], i, j + 1) for i in range(nbr) for j in range(nbc - 1)]
    a = np.concatenate(a) if a else np.zeros(0, np.int64)
    b = np.concatenate(b) if b else np.zeros(0, np.int64)
    touching = (a > 0) & (b > 0)
    a, b = a[touching], b[touching]
    graph = sparse.coo_matrix((np.ones(a.size, np.int8), (a, b)), shape=(total + 1, total + 1))
    n_comp, comp = csgraph.connected_components(graph, directed=False)

    flat = [s for row in summaries for s in row]
    sizes = np.concatenate([[0]] + [s["sizes"] for s in flat]).astype(np.int64)
    first = np.concatenate(
        [[np.iinfo(np.int64).max]]
        + [
            (s["first_row"] + r_starts[k // nbc]) * width + s["first_col"] + c_starts[k % nbc]
            for k, s in enumerate(flat)
        ]
    ).astype(np.int64)
    comp_size = np.bincount(comp, weights=sizes, minlength=n_comp)
    comp_first = np.full(n_comp, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(comp_first, comp, first)
    keep = comp_size >= min_size
    keep[comp[0]] = False  # id 0 is the background
    kept = np.flatnonzero(keep)
    order = kept[np.argsort(comp_first[kept], kind="stable")]
    final = np.zeros(n_comp, dtype=np.int32)
    final[order] = np.arange(1, order.size + 1, dtype=np.int32)
    lut = final[comp]
    luts = [
        [
            np.concatenate(([0], lut[offsets[i, j] + 1 : offsets[i, j] + counts[i, j] + 1]))
            .astype(np.int32)
            for j in range(nbc)
        ]
        for i in range(nbr)
    ]
    return luts, int(order.size)


def segment_large(
    image: object,
    *,
    threshold: float = THRESHOLD,
    min_size: int = MIN_CELL_SIZE,
    sigma: float = SMOOTH_SIGMA,
    out: str | os.PathLike | None = None,
    overwrite: bool = False,
) -> tuple[da.Array, int]:
    """Segment an image of any size, chunk by chunk: ``segment(smooth(image))`` on Dask.

    1. Smooth with a Gaussian of ``sigma`` pixels, each chunk padded by its
       neighbours' pixels to the kernel's reach (``round(4σ)``; 8 px for σ = 2) with
       ``map_overlap``, and reflected at the image's own edges like
       :func:`~cellseg_teach.filters.smooth`. Each chunk is read in its stored dtype and
       smoothed in float64.
    2. Threshold, and keep the mask packed at one bit per pixel (``persist``): the
       image is read and smoothed once, however often the labels are computed.
    3. Label each chunk (4-connected); collect the pairs of labels that touch across
       chunk faces; merge them with a connected-components search on that small graph.
    4. Sum each cell's pixels over its chunks, drop cells below ``min_size``, number the
       rest 1..n_cells in raster order of their first pixel.

    5. With ``out``: write the labels into the OME-Zarr image ``out`` as its label image
       ``labels/cells`` (:func:`~cellseg_teach.omezarr.write_labels`): each chunk, every
       pyramid level of it, as soon as it is labelled again; no process holds more than
       a few chunks of labels, and none is read back.

    The labels are the same as ``segment(smooth(image), threshold, min_size)``, pixel
    for pixel and number for number, whatever the chunking and however many workers.

    Parameters
    ----------
    image : str, pathlib.Path, dask.array.Array or array-like, 2-D
        Intensities (a.u.): the path of an OME-Zarr image (its level 0; for an image with
        several channels, planes or time points pass ``open_image(path, channel=...)``),
        a dask array, or a NumPy image (checked and cut into chunks of
        :data:`DEFAULT_CHUNKS`). A dask image is not scanned for NaN (that would read
        it all); a NaN pixel is background.
    threshold : float
        Foreground threshold on the smoothed image (a.u.).
    min_size : int
        Smallest cell kept (pixels), counted over all chunks.
    sigma : float, keyword-only
        Width of the smoothing Gaussian (pixels), >= 0 and at most the image's longer
        side; 0 means no smoothing.
    out : str or pathlib.Path, optional
        An existing 2-D OME-Zarr image of the same shape (usually the one segmented):
        the labels are written into it as ``labels/cells``, with its pyramid.
    overwrite : bool
        Replace an existing ``labels/cells`` in ``out``; otherwise that is an error,
        raised before any work is done.

    Returns
    -------
    labels : dask.array.Array
        Lazy int32 label image with the chunks of the (smoothed) image, 0 = background;
        with ``out``, read back from disk (it outlives any cluster).
    n_cells : int
        Number of cells kept.

    Raises
    ------
    FileExistsError
        If ``out`` already holds ``labels/cells`` and ``overwrite`` is False.

    Examples
    --------
    >>> import numpy as np
    >>> from cellseg_teach import make_image, segment, smooth
    >>> image, _ = make_image()
    >>> labels, n = segment_large(da.from_array(image, chunks=50))
    >>> n, bool((labels.compute() == segment(smooth(image))[0]).all())
    (8, True)
    """
    arr = _as_dask_image(image)
    threshold = as_real(threshold, "threshold")
    min_size = as_count(min_size, "min_size")
    sigma = as_positive(sigma, "sigma", allow_zero=True)
    overwrite = as_flag(overwrite, "overwrite")
    if out is not None:  # refuse a bad or existing output before any work
        _labels_target(out, arr.shape, "cells", overwrite)
    if sigma > max(arr.shape):
        raise ValueError(
            f"sigma must be at most the image's longer side ({max(arr.shape)} px), got {sigma}"
        )
    depth = int(4.0 * sigma + 0.5)  # the filter's reach (truncated at 4 sigma), pixels
    if sigma > 0 and min(arr.shape) <= depth:
        # Smaller than the filter's reach: Dask cannot pad it with overlaps, and one
        # chunk holds it anyway, so smooth it in memory (the same filter and edge mode).
        smoothed = da.from_array(_smooth_block(arr.compute(), sigma), chunks=arr.shape)
    elif sigma > 0:
        # Each chunk padded with its neighbours' pixels (``depth`` of them); at the image's
        # own edges no padding, so the filter reflects there, as ``smooth`` does.
        smoothed = arr.map_overlap(_smooth_block, depth=depth, boundary="none",
                                   dtype=np.float64, meta=np.empty((0, 0)), sigma=sigma)
    else:
        smoothed = arr.astype(np.float64)
    rows, cols = smoothed.chunks
    packed = smoothed.map_blocks(
        _pack,
        threshold,
        chunks=(rows, tuple(-(-w // 8) for w in cols)),
        dtype=np.uint8,
        meta=np.empty((0, 0), np.uint8),
    ).persist()
    # optimize_graph=False keeps the persisted chunks (futures, under dask.distributed)
    # in the labels' graph, so they stay alive as long as the labels do.
    blocks = packed.to_delayed(optimize_graph=False)
    summarise = dask.delayed(_summarise, pure=True)
    flat = dask.compute(
        *[summarise(blocks[i, j], w) for i in range(len(rows)) for j, w in enumerate(cols)]
    )
    summaries = [list(flat[i * len(cols) : (i + 1) * len(cols)]) for i in range(len(rows))]
    start = time.perf_counter()
    luts, n_cells = _merge(summaries, smoothed.chunks, min_size)
    TIMINGS["merge"] = time.perf_counter() - start
    relabel = dask.delayed(_relabel, pure=True)
    labels = da.block(
        [
            [
                da.from_delayed(
                    relabel(blocks[i, j], w, luts[i][j]),
                    shape=(h, w),
                    dtype=np.int32,
                    meta=np.empty((0, 0), np.int32),
                )
                for j, w in enumerate(cols)
            ]
            for i, h in enumerate(rows)
        ]
    )
    if out is not None:
        labels = write_labels(labels, out, overwrite=overwrite)
    return labels, n_cells


# --------------------------------------------------------------------- measurements


def _block_sums(
    lab: np.ndarray, img: np.ndarray, r0: int, c0: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per label present in a chunk: the labels, and their pixels, intensity, row and
    column sums (4 x k); ``numpy.unique`` numbers the labels, so no table is as long as
    a label value."""
    ys, xs = np.nonzero(lab)
    present, inverse = np.unique(lab[ys, xs], return_inverse=True)
    count = np.bincount(inverse, minlength=present.size).astype(np.float64)
    sums = [np.bincount(inverse, weights=w, minlength=present.size) for w in (img[ys, xs], ys, xs)]
    sums[1] = sums[1] + r0 * count
    sums[2] = sums[2] + c0 * count
    return present, np.vstack([count, *sums]).reshape(4, present.size)


def cell_table(
    labels: object,
    image: object,
    *,
    n_cells: int | None = None,
    out: str | os.PathLike | None = None,
    overwrite: bool = False,
) -> dict:
    """Return area, mean intensity and centroid of every cell, computed chunk by chunk.

    Each chunk reports sums for the labels it holds (pixels, intensity, row and column
    coordinates); the sums of a cell cut by chunk borders are added up at the end. Only
    these few numbers per cell ever leave a chunk.

    Parameters
    ----------
    labels : dask.array.Array of int, 2-D, or str or pathlib.Path
        Label image, 0 = background (e.g. from :func:`segment_large`), or the path of an
        OME-Zarr label image (``screen.zarr/labels/cells``).
    image : dask.array.Array, array-like or path, 2-D
        Intensities (a.u.) to average over each cell, same shape as ``labels``, or the
        path of an OME-Zarr image.
    n_cells : int, optional
        Number of labels: the table then has the rows 1..n_cells, a label with no
        pixels getting area 0 and NaN for the rest. Default: one row per label present,
        in increasing order (1..n for :func:`segment_large`'s labels); the table's size
        follows the number of cells, never the label values.
    out : str or pathlib.Path, optional
        Also write the table to this new CSV file (name ending in ``.csv``): a header
        line ``label,area,mean_intensity,x,y``, then one line per cell. (CSV rather than
        Parquet, which would need ``pyarrow``, about 40 MB more to install.)
    overwrite : bool
        Replace an existing ``out``; otherwise an existing file is an error, raised
        before any work is done.

    Returns
    -------
    dict of numpy.ndarray
        ``label``, ``area`` (pixels), ``mean_intensity`` (a.u.), ``x`` and ``y``
        (centroid column and row, pixels), one entry per row.

    Examples
    --------
    >>> import numpy as np
    >>> lab = da.from_array(np.array([[1, 1, 0], [0, 2, 2]]), chunks=2)
    >>> table = cell_table(lab, np.array([[1.0, 3.0, 0.0], [0.0, 5.0, 5.0]]))
    >>> table["area"].tolist(), table["mean_intensity"].tolist(), table["x"].tolist()
    ([2, 2], [2.0, 5.0], [0.5, 1.5])
    """
    overwrite = as_flag(overwrite, "overwrite")
    if out is not None:
        out = _as_path(out, "out", ".csv")
        _refuse_existing(out, "out", overwrite)
    if isinstance(labels, (str, os.PathLike)):
        labels = _open(labels, "labels")
    if not isinstance(labels, da.Array):
        labels = da.from_array(np.asarray(labels), chunks=DEFAULT_CHUNKS)
    if labels.ndim != 2 or not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be a 2-D integer label image, got {labels.dtype}")
    img = _as_dask_image(image)
    if img.shape != labels.shape:
        raise ValueError(f"image has shape {img.shape}, labels {labels.shape}: they must match")
    img = img.rechunk(labels.chunks)
    r_starts = np.cumsum((0, *labels.chunks[0][:-1]))
    c_starts = np.cumsum((0, *labels.chunks[1][:-1]))
    lb, ib = labels.to_delayed(), img.to_delayed()
    sums = dask.delayed(_block_sums, pure=True)
    parts = dask.compute(
        *[
            sums(lb[i, j], ib[i, j], int(r0), int(c0))
            for i, r0 in enumerate(r_starts)
            for j, c0 in enumerate(c_starts)
        ]
    )
    labels_all = np.concatenate([p[0] for p in parts])
    sums_all = np.hstack([p[1] for p in parts])
    present, inverse = np.unique(labels_all, return_inverse=True)
    total = [np.bincount(inverse, weights=w, minlength=present.size) for w in sums_all]
    if present.size and present[0] < 0:
        raise ValueError(f"labels must be non-negative (0 = background), found {present[0]}")
    if n_cells is not None:  # the rows 1..n_cells, absent labels included
        n = as_count(n_cells, "n_cells")
        keep = present <= n
        rows = (present[keep] - 1).astype(np.intp)
        full = [np.zeros(n) for _ in total]
        for f, t in zip(full, total, strict=True):
            f[rows] = t[keep]
        present, total = np.arange(1, n + 1), full
    area = total[0].round().astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = {
            "label": present,
            "area": area,
            "mean_intensity": total[1] / area,
            "x": total[3] / area,
            "y": total[2] / area,
        }
    if out is not None:
        _write_csv(table, out)
    return table


def _write_csv(table: dict, path: Path) -> None:
    """One header line, then one line per cell (integers as such, floats to 6 digits)."""
    columns = np.column_stack([table[k] for k in table]).astype(object)
    np.savetxt(path, columns, fmt=["%d", "%d", "%.6g", "%.3f", "%.3f"], delimiter=",",
               header=",".join(table), comments="")

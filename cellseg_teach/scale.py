"""Scale-out on Dask: a lazy mosaic, segmentation across chunks, per-cell tables.

An image too large for memory is a :class:`dask.array.Array`: a grid of chunks, each a
NumPy array computed only when needed. Three things go wrong if each chunk is simply
segmented on its own, and this module does each of them right:

* **smoothing** needs the pixels just beyond a chunk's border, so chunks are padded with
  their neighbours' pixels (``map_overlap``, via ``dask_image.ndfilters``);
* **a cell cut by a chunk border** gets one label: each chunk is labelled on its own,
  the pairs of labels that touch across chunk faces are collected in one pass, and a
  connected-components search on that small graph merges them;
* **the size filter** counts a cell's pixels in every chunk it touches.

The result equals ``segment(smooth(image))`` pixel for pixel, numbering included, for
any chunking. Memory stays bounded: the whole image and the whole label image are never
held, only the thresholded mask, packed at one bit per pixel (1/64 of a float64 image).

Requires the ``scale`` extra (``dask[array]``, ``dask-image``).
"""

from __future__ import annotations

import math

import dask
import dask.array as da
import numpy as np
from dask_image import ndfilters
from scipy import ndimage, sparse
from scipy.sparse import csgraph

from ._checks import MAX_INT, as_count, as_image, as_positive, as_real, as_shape, at_most
from .image_model import place_cells
from .parameters import (
    CELL_BRIGHTNESS,
    CELL_SIGMA,
    IMAGE_SIZE,
    MIN_CELL_SIZE,
    MIN_SEPARATION,
    N_CELLS,
    NOISE_SCALE,
    SEED,
    SMOOTH_SIGMA,
    THRESHOLD,
)

__all__ = [
    "DEFAULT_CHUNKS",
    "cell_table",
    "make_mosaic",
    "mosaic_centres",
    "segment_large",
]

DEFAULT_CHUNKS: int = 2048
"""Default chunk side (pixels): 2048² float64 is 32 MiB, a comfortable task size."""

# A Gaussian is below 2.6e-18 of its peak beyond 9 sigma: cells farther away than that
# contribute nothing to a pixel in double precision, so rendering can ignore them.
_REACH_SIGMAS = 9.0


# --------------------------------------------------------------------------- mosaic


def _model(
    n_cells: int,
    field_size: int,
    sigma: float,
    brightness: float,
    noise_scale: float,
    min_separation: float,
) -> dict:
    """Checked model parameters, plus the derived ring of neighbouring fields."""
    n_cells = as_count(n_cells, "n_cells")
    field_size = as_count(field_size, "field_size", minimum=2, maximum=8192)
    sigma = as_positive(sigma, "sigma")
    at_most(sigma, "sigma", field_size, "a cell wider than a field of field_size px")
    brightness = as_positive(brightness, "brightness", allow_zero=True)
    noise_scale = as_positive(noise_scale, "noise_scale", allow_zero=True)
    min_separation = as_positive(min_separation, "min_separation", allow_zero=True)
    margin = min_separation / 2
    # One placement with the course's function rejects an impossible request at once,
    # with its explanation (the packing bound).
    place_cells(n_cells, field_size, min_separation, seed=0)
    # Fields within `ring` of a field hold every cell that can reach it.
    ring = max(0, math.ceil((_REACH_SIGMAS * sigma - margin) / field_size))
    return dict(
        n_cells=n_cells,
        field_size=field_size,
        sigma=sigma,
        brightness=brightness,
        noise_scale=noise_scale,
        min_separation=min_separation,
        ring=ring,
        max_rounds=50,
    )


def _field_rng(seed: int, ti: int, tj: int) -> np.random.Generator:
    """The generator of field ``(ti, tj)``: independent of every other field.

    Field indices may be negative (fields just outside the image); a spawn key must
    not, so ``k`` is mapped to ``2k`` (k >= 0) or ``-2k - 1`` (k < 0), one to one.
    """
    key = tuple(2 * k if k >= 0 else -2 * k - 1 for k in (ti, tj))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


_CANDIDATES = 128  # candidate positions drawn per field at once


def _place_in_fields(rngs: list, m: dict) -> np.ndarray:
    """Cell centres ``(x, y)`` inside each field (field pixels), shape ``(F, n, 2)``.

    The same process as :func:`~cellseg_teach.image_model.place_cells` (random
    sequential placement: a candidate is kept if it is at least ``min_separation`` from
    the cells kept before it, and ``min_separation / 2`` from the field's edge), run on
    all fields of a chunk at once: each field draws its candidates from its own
    generator, and one loop over candidate number serves every field.
    """
    n, t, d = m["n_cells"], m["field_size"], m["min_separation"]
    lo, hi = d / 2, t - 1 - d / 2
    centres = np.full((len(rngs), n, 2), np.nan)
    count = np.zeros(len(rngs), dtype=np.int64)
    for _round in range(m["max_rounds"]):
        todo = np.flatnonzero(count < n)
        if todo.size == 0:
            return centres
        cand = np.stack([rngs[f].uniform(lo, hi, size=(_CANDIDATES, 2)) for f in todo])
        for c in range(_CANDIDATES):
            p = cand[:, c]
            # NaN (a cell not yet placed) compares False: it never blocks a candidate.
            too_close = (((centres[todo] - p[:, None, :]) ** 2).sum(axis=2) < d * d).any(axis=1)
            ok = ~too_close & (count[todo] < n)
            rows = todo[ok]
            centres[rows, count[rows]] = p[ok]
            count[rows] += 1
    raise ValueError(
        f"could not place n_cells={n} cells at least min_separation={d} px apart in a"
        f" field_size={t} px field after {m['max_rounds'] * _CANDIDATES} random tries with"
        " this seed: use fewer cells per field, a smaller min_separation or another seed"
    )


def _fields(seed: int, tis: range, tjs: range, m: dict) -> tuple[np.ndarray, list]:
    """Centres ``(x, y)`` in image pixels of a block of fields, ``(len(tis), len(tjs), n, 2)``,
    and the fields' generators (ready to draw their noise)."""
    rngs = [_field_rng(seed, ti, tj) for ti in tis for tj in tjs]
    local = _place_in_fields(rngs, m).reshape(len(tis), len(tjs), m["n_cells"], 2)
    t = m["field_size"]
    # Field (ti, tj) starts half a field before ti*t, tj*t (see make_mosaic).
    x0 = np.asarray(tjs) * t - t // 2
    y0 = np.asarray(tis) * t - t // 2
    local[..., 0] += x0[None, :, None]
    local[..., 1] += y0[:, None, None]
    return local, rngs


def _field_range(start: int, stop: int, t: int) -> range:
    """Indices of the fields that cover pixels ``start .. stop - 1`` along one axis."""
    return range((start + t // 2) // t, (stop - 1 + t // 2) // t + 1)


def _profile(distance: np.ndarray, sigma: float) -> np.ndarray:
    """``exp(-d²/2σ²)``, exactly 0 beyond the reach.

    Without the cut, far cells give subnormal numbers (below 1e-308), which the CPU
    handles tens of times more slowly: rendering took seven times longer.
    """
    arg = -0.5 * (distance / sigma) ** 2
    out = np.exp(np.maximum(arg, -0.5 * _REACH_SIGMAS**2))
    out[arg < -0.5 * _REACH_SIGMAS**2] = 0.0
    return out


def _mosaic_block(seed: int, m: dict, block_info: dict | None = None) -> np.ndarray:
    """Render one chunk: every field it overlaps, each field in full, then cropped.

    A pixel's value depends only on its field (the cells of the field and its
    neighbours, in a fixed order, and the field's noise), never on the chunk: this is
    what makes the mosaic identical for every chunking.
    """
    (r0, r1), (c0, c1) = block_info[None]["array-location"]
    t, ring, sigma = m["field_size"], m["ring"], m["sigma"]
    rows, cols = _field_range(r0, r1, t), _field_range(c0, c1, t)
    ti_all = range(rows.start - ring, rows.stop + ring)
    tj_all = range(cols.start - ring, cols.stop + ring)
    centres, rng_list = _fields(seed, ti_all, tj_all, m)
    rngs = dict(zip([(ti, tj) for ti in ti_all for tj in tj_all], rng_list, strict=True))
    out = np.empty((r1 - r0, c1 - c0))
    offsets = np.arange(t) - t // 2
    width = 2 * ring + 1
    reach = _REACH_SIGMAS * sigma
    for a, ti in enumerate(rows):
        for b, tj in enumerate(cols):
            near = centres[a : a + width, b : b + width].reshape(-1, 2)
            ys, xs = ti * t + offsets, tj * t + offsets
            # Only the cells that reach this field, in a fixed order.
            near = near[
                (near[:, 0] > xs[0] - reach)
                & (near[:, 0] < xs[-1] + reach)
                & (near[:, 1] > ys[0] - reach)
                & (near[:, 1] < ys[-1] + reach)
            ]
            ex = _profile(xs[None, :] - near[:, :1], sigma)
            ey = _profile(ys[None, :] - near[:, 1:], sigma)
            # A sum over cells of outer products. Not `ey.T @ ex`: many small BLAS calls
            # from several Dask threads oversubscribe the cores (18 s instead of 1 s for
            # a 4096² mosaic on two busy cores); einsum runs in the calling thread.
            field = np.einsum("ki,kj->ij", ey, m["brightness"] * ex)
            field += rngs[ti, tj].normal(0.0, m["noise_scale"], field.shape)
            np.clip(field, 0.0, None, out=field)
            # Crop the field to the chunk.
            fr0, fc0 = ys[0], xs[0]
            lo_r, hi_r = max(fr0, r0), min(fr0 + t, r1)
            lo_c, hi_c = max(fc0, c0), min(fc0 + t, c1)
            out[lo_r - r0 : hi_r - r0, lo_c - c0 : hi_c - c0] = field[
                lo_r - fr0 : hi_r - fr0, lo_c - fc0 : hi_c - fc0
            ]
    return out


# A mosaic is computed lazily, chunk by chunk, so it may be far larger than memory;
# 2**32 pixels (65,536²) is still well beyond lesson 8's 20,000².
MAX_MOSAIC_PIXELS = 2**32


def _shape(shape: object) -> tuple[int, int]:
    return as_shape(shape, "shape", max_pixels=MAX_MOSAIC_PIXELS)


def _chunk_side(chunks: object) -> tuple[int, int]:
    if isinstance(chunks, (tuple, list)):
        if len(chunks) != 2:
            raise ValueError(f"chunks must be a side or (rows, columns), got {chunks!r}")
        return as_count(chunks[0], "chunks[0]", minimum=1), as_count(
            chunks[1], "chunks[1]", minimum=1
        )
    side = as_count(chunks, "chunks", minimum=1)
    return side, side


def make_mosaic(
    shape: int | tuple[int, int],
    chunks: int | tuple[int, int] = DEFAULT_CHUNKS,
    seed: int = SEED,
    *,
    n_cells: int = N_CELLS,
    field_size: int = IMAGE_SIZE,
    sigma: float = CELL_SIGMA,
    brightness: float = CELL_BRIGHTNESS,
    noise_scale: float = NOISE_SCALE,
    min_separation: float = MIN_SEPARATION,
) -> da.Array:
    """Return a lazy synthetic mosaic: the course's image model, chunk by chunk.

    The mosaic is a grid of *fields* of ``field_size`` pixels, each made like
    :func:`~cellseg_teach.image_model.make_image`: ``n_cells`` Gaussian cells placed by
    :func:`~cellseg_teach.image_model.place_cells` (at least ``min_separation`` apart and
    ``min_separation / 2`` from the field's edge, so the separation also holds between
    fields), then Gaussian noise, clipped at zero. A pixel sums the cells of its field
    and of the neighbouring fields. Each field draws from its own random generator,
    keyed on the random seed and the field's index, so any chunk can be rendered alone,
    and the mosaic is the same, bit for bit, whatever the chunking. The field grid is
    offset by half a field so that chunk borders at multiples of ``field_size`` run
    through the middle of fields: cells straddle them.

    Parameters
    ----------
    shape : int or (int, int)
        Rows and columns of the mosaic (pixels); an int means a square.
    chunks : int or (int, int)
        Chunk side (pixels); the last chunk of a row or column may be smaller.
    seed : int
        Random seed; the same seed gives the same mosaic.
    n_cells : int
        Cells per field (default: the course's 8 per 128² image).
    field_size : int
        Side of one field (pixels).
    sigma, brightness, noise_scale, min_separation : float
        The image model's cell width (pixels), peak brightness (a.u.), noise standard
        deviation before clipping (a.u.) and minimum centre distance (pixels).

    Returns
    -------
    dask.array.Array
        Float64 array of ``shape``, values >= 0 (a.u.), nothing computed yet.

    Examples
    --------
    >>> mosaic = make_mosaic((300, 500), chunks=128)
    >>> mosaic.shape, mosaic.numblocks
    ((300, 500), (3, 4))
    >>> bool((mosaic.compute() == make_mosaic((300, 500), chunks=100).compute()).all())
    True
    """
    rows, cols = _shape(shape)
    seed = as_count(seed, "seed")
    crow, ccol = _chunk_side(chunks)
    m = _model(n_cells, field_size, sigma, brightness, noise_scale, min_separation)
    normal = da.core.normalize_chunks((crow, ccol), (rows, cols))
    token = dask.base.tokenize(rows, cols, normal, seed, sorted(m.items()))
    return da.map_blocks(
        _mosaic_block,
        seed,
        m,
        chunks=normal,
        dtype=np.float64,
        meta=np.empty((0, 0)),
        name=f"mosaic-{token}",
    )


def mosaic_centres(
    shape: int | tuple[int, int],
    seed: int = SEED,
    *,
    n_cells: int = N_CELLS,
    field_size: int = IMAGE_SIZE,
    min_separation: float = MIN_SEPARATION,
    border: float = 0.0,
) -> np.ndarray:
    """Return the true centres ``(x, y)`` (pixels) of the cells of a mosaic.

    The same cells as :func:`make_mosaic` with the same arguments. Only the centres
    inside the image, ``0 <= x < columns`` and ``0 <= y < rows``, are returned, or
    within ``border`` pixels of it (cells just outside still shine into the image).

    Examples
    --------
    >>> mosaic_centres((256, 256)).shape[1]
    2
    """
    rows, cols = _shape(shape)
    seed = as_count(seed, "seed")
    m = _model(n_cells, field_size, CELL_SIGMA, CELL_BRIGHTNESS, 0.0, min_separation)
    border = as_positive(border, "border", allow_zero=True)
    at_most(border, "border", max(rows, cols), "a border wider than the image")
    t, b = m["field_size"], math.ceil(border)
    c = _fields(seed, _field_range(-b, rows + b, t), _field_range(-b, cols + b, t), m)[0]
    c = c.reshape(-1, 2)
    inside = (
        (c[:, 0] >= -border)
        & (c[:, 0] < cols + border)
        & (c[:, 1] >= -border)
        & (c[:, 1] < rows + border)
    )
    return c[inside]


# --------------------------------------------------------------------- segmentation


def _as_dask_image(image: object, name: str = "image") -> da.Array:
    """A 2-D float64 dask array; a NumPy image is checked fully and wrapped."""
    if not isinstance(image, da.Array):
        arr = as_image(image, name)
        return da.from_array(arr.astype(np.float64, copy=False), chunks=DEFAULT_CHUNKS)
    if image.dtype == bool or not (
        np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)
    ):
        raise TypeError(f"{name} must be a numeric (integer or float) array, got {image.dtype}")
    if image.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows, columns), got {image.ndim}-D")
    if image.size == 0:
        raise ValueError(f"{name} is empty (shape {image.shape}); it needs at least one pixel")
    return image.astype(np.float64) if image.dtype != np.float64 else image


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
    threshold: float = THRESHOLD,
    min_size: int = MIN_CELL_SIZE,
    sigma: float = SMOOTH_SIGMA,
) -> tuple[da.Array, int]:
    """Segment an image of any size, chunk by chunk: ``segment(smooth(image))`` on Dask.

    1. Smooth with a Gaussian of ``sigma`` pixels, each chunk padded by its
       neighbours' pixels to the kernel's reach (``ceil(4σ)``; 8 px for σ = 2) with
       ``dask_image.ndfilters.gaussian_filter``, and reflected at the image's own edges
       like :func:`~cellseg_teach.filters.smooth`.
    2. Threshold, and keep the mask packed at one bit per pixel (``persist``): the
       image is read and smoothed once, however often the labels are computed.
    3. Label each chunk (4-connected); collect the pairs of labels that touch across
       chunk faces; merge them with a connected-components search on that small graph.
    4. Sum each cell's pixels over its chunks, drop cells below ``min_size``, number the
       rest 1..n_cells in raster order of their first pixel.

    The labels are the same as ``segment(smooth(image), threshold, min_size)``, pixel
    for pixel and number for number, whatever the chunking.

    Parameters
    ----------
    image : dask.array.Array or array-like, 2-D
        Intensities (a.u.); a NumPy image is checked and cut into chunks of
        :data:`DEFAULT_CHUNKS`. A dask image is not scanned for NaN (that would read
        it all); a NaN pixel is background.
    threshold : float
        Foreground threshold on the smoothed image (a.u.).
    min_size : int
        Smallest cell kept (pixels), counted over all chunks.
    sigma : float
        Width of the smoothing Gaussian (pixels), >= 0; 0 means no smoothing.

    Returns
    -------
    labels : dask.array.Array
        Lazy int32 label image with the chunks of the (smoothed) image, 0 = background.
    n_cells : int
        Number of cells kept.

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
    at_most(sigma, "sigma", max(arr.shape), "a blur wider than the image")
    depth = int(4.0 * sigma + 0.5)  # the filter's reach (truncated at 4 sigma), pixels
    if sigma > 0 and min(arr.shape) <= depth:
        # Smaller than the filter's reach: Dask cannot pad it with overlaps, and one
        # chunk holds it anyway, so smooth it in memory (the same filter and edge mode).
        small = ndimage.gaussian_filter(arr.compute(), sigma, mode="reflect")
        smoothed = da.from_array(small, chunks=arr.shape)
    else:
        smoothed = ndfilters.gaussian_filter(arr, sigma) if sigma > 0 else arr
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
    luts, n_cells = _merge(summaries, smoothed.chunks, min_size)
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
    return labels, n_cells


# --------------------------------------------------------------------- measurements


def _block_sums(lab: np.ndarray, img: np.ndarray, r0: int, c0: int) -> np.ndarray:
    """Per label present in a chunk: label, pixels, intensity sum, row sum, column sum."""
    ys, xs = np.nonzero(lab)
    vals = lab[ys, xs]
    if vals.size == 0:
        return np.zeros((5, 0))
    lo = vals.min()
    shifted = vals - lo
    count = np.bincount(shifted)
    here = np.flatnonzero(count)
    present, count = here + lo, count[here]
    sums = [np.bincount(shifted, weights=w)[here] for w in (img[ys, xs], ys, xs)]
    sums[1] = sums[1] + r0 * count
    sums[2] = sums[2] + c0 * count
    return np.vstack([present, count, *sums]).astype(np.float64)


def cell_table(labels: da.Array, image: object, n_cells: int | None = None) -> dict:
    """Return area, mean intensity and centroid of every cell, computed chunk by chunk.

    Each chunk reports sums for the labels it holds (pixels, intensity, row and column
    coordinates); the sums of a cell cut by chunk borders are added up at the end. Only
    these few numbers per cell ever leave a chunk.

    Parameters
    ----------
    labels : dask.array.Array of int, 2-D
        Label image, 0 = background (e.g. from :func:`segment_large`).
    image : dask.array.Array or array-like, 2-D
        Intensities (a.u.) to average over each cell, same shape as ``labels``.
    n_cells : int, optional
        Number of labels; default: the largest label found.

    Returns
    -------
    dict of numpy.ndarray
        ``label`` (1..n), ``area`` (pixels), ``mean_intensity`` (a.u.), ``x`` and ``y``
        (centroid column and row, pixels). A label with no pixels has area 0 and NaN
        for the rest.

    Examples
    --------
    >>> import numpy as np
    >>> lab = da.from_array(np.array([[1, 1, 0], [0, 2, 2]]), chunks=2)
    >>> table = cell_table(lab, np.array([[1.0, 3.0, 0.0], [0.0, 5.0, 5.0]]))
    >>> table["area"].tolist(), table["mean_intensity"].tolist(), table["x"].tolist()
    ([2, 2], [2.0, 5.0], [0.5, 1.5])
    """
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
    allp = np.hstack(parts)
    if allp.shape[1] and allp[0].min() < 0:
        raise ValueError(f"labels must be non-negative (0 = background), found {allp[0].min():g}")
    if allp.shape[1] and allp[0].max() > MAX_INT:
        raise ValueError(f"labels values must be below 2**53, found {allp[0].max():g}")
    ids = allp[0].astype(np.int64)
    n = int(ids.max()) if ids.size else 0
    if n_cells is not None:
        n = as_count(n_cells, "n_cells")
    total = [np.bincount(ids, weights=w, minlength=n + 1)[1 : n + 1] for w in allp[1:]]
    area = total[0].round().astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "label": np.arange(1, n + 1),
            "area": area,
            "mean_intensity": total[1] / area,
            "x": total[3] / area,
            "y": total[2] / area,
        }

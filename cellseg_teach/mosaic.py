"""A lazy synthetic mosaic: the course's image model at any size, chunk by chunk.

:func:`make_mosaic` returns a :class:`dask.array.Array` whose chunks are rendered only
when needed, identical bit for bit whatever the chunking; :func:`mosaic_centres` gives
its true cell centres. The model's parameters are a :class:`MosaicModel`. The chunked
segmentation of such an image is :mod:`cellseg_teach.scale`.

Requires the ``scale`` extra (``dask[array]``).
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass

import dask
import dask.array as da
import numpy as np

from ._checks import as_count, as_positive, as_shape
from .image_model import place_cells
from .parameters import (
    CELL_BRIGHTNESS,
    CELL_SIGMA,
    IMAGE_SIZE,
    MIN_SEPARATION,
    N_CELLS,
    NOISE_SCALE,
    SEED,
)

__all__ = ["DEFAULT_CHUNKS", "MosaicModel", "make_mosaic", "mosaic_centres"]

DEFAULT_CHUNKS: int = 2048
"""Default chunk side (pixels): 2048² float64 is 32 MiB, a comfortable task size."""

# A Gaussian is below 2.6e-18 of its peak beyond 9 sigma: cells farther away than that
# contribute nothing to a pixel in double precision, so rendering can ignore them.
_REACH_SIGMAS = 9.0
_MAX_ROUNDS = 50  # rounds of candidate draws before a field is declared too crowded


MAX_MOSAIC_PIXELS = 2**32
"""A mosaic is computed lazily, chunk by chunk, but its cells are placed field by field:
2**32 pixels (65,536²) is far beyond lesson 11's 20,000² and still answers in seconds."""


@dataclass(frozen=True)
class MosaicModel:
    """The image model of one field of a mosaic, checked (see :func:`make_mosaic`).

    Attributes
    ----------
    n_cells : int
        Cells per field, >= 0.
    field_size : int
        Side of one field (pixels), >= 2.
    cell_sigma : float
        Gaussian width of a cell (pixels), > 0 and at most ``field_size``.
    brightness : float
        Peak brightness of a cell (a.u.), >= 0.
    noise_scale : float
        Standard deviation of the Gaussian noise before clipping (a.u.), >= 0.
    min_separation : float
        Smallest centre-to-centre distance (pixels), >= 0.
    """

    n_cells: int = N_CELLS
    field_size: int = IMAGE_SIZE
    cell_sigma: float = CELL_SIGMA
    brightness: float = CELL_BRIGHTNESS
    noise_scale: float = NOISE_SCALE
    min_separation: float = MIN_SEPARATION

    def __post_init__(self) -> None:
        checked = {
            "n_cells": as_count(self.n_cells, "n_cells"),
            "field_size": as_count(self.field_size, "field_size", minimum=2, maximum=8192),
            "cell_sigma": as_positive(self.cell_sigma, "cell_sigma"),
            "brightness": as_positive(self.brightness, "brightness", allow_zero=True),
            "noise_scale": as_positive(self.noise_scale, "noise_scale", allow_zero=True),
            "min_separation": as_positive(
                self.min_separation, "min_separation", allow_zero=True
            ),
        }
        if checked["cell_sigma"] > checked["field_size"]:
            raise ValueError(
                f"cell_sigma must be at most field_size ({checked['field_size']} px): a cell "
                f"wider than its field is not the course's image model, got "
                f"{checked['cell_sigma']}"
            )
        for key, value in checked.items():
            object.__setattr__(self, key, value)
        # One placement with the course's function rejects an impossible request at
        # once, with its explanation (the packing bound).
        try:
            place_cells(self.n_cells, self.field_size, self.min_separation, seed=0)
        except ValueError as exc:
            raise ValueError(f"in a field of field_size={self.field_size} px: {exc}") from None

    @property
    def ring(self) -> int:
        """Fields within ``ring`` of a field hold every cell that can reach it."""
        margin = self.min_separation / 2
        return max(0, math.ceil((_REACH_SIGMAS * self.cell_sigma - margin) / self.field_size))


def _field_rng(seed: int, ti: int, tj: int) -> np.random.Generator:
    """The generator of field ``(ti, tj)``: independent of every other field.

    Field indices may be negative (fields just outside the image); a spawn key must
    not, so ``k`` is mapped to ``2k`` (k >= 0) or ``-2k - 1`` (k < 0), one to one.
    """
    key = tuple(2 * k if k >= 0 else -2 * k - 1 for k in (ti, tj))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


_CANDIDATES = 128  # candidate positions drawn per field at once


def _place_in_fields(rngs: list, m: MosaicModel) -> np.ndarray:
    """Cell centres ``(x, y)`` inside each field (field pixels), shape ``(F, n, 2)``.

    The same process as :func:`~cellseg_teach.image_model.place_cells` (random
    sequential placement: a candidate is kept if it is at least ``min_separation`` from
    the cells kept before it, and ``min_separation / 2`` from the field's edge), run on
    all fields of a chunk at once: each field draws its candidates from its own
    generator, and one loop over candidate number serves every field.
    """
    n, t, d = m.n_cells, m.field_size, m.min_separation
    lo, hi = d / 2, t - 1 - d / 2
    centres = np.full((len(rngs), n, 2), np.nan)
    count = np.zeros(len(rngs), dtype=np.int64)
    for _round in range(_MAX_ROUNDS):
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
        f" field_size={t} px field after {_MAX_ROUNDS * _CANDIDATES} random tries with this"
        " seed: use fewer cells per field, a smaller min_separation or another seed"
    )


def _fields(seed: int, tis: range, tjs: range, m: MosaicModel) -> tuple[np.ndarray, list]:
    """Centres ``(x, y)`` in image pixels of a block of fields, ``(len(tis), len(tjs), n, 2)``,
    and the fields' generators (ready to draw their noise)."""
    rngs = [_field_rng(seed, ti, tj) for ti in tis for tj in tjs]
    local = _place_in_fields(rngs, m).reshape(len(tis), len(tjs), m.n_cells, 2)
    t = m.field_size
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


def _mosaic_block(seed: int, m: MosaicModel, block_info: dict | None = None) -> np.ndarray:
    """Render one chunk: every field it overlaps, each field in full, then cropped.

    A pixel's value depends only on its field (the cells of the field and its
    neighbours, in a fixed order, and the field's noise), never on the chunk: this is
    what makes the mosaic identical for every chunking.
    """
    (r0, r1), (c0, c1) = block_info[None]["array-location"]
    t, ring, sigma = m.field_size, m.ring, m.cell_sigma
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
            field = np.einsum("ki,kj->ij", ey, m.brightness * ex)
            field += rngs[ti, tj].normal(0.0, m.noise_scale, field.shape)
            np.clip(field, 0.0, None, out=field)
            # Crop the field to the chunk.
            fr0, fc0 = ys[0], xs[0]
            lo_r, hi_r = max(fr0, r0), min(fr0 + t, r1)
            lo_c, hi_c = max(fc0, c0), min(fc0 + t, c1)
            out[lo_r - r0 : hi_r - r0, lo_c - c0 : hi_c - c0] = field[
                lo_r - fr0 : hi_r - fr0, lo_c - fc0 : hi_c - fc0
            ]
    return out


def make_mosaic(
    shape: int | tuple[int, int],
    *,
    chunks: int | tuple[int, int] = DEFAULT_CHUNKS,
    seed: int = SEED,
    n_cells: int = N_CELLS,
    field_size: int = IMAGE_SIZE,
    cell_sigma: float = CELL_SIGMA,
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
    cell_sigma, brightness, noise_scale, min_separation : float
        The image model's cell width (pixels, at most ``field_size``), peak brightness
        (a.u.), noise standard deviation before clipping (a.u.) and minimum centre
        distance (pixels); see :class:`MosaicModel`.

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
    rows, cols = as_shape(shape, max_pixels=MAX_MOSAIC_PIXELS)
    seed = as_count(seed, "seed")
    crow, ccol = as_shape(chunks, "chunks")
    m = MosaicModel(n_cells, field_size, cell_sigma, brightness, noise_scale, min_separation)
    normal = da.core.normalize_chunks((crow, ccol), (rows, cols))
    token = dask.base.tokenize(rows, cols, normal, seed, astuple(m))
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
    *,
    seed: int = SEED,
    n_cells: int = N_CELLS,
    field_size: int = IMAGE_SIZE,
    min_separation: float = MIN_SEPARATION,
    border: float = 0.0,
) -> np.ndarray:
    """Return the true centres ``(x, y)`` (pixels) of the cells of a mosaic.

    The same cells as :func:`make_mosaic` with the same arguments. Only the centres
    inside the image, ``0 <= x < columns`` and ``0 <= y < rows``, are returned, or
    within ``border`` pixels of it (cells just outside still shine into the image);
    ``border`` is at most the image's longer side.

    Examples
    --------
    >>> mosaic_centres((256, 256)).shape[1]
    2
    """
    rows, cols = as_shape(shape, max_pixels=MAX_MOSAIC_PIXELS)
    seed = as_count(seed, "seed")
    m = MosaicModel(n_cells, field_size, CELL_SIGMA, CELL_BRIGHTNESS, 0.0, min_separation)
    border = as_positive(border, "border", allow_zero=True)
    if border > max(rows, cols):
        raise ValueError(
            f"border must be at most the image's longer side ({max(rows, cols)} px), "
            f"got {border}"
        )
    t, b = m.field_size, math.ceil(border)
    c = _fields(seed, _field_range(-b, rows + b, t), _field_range(-b, cols + b, t), m)[0]
    c = c.reshape(-1, 2)
    inside = (
        (c[:, 0] >= -border)
        & (c[:, 0] < cols + border)
        & (c[:, 1] >= -border)
        & (c[:, 1] < rows + border)
    )
    return c[inside]

"""The synthetic fluorescence image: Gaussian cells, additive noise, clipping.

A cell is a 2-D Gaussian blob of peak brightness ``B`` and width ``cell_sigma`` = σ (pixels)
centred at ``(x_c, y_c)``:

.. math:: I(x, y) = B \\exp\\left(-\\frac{(x - x_c)^2 + (y - y_c)^2}{2\\sigma^2}\\right)

Cells are summed, Gaussian noise of standard deviation ``noise_scale`` is added to
every pixel and negative values are clipped to zero (a negative photon count is
unphysical). Coordinates follow the image convention: ``x`` is the column index and
``y`` the row index, so pixel ``image[y, x]``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from ._checks import as_centres, as_count, as_positive, as_real, as_shape, at_most
from .parameters import (
    CELL_BRIGHTNESS,
    CELL_SIGMA,
    IMAGE_SIZE,
    MIN_SEPARATION,
    N_CELLS,
    NOISE_SCALE,
    SEED,
    SMOOTH_SIGMA,
    THRESHOLD,
)

__all__ = [
    "make_image",
    "make_pure_noise",
    "place_cells",
    "render_cells",
    "true_labels",
]

# Densest packing of equal discs in the plane (hexagonal): no placement can beat it.
_HEX_PACKING_DENSITY = math.pi / math.sqrt(12.0)


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        as_count(seed, "seed")
    return np.random.default_rng(seed)


def _brightness(brightness: object, n: int) -> np.ndarray:
    """One finite, non-negative brightness per cell (a.u.), or raise naming it."""
    if isinstance(brightness, (str, bytes)) or brightness is None:
        raise TypeError(f"brightness must be a number or one per cell, got {brightness!r}")
    try:
        b = np.broadcast_to(np.asarray(brightness, dtype=float), (n,))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"brightness must be a number or one number per cell: {exc}") from None
    if not np.isfinite(b).all() or (b < 0).any():
        raise ValueError("brightness must be finite and >= 0")
    return b


def place_cells(
    n_cells: int = N_CELLS,
    image_size: int = IMAGE_SIZE,
    min_separation: float = MIN_SEPARATION,
    seed: int | np.random.Generator | None = SEED,
    margin: float | None = None,
    batch: int = 256,
    max_batches: int = 200,
) -> np.ndarray:
    """Place cell centres at random, no two closer than ``min_separation``.

    Random sequential placement ("dart throwing"): for each cell a batch of uniform
    candidates is drawn and the first one far enough from every accepted centre is
    kept. The search is bounded, so an impossible request fails instead of looping.

    Parameters
    ----------
    n_cells : int
        Number of centres to place.
    image_size : int or (int, int)
        Side of the square image, or its ``(rows, columns)`` (pixels).
    min_separation : float
        Smallest allowed centre-to-centre distance (pixels).
    seed : int, numpy.random.Generator or None
        Seed or generator; a generator is advanced in place.
    margin : float, optional
        Smallest distance from a centre to the image edge (pixels). Default
        ``min_separation / 2``, which keeps a cell of the default size inside the image.
    batch, max_batches : int
        Candidates drawn per attempt and attempts per cell before giving up.

    Returns
    -------
    numpy.ndarray
        Float array of shape ``(n_cells, 2)``: column 0 is ``x`` (column index),
        column 1 is ``y`` (row index), in pixels.

    Raises
    ------
    ValueError
        If the cells cannot fit: either the packing bound rules it out at once, or
        ``max_batches * batch`` candidates for one cell all failed.

    Examples
    --------
    >>> centres = place_cells(5, 64, 12, seed=1)
    >>> centres.shape
    (5, 2)
    """
    n_cells = as_count(n_cells, "n_cells")
    rows, cols = as_shape(image_size, "image_size")
    min_separation = as_positive(min_separation, "min_separation", allow_zero=True)
    if 0 < min_separation < 0.01:  # the placement grid has squares of side d / √2
        raise ValueError(f"min_separation must be 0 or at least 0.01 px, got {min_separation}")
    margin_name = "margin" if margin is not None else "min_separation / 2 (the margin)"
    if margin is None:
        margin = min_separation / 2
    margin = as_positive(margin, "margin", allow_zero=True)
    batch = as_count(batch, "batch", minimum=1, maximum=100_000)
    max_batches = as_count(max_batches, "max_batches", minimum=1, maximum=100_000)
    rng = _rng(seed)
    lo = margin
    hi = np.array([cols - 1 - margin, rows - 1 - margin])  # x, then y
    size = f"{rows}x{cols}" if rows != cols else f"{rows}"
    if n_cells and hi.min() < lo:
        raise ValueError(
            f"{margin_name}={margin} leaves no room for a centre in an image_size of {size} px"
        )
    # Discs of radius d/2 around the centres are disjoint and lie in a rectangle of
    # sides (hi - lo) + d, so their total area cannot exceed the hexagonal packing density.
    room = float(np.prod(hi - lo + min_separation))
    needed = n_cells * math.pi * min_separation**2 / 4
    if n_cells > 1 and needed > _HEX_PACKING_DENSITY * room:
        raise ValueError(
            f"n_cells={n_cells} cells at least min_separation={min_separation} px apart cannot"
            f" fit in a {size} px image (image_size) with a {margin} px margin (they would need "
            f"{needed:.0f} px² of a {_HEX_PACKING_DENSITY * room:.0f} px² maximum); "
            "use fewer cells, a smaller min_separation or a larger image"
        )
    if rows == cols:  # keep the square case's random stream exactly as it always was
        hi = float(hi[0])
    centres = np.empty((n_cells, 2))
    if n_cells == 0:
        return centres
    # A grid of squares of side d/√2 holds at most one centre per square, so a
    # candidate only needs checking against the 5×5 squares around its own.
    step = min_separation / math.sqrt(2) if min_separation > 0 else float(max(rows, cols))
    n_grid = int((np.max(hi) + 1) // step) + 1
    grid = np.full((n_grid + 4, n_grid + 4, 2), np.inf)  # padded by 2 on each side
    offsets = np.stack(np.meshgrid(np.arange(-2, 3), np.arange(-2, 3)), -1).reshape(-1, 2)
    d2 = min_separation**2
    for i in range(n_cells):
        for _ in range(max_batches):
            cand = rng.uniform(lo, hi, size=(batch, 2))
            cell = (cand // step).astype(int) + 2
            near = grid[cell[:, None, 0] + offsets[:, 0], cell[:, None, 1] + offsets[:, 1]]
            ok = np.flatnonzero((((near - cand[:, None, :]) ** 2).sum(axis=2) >= d2).all(axis=1))
            if ok.size:
                centres[i] = cand[ok[0]]
                grid[cell[ok[0], 0], cell[ok[0], 1]] = cand[ok[0]]
                break
        else:
            raise ValueError(
                f"could not place cell {i + 1} of n_cells={n_cells} at least min_separation="
                f"{min_separation} px from the others after max_batches * batch ="
                f" {max_batches * batch} random tries; the image is "
                "too crowded: use fewer cells, a smaller min_separation or a larger image"
                " (image_size)"
            )
    return centres


def render_cells(
    centres: object,
    shape: tuple[int, int] | int = IMAGE_SIZE,
    cell_sigma: float = CELL_SIGMA,
    brightness: float | np.ndarray = CELL_BRIGHTNESS,
) -> np.ndarray:
    """Return the noise-free image: a sum of Gaussian cells.

    Each Gaussian is separable, ``exp(-dx²/2σ²)·exp(-dy²/2σ²)``, so the sum over cells
    is one matrix product of a (rows × cells) and a (cells × columns) matrix.

    Parameters
    ----------
    centres : array-like, shape (n, 2)
        Cell centres as ``(x, y)`` in pixels.
    shape : int or (rows, columns)
        Image shape (pixels); an int means a square image.
    cell_sigma : float
        Gaussian width of every cell (pixels), > 0.
    brightness : float or array of shape (n,)
        Peak brightness of each cell (a.u.), >= 0.

    Returns
    -------
    numpy.ndarray
        Float64 image of the given shape (a.u.).

    Examples
    --------
    >>> img = render_cells([[10, 20]], shape=(40, 30), cell_sigma=3)
    >>> float(img[20, 10])
    1.0
    """
    centres = as_centres(centres)
    rows, cols = as_shape(shape)
    cell_sigma = as_positive(cell_sigma, "cell_sigma")
    b = _brightness(brightness, len(centres))
    ex = np.exp(-0.5 * ((np.arange(cols)[None, :] - centres[:, :1]) / cell_sigma) ** 2)
    ey = np.exp(-0.5 * ((np.arange(rows)[None, :] - centres[:, 1:]) / cell_sigma) ** 2)
    return ey.T @ (b[:, None] * ex)


def make_image(
    n_cells: int = N_CELLS,
    cell_sigma: float = CELL_SIGMA,
    brightness: float = CELL_BRIGHTNESS,
    noise_scale: float = NOISE_SCALE,
    image_size: int = IMAGE_SIZE,
    seed: int | np.random.Generator | None = SEED,
    min_separation: float = MIN_SEPARATION,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(image, centres)`` for a synthetic fluorescence image.

    The random generator first places the cells (:func:`place_cells`), then draws
    the noise, so the same seed always gives the same image.

    Parameters
    ----------
    n_cells : int
        Number of cells.
    cell_sigma : float
        Gaussian width of each cell (pixels).
    brightness : float
        Peak brightness of each cell (a.u.).
    noise_scale : float
        Standard deviation of the Gaussian noise before clipping (a.u.), >= 0.
    image_size : int
        Side of the square image (pixels).
    seed : int, numpy.random.Generator or None
        Seed of the random number generator.
    min_separation : float
        Smallest centre-to-centre distance (pixels).

    Returns
    -------
    image : numpy.ndarray
        Float64 array ``(image_size, image_size)``, values >= 0 (a.u.). Values are
        clipped at zero only; the seed's docstring says "[0, 1]" but a bright pixel
        plus noise can exceed 1, as on a real camera below saturation.
    centres : numpy.ndarray
        ``(n_cells, 2)`` true centres as ``(x, y)`` pixels.

    Examples
    --------
    >>> image, centres = make_image()
    >>> image.shape, centres.shape
    ((128, 128), (8, 2))
    """
    noise_scale = as_positive(noise_scale, "noise_scale", allow_zero=True)
    as_positive(brightness, "brightness", allow_zero=True)
    rng = _rng(seed)
    centres = place_cells(n_cells, image_size, min_separation, rng)
    image = render_cells(centres, image_size, cell_sigma, brightness)
    image += rng.normal(0.0, noise_scale, image.shape)
    np.clip(image, 0.0, None, out=image)  # negative photon counts are unphysical
    return image, centres


def make_pure_noise(
    noise_scale: float = NOISE_SCALE,
    image_size: int = IMAGE_SIZE,
    seed: int | np.random.Generator | None = SEED,
) -> np.ndarray:
    """Return an image with no cells: Gaussian noise clipped at zero.

    Because of the clipping, this noise is not zero-mean: its mean is
    ``noise_scale / sqrt(2π)`` (see :func:`cellseg_teach.theory.clipped_noise_mean`).

    Parameters
    ----------
    noise_scale : float
        Standard deviation of the noise before clipping (a.u.).
    image_size : int
        Side of the square image (pixels).
    seed : int, numpy.random.Generator or None
        Seed of the random number generator.

    Returns
    -------
    numpy.ndarray
        Float64 array ``(image_size, image_size)`` with values >= 0.
    """
    noise_scale = as_positive(noise_scale, "noise_scale", allow_zero=True)
    image_size = as_count(image_size, "image_size", minimum=1, maximum=2**13, why="2**26 pixels")
    rng = _rng(seed)
    return np.maximum(rng.normal(0.0, noise_scale, (image_size, image_size)), 0.0)


def true_labels(
    centres: object,
    shape: tuple[int, int] | int = IMAGE_SIZE,
    cell_sigma: float = CELL_SIGMA,
    brightness: float | np.ndarray = CELL_BRIGHTNESS,
    threshold: float = THRESHOLD,
    smooth_sigma: float = SMOOTH_SIGMA,
) -> np.ndarray:
    """Return the ideal segmentation: what a perfect pipeline would label.

    A pixel belongs to the foreground when the *noise-free, smoothed* image exceeds
    ``threshold``, and to the cell whose smoothed contribution there is largest.
    Cell ``i`` (row ``i`` of ``centres``) gets label ``i + 1``; a cell too dim to
    cross the threshold has no pixels.

    Parameters
    ----------
    centres : array-like, shape (n, 2)
        True centres as ``(x, y)`` pixels.
    shape : int or (rows, columns)
        Image shape (pixels).
    cell_sigma, brightness : float
        Cell width (pixels) and peak brightness (a.u.), as given to the generator;
        ``brightness`` may be one value per cell.
    threshold : float
        Foreground threshold on the smoothed image (a.u.).
    smooth_sigma : float
        Width of the smoothing kernel (pixels); 0 means no smoothing.

    Returns
    -------
    numpy.ndarray
        Int32 label image, 0 = background.

    Examples
    --------
    >>> labels = true_labels([[20, 20], [60, 20]], shape=(40, 80))
    >>> sorted(set(labels.ravel().tolist()))
    [0, 1, 2]
    """
    centres = as_centres(centres)
    rows, cols = as_shape(shape)
    threshold = as_real(threshold, "threshold")
    smooth_sigma = as_positive(smooth_sigma, "smooth_sigma", allow_zero=True)
    cell_sigma = as_positive(cell_sigma, "cell_sigma")
    at_most(cell_sigma, "cell_sigma", 1e6, "wider than any microscope image")
    at_most(smooth_sigma, "smooth_sigma", 1e6, "wider than any microscope image")
    s_eff = math.hypot(cell_sigma, smooth_sigma)
    b = _brightness(brightness, len(centres))
    b_eff = b * cell_sigma**2 / s_eff**2
    labels = np.zeros((rows, cols), dtype=np.int32)
    if len(centres) == 0:
        return labels
    clean = render_cells(centres, (rows, cols), s_eff, b_eff)
    fg = clean > threshold
    ys, xs = np.nonzero(fg)
    pix = np.column_stack([xs, ys]).astype(float)
    # The owner maximises log(B_i) - d_i²/(2σ²); look among the nearest few centres.
    k = min(len(centres), 8)
    dist, idx = cKDTree(centres).query(pix, k=k)
    dist, idx = dist.reshape(len(pix), k), idx.reshape(len(pix), k)
    with np.errstate(divide="ignore"):
        score = np.log(b_eff[idx]) - dist**2 / (2 * s_eff**2)
    labels[ys, xs] = idx[np.arange(len(pix)), score.argmax(axis=1)] + 1
    return labels

"""The whole live/dead pipeline on one frame or a time-lapse.

Per frame (brightfield, Hoechst, Draq7 → five-class mask):

1. cell area: Sobel gradient magnitude of the brightfield image → max-of-tiles
   threshold → closing (dilate ×2, erode ×2 with a disk) → fill holes → drop small
   objects → shrink by ``shrink`` pixels (the gradient band reaches past the cell edge
   by the width of the bright halo plus the Sobel kernel's reach; the article does not
   shrink, and its areas are too large by that margin);
2. nuclei: threshold each fluorescence channel (:func:`~.nuclei.nucleus_threshold`),
   opening, drop specks;
3. cells: nucleus-seeded watershed restricted to the cell area (:func:`~.watershed.
   segregate_cells`, whose markers are the nuclei only, so none collides with the background);
4. live/dead: a nucleus is dead when half of it or more is in the Draq7 mask; in a
   time-lapse, :func:`run_timelapse` uses one Draq7 threshold for all frames
   (:func:`~.nuclei.timelapse_threshold`), not one per frame;
5. mask: cell area 1, outlines 2, nuclei of live cells 3, of dead cells 4 (later on
   top). Unlike the article, which paints the raw Hoechst and Draq7 masks, the nucleus
   classes follow the per-nucleus call, so a dead nucleus with residual Hoechst stain
   is class 4 throughout.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import as_count, as_image, as_positive, as_real, at_most
from ..morphology import close_mask, erode_mask, fill_holes, remove_small_objects
from ..thresholds import max_of_tiles_threshold
from .gradient import sobel_magnitude
from .masks import CELL_AREA, CELL_OUTLINE, DRAQ7_NUCLEUS, HOECHST_NUCLEUS
from .nuclei import call_dead, nucleus_mask, nucleus_threshold, timelapse_threshold
from .watershed import segregate_cells

__all__ = [
    "DEFAULTS",
    "FrameResult",
    "TimeLapseResult",
    "cell_area_mask",
    "run_timelapse",
    "segment_frame",
]

DEFAULTS: dict[str, object] = {
    "gradient_smoothing": 0.0,
    "area_coarseness": 8,
    "area_offset": 3.0,
    "area_bin_width": None,
    "close_radius": 2,
    "close_iterations": 2,
    "shrink": 3,
    "min_cell_size": 150,
    "nucleus_method": "otsu+tiles",
    "nucleus_coarseness": 16,
    "nucleus_offset": 1.2,
    "opening_radius": 1,
    "min_nucleus_size": 12,
    "dead_fraction": 0.5,
    "outline_width": 1,
    "draq7_threshold": None,
}
"""Default parameters of :func:`segment_frame` (pixels and ratios; see its docstring).

The gradient threshold uses small tiles (8 px: most tiles then hold background alone),
automatic histogram bins (few votes per value otherwise) and a ratio of 3 (the article's
1.1–1.2 leaves the cell areas several pixels too wide on our images; ratios 2–4 give
areas within a few percent of IoU of each other). ``draq7_threshold=None`` lets
:func:`segment_frame` choose the Draq7 threshold from its frame; :func:`run_timelapse`
passes one threshold for the whole time-lapse instead."""


class FrameResult(NamedTuple):
    """Everything :func:`segment_frame` finds in one frame.

    Attributes
    ----------
    cell_labels : numpy.ndarray of int32
        Cell instances (cell ``k`` grew from nucleus ``k``); 0 = background.
    nucleus_labels : numpy.ndarray of int32
        Nuclei, labels 1..n.
    dead : numpy.ndarray of bool
        ``(n,)``: the live/dead call of nucleus ``k`` at index ``k - 1``.
    classes : numpy.ndarray of uint8
        Five-class mask (0–4).
    cell_area, hoechst_mask, draq7_mask : numpy.ndarray of bool
        Intermediate masks.
    thresholds : dict of str to float
        ``"gradient"``, ``"hoechst"``, ``"draq7"`` thresholds (image units).
    """

    cell_labels: np.ndarray
    nucleus_labels: np.ndarray
    dead: np.ndarray
    classes: np.ndarray
    cell_area: np.ndarray
    hoechst_mask: np.ndarray
    draq7_mask: np.ndarray
    thresholds: dict

    @property
    def n_cells(self) -> int:
        """Number of cells found (nuclei whose cell has at least one pixel)."""
        return int(np.count_nonzero(np.bincount(self.cell_labels.ravel())[1:]))


class TimeLapseResult(NamedTuple):
    """Per-frame results of :func:`run_timelapse` (intermediate masks are not kept).

    Attributes
    ----------
    cell_labels : numpy.ndarray of int32, (T, H, W)
    classes : numpy.ndarray of uint8, (T, H, W)
    dead : list of numpy.ndarray of bool
        Live/dead call per nucleus, one array per frame.
    n_cells : numpy.ndarray of int, (T,)
        Cells found per frame.
    draq7_threshold : float or None
        The Draq7 threshold applied to every frame (ADU); None when each frame chose
        its own.
    """

    cell_labels: np.ndarray
    classes: np.ndarray
    dead: list
    n_cells: np.ndarray
    draq7_threshold: float | None = None


def _grey(image: object, name: str) -> np.ndarray:
    arr = np.asarray(image) if not isinstance(image, (str, bytes)) else image
    if isinstance(arr, np.ndarray) and arr.ndim == 3 and arr.shape[-1] in (3, 4):
        raise ValueError(
            f"{name} looks like a colour image (shape {arr.shape}); pass one grey channel "
            "(rows, columns), e.g. the camera frame of that channel"
        )
    out = as_image(arr, name)
    if max(abs(float(out.min())), abs(float(out.max()))) > 2.0**32:
        raise ValueError(f"{name} values must be within ±2**32 (a camera's range), got {out.max()}")
    return out


# How each parameter is checked, under the name the caller used: a count (with its
# minimum) bounded by the image's longer side, a width in pixels, a positive number
# (None allowed where the default is None), a fraction, or one of the nucleus methods.
_SIDE_COUNTS = {
    "area_coarseness": 1, "close_radius": 0, "close_iterations": 0, "shrink": 0,
    "nucleus_coarseness": 1, "opening_radius": 0, "outline_width": 1,
}  # fmt: skip
_COUNTS = {"min_cell_size": 0, "min_nucleus_size": 0}
_POSITIVE = ("area_offset", "nucleus_offset", "area_bin_width")
_NUCLEUS_METHODS = ("otsu+tiles", "otsu", "tiles")


def _params(kwargs: dict, shape: tuple[int, ...] | None = None) -> dict:
    """DEFAULTS updated with ``kwargs``, each value checked under its own name.

    With ``shape`` (the frame's rows and columns), sizes are also bounded by the
    image: a radius, a tile or an outline wider than the frame has no meaning.
    """
    unknown = set(kwargs) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown parameters {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    p = {**DEFAULTS, **kwargs}
    # Sizes up to 16 px are always accepted (the defaults work on any frame); beyond
    # that, no radius, tile or outline may be wider than half the frame.
    side = max(16, max(shape) // 2) if shape else None
    why = "wider than half the brightfield frame" if shape else ""
    for name, low in _SIDE_COUNTS.items():
        p[name] = as_count(p[name], name, minimum=low, maximum=side, why=why)
    for name, low in _COUNTS.items():
        p[name] = as_count(p[name], name, minimum=low)
    for name in _POSITIVE:
        if p[name] is not None:  # None: no offset / automatic bin width
            p[name] = at_most(as_positive(p[name], name), name, 1e6, "a ratio or bin width")
    p["gradient_smoothing"] = as_positive(p["gradient_smoothing"], "gradient_smoothing",
                                          allow_zero=True)  # fmt: skip
    if side:
        at_most(p["gradient_smoothing"], "gradient_smoothing", side, why)
    at_most(as_positive(p["dead_fraction"], "dead_fraction"), "dead_fraction", 1.0, "a fraction")
    if not isinstance(p["nucleus_method"], str) or p["nucleus_method"] not in _NUCLEUS_METHODS:
        raise ValueError(
            f"nucleus_method must be one of {_NUCLEUS_METHODS}, got {p['nucleus_method']!r}"
        )
    return p


def cell_area_mask(
    brightfield: object,
    *,
    gradient_smoothing: float = DEFAULTS["gradient_smoothing"],
    area_coarseness: int = DEFAULTS["area_coarseness"],
    area_offset: float = DEFAULTS["area_offset"],
    area_bin_width: float | None = DEFAULTS["area_bin_width"],
    close_radius: int = DEFAULTS["close_radius"],
    close_iterations: int = DEFAULTS["close_iterations"],
    shrink: int = DEFAULTS["shrink"],
    min_cell_size: int = DEFAULTS["min_cell_size"],
) -> tuple[np.ndarray, float]:
    """Cell area from the brightfield image (step 1 of the module docstring).

    Parameters
    ----------
    brightfield : array-like, 2-D
        Brightfield image (ADU).
    gradient_smoothing : float
        Gaussian smoothing before the Sobel filter (pixels; 0 = none, as the article).
    area_coarseness, area_offset, area_bin_width
        Tile side (pixels), ratio and histogram bin width (None = automatic) of the
        max-of-tiles threshold of the gradient
        (:func:`~cellseg_teach.thresholds.max_of_tiles_threshold`).
    close_radius, close_iterations : int
        Disk radius (pixels) and number of dilations/erosions of the closing.
    shrink : int
        Final erosion by a disk of this radius (pixels), 0 = none.
    min_cell_size : int
        Smallest connected piece of cell area kept (pixels), before shrinking.

    Returns
    -------
    area : numpy.ndarray of bool
    threshold : float
        Threshold applied to the gradient magnitude.

    Examples
    --------
    A dark ring of radius 12 px (a cell's edge) on a noisy background:

    >>> import numpy as np
    >>> yy, xx = np.indices((128, 128))
    >>> ring = np.abs(np.hypot(yy - 64, xx - 64) - 12) < 1.5
    >>> noise = np.random.default_rng(0).normal(0, 50, (128, 128))   # camera noise, ADU
    >>> bf = (np.where(ring, 7000, 10000) + noise).astype(np.uint16)
    >>> area, _ = cell_area_mask(bf)
    >>> bool(area[64, 64]), bool(area[5, 5]), abs(int(area.sum()) - 452) < 25   # π 12² ≈ 452
    (True, False, True)
    """
    frame = _grey(brightfield, "brightfield")
    given = {
        "gradient_smoothing": gradient_smoothing, "area_coarseness": area_coarseness,
        "area_offset": area_offset, "area_bin_width": area_bin_width,
        "close_radius": close_radius, "close_iterations": close_iterations,
        "shrink": shrink, "min_cell_size": min_cell_size,
    }  # fmt: skip
    checked = _params(given, frame.shape)
    gradient_smoothing, area_coarseness, area_offset, area_bin_width = (
        checked[k] for k in ("gradient_smoothing", "area_coarseness", "area_offset",
                             "area_bin_width")
    )  # fmt: skip
    grad = sobel_magnitude(frame, smooth_sigma=gradient_smoothing)
    threshold = max_of_tiles_threshold(
        grad, coarseness=area_coarseness, offset=area_offset, bin_width=area_bin_width
    )
    area = close_mask(grad > threshold, radius=close_radius, iterations=close_iterations)
    area = remove_small_objects(fill_holes(area), min_size=min_cell_size)
    shrink = as_count(shrink, "shrink")
    if shrink:
        area = erode_mask(area, radius=shrink, outside=True)  # binary_erosion by disk(shrink)
    return area, threshold


def segment_frame(
    brightfield: object, hoechst: object, draq7: object, **params: object
) -> FrameResult:
    """Segment one frame into cells, nuclei, live/dead calls and the five-class mask.

    Parameters
    ----------
    brightfield, hoechst, draq7 : array-like, 2-D, same shape
        The three channels (uint16 ADU or float), grey images.
    **params
        Any of :data:`DEFAULTS`: ``gradient_smoothing``, ``area_coarseness``,
        ``area_offset``, ``area_bin_width``, ``close_radius``, ``close_iterations``, ``shrink``,
        ``min_cell_size`` (see :func:`cell_area_mask`); ``nucleus_method``,
        ``nucleus_coarseness``, ``nucleus_offset`` (:func:`~.nuclei.nucleus_threshold`),
        ``opening_radius``, ``min_nucleus_size`` (:func:`~.nuclei.nucleus_mask`);
        ``dead_fraction`` (:func:`~.nuclei.call_dead`); ``outline_width`` (pixels);
        ``draq7_threshold`` (ADU; None = chosen from this frame by
        :func:`~.nuclei.nucleus_threshold`).

    Returns
    -------
    FrameResult

    Raises
    ------
    ValueError
        If a channel is not 2-D (a colour image gets its own message) or the channels
        differ in shape (the message names the channel).
    TypeError
        For an unknown parameter.

    Examples
    --------
    >>> from cellseg_teach.livedead import make_frame
    >>> f = make_frame(shape=(128, 128), seed=4)
    >>> res = segment_frame(f.brightfield, f.hoechst, f.draq7)
    >>> res.classes.shape, res.classes.dtype.name
    ((128, 128), 'uint8')
    """
    bf = _grey(brightfield, "brightfield")
    p = _params(params, bf.shape)
    chans = {"hoechst": _grey(hoechst, "hoechst"), "draq7": _grey(draq7, "draq7")}
    for name, arr in chans.items():
        if arr.shape != bf.shape:
            raise ValueError(
                f"{name} has shape {arr.shape}, but brightfield has shape {bf.shape}; "
                "the three channels must be the same frame"
            )
    area_keys = (
        "gradient_smoothing", "area_coarseness", "area_offset", "area_bin_width",
        "close_radius", "close_iterations", "shrink", "min_cell_size",
    )  # fmt: skip
    area, t_grad = cell_area_mask(bf, **{k: p[k] for k in area_keys})
    thresholds = {"gradient": t_grad}
    masks = {}
    fixed = {"draq7": p["draq7_threshold"]}
    for name, img in chans.items():
        if fixed.get(name) is not None:
            thresholds[name] = as_real(fixed[name], f"{name}_threshold")
        else:
            thresholds[name] = nucleus_threshold(
                img,
                method=p["nucleus_method"],
                coarseness=p["nucleus_coarseness"],
                offset=p["nucleus_offset"],
            )
        masks[name] = nucleus_mask(
            img,
            threshold=thresholds[name],
            opening_radius=p["opening_radius"],
            min_size=p["min_nucleus_size"],
        )
    seg = segregate_cells(
        area, masks["hoechst"], masks["draq7"], outline_width=p["outline_width"]
    )
    dead_fraction = as_positive(p["dead_fraction"], "dead_fraction")
    dead = call_dead(seg.nucleus_labels, masks["draq7"], min_fraction=dead_fraction)
    classes = np.zeros(bf.shape, dtype=np.uint8)
    classes[seg.cell_labels > 0] = CELL_AREA
    classes[seg.outlines] = CELL_OUTLINE
    nuc = seg.nucleus_labels
    dead_of_label = np.r_[False, dead]
    classes[(nuc > 0) & ~dead_of_label[nuc]] = HOECHST_NUCLEUS
    classes[(nuc > 0) & dead_of_label[nuc]] = DRAQ7_NUCLEUS
    return FrameResult(
        seg.cell_labels, nuc, dead, classes, area, masks["hoechst"], masks["draq7"], thresholds
    )


def run_timelapse(
    brightfield: object, hoechst: object, draq7: object, **params: object
) -> TimeLapseResult:
    """Run :func:`segment_frame` on every frame of a time-lapse.

    Parameters
    ----------
    brightfield, hoechst, draq7 : array-like, (T, H, W), same shape
        The channel stacks; ``run_timelapse(**timelapse.frames)`` works with the
        output of :func:`~cellseg_teach.livedead.synthetic.make_timelapse`.
    **params
        As in :func:`segment_frame`, except ``draq7_threshold``: by default
        (``"pooled"``) one threshold for every frame,
        :func:`~.nuclei.timelapse_threshold` of the Draq7 stack; a number (ADU) is used
        as it is; None lets each frame choose its own (the threshold then changes
        with what the frame holds, and the frames before any death get a far lower
        one).

    Returns
    -------
    TimeLapseResult

    Examples
    --------
    >>> from cellseg_teach.livedead import make_timelapse
    >>> tl = make_timelapse(n_frames=2, shape=(96, 96), seed=4)
    >>> res = run_timelapse(**tl.frames)
    >>> res.classes.shape, len(res.dead)
    ((2, 96, 96), 2)
    """
    draq7_threshold = params.pop("draq7_threshold", "pooled")
    stacks = {}
    for name, arr in (("brightfield", brightfield), ("hoechst", hoechst), ("draq7", draq7)):
        a = np.asarray(arr)
        if a.ndim != 3:
            raise ValueError(f"{name} must be a (frames, rows, columns) stack, got shape {a.shape}")
        if stacks and a.shape != stacks["brightfield"].shape:
            raise ValueError(
                f"{name} has shape {a.shape}, but brightfield has {stacks['brightfield'].shape}"
            )
        stacks[name] = a
    T = stacks["brightfield"].shape[0]
    shape = stacks["brightfield"].shape[1:]
    # every parameter checked under its own name (sizes against the frame), before any work
    _params(params, shape if 0 not in shape else None)
    if isinstance(draq7_threshold, str):
        if draq7_threshold != "pooled":
            raise ValueError(
                "draq7_threshold must be 'pooled', a number (ADU) or None, "
                f"got {draq7_threshold!r}"
            )
        draq7_threshold = timelapse_threshold(
            stacks["draq7"],
            method=params.get("nucleus_method", DEFAULTS["nucleus_method"]),
            coarseness=params.get("nucleus_coarseness", DEFAULTS["nucleus_coarseness"]),
            offset=params.get("nucleus_offset", DEFAULTS["nucleus_offset"]),
        )
    elif draq7_threshold is not None:
        draq7_threshold = as_real(draq7_threshold, "draq7_threshold")
    labels = np.zeros((T, *shape), dtype=np.int32)
    classes = np.zeros((T, *shape), dtype=np.uint8)
    dead, counts = [], np.zeros(T, dtype=int)
    for t in range(T):
        res = segment_frame(
            stacks["brightfield"][t], stacks["hoechst"][t], stacks["draq7"][t],
            draq7_threshold=draq7_threshold, **params,
        )
        labels[t], classes[t] = res.cell_labels, res.classes
        dead.append(res.dead)
        counts[t] = res.n_cells
    return TimeLapseResult(labels, classes, dead, counts, draq7_threshold)

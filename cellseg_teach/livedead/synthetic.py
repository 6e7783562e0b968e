"""Synthetic live/dead time-lapse with ground truth: brightfield, Hoechst and Draq7.

The scene
---------
``n_cells`` cells sit still for the whole experiment. Each cell body is a slightly wobbly
ellipse (semi-axes ``cell_radius`` ≈ 10–14 px) with a smaller elliptical nucleus
(``nucleus_radius`` ≈ 4–6 px) near its centre. Centres are at least ``min_separation``
pixels apart, less than a typical diameter, so some cells touch or overlap a little;
where two bodies overlap a pixel belongs to the cell whose (normalised) centre it is
closest to, which splits a touching pair along a line between them.

The three channels
------------------
* ``"brightfield"``: a bright, unevenly lit background. A cell shows as an edge: a
  dark line just inside its boundary and a bright halo just outside, a weak texture
  inside and a faint nucleus. The mean inside a cell is close to the background, so a
  plain intensity threshold does not find cells; the gradient magnitude does.
* ``"hoechst"``: the nuclei of live cells glow; when a cell dies its Hoechst signal
  fades to ``hoechst_residual`` of its initial value.
* ``"draq7"``: dark in live cells; a dead cell's nucleus lights up.

Death kinetics: cell ``i`` dies at ``death_time[i]`` (hours, ``inf`` if it survives
the run). Its Draq7 level is the logistic ``s(t) = 1 / (1 + exp(-(t - t_i) / tau))``
(a fraction of its final value) and its Hoechst level ``1 - (1 - residual) s(t)``.
Ground truth calls a cell **dead** at time ``t`` when its Draq7 level is at least half
its final value, ``s(t) >= 0.5``, which is the same as ``t >= death_time[i]``.

Camera model (each channel, each frame)
---------------------------------------
expected photo-electrons ``e = level x illumination`` (a smooth multiplicative field,
different for transmitted and epi-fluorescence light, between about 0.7 and 1);
``ADU = round(dark_offset + gain x (Poisson(e) + Normal(0, read_noise)))``, clipped to
0–65535 and stored as uint16.

Ground truth masks
------------------
``classes`` is the five-class mask of :mod:`cellseg_teach.livedead.masks` (0 background,
1 cell area, 2 cell outline, 3 Hoechst nucleus = nucleus of a live cell, 4 Draq7
nucleus = nucleus of a dead cell), painted in that order, later classes on top.

Speed: the geometry is rendered once with vectorised patches around each cell (no
loop over pixels or cells); a frame then costs a table look-up and the noise draws.
The default 25 frames of 1024² take a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import NamedTuple

import numpy as np
from scipy import ndimage
from scipy.special import expit

from .._checks import as_count, as_positive, as_real, as_shape, at_most
from ..image_model import place_cells
from .masks import class_mask

__all__ = [
    "CHANNELS",
    "Camera",
    "Frame",
    "SimulationParameters",
    "TimeLapse",
    "Truth",
    "default_n_cells",
    "make_frame",
    "make_timelapse",
]

CHANNELS: tuple[str, str, str] = ("brightfield", "hoechst", "draq7")
"""Channel names, in the order the pipeline takes them."""

CELLS_PER_MEGAPIXEL: float = 300.0
"""Default cell density: 300 cells in a 1024 x 1024 image (about 14 % of its area)."""


class Camera(NamedTuple):
    """Camera and light levels of the synthetic microscope.

    Attributes
    ----------
    dark_offset : float
        Value of a pixel with no light (ADU).
    gain : float
        ADU per photo-electron.
    read_noise : float
        Standard deviation of the Gaussian read noise (electrons).
    brightfield : float
        Brightfield background (electrons at full illumination).
    fluorescence_background : float
        Fluorescence background of both dyes (electrons at full illumination).
    hoechst_peak, draq7_peak : float
        Extra electrons at the centre of a fully stained nucleus.
    """

    dark_offset: float = 100.0
    gain: float = 0.5
    read_noise: float = 3.0
    brightfield: float = 20000.0
    fluorescence_background: float = 200.0
    hoechst_peak: float = 3000.0
    draq7_peak: float = 2500.0


class Truth(NamedTuple):
    """Ground truth of a time-lapse (``T`` frames, ``n`` cells, images ``H x W``).

    Attributes
    ----------
    cell_labels : numpy.ndarray of int32, (T, H, W)
        Cell ``i`` (0-based) has label ``i + 1``; 0 = background. Cells do not move,
        so this is a read-only view repeating one image (no extra memory).
    nucleus_labels : numpy.ndarray of int32, (T, H, W)
        Nucleus pixels carry their cell's label; read-only view like ``cell_labels``.
    death_time : numpy.ndarray of float, (n,)
        Time of death of each cell (hours since the first frame); ``inf`` = survives.
    dead : numpy.ndarray of bool, (T, n)
        ``dead[t, i]`` is True when cell ``i`` is dead in frame ``t``
        (Draq7 level >= half its final value, i.e. ``times[t] >= death_time[i]``).
    draq7_level : numpy.ndarray of float, (T, n)
        Draq7 level as a fraction of its final value, ``s(t)`` in [0, 1].
    classes : numpy.ndarray of uint8, (T, H, W)
        Five-class mask per frame (see :mod:`cellseg_teach.livedead.masks`).
    centres : numpy.ndarray of float, (n, 2)
        Cell centres as ``(x, y)`` pixels.
    """

    cell_labels: np.ndarray
    nucleus_labels: np.ndarray
    death_time: np.ndarray
    dead: np.ndarray
    draq7_level: np.ndarray
    classes: np.ndarray
    centres: np.ndarray


class TimeLapse(NamedTuple):
    """A synthetic time-lapse: camera frames, frame times and ground truth.

    Attributes
    ----------
    frames : dict of str to numpy.ndarray
        ``{"brightfield", "hoechst", "draq7"}``, each uint16 of shape ``(T, H, W)`` (ADU).
    times : numpy.ndarray of float, (T,)
        Frame times in hours.
    truth : Truth
        Ground truth (labels, death times, live/dead state, five-class masks).
    camera : Camera
        The camera and light levels used.
    """

    frames: dict
    times: np.ndarray
    truth: Truth
    camera: Camera

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return len(self.times)


class Frame(NamedTuple):
    """One frame: three uint16 channel images and their truth (see :class:`TimeLapse`).

    ``dead`` is a bool array of shape ``(n,)``; ``cell_labels``, ``nucleus_labels`` and
    ``classes`` are 2-D.
    """

    brightfield: np.ndarray
    hoechst: np.ndarray
    draq7: np.ndarray
    time: float
    cell_labels: np.ndarray
    nucleus_labels: np.ndarray
    classes: np.ndarray
    dead: np.ndarray
    death_time: np.ndarray
    centres: np.ndarray


@dataclass(frozen=True)
class SimulationParameters:
    """The simulator's parameters after ``hours``, checked; the one place of their defaults.

    :func:`make_timelapse` and :func:`make_frame` take each of them as a keyword
    argument, with these defaults.

    Attributes
    ----------
    death_fraction : float
        Death times are uniform on ``[0, hours / death_fraction]``, so about this
        fraction of the cells dies during the run (in (0, 1]).
    tau : float
        Time constant of the Draq7 rise / Hoechst fall at death (hours), > 0.
    hoechst_residual : float
        Hoechst level left in a dead nucleus, as a fraction of the live level, in [0, 1].
    cell_radius, nucleus_radius : (low, high)
        Ranges of the semi-major axes (pixels); the nucleus well inside the cell.
    min_separation : float
        Smallest centre-to-centre distance (pixels); below a diameter, so cells touch.
    illumination : float
        Depth of the uneven illumination, in [0, 1): the field runs from
        ``1 - illumination`` to 1.
    camera : Camera or None
        Camera and light levels (None: the default :class:`Camera`).
    outline_width : int
        Thickness of the outline class in ``truth.classes`` (pixels), >= 1.
    """

    death_fraction: float = 0.6
    tau: float = 0.25
    hoechst_residual: float = 0.15
    cell_radius: tuple[float, float] = (10.0, 14.0)
    nucleus_radius: tuple[float, float] = (4.0, 6.0)
    min_separation: float = 20.0
    illumination: float = 0.3
    camera: Camera | None = None
    outline_width: int = 1

    def __post_init__(self) -> None:
        death_fraction = as_real(self.death_fraction, "death_fraction")
        if not 1e-6 <= death_fraction <= 1:  # below 1e-6, death times overflow
            raise ValueError(f"death_fraction must be in [1e-6, 1], got {death_fraction}")
        hoechst_residual = as_real(self.hoechst_residual, "hoechst_residual")
        if not 0 <= hoechst_residual <= 1:
            raise ValueError(f"hoechst_residual must be in [0, 1], got {hoechst_residual}")
        radii = {}
        for name in ("cell_radius", "nucleus_radius"):
            pair = getattr(self, name)
            if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
                raise ValueError(f"{name} must be a pair (low, high) of pixels, got {pair!r}")
            radii[name] = tuple(as_positive(r, name) for r in pair)
        (lo, hi), (nlo, nhi) = radii["cell_radius"], radii["nucleus_radius"]
        if not (lo <= hi and nlo <= nhi and nhi <= lo * 0.75):
            raise ValueError(
                "need cell_radius=(low, high) and nucleus_radius=(low, high) with low <= high "
                f"and the nucleus well inside the cell; got {self.cell_radius} and "
                f"{self.nucleus_radius}"
            )
        illumination = as_real(self.illumination, "illumination")
        if not 0 <= illumination < 1:
            raise ValueError(f"illumination must be in [0, 1), got {illumination}")
        checked = {
            "death_fraction": death_fraction,
            "tau": as_positive(self.tau, "tau"),
            "hoechst_residual": hoechst_residual,
            "cell_radius": radii["cell_radius"],
            "nucleus_radius": radii["nucleus_radius"],
            "min_separation": _separation(self.min_separation),
            "illumination": illumination,
            "camera": Camera() if self.camera is None else Camera(*self.camera),
            "outline_width": as_count(self.outline_width, "outline_width", minimum=1),
        }
        for key, value in checked.items():
            object.__setattr__(self, key, value)


def _separation(value: object) -> float:
    out = as_positive(value, "min_separation")
    if out < 0.01:  # the placement grid has squares of side min_separation / √2
        raise ValueError(f"min_separation must be at least 0.01 px, got {out}")
    return out


_P = SimulationParameters  # the defaults below are read from the class: written once


# Frames are simulated in memory: at most 2**26 pixels (8192²) each.
MAX_FRAME_PIXELS = 2**26


def default_n_cells(shape: tuple[int, int]) -> int:
    """Number of cells for an image of ``shape`` at the default density.

    Examples
    --------
    >>> default_n_cells((1024, 1024)), default_n_cells((512, 512))
    (300, 75)
    """
    rows, cols = as_shape(shape, max_pixels=MAX_FRAME_PIXELS)
    return round(CELLS_PER_MEGAPIXEL * rows * cols / 1024**2)


def _illumination(shape: tuple[int, int], rng, strength: float) -> np.ndarray:
    """Smooth multiplicative field: a tilted paraboloid, max 1, min about 1 - strength."""
    rows, cols = shape
    y = np.linspace(-1.0, 1.0, rows)[:, None]
    x = np.linspace(-1.0, 1.0, cols)[None, :]
    x0, y0 = rng.uniform(-0.5, 0.5, 2)
    tilt = rng.uniform(-0.3, 0.3, 2)
    field = -((x - x0) ** 2 + (y - y0) ** 2) + tilt[0] * x + tilt[1] * y
    field = (field - field.min()) / (np.ptp(field) or 1.0)
    return (1.0 - strength) + strength * field


class _Scene(NamedTuple):
    labels: np.ndarray  # int32 (H, W)
    nucleus_labels: np.ndarray  # int32 (H, W)
    bf_contrast: np.ndarray  # float32 (H, W), relative brightfield modulation
    nuc_index: np.ndarray  # flat indices of pixels with nuclear stain
    nuc_owner: np.ndarray  # cell index (0-based) of each such pixel
    nuc_profile: np.ndarray  # stain profile 0..~1 at those pixels
    centres: np.ndarray


def _render_scene(
    shape: tuple[int, int],
    n_cells: int,
    rng: np.random.Generator,
    cell_radius: tuple[float, float],
    nucleus_radius: tuple[float, float],
    min_separation: float,
) -> _Scene:
    rows, cols = shape
    n = n_cells
    margin = float(np.mean(cell_radius))
    centres = place_cells(n, shape, min_separation, rng, margin=margin) if n else np.zeros((0, 2))
    # Body: ellipse with semi-axes a >= b, orientation theta, 2- and 3-fold wobble.
    a = rng.uniform(*cell_radius, n)
    b = a * rng.uniform(0.75, 1.0, n)
    theta = rng.uniform(0, np.pi, n)
    wob = rng.uniform(0.0, 0.08, (n, 2))
    wph = rng.uniform(0, 2 * np.pi, (n, 2))
    # Nucleus: smaller ellipse, off centre by up to 1.5 px.
    na = rng.uniform(*nucleus_radius, n)
    nb = na * rng.uniform(0.8, 1.0, n)
    nth = rng.uniform(0, np.pi, n)
    noff = rng.uniform(-1.5, 1.5, (n, 2))
    chroma = rng.uniform(0.85, 1.15, n)  # per-cell stain brightness

    half = int(np.ceil(cell_radius[1] * 1.2)) + 4  # patch covers body + halo
    d = np.arange(-half, half + 1)
    cx = np.rint(centres[:, 0]).astype(int)
    cy = np.rint(centres[:, 1]).astype(int)
    ix = cx[:, None, None] + d[None, None, :]  # (n, 1, P)
    iy = cy[:, None, None] + d[None, :, None]  # (n, P, 1)
    ix, iy = np.broadcast_arrays(ix, iy)
    valid = (ix >= 0) & (ix < cols) & (iy >= 0) & (iy < rows)
    u = ix - centres[:, 0, None, None]
    v = iy - centres[:, 1, None, None]
    c, s = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    up, vp = u * c + v * s, -u * s + v * c
    phi = np.arctan2(vp, up)
    wobble = (
        1.0
        + wob[:, 0, None, None] * np.cos(2 * phi + wph[:, 0, None, None])
        + wob[:, 1, None, None] * np.cos(3 * phi + wph[:, 1, None, None])
    )
    rho = np.hypot(up / a[:, None, None], vp / b[:, None, None]) / wobble
    # Approximate signed distance to the boundary (px): negative inside.
    delta = (rho - 1.0) * np.sqrt(a * b)[:, None, None] * wobble
    nu, nv = u - noff[:, 0, None, None], v - noff[:, 1, None, None]
    nc, ns = np.cos(nth)[:, None, None], np.sin(nth)[:, None, None]
    rho_n = np.hypot(
        (nu * nc + nv * ns) / na[:, None, None], (-nu * ns + nv * nc) / nb[:, None, None]
    )

    # Each pixel goes to the cell with the smallest normalised radius rho.
    pix = (iy * cols + ix)[valid]
    owner = np.broadcast_to(np.arange(n)[:, None, None], valid.shape)[valid]
    rho, delta, rho_n = rho[valid], delta[valid], rho_n[valid]
    order = np.lexsort((rho, pix))
    first = np.ones(len(order), dtype=bool)
    first[1:] = pix[order][1:] != pix[order][:-1]
    keep = order[first]
    pix, owner, rho, delta, rho_n = pix[keep], owner[keep], rho[keep], delta[keep], rho_n[keep]

    labels = np.zeros(rows * cols, dtype=np.int32)
    body = rho < 1.0
    labels[pix[body]] = owner[body] + 1
    nucleus = body & (rho_n < 1.0)
    nucleus_labels = np.zeros(rows * cols, dtype=np.int32)
    nucleus_labels[pix[nucleus]] = owner[nucleus] + 1

    # Brightfield contrast: dark rim inside, bright halo outside, faint nucleus.
    contrast = np.zeros(rows * cols, dtype=np.float32)
    rim = -0.16 * np.exp(-0.5 * ((delta + 1.0) / 0.7) ** 2) + 0.12 * np.exp(
        -0.5 * ((delta - 1.0) / 0.7) ** 2
    )
    nuc_edge = 0.6  # px, blur of the nuclear edge
    nuc_soft = expit((1.0 - rho_n) * nb[owner] / nuc_edge)
    contrast[pix] = rim - 0.03 * nuc_soft * body
    texture = ndimage.gaussian_filter(rng.standard_normal((rows, cols)).astype(np.float32), 1.5)
    texture *= 0.03 / max(float(texture.std()), 1e-12)
    contrast += texture.ravel() * (labels > 0)

    # Fluorescent stain: soft-edged, slightly domed nucleus with chromatin texture.
    stain = nuc_soft * (1.0 - 0.25 * np.clip(rho_n, 0, 1) ** 2) * body
    stain *= chroma[owner] * (1.0 + 0.6 * texture.ravel()[pix])
    sel = stain > 1e-3
    return _Scene(
        labels.reshape(rows, cols),
        nucleus_labels.reshape(rows, cols),
        contrast.reshape(rows, cols),
        pix[sel],
        owner[sel],
        stain[sel].astype(np.float32),
        centres,
    )


_GAUSSIAN_POISSON_ABOVE = 1000.0
"""Mean (electrons) above which shot noise is drawn as Normal(λ, λ) (skewness 1/√λ < 3 %)."""


def _camera(expected_e: np.ndarray, cam: Camera, rng) -> np.ndarray:
    """Photo-electrons -> uint16 ADU: Poisson shot noise, read noise, gain, offset, clip.

    When every pixel expects more than 1000 electrons (brightfield), the Poisson draw is
    replaced by its normal approximation, which is twice as fast and indistinguishable
    at that level; fluorescence images get exact Poisson draws.
    """
    if float(expected_e.min()) > _GAUSSIAN_POISSON_ABOVE:
        sd = np.sqrt(expected_e + cam.read_noise**2, dtype=np.float32)
        e = expected_e.astype(np.float32) + sd * rng.standard_normal(
            expected_e.shape, dtype=np.float32
        )
    else:
        e = rng.poisson(expected_e).astype(np.float32)
        e += cam.read_noise * rng.standard_normal(expected_e.shape, dtype=np.float32)
    adu = cam.dark_offset + cam.gain * e
    return np.clip(np.rint(adu), 0, 65535).astype(np.uint16)


def _simulate(
    times: np.ndarray,
    shape: object,
    n_cells: int | None,
    seed: int | np.random.Generator | None,
    hours: float,
    params: SimulationParameters,
):
    shape = as_shape(shape, minimum=16, max_pixels=MAX_FRAME_PIXELS)
    n = default_n_cells(shape) if n_cells is None else as_count(n_cells, "n_cells")
    if not (seed is None or isinstance(seed, np.random.Generator)):
        as_count(seed, "seed")
    # sizes that only make sense inside the frame
    at_most(params.cell_radius[1], "cell_radius", min(shape) / 2 - 1, "a cell wider than the shape")
    at_most(params.min_separation, "min_separation", max(shape), "the frame's shape")
    at_most(params.outline_width, "outline_width", max(shape), "the frame's shape")
    hours = at_most(as_positive(hours, "hours"), "hours", 1e6, "over a century")
    death_fraction, tau = params.death_fraction, params.tau
    hoechst_residual, illumination = params.hoechst_residual, params.illumination
    (lo, hi), (nlo, nhi) = params.cell_radius, params.nucleus_radius
    min_separation, cam, outline_width = params.min_separation, params.camera, params.outline_width
    rng = np.random.default_rng(seed) if not isinstance(seed, np.random.Generator) else seed

    scene = _render_scene(shape, n, rng, (lo, hi), (nlo, nhi), min_separation)
    # Uniform death times over hours/death_fraction: about death_fraction die in `hours`.
    death_time = rng.uniform(0.0, hours / death_fraction, n)
    death_time[death_time > hours * 1.5] = np.inf  # far beyond the run: survives
    level = expit((times[:, None] - death_time[None, :]) / tau)  # (T, n), Draq7 fraction
    dead = times[:, None] >= death_time[None, :]
    fields = {ch: _illumination(shape, rng, illumination) for ch in CHANNELS}
    bf_expected = (cam.brightfield * fields["brightfield"]) * (1.0 + scene.bf_contrast)
    bg = {ch: cam.fluorescence_background * fields[ch] for ch in ("hoechst", "draq7")}
    nuc_field = {ch: fields[ch].ravel()[scene.nuc_index] for ch in ("hoechst", "draq7")}

    T = len(times)
    frames = {ch: np.empty((T, *shape), dtype=np.uint16) for ch in CHANNELS}
    classes = np.empty((T, *shape), dtype=np.uint8)
    no_nuclei = np.zeros(shape, bool)
    base = class_mask(scene.labels, no_nuclei, no_nuclei, outline_width=outline_width)
    nuc_pix = np.flatnonzero(scene.nucleus_labels)
    nuc_cell = scene.nucleus_labels.ravel()[nuc_pix] - 1
    for t in range(T):
        frames["brightfield"][t] = _camera(bf_expected, cam, rng)
        hoechst_level = 1.0 - (1.0 - hoechst_residual) * level[t]
        for ch, peak, lev in (
            ("hoechst", cam.hoechst_peak, hoechst_level),
            ("draq7", cam.draq7_peak, level[t]),
        ):
            e = bg[ch].copy()
            e.ravel()[scene.nuc_index] += (
                peak * nuc_field[ch] * scene.nuc_profile * lev[scene.nuc_owner]
            )
            frames[ch][t] = _camera(e, cam, rng)
        cls = base.copy()
        cls.ravel()[nuc_pix] = np.where(dead[t, nuc_cell], 4, 3)
        classes[t] = cls

    ro = {}
    for key, arr in (("cell_labels", scene.labels), ("nucleus_labels", scene.nucleus_labels)):
        arr.setflags(write=False)
        ro[key] = np.broadcast_to(arr, (T, *shape))
    truth = Truth(
        ro["cell_labels"], ro["nucleus_labels"], death_time, dead, level, classes, scene.centres
    )
    return frames, truth, cam


def make_timelapse(
    *,
    n_frames: int = 25,
    shape: tuple[int, int] | int = (1024, 1024),
    n_cells: int | None = None,
    seed: int | np.random.Generator | None = 2024,
    hours: float = 48.0,
    death_fraction: float = _P.death_fraction,
    tau: float = _P.tau,
    hoechst_residual: float = _P.hoechst_residual,
    cell_radius: tuple[float, float] = _P.cell_radius,
    nucleus_radius: tuple[float, float] = _P.nucleus_radius,
    min_separation: float = _P.min_separation,
    illumination: float = _P.illumination,
    camera: Camera | None = _P.camera,
    outline_width: int = _P.outline_width,
) -> TimeLapse:
    """Simulate a live/dead time-lapse of ``n_frames`` frames over ``hours`` hours.

    Parameters
    ----------
    n_frames : int
        Number of frames (>= 1), evenly spaced from 0 to ``hours`` inclusive.
    shape : (rows, columns) or int
        Image shape in pixels (>= 16 each).
    n_cells : int, optional
        Number of cells; default 300 per 1024² (:func:`default_n_cells`).
    seed : int, numpy.random.Generator or None
        Everything (placement, shapes, death times, illumination, noise) comes from it.
    hours : float
        Duration of the experiment (hours).
    death_fraction : float
        Death times are uniform on ``[0, hours / death_fraction]``, so about this
        fraction of the cells dies during the run (in (0, 1]).
    tau : float
        Time constant of the Draq7 rise / Hoechst fall at death (hours).
    hoechst_residual : float
        Hoechst level left in a dead nucleus, as a fraction of the live level.
    cell_radius, nucleus_radius : (low, high)
        Ranges of the semi-major axes (pixels).
    min_separation : float
        Smallest centre-to-centre distance (pixels); below a diameter, so cells touch.
    illumination : float
        Depth of the uneven illumination: the field runs from ``1 - illumination`` to 1.
    camera : Camera, optional
        Camera and light levels (default :class:`Camera`).
    outline_width : int
        Thickness of the outline class in ``truth.classes`` (pixels).

    Returns
    -------
    TimeLapse
        ``frames`` (dict of uint16 ``(T, H, W)``), ``times`` (hours), ``truth``, ``camera``.

    Examples
    --------
    >>> tl = make_timelapse(n_frames=3, shape=(128, 128), seed=1)
    >>> tl.frames["hoechst"].shape, tl.frames["hoechst"].dtype.name, tl.times.tolist()
    ((3, 128, 128), 'uint16', [0.0, 24.0, 48.0])
    >>> bool((tl.truth.dead[-1] == (tl.truth.death_time <= 48.0)).all())
    True
    """
    rows, cols = as_shape(shape, minimum=16, max_pixels=MAX_FRAME_PIXELS)
    n_frames = as_count(
        n_frames, "n_frames", minimum=1, maximum=max(1, 4 * MAX_FRAME_PIXELS // (rows * cols)),
        why="frames of this shape that fit in memory",
    )  # fmt: skip
    hours = at_most(as_positive(hours, "hours"), "hours", 1e6, "over a century")
    times = np.linspace(0.0, hours, n_frames)
    params = SimulationParameters(
        death_fraction, tau, hoechst_residual, cell_radius, nucleus_radius, min_separation,
        illumination, camera, outline_width,
    )  # fmt: skip
    frames, truth, cam = _simulate(times, shape, n_cells, seed, hours, params)
    return TimeLapse(frames, times, truth, cam)


def make_frame(
    *,
    shape: tuple[int, int] | int = (1024, 1024),
    n_cells: int | None = None,
    seed: int | np.random.Generator | None = 2024,
    time: float = 24.0,
    hours: float = 48.0,
    **kwargs,
) -> Frame:
    """One frame of the same simulation at ``time`` hours (see :func:`make_timelapse`).

    Parameters
    ----------
    shape, n_cells, seed, hours
        As in :func:`make_timelapse` (``hours`` sets the spread of death times).
    time : float
        Time of the frame (hours).
    **kwargs
        Any field of :class:`SimulationParameters` (the keyword arguments of
        :func:`make_timelapse` after ``hours``).

    Returns
    -------
    Frame
        ``brightfield``, ``hoechst``, ``draq7`` (uint16, 2-D), ``time``, and the truth:
        ``cell_labels``, ``nucleus_labels``, ``classes`` (2-D), ``dead`` (per cell),
        ``death_time``, ``centres``.

    Examples
    --------
    >>> f = make_frame(shape=(96, 128), seed=3)
    >>> f.brightfield.shape, int(f.cell_labels.max()) == len(f.dead)
    ((96, 128), True)
    """
    time = as_real(time, "time")
    at_most(abs(time), "time (absolute value)", 1e6, "over a century, in hours")
    known = {f.name for f in dataclass_fields(SimulationParameters)}
    unknown = set(kwargs) - known
    if unknown:
        raise TypeError(f"make_frame got unexpected keyword arguments {sorted(unknown)}")
    params = SimulationParameters(**kwargs)
    frames, truth, _ = _simulate(np.array([time]), shape, n_cells, seed, hours, params)
    return Frame(
        frames["brightfield"][0],
        frames["hoechst"][0],
        frames["draq7"][0],
        time,
        truth.cell_labels[0],
        truth.nucleus_labels[0],
        truth.classes[0],
        truth.dead[0],
        truth.death_time,
        truth.centres,
    )

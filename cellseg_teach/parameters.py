"""The default parameters of the course's synthetic fluorescence image.

These are the values of the seed lesson. Lessons 1–4 derive most of them from the
image model (see :mod:`cellseg_teach.theory`) rather than taking them on trust.
All lengths are in pixels; intensities are in arbitrary units (a.u.) where a cell's
peak brightness is 1.
"""

from __future__ import annotations

SEED: int = 7493418
"""Seed of the random number generator (cell placement, then noise)."""

IMAGE_SIZE: int = 128
"""Pixels per side of the square image (kept small so that tests are fast)."""

N_CELLS: int = 8
"""Number of cells placed in the default image."""

CELL_SIGMA: float = 6
"""Standard deviation of each cell's Gaussian profile (pixels)."""

CELL_BRIGHTNESS: float = 1.0
"""Peak intensity of one isolated, noise-free cell (a.u.)."""

NOISE_SCALE: float = 0.15
"""Standard deviation of the additive Gaussian noise, before clipping (a.u.)."""

MIN_SEPARATION: float = 24
"""Smallest allowed distance between two cell centres (pixels)."""

SMOOTH_SIGMA: float = 2.0
"""Standard deviation of the Gaussian smoothing kernel (pixels)."""

THRESHOLD: float = 0.50
"""Intensity above which a smoothed pixel is called foreground (a.u.)."""

MIN_CELL_SIZE: int = 30
"""Smallest connected component, in pixels, that is kept as a cell."""

"""Live/dead assay: synthetic time-lapse with ground truth, and the article's pipeline.

The second seed document segments brightfield + Hoechst + Draq7 time-lapse images into
five classes to make training masks for a U-Net. This subpackage rebuilds that pipeline
with numpy/scipy only, and a simulator to check it against known truth.

Synthetic data (:mod:`~cellseg_teach.livedead.synthetic`)
---------------------------------------------------------
``make_timelapse(n_frames=25, shape=(1024, 1024), n_cells=None, seed=2024, hours=48.0,
*, death_fraction=0.6, tau=0.5, hoechst_residual=0.15, cell_radius=(10, 14),
nucleus_radius=(4, 6), min_separation=20, illumination=0.3, camera=None,
outline_width=1) -> TimeLapse``

* ``tl.frames["brightfield" | "hoechst" | "draq7"]``: uint16 ``(T, H, W)`` camera images
  (ADU: dark offset 100, gain 0.5 ADU/e⁻, Poisson + read noise, uneven illumination).
* ``tl.times``: ``(T,)`` hours, ``linspace(0, hours, T)``.
* ``tl.truth.cell_labels`` / ``nucleus_labels``: int32 ``(T, H, W)`` (read-only views:
  cells do not move); cell ``i`` has label ``i + 1``.
* ``tl.truth.death_time`` ``(n,)`` hours (``inf`` = survives), ``tl.truth.dead``
  ``(T, n)`` bool (dead ⇔ Draq7 ≥ half its final value ⇔ ``t >= death_time``),
  ``tl.truth.draq7_level`` ``(T, n)``, ``tl.truth.classes`` uint8 ``(T, H, W)``,
  ``tl.truth.centres`` ``(n, 2)`` as (x, y).
* ``tl.camera``: the :class:`~cellseg_teach.livedead.synthetic.Camera` used.

``make_frame(shape=(1024, 1024), n_cells=None, seed=2024, time=24.0, hours=48.0,
**kwargs) -> Frame`` gives one frame: ``.brightfield``, ``.hoechst``, ``.draq7``
(uint16 2-D), ``.time``, ``.cell_labels``, ``.nucleus_labels``, ``.classes``, ``.dead``,
``.death_time``, ``.centres``.

Five classes (:mod:`~cellseg_teach.livedead.masks`)
----------------------------------------------------
0 background, 1 cell area, 2 cell outline, 3 Hoechst nucleus (live), 4 Draq7 nucleus
(dead); painted in that order, later classes overwrite earlier ones.
``class_mask(cell_labels, hoechst_nuclei, draq7_nuclei, outline_width=1)``,
``label_outlines(labels, width=1)``.

Example::

    >>> from cellseg_teach.livedead import make_timelapse
    >>> tl = make_timelapse(n_frames=2, shape=(64, 64), seed=0)
    >>> sorted(tl.frames), tl.truth.classes.shape
    (['brightfield', 'draq7', 'hoechst'], (2, 64, 64))
"""

from .masks import (
    BACKGROUND,
    CELL_AREA,
    CELL_OUTLINE,
    CLASS_NAMES,
    DRAQ7_NUCLEUS,
    HOECHST_NUCLEUS,
    class_mask,
    label_outlines,
)
from .synthetic import (
    CHANNELS,
    Camera,
    Frame,
    TimeLapse,
    Truth,
    default_n_cells,
    make_frame,
    make_timelapse,
)

__all__ = [
    "BACKGROUND",
    "CELL_AREA",
    "CELL_OUTLINE",
    "CHANNELS",
    "CLASS_NAMES",
    "DRAQ7_NUCLEUS",
    "HOECHST_NUCLEUS",
    "Camera",
    "Frame",
    "TimeLapse",
    "Truth",
    "class_mask",
    "default_n_cells",
    "label_outlines",
    "make_frame",
    "make_timelapse",
]

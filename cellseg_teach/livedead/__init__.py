"""Live/dead assay: synthetic time-lapse with ground truth, and the article's pipeline.

The second seed document segments brightfield + Hoechst + Draq7 time-lapse images into
five classes to make training masks for a U-Net. This subpackage rebuilds that pipeline
with numpy/scipy only, and a simulator to check it against known truth.

Synthetic data (:mod:`~cellseg_teach.livedead.synthetic`)
---------------------------------------------------------
``make_timelapse(*, n_frames=25, shape=(1024, 1024), n_cells=None, seed=2024,
hours=48.0, death_fraction=0.6, tau=0.25, hoechst_residual=0.15,
cell_radius=(10.0, 14.0), nucleus_radius=(4.0, 6.0), min_separation=20.0,
illumination=0.3, camera=None, outline_width=1) -> TimeLapse``; the parameters after
``hours`` are the fields of :class:`~cellseg_teach.livedead.synthetic.SimulationParameters`,
where their defaults are written once (``tests/test_api_contract.py`` checks that this
line shows the real ones).

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

``make_frame(*, shape=(1024, 1024), n_cells=None, seed=2024, time=24.0, hours=48.0,
**kwargs) -> Frame`` gives one frame: ``.brightfield``, ``.hoechst``, ``.draq7``
(uint16 2-D), ``.time``, ``.cell_labels``, ``.nucleus_labels``, ``.classes``, ``.dead``,
``.death_time``, ``.centres``.

Five classes (:mod:`~cellseg_teach.livedead.masks`)
----------------------------------------------------
0 background, 1 cell area, 2 cell outline, 3 Hoechst nucleus (live), 4 Draq7 nucleus
(dead); painted in that order, later classes overwrite earlier ones.
``class_mask(cell_labels, hoechst_nuclei, draq7_nuclei, *, outline_width=1)`` (outlines by
:func:`cellseg_teach.morphology.label_outlines`); ``write_class_mask(path, classes)`` and
``read_class_mask(path)`` store a mask as an 8-bit greyscale PNG with ``imageio``.

Pipeline (the article's method, numpy/scipy only)
-------------------------------------------------
The thresholds (the article's max of tiles, Otsu) are in :mod:`cellseg_teach.thresholds`
and the disk morphology (closing, opening, hole filling, size filter, outlines) in
:mod:`cellseg_teach.morphology`: the core package, which lessons before the live/dead
ones use too.

* :mod:`~cellseg_teach.livedead.gradient`: ``sobel_magnitude(image, *, smooth_sigma=0.0)``;
* :mod:`~cellseg_teach.livedead.nuclei`: ``nucleus_threshold(image, *,
  method='otsu+tiles', coarseness=16, offset=1.2)``, ``nucleus_mask(image, *,
  threshold=None, opening_radius=1, min_size=12)``, ``call_dead(nucleus_labels,
  draq7_mask, *, min_fraction=0.5)``;
* :mod:`~cellseg_teach.livedead.watershed`: ``segregate_cells(cell_area,
  hoechst_nuclei, draq7_nuclei, *, outline_width=1) -> CellSegmentation(cell_labels,
  nucleus_labels, outlines, n_cells)`` and ``article_segregate_cells(cell_area,
  hoechst_nuclei, draq7_nuclei) -> (segmented_cells, segmented_outlines, flooded)``,
  the article's code with its marker bug kept on purpose (nucleus 1 is lost);
* :mod:`~cellseg_teach.livedead.pipeline`: ``cell_area_mask(brightfield, ...)``,
  ``segment_frame(brightfield, hoechst, draq7, **params) -> FrameResult`` and
  ``run_timelapse(brightfield, hoechst, draq7, **params) -> TimeLapseResult``
  (``run_timelapse(**tl.frames)``); parameters and defaults in ``DEFAULTS``;
* :mod:`~cellseg_teach.livedead.scores`: ``class_iou(true_classes, found_classes, *, n_classes=5)``,
  ``count_error``, ``live_dead_accuracy``, ``score_frame``, ``score_timelapse(tl, result)``.

Example::

    >>> from cellseg_teach.livedead import make_timelapse
    >>> tl = make_timelapse(n_frames=2, shape=(64, 64), seed=0)
    >>> sorted(tl.frames), tl.truth.classes.shape
    (['brightfield', 'draq7', 'hoechst'], (2, 64, 64))
"""

from .gradient import sobel_magnitude
from .masks import (
    BACKGROUND,
    CELL_AREA,
    CELL_OUTLINE,
    CLASS_NAMES,
    DRAQ7_NUCLEUS,
    HOECHST_NUCLEUS,
    class_mask,
    read_class_mask,
    write_class_mask,
)
from .nuclei import call_dead, nucleus_mask, nucleus_threshold
from .pipeline import (
    DEFAULTS,
    FrameResult,
    TimeLapseResult,
    cell_area_mask,
    run_timelapse,
    segment_frame,
)
from .scores import class_iou, count_error, live_dead_accuracy, score_frame, score_timelapse
from .synthetic import (
    CHANNELS,
    Camera,
    Frame,
    SimulationParameters,
    TimeLapse,
    Truth,
    default_n_cells,
    make_frame,
    make_timelapse,
)
from .watershed import CellSegmentation, article_segregate_cells, segregate_cells

__all__ = [
    "BACKGROUND",
    "CELL_AREA",
    "CELL_OUTLINE",
    "CHANNELS",
    "CLASS_NAMES",
    "DEFAULTS",
    "DRAQ7_NUCLEUS",
    "HOECHST_NUCLEUS",
    "Camera",
    "CellSegmentation",
    "Frame",
    "FrameResult",
    "SimulationParameters",
    "TimeLapse",
    "TimeLapseResult",
    "Truth",
    "article_segregate_cells",
    "call_dead",
    "cell_area_mask",
    "class_iou",
    "class_mask",
    "count_error",
    "default_n_cells",
    "live_dead_accuracy",
    "make_frame",
    "make_timelapse",
    "nucleus_mask",
    "nucleus_threshold",
    "read_class_mask",
    "run_timelapse",
    "score_frame",
    "score_timelapse",
    "segment_frame",
    "segregate_cells",
    "sobel_magnitude",
    "write_class_mask",
]

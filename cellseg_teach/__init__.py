"""cellseg_teach: the companion package of the course "Cell segmentation in
fluorescence microscopy".

The top level gives the seed lesson's names, so that ``from cellseg_teach import
make_image, smooth, segment`` is all a notebook needs::

    >>> from cellseg_teach import make_image, smooth, segment, cell_sizes
    >>> image, centres = make_image()
    >>> labeled, n_cells = segment(smooth(image))

The theory lives in :mod:`cellseg_teach.theory` and figure helpers in
:mod:`cellseg_teach.plotting`.
"""

from .filters import smooth
from .image_model import make_image, make_pure_noise, place_cells, render_cells, true_labels
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
from .segmentation import cell_sizes, segment

__version__ = "0.1.0"

__all__ = [
    "CELL_BRIGHTNESS",
    "CELL_SIGMA",
    "IMAGE_SIZE",
    "MIN_CELL_SIZE",
    "MIN_SEPARATION",
    "NOISE_SCALE",
    "N_CELLS",
    "SEED",
    "SMOOTH_SIGMA",
    "THRESHOLD",
    "cell_sizes",
    "make_image",
    "make_pure_noise",
    "place_cells",
    "render_cells",
    "segment",
    "smooth",
    "true_labels",
]

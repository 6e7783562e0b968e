"""Nuclei from the two fluorescence channels, and the live/dead call per nucleus.

Threshold choice. The article thresholds the nuclei "with the same technique (max of
tiles) or a set threshold". On this data the max-of-tiles value sits just above the
background, which catches the blurred rim of every nucleus and makes it about 1.3–2
times too large. Otsu's threshold falls between background and nuclei and gives the
right size, but on a frame *without* nuclei (Draq7 before any cell has died) it splits
the noise in two. :func:`nucleus_threshold` therefore takes the larger of the two:
Otsu when there are nuclei, the max-of-tiles vote as a floor when there are none.

One threshold per time-lapse. Chosen frame by frame, the Draq7 threshold changes with
what each frame holds: at 0 h, before any cell has died, Otsu fails and the tile floor
(about 260 ADU on the course's time-lapse) is used, while later frames get about 600 ADU;
the low floor then calls cells dead that have barely begun to take up Draq7.
A stain's threshold is a property of the stain and the camera, not of the frame, so
:func:`timelapse_threshold` computes one threshold from the pixels of all frames pooled
(Otsu, with the largest per-frame tile vote as the floor), and
:func:`~cellseg_teach.livedead.pipeline.run_timelapse` applies it to every frame.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_count, as_image, as_labels, as_real
from ..morphology import open_mask, remove_small_objects
from ..thresholds import max_of_tiles_threshold, otsu_threshold

__all__ = ["call_dead", "nucleus_mask", "nucleus_threshold", "timelapse_threshold"]


def nucleus_threshold(
    image: object, *, method: str = "otsu+tiles", coarseness: int = 16, offset: float = 1.2
) -> float:
    """Threshold of a fluorescence image (intensity units of the image).

    Parameters
    ----------
    image : array-like, 2-D
        Fluorescence image (e.g. uint16 ADU).
    method : {"otsu+tiles", "otsu", "tiles"}
        ``"tiles"``: :func:`~cellseg_teach.thresholds.max_of_tiles_threshold`;
        ``"otsu"``: :func:`~cellseg_teach.thresholds.otsu_threshold`;
        ``"otsu+tiles"``: the larger of the two (see the module docstring).
    coarseness, offset
        Passed to the max-of-tiles threshold.

    Examples
    --------
    Pure background at 100: Otsu splits the two noise levels, the tiles floor wins.

    >>> import numpy as np
    >>> bg = 100 + np.indices((64, 64)).sum(0) % 2
    >>> nucleus_threshold(bg, method="otsu"), nucleus_threshold(bg)
    (100.0, 122.0)
    """
    if method not in ("otsu+tiles", "otsu", "tiles"):
        raise ValueError(f"method must be 'otsu+tiles', 'otsu' or 'tiles', got {method!r}")
    tiles = (
        max_of_tiles_threshold(image, coarseness=coarseness, offset=offset)
        if method != "otsu"
        else -np.inf
    )
    otsu = otsu_threshold(image) if method != "tiles" else -np.inf
    return float(max(tiles, otsu))


def timelapse_threshold(
    frames: object, *, method: str = "otsu+tiles", coarseness: int = 16, offset: float = 1.2
) -> float:
    """One threshold for every frame of a fluorescence time-lapse (intensity units).

    :func:`nucleus_threshold` applied to the whole stack at once: Otsu's threshold of the
    histogram of all frames' pixels pooled, and as its floor the largest of the frames'
    max-of-tiles votes (see the module docstring for why one threshold per time-lapse).

    Parameters
    ----------
    frames : array-like, 3-D
        ``(frames, rows, columns)`` stack of one fluorescence channel (e.g. uint16 ADU).
    method : {"otsu+tiles", "otsu", "tiles"}
        As in :func:`nucleus_threshold`, applied to the pooled pixels (Otsu) and to each
        frame (tiles, the largest vote kept).
    coarseness, offset
        Passed to the max-of-tiles threshold.

    Returns
    -------
    float
        The threshold; foreground is ``frame > threshold`` in every frame.

    Examples
    --------
    Background at 100 or 101 ADU and a faint 5 x 5 square at 300 ADU (a cell starting
    to take up the stain); the later frame also holds a bright square at 900 ADU.
    Frame by frame, the first frame gets the tiles floor and the faint square is
    foreground; one threshold for both frames puts it below the cut in both:

    >>> import numpy as np
    >>> first = 100 + np.indices((128, 128)).sum(0) % 2
    >>> first[5:10, 5:10] = 300
    >>> later = first.copy(); later[60:90, 60:90] = 900
    >>> nucleus_threshold(first), nucleus_threshold(later), timelapse_threshold([first, later])
    (122.0, 300.0, 300.0)
    """
    if method not in ("otsu+tiles", "otsu", "tiles"):
        raise ValueError(f"method must be 'otsu+tiles', 'otsu' or 'tiles', got {method!r}")
    stack = as_image(frames, "frames", ndim=3)  # (frames, rows, columns)
    otsu = otsu_threshold(stack.reshape(-1, stack.shape[-1])) if method != "tiles" else -np.inf
    tiles = (
        max(max_of_tiles_threshold(f, coarseness=coarseness, offset=offset) for f in stack)
        if method != "otsu"
        else -np.inf
    )
    return float(max(tiles, otsu))


def nucleus_mask(
    image: object,
    *,
    threshold: float | None = None,
    opening_radius: int = 1,
    min_size: int = 12,
    **threshold_kwargs,
) -> np.ndarray:
    """Nuclei of one fluorescence channel: threshold, opening, drop small specks.

    Parameters
    ----------
    image : array-like, 2-D
        Fluorescence image.
    threshold : float, optional
        Intensity threshold; default :func:`nucleus_threshold` (``threshold_kwargs``
        are passed to it).
    opening_radius : int
        Radius of the disk of the opening that removes isolated noise pixels (pixels).
    min_size : int
        Smallest nucleus kept (pixels).

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> import numpy as np
    >>> img = np.full((20, 20), 100, np.uint16); img[5:11, 5:11] = 900; img[15, 15] = 900
    >>> m = nucleus_mask(img); int(m.sum()), bool(m[15, 15])
    (32, False)
    """
    img = as_image(image, "image")
    if threshold is None:
        threshold = nucleus_threshold(img, **threshold_kwargs)
    threshold = as_real(threshold, "threshold")
    opening_radius = as_count(
        opening_radius, "opening_radius", maximum=max(16, max(img.shape) // 2),
        why="beyond 16 px, no wider than half the image",
    )  # fmt: skip
    opened = open_mask(img > threshold, radius=opening_radius)
    return remove_small_objects(opened, min_size=min_size)


def call_dead(
    nucleus_labels: object, draq7_mask: object, *, min_fraction: float = 0.5
) -> np.ndarray:
    """Call each nucleus dead when at least ``min_fraction`` of it is in the Draq7 mask.

    Parameters
    ----------
    nucleus_labels : array-like of int, 2-D
        Nuclei labelled 1..n (0 = background).
    draq7_mask : array-like of bool, 2-D, same shape
        Pixels above the Draq7 threshold.
    min_fraction : float
        Fraction of the nucleus's pixels (in (0, 1]).

    Returns
    -------
    numpy.ndarray of bool
        Shape ``(n,)``: entry ``k - 1`` is True when nucleus ``k`` is dead.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.array([[1, 1, 0, 2, 2]]); d = np.array([[0, 0, 0, 1, 1]], bool)
    >>> call_dead(lab, d).tolist()
    [False, True]
    """
    lab = as_labels(nucleus_labels, "nucleus_labels")
    d = np.asarray(draq7_mask)
    if d.shape != lab.shape:
        raise ValueError(f"draq7_mask has shape {d.shape}, but nucleus_labels has {lab.shape}")
    min_fraction = as_real(min_fraction, "min_fraction")
    if not 0 < min_fraction <= 1:
        raise ValueError(f"min_fraction must be in (0, 1], got {min_fraction}")
    n = int(lab.max()) if lab.size else 0
    if n == 0:
        return np.zeros(0, dtype=bool)
    flat = lab.ravel()
    area = np.bincount(flat, minlength=n + 1)[1:]
    in_draq7 = np.bincount(flat[d.ravel().astype(bool)], minlength=n + 1)[1:]
    return in_draq7 >= min_fraction * np.maximum(area, 1)

"""Real fluorescence images with expert labels, shipped with the course.

:func:`load_bbbc039` returns the 12 BBBC039 images (Hoechst-stained U2OS nuclei,
520×696, 12-bit values in 16-bit TIFF files) with their expert instance labels.
Files are read with the field's libraries: ``tifffile`` for TIFF and ``imageio``
for PNG. Licence CC0; see ``cellseg_teach/data/bbbc039/README.md`` for the citations.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import NamedTuple

import imageio.v3 as iio
import numpy as np
import tifffile
from scipy import ndimage

from .labels import relabel_sequential

__all__ = ["BBBC039_DIR", "Sample", "bbbc039_names", "load_bbbc039", "verify_bbbc039"]

BBBC039_DIR = Path(__file__).resolve().parent / "data" / "bbbc039"


class Sample(NamedTuple):
    """One real image and its expert labels.

    Attributes
    ----------
    name : str
        The file stem (plate well, site and channel in BBBC039's naming).
    image : numpy.ndarray of uint16, shape (520, 696)
        Raw camera values (12-bit range, 0–4095), as recorded.
    labels : numpy.ndarray of int32, same shape
        Expert instance labels: 0 = background, 1..n = nuclei.
    """

    name: str
    image: np.ndarray
    labels: np.ndarray


def _manifest() -> list[dict[str, str]]:
    with open(BBBC039_DIR / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


def bbbc039_names() -> list[str]:
    """The names (file stems) of the shipped BBBC039 images, in manifest order."""
    return [Path(row["image"]).stem for row in _manifest()]


def map_colours_to_instances(colours: np.ndarray) -> np.ndarray:
    """Instance labels from a map-coloured mask: connected regions of one non-zero value.

    Parameters
    ----------
    colours : numpy.ndarray of int, 2-D
        0 = background; touching objects carry different values.

    Returns
    -------
    numpy.ndarray of int32
        0 = background, 1..n = objects (4-connected regions of equal value),
        numbered in raster order of their first pixel.

    Examples
    --------
    >>> map_colours_to_instances(np.array([[1, 1, 2], [0, 0, 2], [1, 0, 0]])).tolist()
    [[1, 1, 2], [0, 0, 2], [3, 0, 0]]
    """
    colours = np.asarray(colours)
    if colours.ndim != 2:
        raise ValueError(f"colours must be 2-D, got shape {colours.shape}")
    # Label each colour's regions, then put them side by side with distinct offsets:
    # one ndimage.label pass per colour value (a map colouring needs only a few).
    out = np.zeros(colours.shape, dtype=np.int32)
    offset = 0
    for value in np.unique(colours[colours > 0]):
        lab, n = ndimage.label(colours == value)  # 4-connectivity (the default)
        out[lab > 0] = lab[lab > 0] + offset
        offset += n
    # renumber in raster order of each object's first pixel, so the result does not
    # depend on which colour an object happened to get
    return relabel_sequential(out, order="raster")[0]


def load_bbbc039(names: list[str] | None = None) -> list[Sample]:
    """Load the shipped BBBC039 images and their expert instance labels.

    Parameters
    ----------
    names : list of str, optional
        File stems to load (see :func:`bbbc039_names`); default all 12.

    Returns
    -------
    list of Sample
        ``(name, image, labels)`` per image: the raw uint16 image (12-bit values) and
        its int32 instance labels.

    Examples
    --------
    >>> samples = load_bbbc039()
    >>> len(samples), samples[0].image.shape, samples[0].image.dtype.name
    (12, (520, 696), 'uint16')
    >>> sum(int(s.labels.max()) for s in samples)
    1504
    """
    rows = {Path(r["image"]).stem: r for r in _manifest()}
    if names is None:
        names = list(rows)
    if isinstance(names, str):
        raise TypeError("names must be a list of image names, not a single string")
    unknown = [n for n in names if n not in rows]
    if unknown:
        raise ValueError(f"unknown BBBC039 image name(s) {unknown}; see bbbc039_names()")
    out = []
    for name in names:
        row = rows[name]
        image = tifffile.imread(BBBC039_DIR / row["image"])
        colours = iio.imread(BBBC039_DIR / row["mask"])[..., 0]
        out.append(Sample(name, image, map_colours_to_instances(colours)))
    return out


def verify_bbbc039() -> dict[str, bool]:
    """Check every shipped file against ``SHA256SUMS``: {relative path: matches}."""
    result = {}
    for line in (BBBC039_DIR / "SHA256SUMS").read_text().splitlines():
        if not line.strip():
            continue
        digest, rel = line.split(maxsplit=1)
        path = BBBC039_DIR / rel.strip().lstrip("*")
        result[rel.strip()] = (
            path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == digest
        )
    return result

"""Real fluorescence images with expert labels, shipped with the course.

:func:`load_bbbc039` returns the 12 BBBC039 images (Hoechst-stained U2OS nuclei,
520×696, 12-bit values in 16-bit TIFF files) with their expert instance labels.
Files are read with the field's libraries: ``tifffile`` for TIFF and ``imageio``
for PNG. Licence CC0; see ``cellseg_teach/data/bbbc039/README.md`` for the citations.

The data proves itself. ``SHA256SUMS`` lists the SHA-256 of every file in the folder
(the images, the masks and ``manifest.csv``), and the list itself is pinned by its own
digest in this module (:data:`SHA256SUMS_DIGEST`). Before the first image is read, the
loader checks everything, once per process: a file that does not match its checksum,
a listed file that is missing, a file that is not listed, and a manifest that names
files the list does not hold are refused with a :class:`DataIntegrityError` that names
each file and says how to restore it. :func:`verify_bbbc039` runs the same checks and
returns the report instead of raising.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import imageio.v3 as iio
import numpy as np
import tifffile
from scipy import ndimage

from .labels import relabel_sequential

__all__ = [
    "BBBC039_DIR",
    "SHA256SUMS_DIGEST",
    "DataCheck",
    "DataIntegrityError",
    "Sample",
    "bbbc039_names",
    "load_bbbc039",
    "verify_bbbc039",
]

BBBC039_DIR = Path(__file__).resolve().parent / "data" / "bbbc039"
_DEFAULT_DIR = BBBC039_DIR  # the shipped folder (tests may point BBBC039_DIR at a copy)

SHA256SUMS_DIGEST = "330bac826713eeffcd5410fe1bbc0974d054bdf727399e6c9bb8f6710088f4f4"
"""SHA-256 of ``SHA256SUMS`` itself: a line added, removed or edited in the list is caught.
Changing the shipped data means updating the list and this digest together."""

_LIST = "SHA256SUMS"
# Files that need no checksum: the list itself and the human-readable notes.
# Hidden files (names starting with ".", e.g. .gitattributes, .DS_Store) are ignored.
_UNLISTED_OK = frozenset({_LIST, "README.md"})
_MANIFEST = "manifest.csv"
_MANIFEST_COLUMNS = ("image", "mask", "n_nuclei")
_LINE = re.compile(r"^([0-9a-f]{64}) [ *](\S.*)$")


class DataIntegrityError(RuntimeError):
    """A shipped data file is changed, missing, unlisted or unreadable.

    The message names every such file and says how to restore it.
    """


@dataclass(frozen=True)
class DataCheck:
    """What :func:`verify_bbbc039` found.

    Attributes
    ----------
    folder : pathlib.Path
        The data folder that was checked.
    status : dict of str to str
        Every file involved (listed in ``SHA256SUMS``, present on disk, or named in
        ``manifest.csv``), by its path relative to ``folder``: ``"ok"``, or what is
        wrong with it and how to restore it.
    """

    folder: Path
    status: dict[str, str]

    @property
    def ok(self) -> bool:
        """True when every file is as shipped."""
        return all(v == "ok" for v in self.status.values())

    @property
    def problems(self) -> dict[str, str]:
        """The files that are not ``"ok"``, with what is wrong."""
        return {k: v for k, v in self.status.items() if v != "ok"}

    def __str__(self) -> str:
        n = len(self.status)
        if self.ok:
            return f"BBBC039 data in {self.folder}: all {n} files match SHA256SUMS"
        problems = self.problems
        lines = [f"BBBC039 data in {self.folder}: {len(problems)} of {n} files fail the check:"]
        lines += [f"  {k}: {v}" for k, v in sorted(problems.items())]
        lines.append(
            "  `git status cellseg_teach/data/bbbc039` in the course folder shows what changed;"
            " without git, take the files from a fresh copy of the course."
        )
        return "\n".join(lines)


def _shown_path(folder: Path, rel: str) -> str:
    """The path to give in a restore command: relative to the course folder if shipped."""
    if folder.resolve() == _DEFAULT_DIR:
        return f"cellseg_teach/data/bbbc039/{rel}"
    return str(folder / rel)


def _restore(folder: Path, rel: str) -> str:
    return f"restore it with `git checkout -- {_shown_path(folder, rel)}`"


def _files_on_disk(folder: Path) -> dict[str, os.stat_result]:
    """Every non-hidden file under ``folder``: {relative posix path: stat}."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            out[path.relative_to(folder).as_posix()] = path.stat()
    return out


def _add(status: dict[str, str], rel: str, problem: str) -> None:
    old = status.get(rel, "ok")
    status[rel] = problem if old == "ok" else f"{old}; {problem}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check(folder: Path) -> DataCheck:
    """Check ``folder`` against its ``SHA256SUMS``, the pinned digest and the manifest."""
    status: dict[str, str] = {}
    on_disk = _files_on_disk(folder) if folder.is_dir() else {}
    if _LIST not in on_disk:
        status[_LIST] = (
            f"missing, so no file can be checked; {_restore(folder, _LIST)}"
            " (or take the whole folder from a fresh copy of the course)"
        )
        return DataCheck(folder, status)

    raw = (folder / _LIST).read_bytes()
    status[_LIST] = "ok"
    if hashlib.sha256(raw).hexdigest() != SHA256SUMS_DIGEST:
        _add(
            status,
            _LIST,
            "does not match the digest pinned in cellseg_teach/datasets.py (a line was"
            f" added, removed or edited); {_restore(folder, _LIST)}",
        )
    listed: dict[str, str] = {}
    for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        rel = m.group(2).strip() if m else ""
        if not m or rel.startswith("/") or ".." in rel.split("/") or rel in listed:
            _add(status, _LIST, f"line {number} is not '<sha256>  <relative path>' once")
            continue
        listed[rel] = m.group(1)

    # The manifest names the images and masks; read it first, trust it only if it matches.
    named: set[str] = set()
    if _MANIFEST in on_disk:
        try:
            rows = _parse_manifest((folder / _MANIFEST).read_bytes())
            named = {row[col] for row in rows for col in ("image", "mask")}
        except ValueError as exc:
            _add(status, _MANIFEST, f"{exc}; {_restore(folder, _MANIFEST)}")
    elif _MANIFEST not in listed:
        _add(status, _MANIFEST, f"missing; {_restore(folder, _MANIFEST)}")

    for rel in sorted(set(on_disk) - set(listed) - _UNLISTED_OK):
        if rel in named or rel == _MANIFEST:
            why = "named in manifest.csv but " if rel in named else ""
            problem = (
                f"{why}not listed in SHA256SUMS; restore the list with"
                f" `git checkout -- {_shown_path(folder, _LIST)}`"
            )
        else:
            problem = (
                f"not listed in SHA256SUMS (an extra file); remove {_shown_path(folder, rel)},"
                " or, if it belongs to the data, add its checksum to SHA256SUMS"
            )
        _add(status, rel, problem)
    for rel, digest in listed.items():
        if rel not in on_disk:
            _add(status, rel, f"listed in SHA256SUMS but missing; {_restore(folder, rel)}")
        elif _sha256(folder / rel) != digest:
            _add(
                status,
                rel,
                "does not match its checksum in SHA256SUMS (changed, damaged, truncated"
                f" or swapped with another file); {_restore(folder, rel)}",
            )
        else:
            status.setdefault(rel, "ok")

    # A manifest that matches its checksum must name exactly the listed images and masks
    # (this catches a list and manifest that were updated apart).
    if status.get(_MANIFEST) == "ok":
        for rel in sorted(named - set(listed) - set(on_disk)):
            _add(status, rel, "named in manifest.csv but neither listed nor present")
        data_files = {r for r in listed if r.startswith(("images/", "masks/"))}
        for rel in sorted(data_files - named):
            _add(status, rel, "listed in SHA256SUMS but not named in manifest.csv")
    return DataCheck(folder, status)


def _parse_manifest(raw: bytes) -> list[dict[str, str]]:
    """Rows of the manifest; ValueError (without the file name) if it is malformed."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"is not UTF-8 text ({exc.reason})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in _MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"has no column(s) {missing}")
    rows = []
    for number, row in enumerate(reader, start=2):
        if any(not row.get(c) for c in _MANIFEST_COLUMNS) or None in row:
            raise ValueError(f"row {number} is incomplete or has extra fields")
        if not row["n_nuclei"].isdigit():
            raise ValueError(f"row {number}: n_nuclei {row['n_nuclei']!r} is not a count")
        rows.append(row)
    if not rows:
        raise ValueError("lists no images")
    return rows


# Once per process: the folder's file signatures (path, size, modification time, inode)
# when it last passed the full check. A later call re-hashes only if one of them changed.
_VERIFIED: dict[Path, tuple] = {}


def _signature(folder: Path) -> tuple:
    return tuple(
        (rel, st.st_size, st.st_mtime_ns, st.st_ino)
        for rel, st in sorted(_files_on_disk(folder).items())
    )


def _require_valid(folder: Path) -> None:
    """Raise DataIntegrityError unless ``folder`` passes :func:`_check` (cached)."""
    folder = folder.resolve()
    signature = _signature(folder) if folder.is_dir() else ()
    if signature and _VERIFIED.get(folder) == signature:
        return
    report = _check(folder)
    if not report.ok:
        _VERIFIED.pop(folder, None)
        raise DataIntegrityError(str(report))
    _VERIFIED[folder] = signature


def verify_bbbc039() -> DataCheck:
    """Check every file of the shipped BBBC039 sample; report, do not raise.

    Checks that ``SHA256SUMS`` matches the digest pinned in this module, that every
    file it lists exists and matches its SHA-256, that no other file is in the folder
    (``README.md`` and hidden files excepted), and that ``manifest.csv`` (itself listed)
    names exactly the listed images and masks. Always hashes every file (about 9 MB).

    Returns
    -------
    DataCheck
        ``.ok`` is True when all is as shipped; ``.status`` gives ``"ok"`` or the problem
        (with how to restore the file) for every file; ``str()`` is a readable report.

    Examples
    --------
    >>> report = verify_bbbc039()
    >>> report.ok, len(report.status)
    (True, 26)
    """
    folder = Path(BBBC039_DIR)
    report = _check(folder)
    if report.ok:
        _VERIFIED[folder.resolve()] = _signature(folder.resolve())
    return report


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
    folder = Path(BBBC039_DIR)
    _require_valid(folder)
    return _parse_manifest((folder / _MANIFEST).read_bytes())


def bbbc039_names() -> list[str]:
    """The names (file stems) of the shipped BBBC039 images, in manifest order.

    Raises
    ------
    DataIntegrityError
        If the shipped files fail their check (see :func:`verify_bbbc039`).
    """
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


def _read_image(folder: Path, rel: str) -> np.ndarray:
    """A 2-D uint16 TIFF image, or DataIntegrityError naming the file (never an empty array)."""
    try:
        image = tifffile.imread(folder / rel)
    except Exception as exc:  # tifffile raises many types for damaged files
        raise DataIntegrityError(
            f"{rel}: cannot be read as a TIFF image ({type(exc).__name__}: {exc});"
            f" {_restore(folder, rel)}"
        ) from exc
    if image.ndim != 2 or image.size == 0 or image.dtype != np.uint16:
        raise DataIntegrityError(
            f"{rel}: expected a non-empty 2-D uint16 image, read shape {image.shape} dtype"
            f" {image.dtype} (a truncated or damaged file); {_restore(folder, rel)}"
        )
    return image


def _read_mask(folder: Path, rel: str, shape: tuple[int, ...]) -> np.ndarray:
    """The red channel of a map-coloured PNG mask, checked against the image's shape."""
    try:
        mask = iio.imread(folder / rel)
    except Exception as exc:  # imageio/Pillow raise many types for damaged files
        raise DataIntegrityError(
            f"{rel}: cannot be read as a PNG image ({type(exc).__name__}: {exc});"
            f" {_restore(folder, rel)}"
        ) from exc
    if mask.ndim != 3 or mask.shape[:2] != shape:
        raise DataIntegrityError(
            f"{rel}: expected an RGBA mask of {shape[0]}×{shape[1]} pixels like its image,"
            f" read shape {mask.shape}; {_restore(folder, rel)}"
        )
    return mask[..., 0]


def load_bbbc039(names: Iterable[str] | None = None) -> list[Sample]:
    """Load the shipped BBBC039 images and their expert instance labels.

    The first call in a process checks every shipped file against ``SHA256SUMS`` (see
    :func:`verify_bbbc039`; about 10 ms); later calls re-check only if a file changed.

    Parameters
    ----------
    names : list of str, optional
        File stems to load (see :func:`bbbc039_names`); default all 12.

    Returns
    -------
    list of Sample
        ``(name, image, labels)`` per image: the raw uint16 image (12-bit values) and
        its int32 instance labels.

    Raises
    ------
    TypeError
        If ``names`` is a single string or holds something other than strings.
    ValueError
        If ``names`` holds an unknown image name.
    DataIntegrityError
        If a shipped file is changed, missing, unlisted or unreadable; the message names
        the file and says how to restore it.

    Examples
    --------
    >>> samples = load_bbbc039()
    >>> len(samples), samples[0].image.shape, samples[0].image.dtype.name
    (12, (520, 696), 'uint16')
    >>> sum(int(s.labels.max()) for s in samples)
    1504
    """
    if isinstance(names, (str, bytes)):
        raise TypeError("names must be a list of image names, not a single string")
    if names is not None:
        if not isinstance(names, Iterable):
            raise TypeError(f"names must be a list of image names, got {type(names).__name__}")
        names = list(names)
        bad = [n for n in names if not isinstance(n, str)]
        if bad:
            raise TypeError(f"names must hold strings (image names), got {bad[:3]}")
    rows = {Path(r["image"]).stem: r for r in _manifest()}
    if names is None:
        names = list(rows)
    unknown = [n for n in names if n not in rows]
    if unknown:
        raise ValueError(
            f"names holds unknown BBBC039 image name(s) {unknown}; see bbbc039_names()"
        )
    folder = Path(BBBC039_DIR)
    out = []
    for name in names:
        row = rows[name]
        image = _read_image(folder, row["image"])
        labels = map_colours_to_instances(_read_mask(folder, row["mask"], image.shape))
        if int(labels.max()) != int(row["n_nuclei"]):
            raise DataIntegrityError(
                f"{row['mask']}: gives {int(labels.max())} nuclei, manifest.csv says"
                f" {row['n_nuclei']} (a mask that belongs to another image?);"
                f" {_restore(folder, row['mask'])}"
            )
        out.append(Sample(name, image, labels))
    return out

"""Images and label images on disk as OME-Zarr, written and read chunk by chunk.

OME-Zarr is the OME-NGFF ("next-generation file format") layout of a microscopy image in
Zarr: a directory of compressed chunks plus JSON metadata that napari, QuPath, Fiji and
the OME tools read. An image is a *multiscale* group: level ``0`` at full resolution,
then each level half the size of the one before (a pyramid, for viewers), and metadata
naming the axes (``y``, ``x``, and for 5-D images ``t``, ``c``, ``z``) and the pixel
size of every level. A segmentation goes back into the same store, in its ``labels/``
group, as a multiscale *label image* whose metadata points to the image it labels.

:func:`write_ome_zarr` writes any 2-D array (a lazy :func:`~cellseg_teach.mosaic.make_mosaic`
included) one chunk at a time, as NGFF 0.5 (Zarr v3). :func:`open_image` reads one 2-D plane,
lazily, from an NGFF 0.4 or 0.5 image, or passes an array through. :func:`write_labels`
writes a lazy label image into an image's ``labels/`` group, chunk by chunk;
:func:`~cellseg_teach.scale.segment_large` calls it when given ``out=``.

Requires the ``scale`` extra (``dask[array]``, ``zarr``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dask.array as da
import numpy as np

from ._checks import as_count, as_flag, as_image, as_positive, as_shape
from .mosaic import DEFAULT_CHUNKS

__all__ = ["open_image", "write_labels", "write_ome_zarr"]

NGFF_VERSION = "0.5"
"""The OME-NGFF version written (Zarr v3 stores); 0.4 (Zarr v2) is read too."""


# ------------------------------------------------------------------ arguments and metadata


def _as_path(path: object, name: str, suffix: str | None = None) -> Path:
    """A filesystem path; ``suffix`` (``".zarr"``, ``".csv"``) is required when given."""
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or pathlib.Path), got {type(path).__name__}")
    out = Path(path)
    if str(path) == "":
        raise ValueError(f"{name} must be a path, got an empty string")
    if suffix is not None and out.suffix.lower() != suffix:
        raise ValueError(
            f"{name} must end in {suffix!r} (a new {suffix} store or file), got {str(out)!r}"
        )
    return out


def _refuse_existing(path: Path, name: str, overwrite: bool) -> None:
    """Raise FileExistsError if ``path`` exists and ``overwrite`` is False: an output is
    never replaced unless asked (checked before any work, so nothing is written)."""
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{name}: {str(path)!r} exists; pass overwrite=True to replace it (nothing written)"
        )


def _as_2d_array(image: object, name: str) -> da.Array:
    """A 2-D numeric dask array (a NumPy image is checked in full and cut into chunks of
    :data:`~cellseg_teach.mosaic.DEFAULT_CHUNKS`)."""
    if not isinstance(image, da.Array):
        return da.from_array(as_image(image, name), chunks=DEFAULT_CHUNKS)
    if image.dtype == bool or not (
        np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)
    ):
        raise TypeError(f"{name} must be a numeric (integer or float) array, got {image.dtype}")
    if image.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (rows, columns), got {image.ndim}-D; slice one plane of it "
            f"first, or write it as OME-Zarr and choose the plane with open_image"
        )
    if image.size == 0:
        raise ValueError(f"{name} is empty (shape {image.shape}); it needs at least one pixel")
    return image


def _ome(attrs: dict) -> dict:
    """The NGFF metadata of a group: under ``"ome"`` (0.5) or at the top (0.4)."""
    return attrs.get("ome", attrs)


def _multiscales(path: Path, name: str) -> tuple[object, dict]:
    """The zarr group at ``path`` and its first ``multiscales`` entry, or a clear error."""
    import zarr

    if not path.exists():
        raise ValueError(f"{name}: no OME-Zarr image at {str(path)!r}: the path does not exist")
    try:
        group = zarr.open_group(path, mode="r")
    except Exception as exc:  # zarr raises several kinds; the message says why
        raise ValueError(
            f"{name}: {str(path)!r} is not an OME-Zarr image: not a Zarr group "
            f"({type(exc).__name__})"
        ) from None
    ms = _ome(dict(group.attrs)).get("multiscales")
    if not ms or not isinstance(ms, list) or "datasets" not in ms[0]:
        raise ValueError(
            f"{name}: {str(path)!r} is a Zarr group but not an OME-Zarr image: its metadata has "
            f"no 'multiscales' (OME-NGFF 0.4 or 0.5)"
        )
    return group, ms[0]


def _axes(ms: dict) -> list[dict]:
    """Axes as dicts with a name and a type (NGFF 0.3 gave bare names)."""
    kinds = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
    return [a if isinstance(a, dict) else {"name": a, "type": kinds.get(a)} for a in ms["axes"]]


def _scales(ms: dict) -> list[list[float]]:
    out = []
    for ds in ms["datasets"]:
        moves = ds.get("coordinateTransformations", [])
        scale = [t["scale"] for t in moves if t["type"] == "scale"]
        out.append(list(scale[0]) if scale else [1.0] * len(ms["axes"]))
    return out


def _space_axes(pixel_size: float | None) -> list[dict]:
    unit = {} if pixel_size is None else {"unit": "micrometer"}
    return [{"name": "y", "type": "space", **unit}, {"name": "x", "type": "space", **unit}]


def _set_ome(group: object, content: dict, zarr_format: int) -> None:
    """Write NGFF metadata the way the store's version expects it."""
    if zarr_format == 3:
        group.attrs["ome"] = {"version": NGFF_VERSION, **content}
    else:  # NGFF 0.4: at the top, with a version in each entry
        for value in content.values():
            for entry in value if isinstance(value, list) else [value]:
                if isinstance(entry, dict):
                    entry.setdefault("version", "0.4")
        group.attrs.update(content)


# ------------------------------------------------------------------------------ writing


def _store(
    level: da.Array, group: object, key: str, chunks: tuple[int, int], compress: bool = True
) -> object:
    """Create array ``key`` in ``group`` and fill it chunk by chunk (each task writes one)."""
    arr = group.create_array(key, shape=level.shape, chunks=chunks, dtype=level.dtype,
                             fill_value=0, overwrite=True,
                             compressors="auto" if compress else None)
    da.store(level.rechunk(chunks), arr, lock=False, compute=True)
    return arr


def write_ome_zarr(
    image: object,
    path: object,
    *,
    chunks: int | tuple[int, int] = 2048,
    pixel_size: float | None = None,
    n_levels: int = 3,
    compress: bool = True,
    overwrite: bool = False,
) -> Path:
    """Write a 2-D image as an OME-Zarr image (NGFF 0.5), chunk by chunk.

    Level 0 is the image; each further level averages 2 x 2 pixels of the level before it,
    read back from disk (a pyramid for viewers). Every level is written by one task per
    chunk, so a lazy image (a :func:`~cellseg_teach.mosaic.make_mosaic`) is never held
    whole, by this process or by any worker of a ``dask.distributed`` cluster.

    Parameters
    ----------
    image : dask.array.Array or array-like, 2-D
        Intensities (a.u.), integer or float; written with its own dtype.
    path : str or pathlib.Path
        A new directory whose name ends in ``.zarr``.
    chunks : int or (int, int)
        Chunk side on disk (pixels); the last chunk of a row or column may be smaller.
    pixel_size : float, optional
        Pixel size (micrometres), written as the axes' scale with unit ``micrometer``.
        Default: scale 1 and no unit (the synthetic images are in pixels).
    n_levels : int
        Pyramid levels, >= 1, fewer if a level would drop below one pixel.
    compress : bool
        Compress the chunks (Zarr's default, zstd). Noisy float64 pixels shrink little
        (to about 2/3) and reading them back costs about half as much time as smoothing
        them; False stores them raw.
    overwrite : bool
        Replace an existing store at ``path``; otherwise an existing path is an error.

    Returns
    -------
    pathlib.Path
        ``path``, ready for :func:`open_image`.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False (nothing is written).

    Examples
    --------
    >>> import tempfile
    >>> from cellseg_teach.mosaic import make_mosaic
    >>> path = Path(tempfile.mkdtemp()) / "screen.zarr"
    >>> _ = write_ome_zarr(make_mosaic((300, 500), chunks=128), path, chunks=128)
    >>> open_image(path).shape, open_image(path, level=1).shape
    ((300, 500), (150, 250))
    """
    import zarr

    arr = _as_2d_array(image, "image")
    path = _as_path(path, "path", ".zarr")
    rows, cols = as_shape(chunks, "chunks")
    if pixel_size is not None:
        pixel_size = as_positive(pixel_size, "pixel_size")
    n_levels = as_count(n_levels, "n_levels", minimum=1, maximum=30)
    compress = as_flag(compress, "compress")
    overwrite = as_flag(overwrite, "overwrite")
    _refuse_existing(path, "path", overwrite)
    chunks = (min(rows, arr.shape[0]), min(cols, arr.shape[1]))
    root = zarr.open_group(path, mode="w", zarr_format=3)
    step = 1.0 if pixel_size is None else pixel_size
    datasets = []
    level = arr
    for k in range(n_levels):
        if k > 0:
            prev = da.from_zarr(root[str(k - 1)])
            h, w = prev.shape[0] // 2, prev.shape[1] // 2
            if min(h, w) < 1:
                break
            level = da.coarsen(np.mean, prev[: 2 * h, : 2 * w], {0: 2, 1: 2}).astype(arr.dtype)
        _store(level, root, str(k), chunks, compress)
        s = step * 2**k
        datasets.append(
            {"path": str(k), "coordinateTransformations": [{"type": "scale", "scale": [s, s]}]}
        )
    _set_ome(root, {"multiscales": [{"name": path.stem, "axes": _space_axes(pixel_size),
                                     "datasets": datasets}]}, 3)
    return path


# ------------------------------------------------------------------------------ reading


def open_image(
    image: object,
    *,
    channel: int | None = None,
    z: int | None = None,
    t: int | None = None,
    level: int = 0,
) -> da.Array:
    """Return one 2-D plane of an OME-Zarr image, lazily, or an array as a dask array.

    Parameters
    ----------
    image : str, pathlib.Path, dask.array.Array or array-like
        The path of an OME-Zarr image (NGFF 0.4 or 0.5; the store's root, or a label
        image such as ``screen.zarr/labels/cells``), or a 2-D array (returned as a dask
        array, NumPy images in chunks of up to 2,048 px).
    channel, z, t : int, optional
        The channel, plane and time point to read from an image that has those axes. An
        axis of length 1 needs no choice; a longer one does (an error says which).
    level : int
        Pyramid level: 0 is full resolution, each next level half the size.

    Returns
    -------
    dask.array.Array
        The plane (rows, columns), with the chunks and dtype it has on disk; nothing read yet.

    Raises
    ------
    ValueError
        For a path that does not exist or is not an OME-Zarr image, an axis of length > 1
        without a choice, a choice out of range or for an axis the image does not have,
        and ``channel``/``z``/``t``/``level`` given with an array.

    Examples
    --------
    >>> import numpy as np
    >>> open_image(np.zeros((4, 6))).shape
    (4, 6)
    """
    return _open(image, "image", channel=channel, z=z, t=t, level=level)


def _open(
    image: object,
    name: str,
    *,
    channel: int | None = None,
    z: int | None = None,
    t: int | None = None,
    level: int = 0,
) -> da.Array:
    """:func:`open_image`, its errors naming ``name`` (the caller's argument)."""
    picks = {"channel": channel, "z": z, "t": t}
    for key, value in picks.items():
        if value is not None:
            picks[key] = as_count(value, key)
    level = as_count(level, "level")
    if not isinstance(image, (str, os.PathLike)):
        chosen = [k for k, v in picks.items() if v is not None] + (["level"] if level else [])
        if chosen:
            raise ValueError(
                f"{chosen[0]} chooses a plane of an OME-Zarr image on disk; with an array "
                f"as {name}, slice it yourself (e.g. image[t, c, z])"
            )
        return _as_2d_array(image, name)
    path = _as_path(image, name)
    group, ms = _multiscales(path, name)
    n = len(ms["datasets"])
    if level >= n:
        raise ValueError(f"level must be 0..{n - 1} for {str(path)!r} ({n} levels), got {level}")
    arr = da.from_zarr(group[ms["datasets"][level]["path"]])
    axes = _axes(ms)
    if len(axes) != arr.ndim or arr.ndim < 2:
        raise ValueError(f"{name}: {str(path)!r} has {len(axes)} axes for a {arr.ndim}-D array")
    index: list[object] = []
    for pos, (axis, size) in enumerate(zip(axes, arr.shape, strict=True)):
        kind = axis.get("type")
        key = "channel" if kind == "channel" else "t" if kind == "time" else "z"
        if pos >= arr.ndim - 2:
            index.append(slice(None))  # the plane: the last two axes (y, x)
            continue
        pick = picks.pop(key, None)
        if pick is None:
            if size > 1:
                raise ValueError(
                    f"{name} {str(path)!r} has {size} along its {axis['name']!r} axis: choose "
                    f"one with {key}=0..{size - 1} (axes {[a['name'] for a in axes]})"
                )
            pick = 0
        elif pick >= size:
            raise ValueError(f"{key} must be 0..{size - 1} for {str(path)!r}, got {pick}")
        index.append(pick)
    extra = [k for k, v in picks.items() if v is not None]
    if extra:
        raise ValueError(
            f"{extra[0]} was given, but {str(path)!r} has no such axis "
            f"(axes {[a['name'] for a in axes]})"
        )
    return arr[tuple(index)]


# ------------------------------------------------------------------------- label images


def _labels_target(out: object, shape: tuple[int, int], name: str, overwrite: bool):
    """Check that ``out`` is an OME-Zarr image of ``shape`` without a label image ``name``
    (unless ``overwrite``); return its path, multiscales entry and zarr format."""
    import zarr

    path = _as_path(out, "out")
    if not path.exists():
        raise ValueError(
            f"out must be an existing OME-Zarr image (the labels go into its labels/ group), "
            f"got {str(path)!r}, which does not exist; write the image first (write_ome_zarr)"
        )
    _, ms = _multiscales(path, "out")
    if len(ms["axes"]) != 2:
        raise ValueError(
            f"out must be a 2-D (y, x) OME-Zarr image such as write_ome_zarr writes, got "
            f"{str(path)!r} with axes {[a['name'] for a in _axes(ms)]}"
        )
    plane = tuple(zarr.open_array(path / ms["datasets"][0]["path"], mode="r").shape[-2:])
    if plane != tuple(shape):
        raise ValueError(f"out: the image in {str(path)!r} is {plane}, the labels {tuple(shape)}")
    _refuse_existing(path / "labels" / name, "out", overwrite)
    return path, ms


def write_labels(
    labels: da.Array,
    out: object,
    *,
    name: str = "cells",
    overwrite: bool = False,
) -> da.Array:
    """Write a label image into an OME-Zarr image's ``labels/`` group, chunk by chunk.

    The label image gets the image's pyramid (each level keeps every second pixel of the
    one before, so labels stay labels) and NGFF ``image-label`` metadata pointing to the
    image. Each chunk is written, at every level, by a task that runs as soon as the chunk
    is computed (:class:`LabelTarget`): no worker and no client ever holds the whole label
    image, and no level is read back to make the next (unless the chunks do not divide by
    its step).

    Parameters
    ----------
    labels : dask.array.Array of int, 2-D
        Label image, 0 = background, the shape of the image's level 0.
    out : str or pathlib.Path
        An existing OME-Zarr image (e.g. written by :func:`write_ome_zarr`).
    name : str
        Name of the label image in ``labels/``.
    overwrite : bool
        Replace an existing label image of that name; otherwise it is an error.

    Returns
    -------
    dask.array.Array
        The labels read back lazily from disk (level 0).

    Raises
    ------
    FileExistsError
        If ``out/labels/name`` exists and ``overwrite`` is False (nothing is written).
    """
    if not isinstance(labels, da.Array) or labels.ndim != 2 or not np.issubdtype(
        labels.dtype, np.integer
    ):
        raise TypeError("labels must be a 2-D integer dask array (0 = background)")
    overwrite = as_flag(overwrite, "overwrite")
    chunks = tuple(int(c[0]) for c in labels.chunks)
    target = LabelTarget(out, labels.shape, chunks, labels.dtype, name=name, overwrite=overwrite)
    target.create()
    # One task per chunk writes it, every level at once, right after the task that makes
    # it; regular chunks (the first chunk's size), so that no two tasks share a zarr chunk.
    labels = labels.rechunk(chunks)
    done = labels.map_blocks(_write_label_chunk, target, chunks=(1, 1), dtype=bool,
                             meta=np.empty((0, 0), bool))  # fmt: skip
    done.compute()
    return target.finish()


def _write_label_chunk(block: np.ndarray, target: LabelTarget, block_info: dict) -> np.ndarray:
    """Write one chunk of labels (every level written directly) where it lies."""
    (r0, _), (c0, _) = block_info[0]["array-location"]
    target.write_block(block, r0, c0)
    return np.ones((1, 1), bool)


class LabelTarget:
    """A label image ``out/labels/<name>`` being written: its levels, then its metadata.

    ``LabelTarget(out, shape, chunks, dtype)`` checks ``out`` (and refuses an existing
    label image unless ``overwrite``) before anything is written. :meth:`create` makes
    the empty levels: level ``k`` keeps every ``step``-th pixel of level 0 (``step`` from
    the image's pyramid) in chunks ``step`` times smaller, so that the level-0 chunk at
    ``(r0, c0)`` gives exactly one chunk of every level (:meth:`write_block`, called by
    the task that computes that chunk: no level is read back to make the next). Where the
    chunks do not divide by ``step``, that level and those above it are made from the
    level below, read back, by :meth:`finish`, which then writes the NGFF metadata: a
    label image that has metadata is complete.
    """

    def __init__(self, out: object, shape: tuple[int, int], chunks: tuple[int, int],
                 dtype: object, *, name: str = "cells", overwrite: bool = False) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"name must be a simple name such as 'cells', got {name!r}")
        self.path, self.ms = _labels_target(out, shape, name, overwrite)
        self.name, self.chunks, self.dtype = name, tuple(chunks), np.dtype(dtype)
        scales = [s[-2:] for s in _scales(self.ms)]
        self.scales = scales
        self.steps = [max(1, round(sc[0] / scales[0][0])) for sc in scales]
        # Levels written with level 0, chunk by chunk: those whose step divides the chunks.
        self.n_direct = next(
            (k for k, st in enumerate(self.steps) if any(c % st for c in self.chunks)),
            len(self.steps),
        )

    def _plane(self, k: int) -> tuple[int, int]:
        import zarr

        return zarr.open_array(self.path / self.ms["datasets"][k]["path"], mode="r").shape[-2:]

    def level(self, k: int) -> object:
        """The zarr array of level ``k`` (after :meth:`create`)."""
        import zarr

        return zarr.open_array(self.path / "labels" / self.name / str(k), mode="r+")

    def create(self) -> None:
        """Make the empty label image: every level, no metadata yet."""
        import zarr

        group = zarr.open_group(self.path, mode="r+").require_group("labels")
        image_group = group.create_group(self.name, overwrite=True)
        for k, step in enumerate(self.steps):
            chunks = tuple(c // step for c in self.chunks) if k < self.n_direct else self.chunks
            image_group.create_array(str(k), shape=self._plane(k), chunks=chunks,
                                     dtype=self.dtype, fill_value=0, compressors="auto")

    def write_block(self, block: np.ndarray, r0: int, c0: int) -> None:
        """Write the level-0 chunk ``block`` at ``(r0, c0)``, and its pixels of every
        level written directly."""
        for k in range(self.n_direct):
            step, arr = self.steps[k], self.level(k)
            part = block[::step, ::step]
            rs, cs = r0 // step, c0 // step
            part = part[: arr.shape[0] - rs, : arr.shape[1] - cs]
            arr[rs : rs + part.shape[0], cs : cs + part.shape[1]] = part

    def finish(self) -> da.Array:
        """Make the levels not yet written from the one below, write the metadata, and
        return level 0, read lazily from disk."""
        import zarr

        for k in range(self.n_direct, len(self.steps)):
            ratio = self.steps[k] // self.steps[k - 1]
            below = da.from_zarr(self.level(k - 1))
            plane = self._plane(k)
            target = self.level(k)
            level = below[::ratio, ::ratio][: plane[0], : plane[1]]
            da.store(level.rechunk(target.chunks), target, lock=False, compute=True)
        root = zarr.open_group(self.path, mode="r+")
        fmt = root.metadata.zarr_format
        group = root["labels"]
        names = list(_ome(dict(group.attrs)).get("labels", []))
        datasets = [
            {"path": str(k), "coordinateTransformations": [{"type": "scale", "scale": list(sc)}]}
            for k, sc in enumerate(self.scales)
        ]
        _set_ome(group[self.name], {
            "multiscales": [{"name": self.name, "axes": _axes(self.ms)[-2:],
                             "datasets": datasets}],
            "image-label": {"source": {"image": "../../"}},
        }, fmt)  # fmt: skip
        if self.name not in names:
            names.append(self.name)
        _set_ome(group, {"labels": names}, fmt)
        return da.from_zarr(self.level(0))

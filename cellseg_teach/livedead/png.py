"""Write and read 8-bit greyscale PNG files with numpy, zlib and struct only.

A training mask (values 0–4) is stored as an 8-bit greyscale PNG: lossless, small, and
readable by every image library. The format (W3C PNG specification) is an 8-byte
signature followed by chunks ``length, type, data, CRC-32``:

* ``IHDR``: width, height, bit depth 8, colour type 0 (greyscale), no interlace;
* ``IDAT``: the zlib-compressed rows, each preceded by a filter-type byte;
* ``IEND``: end of file.

:func:`write_png` writes filter type 0 (None) on every row; :func:`read_png` decodes
filter types 0 (None), 1 (Sub) and 2 (Up), vectorised per row, and refuses the others
with a clear message.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

__all__ = ["read_png", "write_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_png(path: str | os.PathLike, image: object, compression: int = 6) -> None:
    """Save a 2-D uint8 image as an 8-bit greyscale PNG.

    Parameters
    ----------
    path : str or path-like
        File to write.
    image : array-like of uint8, 2-D
        Pixel values 0–255 (e.g. a five-class mask). Other integer dtypes are accepted
        when every value is in 0–255.
    compression : int
        zlib level 0–9.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> mask = np.array([[0, 1, 2], [3, 4, 0]], np.uint8)
    >>> path = os.path.join(tempfile.mkdtemp(), "mask.png")
    >>> write_png(path, mask); read_png(path).tolist()
    [[0, 1, 2], [3, 4, 0]]
    """
    arr = np.asarray(image)
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"image must be a non-empty 2-D array, got shape {arr.shape}")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"image must be an integer (uint8) array, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() > 255:
        raise ValueError(f"image values must be in 0..255, got {arr.min()}..{arr.max()}")
    if not (isinstance(compression, int) and 0 <= compression <= 9):
        raise ValueError(f"compression must be an int 0..9, got {compression!r}")
    rows, cols = arr.shape
    raw = np.zeros((rows, cols + 1), dtype=np.uint8)  # column 0: filter type 0 (None)
    raw[:, 1:] = arr
    header = struct.pack(">IIBBBBB", cols, rows, 8, 0, 0, 0, 0)
    data = (
        _SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw.tobytes(), compression))
        + _chunk(b"IEND", b"")
    )
    with open(path, "wb") as fh:
        fh.write(data)


def read_png(path: str | os.PathLike) -> np.ndarray:
    """Read an 8-bit greyscale, non-interlaced PNG into a uint8 array.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    numpy.ndarray of uint8, shape (height, width)

    Raises
    ------
    ValueError
        If the file is not a PNG, a chunk's CRC is wrong, or it is not 8-bit
        greyscale without interlacing, or it uses filter type 3 or 4.
    """
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:8] != _SIGNATURE:
        raise ValueError(f"{os.fspath(path)!r} is not a PNG file (bad signature)")
    pos, header, idat = 8, None, []
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"corrupt PNG: CRC mismatch in chunk {kind!r}")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None:
        raise ValueError("corrupt PNG: no IHDR chunk")
    cols, rows, depth, colour, _, _, interlace = header
    if depth != 8 or colour != 0 or interlace != 0:
        raise ValueError(
            f"only 8-bit greyscale non-interlaced PNGs are supported, got bit depth {depth}, "
            f"colour type {colour}, interlace {interlace}"
        )
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    raw = raw.reshape(rows, cols + 1)
    filters, out = raw[:, 0], raw[:, 1:].copy()
    bad = np.setdiff1d(np.unique(filters), [0, 1, 2])
    if bad.size:
        raise ValueError(f"PNG filter types {bad.tolist()} are not supported (only 0, 1, 2)")
    for r in np.flatnonzero(filters):  # a loop over rows: each row depends on the last
        if filters[r] == 1:  # Sub: add the decoded pixel to the left
            out[r] = np.cumsum(out[r], dtype=np.uint64) % 256
        elif r > 0:  # Up: add the decoded pixel above
            out[r] += out[r - 1]
    return out

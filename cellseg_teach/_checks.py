"""Input checks shared by the public functions (one place, one wording)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_count", "as_image", "as_labels", "as_positive", "as_real"]


def as_image(
    image: object, name: str = "image", *, allow_bool: bool = False, ndim: int | None = 2
) -> np.ndarray:
    """Return ``image`` as a numeric array of ``ndim`` dimensions after checking it.

    ``ndim=None`` accepts any number of dimensions (at least 1), e.g. a ``(T, H, W)``
    stack.

    Integer camera images (uint8, uint16, ...) are accepted and returned as they are;
    the caller converts to float where it needs to. The input is never modified.

    Raises
    ------
    TypeError
        If ``image`` is not array-like with a real numeric dtype.
    ValueError
        If it is not 2-D, is empty, or holds NaN or infinite values.
    """
    if isinstance(image, (str, bytes)) or image is None:
        dims = f"{ndim}-D " if ndim else ""
        raise TypeError(f"{name} must be a {dims}numeric array, got {type(image).__name__}")
    arr = np.asarray(image)
    if arr.dtype == bool:
        if not allow_bool:
            raise TypeError(f"{name} must be a numeric (integer or float) array, got dtype bool")
    elif not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(
            f"{name} must be a numeric (integer or float) array, got dtype {arr.dtype}"
        )
    if ndim == 2 and arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (rows, columns), got {arr.ndim}-D with shape {arr.shape}"
        )
    if ndim not in (None, 2) and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got {arr.ndim}-D with shape {arr.shape}")
    if ndim is None and arr.ndim == 0:
        raise ValueError(f"{name} must be an array, got a 0-D value")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); it needs at least one pixel")
    # A NaN or an infinity makes the sum non-finite, so one fast reduction settles the
    # usual case; only a non-finite sum (possibly mere overflow) needs the full check.
    if (
        np.issubdtype(arr.dtype, np.floating)
        and not np.isfinite(arr.sum())
        and not np.isfinite(arr).all()
    ):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def as_labels(labels: object, name: str = "labels", *, ndim: int | None = 2) -> np.ndarray:
    """Return ``labels`` as a non-negative integer array after checking it.

    ``ndim`` is the number of dimensions required (``None``: any, at least 1).
    """
    if isinstance(labels, (str, bytes)) or labels is None:
        raise TypeError(f"{name} must be an integer label image, got {type(labels).__name__}")
    arr = np.asarray(labels)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be an integer label image, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got {arr.ndim}-D with shape {arr.shape}")
    if ndim is None and arr.ndim == 0:
        raise ValueError(f"{name} must be an array, got a 0-D value")
    if arr.size and np.issubdtype(arr.dtype, np.signedinteger) and arr.min() < 0:
        raise ValueError(f"{name} must be non-negative (0 = background), found {arr.min()}")
    return arr


def whole_numbers(arr: np.ndarray, max_range: int = 2**20) -> np.ndarray:
    """``arr`` as int64 when it holds whole numbers only (any dtype), else unchanged.

    A camera image converted to float64 keeps its integer values; code that treats
    integer images specially (one histogram bin per value) then gives the same result
    for both dtypes. ``max_range`` bounds ``max - min`` so a histogram stays small.
    """
    if np.issubdtype(arr.dtype, np.integer):
        return arr
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.floating) or arr.size == 0:
        return arr
    lo, hi = float(arr.min()), float(arr.max())
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi - lo > max_range or abs(lo) > 2**52:
        return arr
    if not np.array_equal(arr, np.floor(arr)):
        return arr
    return arr.astype(np.int64)


def as_real(value: object, name: str) -> float:
    """Return ``value`` as a finite float, or raise a TypeError/ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    return out


def as_positive(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float that is > 0 (or >= 0 with ``allow_zero``)."""
    out = as_real(value, name) + 0.0  # -0.0 becomes 0.0 (numpy refuses a scale of -0.0)
    if out < 0 or (out == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {out}")
    return out


# No count, size or width in this course comes near this; beyond it numpy's int64
# arithmetic overflows, so larger integers are refused by name instead.
MAX_INT = 2**53


def as_count(
    value: object, name: str, *, minimum: int = 0, maximum: int | None = None, why: str = ""
) -> int:
    """Return ``value`` as an int in ``[minimum, maximum]``, or raise naming it.

    ``maximum`` defaults to :data:`MAX_INT`; ``why`` explains an upper bound (for
    example ``"a blur wider than the image"``).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    out = int(value)
    if out < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {out}")
    top = MAX_INT if maximum is None else maximum
    if out > top:
        reason = f" ({why})" if why else ""
        raise ValueError(f"{name} must be <= {top}{reason}, got {out}")
    return out


def as_flag(value: object, name: str) -> bool:
    """Return ``value`` as a bool (True/False, NumPy's too), or raise a TypeError naming it."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def as_connectivity(value: object, name: str = "connectivity", ndim: int = 2) -> int:
    """Return ``value`` as a connectivity 1..ndim (1: share a face, ndim: any corner)."""
    out = as_count(value, name, minimum=1)
    if out > ndim:
        raise ValueError(f"{name} must be 1..{ndim} for {ndim}-D images, got {out}")
    return out


MAX_PIXELS = 2**40
"""Largest number of pixels a shape may describe (a terapixel): beyond it, a shape is a
typo, not an image, and is refused before any memory is asked for."""


def as_shape(
    shape: object, name: str = "shape", *, minimum: int = 1, max_pixels: int = MAX_PIXELS
) -> tuple[int, int]:
    """``(rows, columns)`` from a side (a square) or a pair, each an integer >= ``minimum``.

    Raises
    ------
    TypeError
        For a value that is neither an integer nor a pair of integers.
    ValueError
        For a pair of another length, a side below ``minimum``, or more than
        ``max_pixels`` pixels in all.
    """
    if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(shape, bool):
        rows = cols = as_count(shape, name, minimum=minimum)
    elif isinstance(shape, (tuple, list, np.ndarray)):
        if len(shape) != 2:
            raise ValueError(f"{name} must be a side or (rows, columns), got {shape!r}")
        rows = as_count(shape[0], f"{name}[0]", minimum=minimum)
        cols = as_count(shape[1], f"{name}[1]", minimum=minimum)
    else:
        raise TypeError(
            f"{name} must be a side or (rows, columns) of integers, got "
            f"{type(shape).__name__} {shape!r}"
        )
    if rows * cols > max_pixels:
        raise ValueError(
            f"{name} {(rows, cols)} has {rows * cols:.3g} pixels, more than {max_pixels:.3g}"
        )
    return rows, cols


def as_float_array(value: object, name: str, what: str = "an array of numbers") -> np.ndarray:
    """``value`` as a float array; strings, None and non-numbers raise a TypeError naming
    ``name`` and saying ``what`` was expected. Shape and finiteness are the caller's to check.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be {what}, got {value!r}")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be {what}: {exc}") from None


def as_centres(centres: object, name: str = "centres", *, allow_nan: bool = False) -> np.ndarray:
    """Float ``(n, 2)`` array of ``(x, y)`` pairs (pixels); an empty input gives ``(0, 2)``.

    ``allow_nan`` admits NaN rows (a label with no pixels has no centroid) but never
    infinities.
    """
    arr = as_float_array(centres, name, "an (n, 2) array of (x, y) pairs")
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2) as (x, y) pairs, got {arr.shape}")
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} contain {'infinite' if allow_nan else 'NaN or infinite'} values")
    return arr


def at_most(value: float, name: str, maximum: float, why: str = "") -> float:
    """Return ``value`` if it is <= ``maximum``, or raise a ValueError naming it."""
    if value > maximum:
        reason = f" ({why})" if why else ""
        raise ValueError(f"{name} must be <= {maximum:g}{reason}, got {value:g}")
    return value

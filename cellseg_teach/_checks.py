"""Input checks shared by the public functions (one place, one wording)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_count", "as_image", "as_labels", "as_positive", "as_real"]


def as_image(image: object, name: str = "image", *, allow_bool: bool = False) -> np.ndarray:
    """Return ``image`` as a 2-D numeric array after checking it.

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
        raise TypeError(f"{name} must be a 2-D numeric array, got {type(image).__name__}")
    arr = np.asarray(image)
    if arr.dtype == bool:
        if not allow_bool:
            raise TypeError(f"{name} must be a numeric (integer or float) array, got dtype bool")
    elif not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(
            f"{name} must be a numeric (integer or float) array, got dtype {arr.dtype}"
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (rows, columns), got {arr.ndim}-D with shape {arr.shape}"
        )
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
    out = as_real(value, name)
    if out < 0 or (out == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {out}")
    return out


def as_count(value: object, name: str, *, minimum: int = 0) -> int:
    """Return ``value`` as an int >= ``minimum``, or raise naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    out = int(value)
    if out < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {out}")
    return out


def as_centres(centres: object, name: str = "centres", *, allow_nan: bool = False) -> np.ndarray:
    """Float ``(n, 2)`` array of ``(x, y)`` pairs (pixels); an empty input gives ``(0, 2)``.

    ``allow_nan`` admits NaN rows (a label with no pixels has no centroid) but never
    infinities.
    """
    arr = np.asarray(centres, dtype=float)
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2) as (x, y) pairs, got {arr.shape}")
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} contain {'infinite' if allow_nan else 'NaN or infinite'} values")
    return arr

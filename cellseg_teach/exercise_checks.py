"""Checks for the exercises: each one says, in plain words, what was expected and what was found.

An exercise's "Check" cell calls these on the learner's answers. A check that passes prints
one line; one that fails raises :class:`~cellseg_teach.compare.CheckFailed` (an
``AssertionError``) whose message names the variable, what it should be and what it is::

    >>> from cellseg_teach.exercise_checks import expect_equal, expect_length
    >>> expect_equal("dim cells found at threshold 0.5", 0, 0)
    dim cells found at threshold 0.5: 0 (expected 0) ok
    >>> expect_length("means", [0.8], 2, "means, one per label")
    Traceback (most recent call last):
    ...
    cellseg_teach.compare.CheckFailed: means: expected 2 means, one per label; found 1

Shapes and types are checked first, so that a wrong answer gets a message about the answer,
not a ``ValueError`` from a broadcast three lines further down.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .compare import CheckFailed

__all__ = [
    "CheckFailed",
    "as_numbers",
    "expect",
    "expect_between",
    "expect_close",
    "expect_equal",
    "expect_keys",
    "expect_length",
    "index_of",
]


def _show(value: object) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        return str(int(x)) if x.is_integer() and abs(x) < 1e9 else f"{x:.4g}"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, separator=", ", threshold=20)
    return repr(value)


def _number(name: str, value: object) -> float:
    """``value`` as a float, or a CheckFailed that says it is not a number."""
    if isinstance(value, (bool, np.bool_)):
        raise CheckFailed(f"{name}: expected a number, found the truth value {value}")
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if not isinstance(value, numbers.Real):
        raise CheckFailed(f"{name}: expected a number, found {type(value).__name__} {value!r:.60}")
    x = float(value)
    if math.isnan(x):
        raise CheckFailed(f"{name}: expected a number, found NaN")
    return x


def expect(name: str, condition: object, detail: str = "") -> None:
    """Print ``name: yes`` when ``condition`` holds, else raise CheckFailed with ``detail``.

    Examples
    --------
    >>> expect("the class threshold separates the means", 0.41 < 0.43 < 0.52, "0.41 < 0.43 < 0.52")
    the class threshold separates the means: yes (0.41 < 0.43 < 0.52)
    """
    suffix = f" ({detail})" if detail else ""
    if not bool(condition):
        raise CheckFailed(f"{name}: no{suffix}")
    print(f"{name}: yes{suffix}")


def expect_equal(name: str, found: object, expected: object, why: str = "") -> None:
    """Exact agreement, for counts, labels and dicts of counts.

    Examples
    --------
    >>> expect_equal("cells missed", 3, 0, "all are bright")
    Traceback (most recent call last):
    ...
    cellseg_teach.compare.CheckFailed: cells missed: found 3, expected 0 (all are bright)
    """
    if isinstance(expected, Mapping):
        same = isinstance(found, Mapping) and dict(found) == dict(expected)
    elif isinstance(expected, np.ndarray) or isinstance(found, np.ndarray):
        same = np.array_equal(np.asarray(found), np.asarray(expected))
    else:
        same = found == expected
        same = bool(np.all(same)) if isinstance(same, np.ndarray) else bool(same)
    if not same:
        suffix = f" ({why})" if why else ""
        raise CheckFailed(f"{name}: found {_show(found)}, expected {_show(expected)}{suffix}")
    print(f"{name}: {_show(found)} (expected {_show(expected)}) ok")


def expect_close(name: str, found: object, expected: float, atol: float, why: str = "") -> None:
    """Agreement within an absolute tolerance, for a number the learner computed.

    Examples
    --------
    >>> expect_close("smoothed peak", 0.9, 36 / 40, atol=0.005)
    smoothed peak: 0.9 (expected 0.9 ± 0.005) ok
    >>> expect_close("smoothed peak", 0.75, 0.9, atol=0.005)
    Traceback (most recent call last):
    ...
    cellseg_teach.compare.CheckFailed: smoothed peak: found 0.75, expected 0.9 ± 0.005
    """
    x = _number(name, found)
    tol = f" ± {atol:g}" if atol >= 1e-4 else ""  # smaller: only rounding, not worth a word
    if not abs(x - expected) <= atol:
        suffix = f" ({why})" if why else ""
        raise CheckFailed(f"{name}: found {x:.4g}, expected {expected:.4g}{tol}{suffix}")
    print(f"{name}: {x:.4g} (expected {expected:.4g}{tol}) ok")


def expect_between(name: str, found: object, low: float, high: float, why: str = "") -> None:
    """``low <= found <= high``, for an answer that may fairly land anywhere in a range.

    Examples
    --------
    >>> expect_between("best threshold", 0.29, 0.25, 0.31)
    best threshold: 0.29 (expected 0.25 to 0.31) ok
    """
    x = _number(name, found)
    if not low <= x <= high:
        suffix = f" ({why})" if why else ""
        raise CheckFailed(f"{name}: found {x:.4g}, expected {low:g} to {high:g}{suffix}")
    print(f"{name}: {x:.4g} (expected {low:g} to {high:g}) ok")


def expect_length(name: str, value: object, n: int, what: str) -> None:
    """``value`` holds ``n`` items; ``what`` says what they are ("means, one per class").

    Examples
    --------
    >>> expect_length("dim_recall", np.zeros(43), 43, "values, one per threshold")
    dim_recall: 43 values, one per threshold ok
    """
    if value is None or isinstance(value, (str, bytes, numbers.Number)) or not hasattr(
        value, "__len__"
    ):
        raise CheckFailed(f"{name}: expected {n} {what}; found {type(value).__name__} "
                          f"{_show(value)}")
    arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    found = arr.shape[0] if arr.ndim else 0
    if arr.ndim > 1 and not isinstance(value, Mapping):
        raise CheckFailed(f"{name}: expected {n} {what} in one dimension; found an array of "
                          f"shape {arr.shape}")
    if isinstance(value, Mapping):
        found = len(value)
    if found != n:
        raise CheckFailed(f"{name}: expected {n} {what}; found {found}")
    print(f"{name}: {n} {what} ok")


def as_numbers(name: str, value: object, n: int, what: str) -> np.ndarray:
    """``value`` as a float array of ``n`` numbers, or CheckFailed saying what is wrong.

    Examples
    --------
    >>> as_numbers("errors", [3, 1, 0], 3, "counts, one per amplitude")
    errors: 3 counts, one per amplitude ok
    array([3., 1., 0.])
    """
    expect_length(name, value, n, what)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailed(f"{name}: expected {n} numbers ({what}); found {_show(value)}") from None
    if np.isnan(arr).any():
        raise CheckFailed(f"{name}: {int(np.isnan(arr).sum())} of the {n} values are NaN")
    return arr


def expect_keys(name: str, value: object, keys: Iterable[str]) -> None:
    """``value`` is a dict with exactly these keys.

    Examples
    --------
    >>> expect_keys("score", {"found": 8, "lost": 0}, ["found", "missed"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cellseg_teach.compare.CheckFailed: score: expected a dict with the keys 'found', 'missed'; ...
    """
    wanted = sorted(keys)
    if not isinstance(value, Mapping):
        raise CheckFailed(f"{name}: expected a dict with the keys "
                          f"{', '.join(map(repr, wanted))}; found {type(value).__name__}")
    have = sorted(map(str, value))
    if have != wanted:
        raise CheckFailed(f"{name}: expected a dict with the keys {', '.join(map(repr, wanted))}; "
                          f"found the keys {', '.join(map(repr, have))}")
    print(f"{name}: keys {', '.join(wanted)} ok")


def index_of(name: str, values: Sequence[float] | np.ndarray, value: object,
             atol: float = 1e-6) -> int:
    """Position of ``value`` in ``values``, comparing floats within ``atol``.

    ``0.08 + 0.01 * 21`` is not exactly ``0.29``; a look-up with ``==`` would miss it.

    Examples
    --------
    >>> thresholds = np.round(np.arange(0.08, 0.505, 0.01), 2)
    >>> index_of("best_threshold", thresholds, 0.08 + 0.01 * 21)
    21
    """
    x = _number(name, value)
    arr = np.asarray(values, dtype=float)
    hits = np.flatnonzero(np.abs(arr - x) <= atol)
    if hits.size == 0:
        raise CheckFailed(f"{name}: {x:.4g} is not one of the values swept "
                          f"({arr.min():g} to {arr.max():g})")
    return int(hits[0])

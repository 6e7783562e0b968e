"""One readable line per verified number: ``compare`` and ``check``.

A lesson states a number, a formula predicts it, and a cell checks that the two agree.
Instead of a block of ``print`` and ``assert``, the cell calls::

    >>> from cellseg_teach.compare import compare
    >>> compare("smoothed peak", 0.9004, 0.9, rtol=0.01)
    smoothed peak: measured 0.900, predicted 0.900 (within 1 %)

and gets one line a learner can read, or a :class:`CheckFailed` error that says what
was expected and what was found.

A check must be able to fail. Both helpers therefore refuse what would make them pass
whatever the data say: a truth value or a string where a number belongs
(``compare("cells", True, 1)`` would otherwise pass "exactly"), and an empty selection
(``counts[thresholds >= 0.5]`` when no threshold reaches 0.5, which ``all`` or ``.sum() == 0``
would call true).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["CheckFailed", "check", "checking", "compare", "fail", "real_number"]

_task = {"name": ""}  # the task the checks that follow belong to (exercises only)


class CheckFailed(AssertionError):
    """A number stated by the course does not hold (an ``AssertionError``)."""


def checking(task: str) -> None:
    """Name the task that the checks which follow belong to ("task 2a"), or "" for none.

    An exercise's check cell starts with ``checking("task 2a")``: every failure of
    :func:`check`, :func:`compare` and the exercise checks then starts with "Task 2a, ",
    so that a learner reading the error knows which task to revisit. Lessons do not call it.

    Examples
    --------
    >>> checking("task 1")
    >>> check("peak below 1", 1.2 < 1)
    Traceback (most recent call last):
    ...
    cellseg_teach.compare.CheckFailed: Task 1, peak below 1: NO
    >>> checking("")
    """
    if not isinstance(task, str):
        raise TypeError(f"task must be a string such as 'task 2a', got {type(task).__name__}")
    _task["name"] = task.strip()


def fail(message: str) -> None:
    """Raise :class:`CheckFailed` with ``message``, after the task :func:`checking` named."""
    task = _task["name"]
    raise CheckFailed(f"{task[:1].upper()}{task[1:]}, {message}" if task else message)


def real_number(name: str, value: object) -> float:
    """``value`` as a float, or a TypeError/ValueError that names the argument ``name``.

    A bool, a string and an empty array are refused: each would let a check pass that
    cannot fail. A NumPy scalar or an array of one element is accepted.

    Examples
    --------
    >>> real_number("measured", np.float32(0.5))
    0.5
    >>> real_number("measured", True)
    Traceback (most recent call last):
    ...
    TypeError: measured must be a real number, got the truth value True
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got the truth value {value}")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a real number, got the string {value!r:.40}")
    if isinstance(value, np.ndarray) or (
        isinstance(value, (list, tuple)) and not isinstance(value, numbers.Number)
    ):
        arr = np.asarray(value)
        if arr.size == 0:
            raise ValueError(
                f"{name} is empty (shape {arr.shape}): a selection with no values makes a "
                "check that cannot fail; check that the selection picks what you meant")
        if arr.size != 1:
            raise TypeError(f"{name} must be one number, got an array of shape {arr.shape}")
        if arr.dtype == bool or arr.dtype.kind in "USO":
            raise TypeError(f"{name} must be a real number, got an array of dtype {arr.dtype}")
        value = arr.reshape(()).item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def _fmt(x: float, digits: int) -> str:
    if x != 0 and (abs(x) < 10 ** -(digits - 1) or abs(x) >= 1e6):
        return f"{x:.{max(digits - 1, 1)}e}"
    return f"{x:.{digits}f}"


def compare(
    name: str,
    measured: object,
    predicted: object,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    digits: int = 3,
    unit: str = "",
) -> None:
    """Print one line comparing a measured number with its prediction; raise if they differ.

    Parameters
    ----------
    name : str
        What the number is ("smoothed peak", "noise std"), as the lesson calls it.
    measured, predicted : float
        The number from the simulation and the number from the formula (or a count
        read from the data and the count the text states). A bool, a string or an
        empty selection is refused (TypeError/ValueError), since it makes a check that
        cannot fail.
    rtol : float, optional
        Relative tolerance: pass when ``|measured - predicted| <= rtol * |predicted|``.
        Printed as a percentage.
    atol : float, optional
        Absolute tolerance, in the number's own unit. Give ``rtol``, ``atol`` or
        neither (then the two must be equal, as for counts).
    digits : int
        Decimals printed (default 3), an integer from 0 to 15.
    unit : str
        Appended to both numbers ("px", "px²").

    Raises
    ------
    CheckFailed
        If the two differ by more than the tolerance.
    TypeError, ValueError
        If a number is not real (or is a bool, a string or an empty array), ``digits`` is
        not an integer from 0 to 15, or a tolerance is negative or both are given.

    Examples
    --------
    >>> compare("cells found", 8, 8)
    cells found: measured 8, predicted 8 (exactly)
    >>> compare("noise std", 0.0121, 0.0120, atol=0.001)
    noise std: measured 0.012, predicted 0.012 (within ±0.001)
    >>> compare("peak", 0.8, 0.9, rtol=0.01)
    Traceback (most recent call last):
    ...
    cellseg_teach.compare.CheckFailed: peak: measured 0.800, predicted 0.900, differ by 11.1 % > 1 %
    >>> compare("cells found", "8", 8)
    Traceback (most recent call last):
    ...
    TypeError: measured must be a real number, got the string '8'
    """
    m = real_number("measured", measured)
    p = real_number("predicted", predicted)
    if isinstance(digits, (bool, np.bool_)) or not isinstance(digits, numbers.Integral):
        raise TypeError(f"digits must be an integer (decimals printed), got {digits!r}")
    if not 0 <= digits <= 15:
        raise ValueError(f"digits must be from 0 to 15 (decimals printed), got {digits}")
    digits = int(digits)
    if rtol is not None and atol is not None:
        raise ValueError("give rtol or atol, not both")
    for tol, tol_name in ((rtol, "rtol"), (atol, "atol")):
        if tol is not None and not (real_number(tol_name, tol) >= 0):
            raise ValueError(f"{tol_name} must be >= 0, got {tol}")
    if math.isnan(m) or math.isnan(p):
        fail(f"{name}: measured {m}, predicted {p}: NaN never agrees")
    integers = rtol is None and atol is None and m.is_integer() and p.is_integer()
    sm = f"{int(m)}" if integers else _fmt(m, digits)
    sp = f"{int(p)}" if integers else _fmt(p, digits)
    diff = abs(m - p)
    if rtol is not None:
        ok = diff <= rtol * abs(p)
        rel = diff / abs(p) * 100 if p else math.inf
        tol_text = f"within {rtol * 100:g} %"
        fail_text = f"differ by {rel:.1f} % > {rtol * 100:g} %"
    elif atol is not None:
        ok = diff <= atol
        tol_text = f"within ±{atol:g}{unit}"
        fail_text = f"differ by {_fmt(diff, digits)}{unit} > {atol:g}{unit}"
    else:
        ok = diff == 0
        tol_text = "exactly"
        fail_text = "differ"
    line = f"{name}: measured {sm}{unit}, predicted {sp}{unit}"
    if not ok:
        fail(f"{line}, {fail_text}")
    print(f"{line} ({tol_text})")


def check(name: str, condition: object, detail: str = "") -> None:
    """Print ``name: yes`` when ``condition`` holds, or raise :class:`CheckFailed`.

    For statements that are not a number against a prediction ("every cell is found",
    "the gap is below the threshold"). The one helper for such statements, in the
    lessons and in the exercises' checks alike.

    Parameters
    ----------
    name : str
        The statement, as the lesson or the exercise says it.
    condition : bool or array of bool
        A truth value, or an array that must be true everywhere. An empty array is
        refused with a ValueError: "every element of nothing is true" cannot fail.
    detail : str
        Printed in brackets after the verdict (the numbers behind it).

    Examples
    --------
    >>> check("midpoint below the threshold", 0.27 < 0.5, "0.27 < 0.5")
    midpoint below the threshold: yes (0.27 < 0.5)
    >>> check("no false cell at 0.5", np.array([]) == 0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: condition of 'no false cell at 0.5' is empty: a selection with no values ...
    """
    if isinstance(condition, (np.ndarray, list, tuple)):
        arr = np.asarray(condition)
        if arr.size == 0:
            raise ValueError(
                f"condition of {name!r} is empty: a selection with no values makes a check "
                "that cannot fail; check that the selection picks what you meant")
        holds = bool(arr.all())
    elif condition is None or isinstance(condition, (str, bytes)):
        raise TypeError(f"condition of {name!r} must be a truth value, got "
                        f"{type(condition).__name__}")
    else:
        holds = bool(condition)
    suffix = f" ({detail})" if detail else ""
    if not holds:
        fail(f"{name}: NO{suffix}")
    print(f"{name}: yes{suffix}")

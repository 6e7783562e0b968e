"""One readable line per verified number: ``compare`` and ``check``.

A lesson states a number, a formula predicts it, and a cell checks that the two agree.
Instead of a block of ``print`` and ``assert``, the cell calls::

    >>> from cellseg_teach.compare import compare
    >>> compare("smoothed peak", 0.9004, 0.9, rtol=0.01)
    smoothed peak: measured 0.900, predicted 0.900 (within 1 %)

and gets one line a learner can read, or a :class:`CheckFailed` error that says what
was expected and what was found.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["CheckFailed", "check", "compare"]


class CheckFailed(AssertionError):
    """A number stated by the course does not hold (an ``AssertionError``)."""


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        # numpy scalars are numbers.Real; 0-d arrays are not, so try float() on them
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from None
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
        read from the data and the count the text states).
    rtol : float, optional
        Relative tolerance: pass when ``|measured - predicted| <= rtol * |predicted|``.
        Printed as a percentage.
    atol : float, optional
        Absolute tolerance, in the number's own unit. Give ``rtol``, ``atol`` or
        neither (then the two must be equal, as for counts).
    digits : int
        Decimals printed (default 3).
    unit : str
        Appended to both numbers ("px", "px²").

    Raises
    ------
    CheckFailed
        If the two differ by more than the tolerance.
    TypeError, ValueError
        If a number is not real, or a tolerance is negative or both are given.

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
    """
    m = _number(measured, "measured")
    p = _number(predicted, "predicted")
    if rtol is not None and atol is not None:
        raise ValueError("give rtol or atol, not both")
    for tol, tol_name in ((rtol, "rtol"), (atol, "atol")):
        if tol is not None and not (_number(tol, tol_name) >= 0):
            raise ValueError(f"{tol_name} must be >= 0, got {tol}")
    if math.isnan(m) or math.isnan(p):
        raise CheckFailed(f"{name}: measured {m}, predicted {p}: NaN never agrees")
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
        raise CheckFailed(f"{line}, {fail_text}")
    print(f"{line} ({tol_text})")


def check(name: str, condition: object, detail: str = "") -> None:
    """Print ``name: yes`` when ``condition`` holds, or raise :class:`CheckFailed`.

    For statements that are not a number against a prediction ("every cell is found",
    "the gap is below the threshold").

    Examples
    --------
    >>> check("midpoint below the threshold", 0.27 < 0.5, "0.27 < 0.5")
    midpoint below the threshold: yes (0.27 < 0.5)
    """
    suffix = f" ({detail})" if detail else ""
    if not bool(condition):
        raise CheckFailed(f"{name}: NO{suffix}")
    print(f"{name}: yes{suffix}")

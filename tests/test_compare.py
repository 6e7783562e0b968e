"""The one-line check helper passes what agrees, fails what does not, and says why."""

import pytest

from cellseg_teach.compare import CheckFailed, check, compare


def test_compare_prints_one_line_when_within_tolerance(capsys):
    compare("smoothed peak", 0.9004, 0.9, rtol=0.01)
    out = capsys.readouterr().out
    assert out == "smoothed peak: measured 0.900, predicted 0.900 (within 1 %)\n"


def test_compare_fails_outside_tolerance_and_says_by_how_much():
    with pytest.raises(CheckFailed, match=r"differ by 11.1 % > 1 %"):
        compare("peak", 0.8, 0.9, rtol=0.01)
    with pytest.raises(CheckFailed, match=r"> 0.001"):
        compare("std", 0.013, 0.011, atol=0.001)
    with pytest.raises(CheckFailed):
        compare("count", 7, 8)
    with pytest.raises(CheckFailed, match="NaN"):
        compare("x", float("nan"), 1.0, rtol=1)


def test_compare_edges(capsys):
    compare("count", 8, 8)
    compare("std", 0.0121, 0.012, atol=0.001, unit=" px")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "count: measured 8, predicted 8 (exactly)",
        "std: measured 0.012 px, predicted 0.012 px (within ±0.001 px)",
    ]
    with pytest.raises(ValueError, match="not both"):
        compare("x", 1, 1, rtol=0.1, atol=0.1)
    with pytest.raises(ValueError, match="rtol"):
        compare("x", 1, 1, rtol=-0.1)
    with pytest.raises(TypeError):
        compare("x", "one", 1)
    assert issubclass(CheckFailed, AssertionError)


def test_check(capsys):
    check("gap below threshold", True, "0.27 < 0.5")
    assert capsys.readouterr().out == "gap below threshold: yes (0.27 < 0.5)\n"
    with pytest.raises(CheckFailed, match="NO"):
        check("gap below threshold", False)

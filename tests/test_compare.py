"""The one-line check helper passes what agrees, fails what does not, and says why."""

import numpy as np
import pytest

from cellseg_teach.compare import CheckFailed, check, checking, compare


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


@pytest.mark.parametrize(
    "measured, predicted, argument",
    [(True, 1, "measured"), (8, np.True_, "predicted"), ("8", 8, "measured"),
     (8, b"8", "predicted"), (np.array([True]), 1, "measured"), (np.array(["8"]), 8, "measured")],
)
def test_compare_refuses_truth_values_and_strings_naming_the_argument(measured, predicted,
                                                                      argument):
    # these used to pass "exactly": float(True) == 1.0 and float("8") == 8.0
    with pytest.raises(TypeError, match=f"^{argument} must be a real number"):
        compare("cells found", measured, predicted)


def test_compare_refuses_an_empty_selection():
    thresholds = np.round(np.arange(0.05, 0.36, 0.01), 2)
    counts = np.zeros_like(thresholds)
    with pytest.raises(ValueError, match=r"measured is empty .*cannot fail"):
        compare("false cells at 0.5", counts[thresholds >= 0.5], 0)
    with pytest.raises(ValueError, match="predicted is empty"):
        compare("x", 0, [])
    with pytest.raises(TypeError, match=r"measured must be one number, got an array of shape"):
        compare("x", np.array([1.0, 2.0]), 1.0)


def test_compare_accepts_numpy_scalars_and_one_element_arrays(capsys):
    compare("count", np.int64(8), np.array([8]))
    compare("peak", np.array(0.9), np.float32(0.9), rtol=1e-6)
    assert capsys.readouterr().out.splitlines() == [
        "count: measured 8, predicted 8 (exactly)",
        "peak: measured 0.900, predicted 0.900 (within 0.0001 %)",
    ]


@pytest.mark.parametrize("digits, error", [(2.5, TypeError), ("3", TypeError), (True, TypeError),
                                           (-1, ValueError), (16, ValueError)])
def test_compare_digits_must_be_a_small_integer(digits, error):
    with pytest.raises(error, match=r"^digits must be"):
        compare("x", 1.0, 1.0, digits=digits)


def test_check_refuses_a_condition_over_nothing():
    thresholds = np.round(np.arange(0.05, 0.36, 0.01), 2)
    counts = np.zeros_like(thresholds)
    # `counts[thresholds >= 0.5].sum() == 0` is True whatever counts holds: it cannot fail
    assert counts[thresholds >= 0.5].sum() == 0
    with pytest.raises(ValueError, match=r"is empty: .*cannot fail"):
        check("no false cell at 0.5", counts[thresholds >= 0.5] == 0)
    with pytest.raises(TypeError, match="must be a truth value"):
        check("x", "yes")


def test_check_takes_an_array_condition_as_every_element(capsys):
    check("all non-negative", np.array([0, 1, 2]) >= 0)
    assert capsys.readouterr().out == "all non-negative: yes\n"
    with pytest.raises(CheckFailed, match="NO"):
        check("all positive", np.array([0, 1, 2]) > 0)
    with pytest.raises(CheckFailed):
        check("all positive", [True, False])  # a non-empty list is truthy; its elements are not


def test_checking_names_the_task_in_every_failure():
    try:
        checking("task 2a")
        with pytest.raises(CheckFailed, match=r"^Task 2a, gap: NO$"):
            check("gap", False)
        with pytest.raises(CheckFailed, match=r"^Task 2a, count: measured 7"):
            compare("count", 7, 8)
        with pytest.raises(TypeError, match="task must be a string"):
            checking(2)
    finally:
        checking("")
    with pytest.raises(CheckFailed, match=r"^gap: NO$"):
        check("gap", False)

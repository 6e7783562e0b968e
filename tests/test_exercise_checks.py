"""cellseg_teach.exercise_checks: each failure says, in plain words, what was expected and found."""

import numpy as np
import pytest

from cellseg_teach.compare import CheckFailed
from cellseg_teach.exercise_checks import (
    as_numbers,
    expect,
    expect_between,
    expect_close,
    expect_equal,
    expect_keys,
    expect_length,
    index_of,
)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: expect_length("means", None, 2, "means, one per label"),
         "means: expected 2 means, one per label; found NoneType"),
        (lambda: expect_length("means", np.zeros(3), 2, "means, one per label"),
         "means: expected 2 means, one per label; found 3"),
        (lambda: expect_length("table", np.zeros((5, 46)), 5, "values"),
         r"in one dimension; found an array of shape \(5, 46\)"),
        (lambda: as_numbers("recall", [0.5, np.nan], 2, "values"), "1 of the 2 values are NaN"),
        (lambda: as_numbers("recall", ["a", "b"], 2, "values"), "expected 2 numbers"),
        (lambda: expect_close("peak", "0.9", 0.9, atol=0.01), "expected a number, found str"),
        (lambda: expect_close("peak", True, 0.9, atol=0.01), "expected a number, found the truth"),
        (lambda: expect_close("peak", np.nan, 0.9, atol=0.01), "found NaN"),
        (lambda: expect_between("t", 0.4, 0.25, 0.31, "the best"),
         r"t: found 0.4, expected 0.25 to 0.31 \(the best\)"),
        (lambda: expect_equal("score", {"found": np.int64(7)}, {"found": 8}),
         r"score: found \{found: 7\}, expected \{found: 8\}"),
        (lambda: expect_equal("row", np.array([1, 2]), np.array([1, 1])), "row: found"),
        (lambda: expect_keys("s", [1, 2], ["a"]), "expected a dict with the keys 'a'; found list"),
        (lambda: index_of("best", np.array([0.1, 0.2]), 0.15), "0.15 is not one of the values"),
        (lambda: expect("gap", False, "0.5 < 0.4"), r"gap: no \(0.5 < 0.4\)"),
    ],
)
def test_a_failed_check_says_what_was_expected_and_found(call, message):
    with pytest.raises(CheckFailed, match=message):
        call()


def test_a_failed_check_is_an_assertion_error():
    with pytest.raises(AssertionError):
        expect_equal("n", 1, 2)


def test_passing_checks_print_one_line_each(capsys):
    expect_equal("n", np.int64(3), 3)
    expect_close("x", 0.30000000000000004, 0.3, atol=1e-9)
    expect_length("arr", [1, 2, 3], 3, "values")
    expect_keys("d", {"b": 1, "a": 2}, ["a", "b"])
    lines = capsys.readouterr().out.strip().split("\n")
    assert lines == ["n: 3 (expected 3) ok", "x: 0.3 (expected 0.3) ok", "arr: 3 values ok",
                     "d: keys a, b ok"]


def test_float_look_up_with_a_tolerance():
    thresholds = np.round(np.arange(0.08, 0.505, 0.01), 2)
    exact_misses = sum(not np.any(thresholds == 0.08 + 0.01 * k) for k in range(43))
    assert exact_misses > 0  # why a tolerance is needed
    assert [index_of("t", thresholds, 0.08 + 0.01 * k) for k in range(43)] == list(range(43))

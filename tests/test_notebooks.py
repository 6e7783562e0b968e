"""Every notebook has a MyST twin in sync; lessons and solutions are committed executed,
exercises without outputs. (nbval, run by the test command, re-executes them.)"""

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from build_notebooks import myst_text  # noqa: E402

NOTEBOOKS = sorted(
    p for folder in ("lessons", "solutions", "exercises") for p in (ROOT / folder).glob("*.ipynb")
)
EXECUTED = [p for p in NOTEBOOKS if p.parent.name in ("lessons", "solutions")]


def _id(p: Path) -> str:
    return f"{p.parent.name}/{p.name}"


def test_the_course_has_its_lessons():
    names = [p.stem for p in (ROOT / "lessons").glob("*.ipynb")]
    assert len(names) >= 4, names


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=_id)
def test_notebook_and_myst_twin_are_in_sync(nb_path):
    md = nb_path.with_suffix(".md")
    assert md.exists(), f"{md.name} is missing: run jupytext --sync {nb_path}"
    expected = myst_text(nbformat.read(nb_path, as_version=4))
    assert md.read_text() == expected, (
        f"{md.name} and {nb_path.name} differ: rebuild with tools/build_notebooks.py {md}"
    )


@pytest.mark.parametrize("nb_path", EXECUTED, ids=_id)
def test_lessons_and_solutions_are_committed_executed(nb_path):
    cells = json.loads(nb_path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert code, "no code cells"
    counts = [c["execution_count"] for c in code]
    assert None not in counts, "some code cells were never executed"
    assert counts == sorted(counts), "cells were executed out of order"
    errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    tagged = [c for c in code if "raises-exception" in c.get("metadata", {}).get("tags", [])]
    assert len(errors) <= len(tagged), "a cell raised without the raises-exception tag"


@pytest.mark.parametrize("nb_path", EXECUTED, ids=_id)
def test_lessons_have_objectives_and_key_points(nb_path):
    text = nb_path.with_suffix(".md").read_text().lower()
    for heading in ("objectives", "key points"):
        assert heading in text, f"{nb_path.name} has no '{heading}' section"


def test_a_kernel_that_dies_as_it_starts_is_started_again():
    # conftest.py wraps nbval's kernel start (a port race of jupyter_client).
    import nbval.kernel

    from conftest import KERNEL_START_ATTEMPTS, retry_kernel_start

    assert nbval.kernel.start_new_kernel.__wrapped__ is not None  # nbval's, wrapped
    calls = []

    def flaky(fail_times, message="Kernel died before replying to kernel_info"):
        def start(**kwargs):
            calls.append(kwargs)
            if len(calls) <= fail_times:
                raise RuntimeError(message)
            return "km", "kc"
        return start

    with pytest.warns(RuntimeWarning, match="starting it again"):
        assert retry_kernel_start(flaky(2))(cwd="x") == ("km", "kc")
    assert len(calls) == 3 and calls[-1] == {"cwd": "x"}
    calls.clear()
    with pytest.raises(RuntimeError, match="Kernel died"), pytest.warns(RuntimeWarning):
        retry_kernel_start(flaky(KERNEL_START_ATTEMPTS))()
    assert len(calls) == KERNEL_START_ATTEMPTS
    calls.clear()
    with pytest.raises(RuntimeError, match="something else"):  # other errors: at once
        retry_kernel_start(flaky(1, "something else"))()
    assert len(calls) == 1

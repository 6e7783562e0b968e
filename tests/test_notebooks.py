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

"""nbgrader itself, on the course source that `course.py nbgrader` writes.

The test builds .venv-grading (nbgrader, pinned in requirements/grading.txt; never in the
course's .venv) and runs real nbgrader commands on exercise 1: generate_assignment, a
learner's answers typed into the released notebook's stubs (the solution, and one wrong
answer from tests/test_exercise_answers.py), autograde; then the points nbgrader's gradebook
holds for each task are compared with what `course.py grade` gives the same notebook, and
the wrong answer must cost its own task's point and no other.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from exercise_runner import ROOT, ExerciseRun
from test_grading import CELL_LIMIT, MEMORY_MB, NOTEBOOK_LIMIT, STEM, TASKS, WRONG

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
import grading

import course

STUB = re.compile(r"(?m)^([ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)")


def _fill(notebook: Path, codes: list[str]) -> None:
    """Type the answers into a released notebook's stubs, in order, as a learner would."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    todo = iter(codes)
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        while (stub := STUB.search(src)) is not None:
            code = "\n".join(stub.group(1) + ln if ln else ln for ln in next(todo).split("\n"))
            src = src[:stub.start()] + code + src[stub.end():]
        cell["source"] = src
    assert next(todo, None) is None
    notebook.write_text(json.dumps(nb, indent=1), encoding="utf-8")


@pytest.mark.slow
def test_nbgrader_autograde_and_course_grade_agree_on_every_task(tmp_path):
    nbgrader_python = str(course.setup_grading())
    course_dir = tmp_path / "course"
    grading.write_nbgrader_source(course_dir, only=[STEM])
    grading.nbgrader(nbgrader_python, course_dir, "generate_assignment", STEM)
    release = course_dir / "release" / STEM / f"{STEM}.ipynb"
    assert "### BEGIN SOLUTION" not in release.read_text(encoding="utf-8")
    run = ExerciseRun(STEM, run=False)
    wrong = {run._block(k): code for k, code in WRONG.blocks.items()}
    codes = [textwrap.dedent(wrong.get(j, code)).strip("\n")
             for j, (_, _, _, code) in enumerate(run.blocks)]
    learner = course_dir / "submitted" / "ada" / STEM
    learner.mkdir(parents=True)
    shutil.copyfile(release, learner / f"{STEM}.ipynb")
    _fill(learner / f"{STEM}.ipynb", codes)
    submitted = (learner / f"{STEM}.ipynb").read_bytes()
    grading.nbgrader(nbgrader_python, course_dir, "autograde", STEM, "--student", "ada")
    scores = grading.nbgrader_scores(nbgrader_python, course_dir, STEM, STEM, "ada")
    theirs = grading.task_points(scores)
    ours = {r.task: r.points for r in grading.grade_notebook(
        learner / f"{STEM}.ipynb", "ada", ROOT / "exercises" / f"{STEM}.ipynb",
        CELL_LIMIT, NOTEBOOK_LIMIT, MEMORY_MB)}
    assert theirs == ours
    assert ours == {**dict.fromkeys(TASKS, 1.0), "Task 5": 0.0}  # the wrong answer's task only
    assert (learner / f"{STEM}.ipynb").read_bytes() == submitted

"""course.py grade, progress and nbgrader: each task gets the status its answer deserves.

One folder of learners' submissions of exercise 1 is graded once (two notebooks at a time);
the tests below read the one result. The answers come from tests/test_exercise_answers.py
(the solution, an alternative answer, a wrong answer), plus the cases a grading run must
survive: an untouched exercise, a loop that stops when interrupted, a loop that ignores the
interrupt, a kernel that dies, an import that fails, a notebook that reads another learner's
file and one that allocates more memory than its limit. The expected statuses are written
out by hand from what each answer does (not taken from a run).

The nbgrader source that `course.py nbgrader` writes is checked here; nbgrader itself runs
in tests/test_nbgrader.py.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from exercise_runner import ROOT, Answer, ExerciseRun
from test_exercise_answers import ANSWERS

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
import grading

import course

STEM = "01_do_the_maths"
TASKS = ["Task 1", "Task 2", "Task 3a", "Task 3b", "Task 4", "Task 5", "Task 6"]
CELL_LIMIT, NOTEBOOK_LIMIT, MEMORY_MB = 6.0, 90.0, 2048
_MIDPOINT = "midpoint_by_hand = 2 * B * math.exp("
_SEPARATION = "separation_by_hand = 2 * SIGMA * math.sqrt("
_PEAK = "peak_by_hand = B * SIGMA**2"


def _answer(name: str) -> Answer:
    return next(a for a in ANSWERS[STEM] if a.name == name)


WRONG = _answer("midpoint-with-the-quoted-exponent")
ALTERNATIVE = next(a for a in ANSWERS[STEM] if a.kind == "alternative")
SOLUTION_SEPARATION = "separation_by_hand = 2 * SIGMA * math.sqrt(2 * math.log(2 * B / T))"
# The loops sleep rather than spin, so that they cost CI no CPU time.
LOOPS = Answer("loops", "wrong", {_MIDPOINT: "import time\nwhile True:\n    time.sleep(0.1)"})
STUBBORN = Answer("stubborn", "wrong", {_MIDPOINT: (
    "import signal\nimport time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "while True:\n    time.sleep(0.1)")})
_CLIPPED = "clipped_mean_by_hand = NOISE / math.sqrt(2 * math.pi)"
CRASHES = Answer("crashes", "wrong", {_CLIPPED: "import os\nos._exit(1)  # the kernel dies"})
SNEAKY = Answer("sneaky", "wrong", {
    _PEAK: "other = open('../right/01_do_the_maths.ipynb').read()\npeak_by_hand = 0.9",
    _SEPARATION: "hog = bytearray(3 * 2**30)  # 3 GB, over the 2 GB limit\n"
                 + SOLUTION_SEPARATION})
LINUX = sys.platform.startswith("linux")


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _submissions(folder: Path) -> None:
    run = ExerciseRun(STEM, run=False)
    plain = nbformat.read(ROOT / "exercises" / f"{STEM}.ipynb", 4)
    notebooks = {
        "right": run.notebook(),
        "alternative": run.notebook(ALTERNATIVE),
        "wrong": run.notebook(WRONG),
        "empty": plain,
        "loops": run.notebook(LOOPS),
        "stubborn": run.notebook(STUBBORN),
        "sneaky": run.notebook(SNEAKY),
        "crashes": run.notebook(CRASHES),
    }
    broken = run.notebook()
    first = next(c for c in broken.cells if c.cell_type == "code")
    first.source = "import cellseg_teach.no_such_module\n" + first.source
    notebooks["import-error"] = broken
    for learner, nb in notebooks.items():
        (folder / learner).mkdir(parents=True)
        nbformat.write(nb, folder / learner / f"{STEM}.ipynb")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The submissions, their digests, the grading's rows, files and wall time."""
    base = tmp_path_factory.mktemp("grading")
    subs, out, cwd = base / "submissions", base / "out", base / "instructor"
    _submissions(subs)
    cwd.mkdir()
    before = _digests(subs)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(ROOT / "course.py"), "grade", str(subs), "--out",
         str(out), "--jobs", "2", "--cell-limit", str(CELL_LIMIT), "--notebook-limit",
         str(NOTEBOOK_LIMIT), "--memory-mb", str(MEMORY_MB)],
        cwd=cwd, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    table = {(r["learner"], r["task"]): r for r in rows}
    return {"subs": subs, "before": before, "out": out, "cwd": cwd, "rows": rows,
            "table": table, "seconds": seconds, "stdout": done.stdout}


def _statuses(graded, learner: str) -> dict[str, str]:
    return {t: graded["table"][(learner, t)]["status"] for t in TASKS}


@pytest.mark.slow
def test_right_and_alternative_answers_pass_every_task(graded):
    for learner in ("right", "alternative"):
        assert _statuses(graded, learner) == dict.fromkeys(TASKS, "passed"), learner


@pytest.mark.slow
def test_a_wrong_answer_fails_its_task_only_with_the_checks_message(graded):
    assert _statuses(graded, "wrong") == {**dict.fromkeys(TASKS, "passed"), "Task 5": "not yet"}
    message = graded["table"][("wrong", "Task 5")]["message"]
    assert re.search(WRONG.message, message), message


@pytest.mark.slow
def test_an_untouched_exercise_is_not_attempted(graded):
    assert _statuses(graded, "empty") == dict.fromkeys(TASKS, "not attempted")


@pytest.mark.slow
def test_a_loop_is_stopped_and_the_notebook_goes_on(graded):
    assert _statuses(graded, "loops") == {**dict.fromkeys(TASKS, "passed"),
                                          "Task 5": "timed out"}
    # A loop that ignores the interrupt: the kernel is killed, what follows is not run.
    assert _statuses(graded, "stubborn") == {**dict.fromkeys(TASKS, "passed"),
                                             "Task 5": "timed out", "Task 6": "not run"}


@pytest.mark.slow
def test_a_kernel_that_dies_stops_its_own_notebook_only(graded):
    assert _statuses(graded, "crashes") == {
        "Task 1": "passed", "Task 2": "passed", **dict.fromkeys(TASKS[2:], "not run")}
    assert "kernel died in cell" in graded["table"][("crashes", "Task 3a")]["message"]


@pytest.mark.slow
def test_an_import_that_fails_leaves_every_task_not_yet_and_says_why(graded):
    assert _statuses(graded, "import-error") == dict.fromkeys(TASKS, "not yet")
    assert "ModuleNotFoundError" in graded["table"][("import-error", "Task 1")]["message"]


@pytest.mark.slow
def test_another_learners_file_is_not_at_hand_and_memory_is_limited(graded):
    """The kernel runs in a temporary copy: a relative path to another learner's folder
    finds nothing (an absolute one would: this is not a security sandbox)."""
    sneaky = _statuses(graded, "sneaky")
    assert sneaky["Task 1"] == "not yet"
    assert "FileNotFoundError" in graded["table"][("sneaky", "Task 1")]["message"]
    assert sneaky["Task 5"] == "passed"
    if LINUX:  # RLIMIT_AS is enforced on Linux only
        assert sneaky["Task 6"] == "not yet"
        assert "MemoryError" in graded["table"][("sneaky", "Task 6")]["message"]


@pytest.mark.slow
def test_the_run_keeps_its_limits_and_leaves_everything_as_it_was(graded):
    assert _digests(graded["subs"]) == graded["before"]
    assert list(graded["cwd"].iterdir()) == []  # nothing lands in the instructor's folder
    # 9 notebooks, 2 at a time; two of them wait out their cell limit (one plus the grace
    # period before the kill): far below the sum of the notebook limits.
    assert graded["seconds"] < 2 * NOTEBOOK_LIMIT
    for r in graded["rows"]:
        assert float(r["seconds"]) < CELL_LIMIT + grading.GRACE + 5, r


@pytest.mark.slow
def test_the_report_and_the_feedback_say_what_the_csv_says(graded):
    report = (graded["out"] / "report.html").read_text(encoding="utf-8")
    assert "<script" not in report and "src=" not in report and "href=\"http" not in report
    learners = sorted({r["learner"] for r in graded["rows"]})
    assert learners == sorted(p.name for p in graded["subs"].iterdir())
    for learner in learners:
        assert f'href="feedback/{learner}.html"' in report
        page = (graded["out"] / "feedback" / f"{learner}.html").read_text(encoding="utf-8")
        for r in (r for r in graded["rows"] if r["learner"] == learner):
            assert r["status"] in page
    # the failed check's message is the cell's hover text
    message = graded["table"][("wrong", "Task 5")]["message"]
    assert f'data-tip="not yet: {message}' in report.replace("&#x27;", "'")


def test_a_check_cell_is_split_per_task():
    source = '# Check tasks 3a and 3b\nchecking("task 3a")\nf(1)\nchecking("task 3b")\ng(2)'
    steps = grading.split_check(source, 7)
    assert [(s.task, s.source.splitlines()[-1]) for s in steps] == [("Task 3a", "f(1)"),
                                                                    ("Task 3b", "g(2)")]
    assert grading.split_check("# Check task 4\nf()", 3)[0].task == "Task 4"


@pytest.mark.slow
def test_progress_after_lab_shows_every_task_of_every_exercise_not_attempted(tmp_path):
    """What `course.py lab` copies (copy_exercises), then `course.py progress` on it."""
    my_work = tmp_path / "my_work"
    course.copy_exercises(ROOT / "exercises", my_work)
    before = _digests(my_work)
    done = subprocess.run([sys.executable, str(ROOT / "course.py"), "progress",
                           "--my-work", str(my_work)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()
            if re.match(r"\d\d_\w+ +Task ", line)]
    expected = {(nb.stem, t) for nb in sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
                for t in grading.tasks_of(nb)}
    assert {(r[0], f"{r[1]} {r[2]}") for r in rows} == expected
    assert all(" ".join(r[3:5]) == "not attempted" for r in rows), done.stdout
    assert _digests(my_work) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_work"]


def test_the_nbgrader_source_marks_solutions_tests_and_locked_cells(tmp_path):
    written = grading.write_nbgrader_source(tmp_path, only=[STEM])
    nb = json.loads(written[0].read_text(encoding="utf-8"))
    meta = [c["metadata"].get("nbgrader", {}) for c in nb["cells"]]
    tests = [m for m in meta if m.get("grade")]
    assert sum(m["points"] for m in tests) == pytest.approx(len(TASKS))
    assert [m["grade_id"] for m in tests] == [
        "task-1-check", "task-2-check", "task-3a-check", "task-3b-check", "task-4-check",
        "task-5-check", "task-6-check"]
    answers = [c for c, m in zip(nb["cells"], meta, strict=False) if m.get("solution")]
    assert len(answers) == len(ExerciseRun(STEM, run=False).learner_cells)
    assert all("### BEGIN SOLUTION" in c["source"] and "### HINT" not in c["source"]
               for c in answers)
    for c, m in zip(nb["cells"], meta, strict=False):
        if c["cell_type"] == "code" and not m.get("solution"):
            assert m["locked"], c["source"][:60]

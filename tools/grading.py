#!/usr/bin/env python3
"""Run exercise notebooks in fresh kernels and judge each task by its check cells.

    python tools/grading.py progress [--my-work DIR]          the learner: my_work/
    python tools/grading.py grade DIR [--out OUT] [--jobs N]  the instructor: DIR/LEARNER/*.ipynb
    python tools/grading.py nbgrader DIR                      the exercises as an nbgrader source

``python3 course.py progress|grade|nbgrader`` call this with the course's Python (.venv).

How a task is judged
--------------------
An exercise's check cell starts with the line ``# Check ...`` and names its task with
``checking("task 2a")`` before the checks of that task (one cell may check two tasks). Each
notebook runs cell by cell in a fresh kernel; a check cell runs as one piece per task, so that
task 3b is judged even when task 3a failed. A task is

* **passed** when every piece that checks it ran without an error;
* **not attempted** when it failed and its own code still raises ``NotImplementedError`` (a cell
  since the previous check cell still holds the stub as generated, or raised it, or the check
  reports it);
* **not yet** when its check rejected the answer, or raised another error (the message says
  which; the learner's first error earlier in the notebook is added when there is one);
* **timed out** when a cell since the previous check ran longer than the time limit per cell
  (the kernel is interrupted, and the notebook goes on);
* **not run** when the kernel died (a crash, or the time limit per notebook) before its check.

A task's score is the share of its check pieces that passed (1 point per task, split equally
among the pieces), which is what nbgrader gives when each piece is one of its test cells.

What the sandbox does, and does not do
--------------------------------------
Each notebook is copied into a new temporary folder, which is the kernel's working directory
and its HOME (so its IPython, Jupyter and matplotlib settings are fresh and its files land
there); the submission itself is only read. The kernel gets a time limit per cell and per
notebook (then it is interrupted, and killed if it does not stop) and, on Linux, a memory limit
(``RLIMIT_AS``: an allocation beyond it raises ``MemoryError`` in the learner's cell). On macOS
the limit is set but the system does not enforce it; on Windows there is none. **This is not a
security sandbox**: the kernel runs as the instructor's user, with the network and every file
that user can read, including other learners' submissions given by their absolute path. Run
untrusted notebooks in a container or a throwaway account if that matters.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import html
import json
import os
import queue
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the exercise generator's folders and markers
from make_exercises import ANSWER_LINE, BEGIN_CODE, EXERCISES, ROOT, SOLUTIONS, code_blocks

PASSED, NOT_YET, NOT_ATTEMPTED, TIMED_OUT, NOT_RUN = (
    "passed", "not yet", "not attempted", "timed out", "not run")
STATUSES = (PASSED, NOT_YET, NOT_ATTEMPTED, TIMED_OUT, NOT_RUN)
CHECK_CELL = re.compile(r"\A\s*# Check\b")
CHECKING = re.compile(r"""^checking\(\s*["']([^"']*)["']\s*\)\s*(#.*)?$""")
CHECK_TITLE = re.compile(r"\A\s*# Check (tasks? [^\n:]*)")
UNTOUCHED = re.compile(r"(?m)^[ \t]*# (HINT: .*|YOUR CODE HERE)\n[ \t]*raise NotImplementedError\(")
"""A stub as the exercise generator (or nbgrader's generate_assignment) writes it."""
CELL_LIMIT = 120.0
"""Seconds one cell may run before the kernel is interrupted (the task is 'timed out')."""
NOTEBOOK_LIMIT = 900.0
"""Seconds one notebook may run in all before its kernel is killed (the rest is 'not run')."""
MEMORY_MB = 4096
"""Address space of a kernel (MB), Linux only; numpy, scipy and matplotlib need about 1 GB."""
GRACE = 5.0
"""Seconds an interrupted kernel has to stop before it is killed."""

# The kernel's launcher: set the memory limit, then start ipykernel in the same process.
LAUNCHER = """\
import sys
limit = int(sys.argv[1])
if limit > 0:
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # Windows (no resource module), or a system that refuses the limit
del sys.argv[1]
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
"""


# ------------------------------------------------------------------ what a notebook checks


@dataclass
class Step:
    """One piece of code sent to the kernel: a whole cell, or one task's part of a check cell."""

    cell: int
    source: str
    task: str = ""  # the task a check piece judges; "" for other cells
    stub: bool = False  # the cell still holds a stub (an exercise's, or nbgrader's)


def task_label(name: str) -> str:
    """'task 3a' -> 'Task 3a' (how the report heads its columns)."""
    name = name.strip()
    return name[:1].upper() + name[1:]


def split_check(source: str, cell: int) -> list[Step]:
    """A check cell as one step per ``checking("task ...")`` line (what comes before the
    first one goes with it). A check cell without such a line is one step, named from its
    ``# Check task N`` title, or after its cell."""
    lines = source.split("\n")
    starts = [i for i, line in enumerate(lines) if CHECKING.match(line)]
    if not starts:
        title = CHECK_TITLE.match(source)
        return [Step(cell, source, task_label(title.group(1)) if title else f"Cell {cell}")]
    steps = []
    bounds = [0, *starts[1:], len(lines)]
    for k, start in enumerate(starts):
        task = task_label(CHECKING.match(lines[start]).group(1)) or f"Cell {cell}"
        steps.append(Step(cell, "\n".join(lines[bounds[k]:bounds[k + 1]]), task))
    return steps


def read_cells(path: Path) -> list[dict]:
    """The cells of a notebook file (nbformat 4 JSON), sources joined into strings."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        cells.append({**cell, "source": "".join(source) if isinstance(source, list) else source})
    return cells


def is_check(source: str) -> bool:
    """A check cell starts with ``# Check`` or names its task with ``checking("task ...")``."""
    return bool(CHECK_CELL.match(source)) or any(CHECKING.match(line)
                                                   for line in source.split("\n"))


def plan(cells: list[dict]) -> list[Step]:
    """The steps that run a notebook: every code cell, check cells split per task."""
    steps: list[Step] = []
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code" or not cell["source"].strip():
            continue
        if is_check(cell["source"]):
            steps.extend(split_check(cell["source"], i))
        else:
            steps.append(Step(i, cell["source"], stub=bool(UNTOUCHED.search(cell["source"]))))
    return steps


def tasks_of(path: Path) -> list[str]:
    """The tasks a notebook checks, in order (each once)."""
    seen: dict[str, None] = {}
    for step in plan(read_cells(path)):
        if step.task:
            seen.setdefault(step.task, None)
    return list(seen)


# ------------------------------------------------------------------ one kernel, limited


@dataclass
class Run:
    """What one step did: ``state`` is ok, error, timeout or dead."""

    state: str
    ename: str = ""
    evalue: str = ""
    stdout: str = ""
    seconds: float = 0.0
    cell: int = -1

    @property
    def message(self) -> str:
        first = self.evalue.strip().split("\n")[0] if self.evalue else ""
        if self.ename == "CheckFailed":  # its message names the task and what is wrong
            return first
        return f"{self.ename}: {first}" if first else self.ename


class Kernel:
    """A fresh IPython kernel in ``workdir`` (also its HOME), with a memory limit.

    Parameters
    ----------
    workdir : Path
        An empty temporary folder: the kernel's working directory, HOME and temp folder.
    memory_mb : int
        Address-space limit of the kernel process in megabytes (Linux; 0 for none).
    python : str
        The Python that runs the kernel (the course's, with cellseg_teach).
    """

    def __init__(self, workdir: Path, memory_mb: int = MEMORY_MB,
                 python: str = sys.executable) -> None:
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        spec_dir = workdir / ".grading-kernel" / "kernels" / "grading"
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(json.dumps({
            "argv": [python, "-c", LAUNCHER, str(max(0, int(memory_mb)) * 2**20),
                     "-f", "{connection_file}"],
            "display_name": "grading", "language": "python"}))
        ksm = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)], ensure_native_kernel=False)
        self.km = KernelManager(kernel_spec_manager=ksm, kernel_name="grading")
        self.km.connection_file = str(workdir / ".grading-kernel" / "connection.json")
        self.km.ip = "127.0.0.1"  # its ports are reachable from this machine only
        home = workdir / "home"
        tmp = workdir / "tmp"
        home.mkdir()
        tmp.mkdir()
        env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "COMSPEC")
               if k in os.environ}
        env.update(HOME=str(home), USERPROFILE=str(home), TMPDIR=str(tmp), TEMP=str(tmp),
                   TMP=str(tmp), MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1",
                   NO_COLOR="1", JUPYTER_PLATFORM_DIRS="1")
        self.log = open(workdir / "kernel.log", "wb")
        self.km.start_kernel(cwd=str(workdir / "work"), env=env, stdout=self.log,
                             stderr=self.log)
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=60)
        except RuntimeError:
            self.stop()
            raise

    def alive(self) -> bool:
        try:
            return bool(self.km.is_alive())
        except Exception:
            return False

    def run(self, code: str, timeout: float) -> Run:
        """Execute ``code``; interrupt it after ``timeout`` seconds, kill it if it goes on."""
        start = time.monotonic()
        msg_id = self.kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        deadline, interrupted = start + max(timeout, 0.1), False
        run = Run("ok")
        out: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if interrupted or not self.alive():
                    self.kill()
                    run.state = "timeout" if interrupted else "dead"
                    break
                self.km.interrupt_kernel()
                interrupted, deadline = True, time.monotonic() + GRACE
                continue
            try:
                msg = self.kc.get_iopub_msg(timeout=min(1.0, remaining))
            except queue.Empty:
                if not self.alive():
                    run.state = "dead"
                    break
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and sum(map(len, out)) < 20_000:
                out.append(content.get("text", ""))
            elif kind == "error":
                run.state = "error"
                run.ename, run.evalue = content.get("ename", ""), content.get("evalue", "")
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        if interrupted and run.state in ("ok", "error"):
            run.state = "timeout"
        run.stdout = "".join(out)
        run.seconds = time.monotonic() - start
        return run

    def kill(self) -> None:
        try:
            self.km.shutdown_kernel(now=True)
        except Exception:
            pass

    def stop(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            self.kill()
            self.log.close()


# ------------------------------------------------------------------ one notebook


@dataclass
class TaskResult:
    """The verdict on one task of one notebook (a row of the CSV)."""

    learner: str
    exercise: str
    task: str
    status: str
    message: str = ""
    seconds: float = 0.0
    points: float = 0.0
    max_points: float = 1.0
    output: str = field(default="", repr=False)


def _not_implemented(run: Run) -> bool:
    return run.ename == "NotImplementedError" or "NotImplementedError" in run.evalue


def grade_notebook(path: Path, learner: str = "", reference: Path | None = None,
                   cell_limit: float = CELL_LIMIT, notebook_limit: float = NOTEBOOK_LIMIT,
                   memory_mb: int = MEMORY_MB, python: str = sys.executable) -> list[TaskResult]:
    """Run a copy of the notebook ``path`` in a fresh kernel and judge each of its tasks.

    Parameters
    ----------
    path : Path
        The notebook; it is only read (copied into a temporary folder first).
    learner : str
        The learner's name, for the rows.
    reference : Path, optional
        The course's exercise of the same name: its tasks are the rows (a task whose check
        cell the learner deleted is 'not run'; one the learner added is kept).
    cell_limit, notebook_limit : float
        Seconds per cell (then the kernel is interrupted) and per notebook (then killed).
    memory_mb : int
        The kernel's memory limit in megabytes (Linux).
    python : str
        The Python that runs the kernel.

    Returns
    -------
    list of TaskResult
        One per task, in the order of the notebook.
    """
    exercise = path.stem
    expected = tasks_of(reference) if reference is not None and reference.exists() else []
    results: dict[str, TaskResult] = {}
    pieces: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="course-grade-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp)
        (workdir / "work").mkdir()
        copy = workdir / "work" / path.name
        shutil.copyfile(path, copy)
        try:
            steps = plan(read_cells(copy))
        except (OSError, ValueError, AttributeError, TypeError) as err:
            why = f"the notebook cannot be read ({type(err).__name__}: {err})"
            return [TaskResult(learner, exercise, t, NOT_RUN, why) for t in expected]
        for step in steps:
            if step.task:
                pieces[step.task] = pieces.get(step.task, 0) + 1
        kernel = Kernel(workdir, memory_mb, python)
        start = time.monotonic()
        section: list[Run] = []  # the runs since the last check cell
        stubs = False  # a cell since the last check cell still holds a stub
        after_check = counted = False
        first_error = ""
        stopped = ""
        try:
            for step in steps:
                if stopped:
                    run = Run("dead")
                else:
                    left = notebook_limit - (time.monotonic() - start)
                    run = kernel.run(step.source, min(cell_limit, left))
                    run.cell = step.cell
                    if run.state == "timeout" and left <= cell_limit:
                        kernel.kill()
                        stopped = (f"the notebook time limit ({notebook_limit:.0f} s) was "
                                   f"reached at cell {step.cell}")
                        run.state = "dead"
                    elif run.state == "timeout" and not kernel.alive():
                        stopped = (f"cell {step.cell} ran over the time limit "
                                   f"({cell_limit:.0f} s) and did not stop when interrupted")
                    elif run.state == "dead" and not stopped:
                        stopped = f"the kernel died in cell {step.cell} (a crash, or out of memory)"
                if not step.task:
                    if after_check:  # a new section starts after a check cell
                        section, after_check, counted, stubs = [], False, False, False
                    section.append(run)
                    stubs = stubs or step.stub
                    if run.state == "error" and not first_error and run.ename not in (
                            "NotImplementedError",):
                        first_error = f"cell {step.cell} raised {run.message}"
                    continue
                seconds = run.seconds + (0.0 if counted else sum(r.seconds for r in section))
                status, message = _verdict(run, section, stubs, stopped, first_error,
                                           cell_limit)
                after_check = counted = True
                share = 1.0 / pieces[step.task]
                prior = results.get(step.task)
                if prior is None:
                    results[step.task] = TaskResult(
                        learner, exercise, step.task, status, message, seconds,
                        share if status == PASSED else 0.0, 1.0, run.stdout.strip())
                else:
                    prior.seconds += seconds
                    prior.points += share if status == PASSED else 0.0
                    if prior.status == PASSED and status != PASSED:
                        prior.status, prior.message = status, message
                    prior.output = "\n".join(filter(None, [prior.output, run.stdout.strip()]))
        finally:
            kernel.stop()
    for task in expected:
        if task not in results:
            results[task] = TaskResult(learner, exercise, task, NOT_RUN,
                                       "the notebook has no check cell for this task")
    order = expected + [t for t in results if t not in expected]
    for r in results.values():
        r.seconds = round(r.seconds, 1)
        r.points = round(r.points, 3)
    return [results[t] for t in order]


def _verdict(run: Run, section: list[Run], stubs: bool, stopped: str, first_error: str,
             cell_limit: float) -> tuple[str, str]:
    """The status and message of one check piece, from its run and the runs before it."""
    if any(r.state == "timeout" for r in section) or run.state == "timeout":
        return TIMED_OUT, f"a cell ran over the time limit ({cell_limit:.0f} s) and was stopped"
    if run.state == "dead":
        return NOT_RUN, stopped or "the kernel died"
    if run.state == "ok":
        return PASSED, run.stdout.strip().split("\n")[-1] if run.stdout.strip() else ""
    if stubs or any(_not_implemented(r) for r in section) or _not_implemented(run):
        return NOT_ATTEMPTED, "the code of this task still raises NotImplementedError"
    message = run.message
    if run.ename not in ("CheckFailed", "AssertionError"):
        own = next((r for r in section if r.state == "error"), None)
        if own is not None:
            message += f" (cell {own.cell} raised {own.message})"
        elif first_error:
            message += f" (first error earlier: {first_error})"
    return NOT_YET, message


# ------------------------------------------------------------------ progress (the learner)


def progress(my_work: Path, cell_limit: float, notebook_limit: float, memory_mb: int,
             exercises: Path = EXERCISES) -> list[TaskResult]:
    """Judge every exercise notebook in ``my_work``; print a table as each one finishes."""
    notebooks = sorted(p for p in my_work.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        print(f"No exercise notebooks in {my_work}: run python3 course.py lab first, which "
              "copies them there.")
        return []
    rows: list[TaskResult] = []
    print(f"{'exercise':<26} {'task':<9} {'status':<14} {'seconds':>7}  message")
    for path in notebooks:
        start = time.monotonic()
        found = grade_notebook(path, "", exercises / path.name, cell_limit, notebook_limit,
                               memory_mb)
        for r in found:
            print(f"{r.exercise:<26} {r.task:<9} {r.status:<14} {r.seconds:>7.1f}  "
                  f"{_short(r.message, 90)}", flush=True)
        print(f"{'':<26} {'':<9} {'(notebook)':<14} {time.monotonic() - start:>7.1f}", flush=True)
        rows.extend(found)
    counts = {s: sum(r.status == s for r in rows) for s in STATUSES}
    print("Tasks: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    return rows


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


# ------------------------------------------------------------------ grade (the instructor)


def submissions(folder: Path) -> list[tuple[str, Path]]:
    """(learner, notebook) for every ``LEARNER/.../*.ipynb`` in ``folder`` (checkpoints and
    hidden folders skipped), sorted by learner then notebook name."""
    found = []
    for learner_dir in sorted(p for p in folder.iterdir() if p.is_dir()
                              and not p.name.startswith(".")):
        for nb in sorted(learner_dir.rglob("*.ipynb"), key=lambda p: p.name):
            if any(part.startswith(".") for part in nb.relative_to(learner_dir).parts):
                continue
            found.append((learner_dir.name, nb))
    return found


def grade(folder: Path, out: Path, cell_limit: float, notebook_limit: float, memory_mb: int,
          jobs: int = 1, exercises: Path = EXERCISES) -> list[TaskResult]:
    """Grade every submission in ``folder``; write grades.csv, report.html and
    feedback/LEARNER.html into ``out``."""
    todo = submissions(folder)
    if not todo:
        raise SystemExit(f"grade: no notebooks in {folder} (expected LEARNER/NN_name.ipynb)")
    out.mkdir(parents=True, exist_ok=True)
    print(f"Grading {len(todo)} notebooks of {len({lr for lr, _ in todo})} learners "
          f"({jobs} at a time) ...", flush=True)

    def one(item: tuple[str, Path]) -> list[TaskResult]:
        learner, nb = item
        t0 = time.monotonic()
        try:
            found = grade_notebook(nb, learner, exercises / nb.name, cell_limit,
                                   notebook_limit, memory_mb)
        except Exception as err:
            ref = exercises / nb.name
            found = [TaskResult(learner, nb.stem, t, NOT_RUN,
                                f"grading failed: {type(err).__name__}: {err}")
                     for t in (tasks_of(ref) if ref.exists() else ["(notebook)"])]
        passed = sum(r.status == PASSED for r in found)
        print(f"  {learner}/{nb.name}: {passed}/{len(found)} tasks passed "
              f"({time.monotonic() - t0:.0f} s)", flush=True)
        return found

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = [r for found in pool.map(one, todo) for r in found]
    write_csv(rows, out / "grades.csv")
    (out / "report.html").write_text(report_html(rows), encoding="utf-8")
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for learner in sorted({r.learner for r in rows}):
        (feedback / f"{learner}.html").write_text(
            feedback_html(learner, [r for r in rows if r.learner == learner]), encoding="utf-8")
    print(f"Wrote {out / 'grades.csv'}, {out / 'report.html'} and {feedback}/LEARNER.html")
    return rows


CSV_FIELDS = ("learner", "exercise", "task", "status", "message", "seconds", "points",
              "max_points")


def write_csv(rows: list[TaskResult], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow(asdict(r))


STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.5em; text-align: center; }
th.ex { background: #eee; }
td.learner { text-align: left; font-weight: bold; }
td.passed { background: #cfe8cf; }
td.not-yet { background: #f6d5b8; }
td.not-attempted { background: #f2f2f2; color: #666; }
td.timed-out, td.not-run { background: #e3c6e8; }
td[data-tip] { cursor: help; position: relative; }
td[data-tip]:hover::after { content: attr(data-tip); position: absolute; left: 50%; top: 100%;
  z-index: 1; width: 26em; padding: 0.4em 0.6em; text-align: left; white-space: normal;
  background: #333; color: #fff; border-radius: 4px; font-size: 0.9em; }
.legend span { display: inline-block; padding: 0.2em 0.6em; margin-right: 0.5em; }
"""
SYMBOL = {PASSED: "✓", NOT_YET: "✗", NOT_ATTEMPTED: "–", TIMED_OUT: "∞", NOT_RUN: "!"}


def _cls(status: str) -> str:
    return status.replace(" ", "-")


def report_html(rows: list[TaskResult]) -> str:
    """One row per learner, one column per task (grouped by exercise); a failed check's
    message shows on hover. Self-contained: no script, no external file."""
    columns: dict[tuple[str, str], None] = {}
    for r in sorted(rows, key=lambda r: r.exercise):
        columns.setdefault((r.exercise, r.task), None)
    exercises: dict[str, int] = {}
    for ex, _ in columns:
        exercises[ex] = exercises.get(ex, 0) + 1
    by = {(r.learner, r.exercise, r.task): r for r in rows}
    learners = sorted({r.learner for r in rows})
    e = html.escape
    head1 = "".join(f'<th class="ex" colspan="{n}">{e(ex)}</th>' for ex, n in exercises.items())
    head2 = "".join(f"<th>{e(task.replace('Task ', ''))}</th>" for _, task in columns)
    body = []
    for learner in learners:
        cells = []
        total = points = 0.0
        for ex, task in columns:
            r = by.get((learner, ex, task))
            if r is None:
                cells.append('<td class="not-run" data-tip="no notebook submitted">·</td>')
                total += 1
                continue
            total += r.max_points
            points += r.points
            tip = f"{r.status}: {r.message}" if r.message and r.status != PASSED else r.status
            tip = e(tip, quote=True)
            cells.append(f'<td class="{_cls(r.status)}" data-tip="{tip}" aria-label="{tip}">'
                         f"{SYMBOL[r.status]}</td>")
        body.append(f'<tr><td class="learner"><a href="feedback/{e(learner)}.html">'
                    f"{e(learner)}</a></td>{''.join(cells)}<td>{points:g} / {total:g}</td></tr>")
    legend = "".join(f'<span class="{_cls(s)}" style="border:1px solid #bbb">'
                     f"{SYMBOL[s]} {s}</span>" for s in STATUSES)
    summary = ", ".join(f"{sum(r.status == s for r in rows)} {s}" for s in STATUSES)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class progress</title>
<style>{STYLE}</style></head><body>
<h1>Class progress</h1>
<p>{len(learners)} learners, {len(columns)} tasks; {e(summary)}. Hover over a cell to read the
check's message; a learner's name opens their feedback.</p>
<p class="legend">{legend}</p>
<table><thead><tr><th rowspan="2">learner</th>{head1}<th rowspan="2">points</th></tr>
<tr>{head2}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
</body></html>
"""


def feedback_html(learner: str, rows: list[TaskResult]) -> str:
    """A learner's own page: every task with its status, the check's message and output."""
    e = html.escape
    parts = []
    for ex in sorted({r.exercise for r in rows}):
        items = []
        for r in (r for r in rows if r.exercise == ex):
            detail = e(r.message) if r.message else ""
            out = f"<pre>{e(r.output[-2000:])}</pre>" if r.output and r.status == PASSED else ""
            items.append(f'<tr><td>{e(r.task)}</td><td class="{_cls(r.status)}">'
                         f"{SYMBOL[r.status]} {e(r.status)}</td><td style='text-align:left'>"
                         f"{detail}{out}</td><td>{r.seconds:.1f}</td></tr>")
        parts.append(f"<h2>{e(ex)}</h2><table><tr><th>task</th><th>status</th>"
                     f"<th>message</th><th>seconds</th></tr>{''.join(items)}</table>")
    points = sum(r.points for r in rows)
    total = sum(r.max_points for r in rows)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback: {e(learner)}</title>
<style>{STYLE} pre {{ text-align: left; margin: 0; white-space: pre-wrap; }}</style></head>
<body><h1>Feedback for {e(learner)}</h1>
<p>{points:g} of {total:g} points. "Not yet" means the check cell after the task rejected your
answer, with the message shown; run that cell in your notebook to see the whole check.</p>
{''.join(parts)}
</body></html>
"""


# ------------------------------------------------------------------ nbgrader source

STUB = re.compile(r"(?m)^[ \t]*raise NotImplementedError\(")
NBGRADER_HEADER = """\
**{title}.** Fill in every cell that raises `NotImplementedError` (replace the two lines
`# YOUR CODE HERE` and `raise NotImplementedError()` with your code), and answer the questions
in your own words. The cells that start with `# Check` test your answers: each task is worth one
point, and the same checks run when your notebook is graded. Cells you cannot edit are locked.
"""


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
          points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def nbgrader_solution(source: str, where: str) -> str:
    """A solution cell with nbgrader's markers: the exercise generator's blocks
    (:func:`make_exercises.code_blocks`), each with its hint as a ``# HINT:`` comment above
    the ``### BEGIN SOLUTION`` line, as the exercise shows it above its stub."""
    lines, out, pos = source.split("\n"), [], 0
    blocks = code_blocks(source, where)
    if not blocks:
        raise ValueError(f"{where}: the exercise has a stub here, but no {BEGIN_CODE} block")
    for b in blocks:
        out += [*lines[pos : b.begin], f"{b.indent}# HINT: {b.hint}", lines[b.begin],
                *b.code.split("\n")]
        pos = b.end  # the END SOLUTION line is kept
    return "\n".join(out + lines[pos:])


def nbgrader_notebook(exercise: Path, solution: Path) -> dict:
    """The exercise as an nbgrader source notebook (nbformat 4 JSON).

    Cell ``i + 1`` of the exercise is cell ``i`` of the solution (the generator adds a header
    cell). A cell with a stub becomes an nbgrader solution cell holding the solution's code
    between its ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers (its hint a ``# HINT:``
    comment above the region, see :func:`nbgrader_solution`); each task of a check cell becomes an
    autograder test cell worth ``1 / (number of check pieces of that task)`` points; every
    other code cell and the markdown cells without an answer place are locked.
    """
    ex_nb = json.loads(exercise.read_text(encoding="utf-8"))
    sol_cells = read_cells(solution)
    ex_cells = read_cells(exercise)
    if len(ex_cells) != len(sol_cells) + 1:
        raise ValueError(f"{exercise.name}: {len(ex_cells)} cells, but its solution has "
                         f"{len(sol_cells)} (+1 expected): regenerate the exercises")
    steps = plan(ex_cells)
    pieces: dict[str, int] = {}
    for step in steps:
        if step.task:
            pieces[step.task] = pieces.get(step.task, 0) + 1
    title = ex_cells[1]["source"].split("\n")[0].lstrip("# ").strip() or exercise.stem
    cells: list[dict] = [{"cell_type": "markdown", "id": "nbgrader-header",
                          "metadata": {"nbgrader": _meta("header", locked=True)},
                          "source": NBGRADER_HEADER.format(title=title)}]
    count: dict[str, int] = {}
    for i, cell in enumerate(ex_cells[1:], start=1):
        src = cell["source"]
        base = {"metadata": {k: v for k, v in cell.get("metadata", {}).items()
                             if k not in ("nbgrader", "editable", "deletable")}}
        if cell["cell_type"] == "markdown":
            answer = ANSWER_LINE in src
            meta = _meta(f"cell-{i}", locked=not answer)
            cells.append({"cell_type": "markdown", "id": f"cell-{i}",
                          "metadata": {**base["metadata"], **({} if answer else
                                                              {"nbgrader": meta})},
                          "source": src})
            continue
        if cell["cell_type"] != "code":
            continue
        code = {"cell_type": "code", "execution_count": None, "outputs": []}
        if is_check(src):
            for step in split_check(src, i):
                piece = step.source.strip("\n")
                if not CHECK_CELL.match(piece):  # the second task of a check cell
                    piece = f"# Check {step.task.lower()}\n{piece}"
                k = count[step.task] = count.get(step.task, 0) + 1
                gid = re.sub(r"[^a-z0-9]+", "-", step.task.lower()).strip("-")
                gid += f"-check-{k}" if pieces[step.task] > 1 else "-check"
                cells.append({**code, "id": gid, "metadata": {
                    **base["metadata"], "nbgrader": _meta(
                        gid, grade=True, locked=True, points=round(1 / pieces[step.task], 4))},
                    "source": piece})
            continue
        if STUB.search(src):
            sol = nbgrader_solution(sol_cells[i - 1]["source"],
                                    f"{solution.name}, cell {i - 1} (exercise cell {i})")
            cells.append({**code, "id": f"answer-{i}", "metadata": {
                **base["metadata"], "nbgrader": _meta(f"answer-{i}", solution=True)},
                "source": sol})
            continue
        cells.append({**code, "id": f"cell-{i}", "metadata": {
            **base["metadata"], "nbgrader": _meta(f"cell-{i}", locked=True)}, "source": src})
    for cell in cells:
        tags = cell["metadata"].get("tags")
        if tags is not None:  # the exercise's test tags mean nothing to nbgrader's learners
            cell["metadata"]["tags"] = [t for t in tags if t != "raises-exception"]
            if not cell["metadata"]["tags"]:
                del cell["metadata"]["tags"]
    return {"cells": cells, "metadata": ex_nb.get("metadata", {}), "nbformat": 4,
            "nbformat_minor": max(5, ex_nb.get("nbformat_minor", 5))}


NBGRADER_CONFIG = """\
# nbgrader configuration of the course "Cell segmentation in fluorescence microscopy",
# written by `python3 course.py nbgrader`. The notebooks run with the kernel named in their
# metadata ("python3"): it must be one that imports cellseg_teach (the course's .venv).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "cellseg"
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
c.ExecutePreprocessor.timeout = {timeout}
"""


def write_nbgrader_source(out: Path, exercises: Path = EXERCISES, solutions: Path = SOLUTIONS,
                          only: list[str] | None = None, cell_limit: float = CELL_LIMIT
                          ) -> list[Path]:
    """Write ``out/source/NN_name/NN_name.ipynb`` for every exercise (or those in ``only``)
    and ``out/nbgrader_config.py``; return the notebooks written."""
    written = []
    found = sorted(exercises.glob("[0-9][0-9]_*.ipynb"))
    unknown = sorted(set(only or []) - {ex.stem for ex in found})
    if unknown:
        raise SystemExit(f"nbgrader --only: no exercise named {', '.join(unknown)} in "
                         f"{exercises} (expected NN_name, without .ipynb)")
    for ex in found:
        if only and ex.stem not in only:
            continue
        nb = nbgrader_notebook(ex, solutions / ex.name)
        target = out / "source" / ex.stem / ex.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    config = out / "nbgrader_config.py"
    config.write_text(NBGRADER_CONFIG.format(timeout=int(cell_limit)), encoding="utf-8")
    return written


# ------------------------------------------------------------------ running nbgrader

GRADEBOOK_SCRIPT = """\
import json, sys
from nbgrader.api import Gradebook
with Gradebook("sqlite:///" + sys.argv[1]) as gb:
    nb = gb.find_submission_notebook(sys.argv[2], sys.argv[3], sys.argv[4])
    print(json.dumps({g.name: [g.score, g.max_score] for g in nb.grades}))
"""


def nbgrader_env(course_dir: Path, nbgrader_python: str,
                 kernel_python: str = sys.executable) -> dict[str, str]:
    """The environment for nbgrader in ``course_dir``: its own scripts first on PATH (it
    calls ``alembic``), its notebooks' kernel "python3" is the course's Python
    (``kernel_python``), and no user Jupyter configuration is read."""
    spec = course_dir / ".grading-jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [kernel_python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (the course)", "language": "python"}))
    env = dict(os.environ, JUPYTER_PATH=str(spec.parent.parent),
               JUPYTER_CONFIG_DIR=str(course_dir / ".grading-jupyter" / "config"),
               MPLBACKEND="Agg", NO_COLOR="1",
               PATH=os.pathsep.join([str(Path(nbgrader_python).parent),
                                     os.environ.get("PATH", "")]))
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def nbgrader(nbgrader_python: str, course_dir: Path, *args: str,
             kernel_python: str = sys.executable) -> None:
    """Run ``nbgrader ARGS`` in ``course_dir``; a RuntimeError with its log if it fails."""
    import subprocess

    cmd = [nbgrader_python, "-m", "nbgrader", *args]
    env = nbgrader_env(course_dir, nbgrader_python, kernel_python)
    done = subprocess.run(cmd, cwd=course_dir, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}"
                           f"\n{done.stderr}")


def nbgrader_scores(nbgrader_python: str, course_dir: Path, assignment: str, notebook: str,
                    student: str) -> dict[str, tuple[float, float]]:
    """{grade_id: (score, max_score)} that nbgrader's gradebook holds for one notebook."""
    import subprocess

    done = subprocess.run([nbgrader_python, "-c", GRADEBOOK_SCRIPT,
                           str(course_dir / "gradebook.db"), notebook, assignment, student],
                          cwd=course_dir, capture_output=True, text=True, check=True)
    return {k: (float(v[0]), float(v[1])) for k, v in json.loads(done.stdout).items()}


def task_points(scores: dict[str, tuple[float, float]]) -> dict[str, float]:
    """nbgrader's scores summed per task ('task-3a-check-2' -> 'Task 3a')."""
    points: dict[str, float] = {}
    for grade_id, (score, _) in scores.items():
        m = re.fullmatch(r"task-([0-9a-z]+)-check(?:-\d+)?", grade_id)
        if m:
            key = f"Task {m.group(1)}"
            points[key] = round(points.get(key, 0.0) + score, 3)
    return points


def nbgrader_check(course_dir: Path, nbgrader_python: str) -> int:
    """Generate every assignment of the source in ``course_dir`` with nbgrader, autograde the
    source notebook itself (the solution) as learner "solution", and compare: every task must
    get its full point from nbgrader and pass here."""
    bad = 0
    for source in sorted((course_dir / "source").glob("*/*.ipynb")):
        assignment = source.parent.name
        nbgrader(nbgrader_python, course_dir, "generate_assignment", assignment, "--force")
        sub = course_dir / "submitted" / "solution" / assignment
        sub.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, sub / source.name)
        nbgrader(nbgrader_python, course_dir, "autograde", assignment, "--force",
                 "--student", "solution")
        points = task_points(nbgrader_scores(nbgrader_python, course_dir, assignment,
                                             source.stem, "solution"))
        ours = {r.task: r.points for r in grade_notebook(source, "solution")}
        short = [t for t, p in ours.items() if p != 1.0 or points.get(t) != 1.0]
        print(f"{assignment}: nbgrader {sum(points.values()):g} / {len(ours)} points, "
              f"course.py grade {sum(ours.values()):g}"
              + (f"; not full: {', '.join(short)}" if short else ""), flush=True)
        bad += bool(short)
    return 1 if bad else 0


# ------------------------------------------------------------------ command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    limits = argparse.ArgumentParser(add_help=False)
    limits.add_argument("--cell-limit", type=float, default=CELL_LIMIT, metavar="SECONDS",
                        help=f"time limit per cell (default {CELL_LIMIT:.0f} s)")
    limits.add_argument("--notebook-limit", type=float, default=NOTEBOOK_LIMIT,
                        metavar="SECONDS",
                        help=f"time limit per notebook (default {NOTEBOOK_LIMIT:.0f} s)")
    limits.add_argument("--memory-mb", type=int, default=MEMORY_MB, metavar="MB",
                        help=f"memory limit per kernel, Linux only (default {MEMORY_MB} MB)")
    p = sub.add_parser("progress", parents=[limits], help="your own progress in my_work/")
    p.add_argument("--my-work", default=str(ROOT / "my_work"), help=argparse.SUPPRESS)
    g = sub.add_parser("grade", parents=[limits], help="grade a folder of submissions")
    g.add_argument("folder", help="DIR/LEARNER/NN_name.ipynb")
    g.add_argument("--out", default="grades", help="where the CSV and HTML go (default grades)")
    g.add_argument("--jobs", type=int, default=1, help="notebooks at a time (default 1)")
    n = sub.add_parser("nbgrader", help="write the exercises as an nbgrader course source")
    n.add_argument("folder")
    n.add_argument("--only", nargs="*", help="only these exercises (NN_name)")
    n.add_argument("--check", metavar="NBGRADER_PYTHON",
                   help="then run nbgrader (this Python's) on the source and the solutions")
    args = parser.parse_args(argv)
    if args.command == "progress":
        rows = progress(Path(args.my_work), args.cell_limit, args.notebook_limit, args.memory_mb)
        return 0 if rows or not Path(args.my_work).exists() else 1
    if args.command == "grade":
        folder = Path(args.folder).resolve()
        if not folder.is_dir():
            print(f"grade: {args.folder} is not a folder", file=sys.stderr)
            return 2
        grade(folder, Path(args.out).resolve(), args.cell_limit, args.notebook_limit,
              args.memory_mb, args.jobs)
        return 0
    written = write_nbgrader_source(Path(args.folder).resolve(), only=args.only)
    for path in written:
        print(f"wrote {path}")
    if args.check:
        return nbgrader_check(Path(args.folder).resolve(), args.check)
    return 0


if __name__ == "__main__":
    sys.exit(main())

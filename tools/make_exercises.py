#!/usr/bin/env python3
"""Generate the exercises from the solutions (the solutions are the single source).

    python tools/make_exercises.py            # write exercises/ from every solutions/NN_*.md
    python tools/make_exercises.py --check    # exit 1 and list what is out of date; write nothing
    python tools/make_exercises.py solutions/01_do_the_maths.md   # only these solutions

Maintainers: never edit ``exercises/`` by hand: edit ``solutions/NN_topic.md``, rebuild it with
``tools/build_notebooks.py``, then run this script. A new solution gets its exercise here and its
tests in ``tests/test_exercises.py`` and ``tests/test_exercise_answers.py`` (add its wrong and
alternative answers there). Learners never see this: ``course.py lab`` copies the exercises into
their own git-ignored ``my_work/`` folder.

For each ``solutions/NN_topic.md`` (MyST Markdown) this writes ``exercises/NN_topic.ipynb``
(no outputs, no execution counts) and its twin ``exercises/NN_topic.md``:

* code between a line ``### BEGIN SOLUTION`` and a line ``### END SOLUTION`` becomes, at the
  indentation of the BEGIN line, ``# HINT: text`` and ``raise NotImplementedError("text")``;
  the text comes from an optional ``### HINT: text`` line right after BEGIN (name the idea or
  the function, never the solution's line);
* markdown between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` (each on its own
  line) becomes the line ``_Write your answer here._``; the same cell must ask a question
  (a ``?``) before the block, so that every answer place says what to answer;
* the exercise is run once (a fresh kernel, ``exercises/`` as working directory, errors allowed)
  and every code cell that raised gets the ``raises-exception`` tag; the solution's own tags are
  kept. A cell the solution does not tag may raise only because of a stub (``NotImplementedError``
  or ``NameError``): anything else is an error (:class:`RunError`);
* a header cell at the top speaks to the learner (see :func:`header_cell`); an HTML comment
  in it, invisible in JupyterLab, says where the exercise comes from.

Conventions the tests rely on: a cell that checks the learner's answers starts with the line
``# Check ...`` and uses ``cellseg_teach.exercise_checks``; key points and self-check answers
are folded in ``<details>`` and come after the last check.

A BEGIN without END, an END without BEGIN, nested markers, a marker left in the output or an
answer place without a question is an error (:class:`MarkerError`) that names the file, cell
and line.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections import namedtuple
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_notebooks import myst_text
from course_common import KERNELSPEC, LANGUAGE_INFO, WORD, reading_minutes

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

BEGIN_CODE, END_CODE, HINT_CODE = "### BEGIN SOLUTION", "### END SOLUTION", "### HINT:"
BEGIN_MD, END_MD = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
LEAK_PATTERN = re.compile(r"(BEGIN|END) SOLUTION|### HINT:")
DEFAULT_HINT = "write your solution here"
ANSWER_LINE = "_Write your answer here._"
RAISES = "raises-exception"
STUB_ERRORS = {"NotImplementedError", "NameError"}


class MarkerError(ValueError):
    """A solution's BEGIN/END markers are unbalanced, nested or leak into the exercise."""


class RunError(RuntimeError):
    """A cell of the exercise raised for another reason than a stub."""


Block = namedtuple("Block", "begin end indent hint code")  # begin, end: 0-based marker lines


def _marker_pairs(lines: list[str], begin: str, end: str, where: str) -> list[tuple[int, int]]:
    """``(begin, end)`` line numbers of each marker pair; nesting and strays are errors."""
    marks = [(i, line.strip()) for i, line in enumerate(lines) if line.strip() in (begin, end)]
    for k, (i, mark) in enumerate(marks):
        if mark == end and k % 2 == 0:
            raise MarkerError(f"{where}, line {i + 1}: {end} without {begin}")
        if mark == begin and k % 2 == 1:
            raise MarkerError(f"{where}, line {i + 1}: {begin} inside the block opened on line "
                              f"{marks[k - 1][0] + 1} (blocks cannot be nested)")
    if len(marks) % 2:
        raise MarkerError(f"{where}, line {marks[-1][0] + 1}: {begin} without {end}")
    return [(marks[k][0], marks[k + 1][0]) for k in range(0, len(marks), 2)]


def code_blocks(source: str, where: str = "cell") -> list[Block]:
    """The solution blocks of a code cell, in order (:class:`MarkerError` if unbalanced)."""
    lines, blocks = source.split("\n"), []
    for begin, end in _marker_pairs(lines, BEGIN_CODE, END_CODE, where):
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        body = lines[begin + 1 : end]
        has_hint = bool(body) and body[0].strip().startswith(HINT_CODE)
        hint = (body[0].strip()[len(HINT_CODE) :].strip() if has_hint else "") or DEFAULT_HINT
        blocks.append(Block(begin, end, indent, hint, "\n".join(body[has_hint:])))
    return blocks


def stub_code(source: str, where: str = "cell") -> str:
    """The exercise version of a code cell: each block becomes a hint and a stub."""
    lines, out, pos = source.split("\n"), [], 0
    for b in code_blocks(source, where):
        stub = f"raise NotImplementedError({json.dumps(b.hint, ensure_ascii=False)})"
        out += [*lines[pos : b.begin], f"{b.indent}# HINT: {b.hint}", f"{b.indent}{stub}"]
        pos = b.end + 1
    return "\n".join(out + lines[pos:])


def strip_markdown(source: str, where: str = "cell") -> str:
    """The exercise version of a markdown cell: each answer becomes one answer line."""
    lines, out, pos = source.split("\n"), [], 0
    for begin, end in _marker_pairs(lines, BEGIN_MD, END_MD, where):
        if "?" not in "\n".join(lines[pos:begin]):
            raise MarkerError(f"{where}, line {begin + 1}: an answer place with no question before "
                              "it in the same cell (say what the learner should answer)")
        out += [*lines[pos:begin], ANSWER_LINE]
        pos = end + 1
    return "\n".join(out + lines[pos:])


def header_cell(solution_md: Path) -> nbformat.NotebookNode:  # how to work, for the learner
    rel = f"solutions/{Path(solution_md).name}"
    return nbformat.v4.new_markdown_cell(
        f"<!-- Generated from {rel} by tools/make_exercises.py: edit the solution, not this "
        "file. -->\n"
        "**Your copy.** This notebook is your copy of the exercise, in `my_work/`: git does not "
        "track it, so save freely. Fill in the cells marked `raise NotImplementedError(...)`: "
        "replace those two lines with your code. The **Check** cell after each task says what "
        "it expected and what it found; it runs without error when your answer is right. Where "
        "the notebook asks a question, write your answer in your own words in place of the "
        f"line in italics. The worked solution is in `{rel}`: try first."
    )


def make_exercise(solution: nbformat.NotebookNode, solution_md: Path) -> nbformat.NotebookNode:
    """The exercise made from a solution notebook (not modified), before it is run and tagged."""
    name, cells = Path(solution_md).name, [header_cell(solution_md)]
    for i, cell in enumerate(solution.cells):
        where = f"{name}, cell {i}"
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(stub_code(cell.source, where))
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(strip_markdown(cell.source, where))
        else:
            new = nbformat.v4.new_raw_cell(cell.source)
        if cell.get("metadata", {}).get("tags"):
            new.metadata["tags"] = list(cell.metadata.tags)
        if leak := LEAK_PATTERN.search(new.source):
            line = new.source[: leak.start()].count("\n")
            raise MarkerError(f"{where}, line {line + 1}: solution marker {leak.group(0)!r} left "
                              "in the exercise (markers must stand alone on their own line)")
        cells.append(new)
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i:03d}"  # stable ids, as tools/build_notebooks.py gives
    return nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)})


def tag_raising(nb: nbformat.NotebookNode, folder: Path, where: str = "exercise") -> None:
    """Run a copy of ``nb`` in a fresh kernel (``folder`` the working directory, errors allowed)
    and tag the cells of ``nb`` that raised (:class:`RunError` if not because of a stub)."""
    ran = NotebookClient(copy.deepcopy(nb), timeout=600, kernel_name=KERNELSPEC["name"],
                         allow_errors=True, resources={"metadata": {"path": str(folder)}}).execute()
    for i, (cell, done) in enumerate(zip(nb.cells, ran.cells, strict=True)):
        errors = [o for o in done.get("outputs", []) if o.output_type == "error"]
        if errors and RAISES not in cell.metadata.get("tags", []):
            if errors[0].ename not in STUB_ERRORS:
                raise RunError(f"{where}, cell {i - 1}: {errors[0].ename}: {errors[0].evalue}, "
                               f"not from a stub (tag the cell {RAISES} in the solution if it "
                               "should raise)")
            cell.metadata["tags"] = [*cell.metadata.get("tags", []), RAISES]


def exercise_texts(solution_md: Path) -> dict[Path, str]:
    """``{path: text}`` of the exercise and its MyST twin (run in exercises/ if it exists)."""
    solution_md, ipynb = Path(solution_md), EXERCISES / Path(solution_md).with_suffix(".ipynb").name
    nb = make_exercise(jupytext.read(solution_md, fmt="md:myst"), solution_md)
    tag_raising(nb, EXERCISES if EXERCISES.is_dir() else solution_md.parent, solution_md.name)
    text = nbformat.writes(nb) + "\n"  # as nbformat.write does
    return {ipynb: text, ipynb.with_suffix(".md"): myst_text(nbformat.reads(text, 4))}


def estimated_minutes(solution_md: Path) -> float:
    """Minutes for an exercise: the reading model on the exercise as the learner gets it, plus
    0.75 per line of solution code to write and 3 per written answer. The exercise states it,
    rounded to 5, as ``**Time.** About N minutes`` (tests/test_exercises.py: within ±20 %)."""
    solution = jupytext.read(Path(solution_md), fmt="md:myst")
    cells = make_exercise(solution, Path(solution_md)).cells
    words = sum(len(WORD.findall(c.source)) for c in cells if c.cell_type == "markdown")
    lines = sum(1 for c in cells if c.cell_type == "code"
                for ln in c.source.split("\n") if ln.strip())
    written = sum(1 for c in solution.cells if c.cell_type == "code"
                  for b in code_blocks(c.source) for ln in b.code.split("\n") if ln.strip())
    answers = sum(ln.strip() == BEGIN_MD for c in solution.cells if c.cell_type == "markdown"
                  for ln in c.source.split("\n"))
    return reading_minutes(words, lines) + 0.75 * written + 3.0 * answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("solutions", nargs="*", type=Path, help="solution .md files (default: all)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if out of date")
    parser.add_argument("--times", action="store_true", help="print each exercise's model time")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.solutions] or sorted(SOLUTIONS.glob("[0-9][0-9]_*.md"))
    if args.times:
        for md in paths:
            minutes = estimated_minutes(md)
            print(f"{md.stem}: about {5 * round(minutes / 5)} minutes ({minutes:.0f} by the model)")
        return 0
    stale = []
    for md in paths:
        try:
            texts = exercise_texts(md)
        except (MarkerError, RunError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        for path, text in texts.items():
            if not path.exists() or path.read_text() != text:
                stale.append(path)
                if not args.check:
                    path.parent.mkdir(exist_ok=True)
                    path.write_text(text)
                    print(f"wrote {path.relative_to(ROOT)}")
    for p in [] if args.solutions else sorted(EXERCISES.glob("[0-9][0-9]_*.*")):
        if p.suffix in (".md", ".ipynb") and p.stem not in {md.stem for md in paths}:
            print(f"{p.relative_to(ROOT)} has no solution in solutions/; delete it",
                  file=sys.stderr)
            stale.append(p)  # an exercise whose solution is gone
    if args.check and stale:
        print("out of date (run tools/make_exercises.py):",
              *(f"  {p.relative_to(ROOT)}" for p in stale), sep="\n", file=sys.stderr)
        return 1
    if not stale:
        print("exercises are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

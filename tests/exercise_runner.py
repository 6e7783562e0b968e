"""Run a generated exercise with answers put into its stubs, in this process.

The tests of the exercise checks (tests/test_exercise_answers.py) put a learner's answer,
right or wrong, into the generated exercise and run it. Starting a kernel and re-running the
whole notebook for every answer would take minutes per exercise, so the notebook's code runs
here instead, cell by cell, in a plain namespace (IPython magics such as ``%matplotlib inline``
are dropped; figures go to the Agg backend and are closed after each cell):

* the exercise is first run once with the solution's code in every stub, and the namespace is
  saved before each cell (a shallow copy: the solution cells rebind names, they do not mutate
  the objects of earlier cells);
* an answer replaces one or more solution blocks; it runs from the first cell it changes, on
  a copy of the namespace saved before that cell, until a cell raises or the notebook ends.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import matplotlib
import nbformat

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
CODE_BLOCK = re.compile(r"(?ms)^([ \t]*)### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION[ \t]*$")
STUB = re.compile(r"(?m)^[ \t]*# HINT: .*\n[ \t]*raise NotImplementedError\(.*\)[ \t]*$")


@dataclass(frozen=True)
class Answer:
    """A learner's answer: ``blocks`` maps a piece of text that occurs in exactly one solution
    block to the code that replaces that block (written without the block's indentation).

    ``kind`` is "wrong" (the checks must reject it with a message matching ``message``) or
    "alternative" (a right answer written differently from the solution: every cell must run).
    """

    name: str
    kind: str
    blocks: dict[str, str]
    message: str = ""
    why: str = ""

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.name}"


@dataclass
class Outcome:
    """Where a run stopped: the failing cell (None if every cell ran) and its exception."""

    cell: int | None = None
    error: BaseException | None = None
    learner_cells: set[int] = field(default_factory=set)

    def describe(self) -> str:
        if self.error is None:
            return "every cell ran"
        return f"cell {self.cell} raised {type(self.error).__name__}: {self.error}"


def _python(source: str) -> str:
    return re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", source)


class ExerciseRun:
    """One exercise, run once with the solution; then answers run on saved namespaces."""

    def __init__(self, stem: str, run: bool = True) -> None:
        self.stem = stem
        self.exercise = nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", 4)
        solution = jupytext.read(ROOT / "solutions" / f"{stem}.md", fmt="md:myst")
        # exercise cell i + 1 is solution cell i (the exercise adds one header cell)
        # (cell, k-th block in the cell, indentation, code) of each solution block
        self.blocks: list[tuple[int, int, str, str]] = []
        for i, cell in enumerate(solution.cells):
            if cell.cell_type != "code":
                continue
            for k, m in enumerate(CODE_BLOCK.finditer(cell.source)):
                code = m.group(2)
                code = "\n".join(ln for ln in code.split("\n")
                                 if not ln.strip().startswith("### HINT:"))
                self.blocks.append((i + 1, k, m.group(1), code))
        self.code_cells = [i for i, c in enumerate(self.exercise.cells) if c.cell_type == "code"]
        self.learner_cells = {i for i in self.code_cells
                              if STUB.search(self.exercise.cells[i].source)}
        self.saved: dict[int, dict] = {}
        self.namespace = self._fresh()
        if run:
            self.solution_outcome = self._run(self._sources({}), 0, self.namespace, save=True)

    def _fresh(self) -> dict:
        return {"__name__": "__main__"}

    def _block(self, key: str) -> int:
        hits = [j for j, b in enumerate(self.blocks) if key in b[3]]
        if len(hits) != 1:
            raise KeyError(f"{key!r} is in {len(hits)} solution blocks of {self.stem}, not 1")
        return hits[0]

    def _sources(self, replace: dict[int, str]) -> dict[int, str]:
        """Exercise code cells with each stub filled: the solution, or the replacement."""
        by_cell: dict[int, list[int]] = {}
        for j, (cell, _, _, _) in enumerate(self.blocks):
            by_cell.setdefault(cell, []).append(j)
        out = {}
        for i in self.code_cells:
            src = self.exercise.cells[i].source
            blocks = iter(by_cell.get(i, []))

            def fill(_m: re.Match, blocks=blocks) -> str:
                j = next(blocks)
                _, _, indent, code = self.blocks[j]
                if j in replace:
                    code = textwrap.indent(textwrap.dedent(replace[j]).strip("\n"), indent)
                return code.rstrip("\n")

            out[i] = STUB.sub(fill, src)
        return out

    def _run(self, sources: dict[int, str], start: int, ns: dict, save: bool = False) -> Outcome:
        for i in self.code_cells:
            if i < start:
                continue
            if save:
                self.saved[i] = dict(ns)
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(_python(sources[i]), f"<{self.stem} cell {i}>", "exec"), ns)
            except Exception as err:
                return Outcome(i, err, self.learner_cells)
            finally:
                plt.close("all")
        return Outcome(None, None, self.learner_cells)

    def notebook(self, answer: Answer | None = None) -> nbformat.NotebookNode:
        """The exercise as a learner would save it with ``answer`` (the solution where the
        answer does not replace a block) typed into its stubs."""
        replace = {} if answer is None else {self._block(k): c for k, c in answer.blocks.items()}
        nb = nbformat.from_dict(self.exercise)
        for i, source in self._sources(replace).items():
            nb.cells[i].source = source
        return nb

    def run(self, answer: Answer) -> Outcome:
        replace = {self._block(key): code for key, code in answer.blocks.items()}
        sources = self._sources(replace)
        start = min(self.blocks[j][0] for j in replace)
        return self._run(sources, start, dict(self.saved[start]))


@functools.cache
def exercise_run(stem: str) -> ExerciseRun:
    return ExerciseRun(stem)


def stems() -> list[str]:
    return sorted(p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.md"))


if __name__ == "__main__":  # time the solution runs: python tests/exercise_runner.py
    import time

    for stem in sys.argv[1:] or stems():
        t0 = time.perf_counter()
        run = ExerciseRun(stem)
        print(f"{stem}: {run.solution_outcome.describe()} in {time.perf_counter() - t0:.1f} s")

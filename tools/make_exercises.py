#!/usr/bin/env python3
"""Generate the exercises from the solutions (the solutions are the single source).

    python tools/make_exercises.py            # write exercises/ from every solutions/NN_*.md
    python tools/make_exercises.py --check    # exit 1 and list what is out of date; write nothing
    python tools/make_exercises.py solutions/01_do_the_maths.md   # only these solutions

Maintainers: never edit ``exercises/`` by hand. Edit ``solutions/NN_topic.md``, rebuild the
executed solution with ``tools/build_notebooks.py solutions/NN_topic.md``, then run this script.
A new ``solutions/NN_topic.md`` gets its exercise here, and its tests in
``tests/test_exercises.py`` and ``tests/test_exercise_answers.py``, without further changes
(add its wrong and alternative answers to the latter). Learners never see this: ``course.py
lab`` copies the exercises into their own git-ignored ``my_work/`` folder.

For each ``solutions/NN_topic.md`` (MyST Markdown) this writes ``exercises/NN_topic.ipynb``
(no outputs, no execution counts) and its twin ``exercises/NN_topic.md``:

* code between a line ``### BEGIN SOLUTION`` and a line ``### END SOLUTION`` becomes, at the
  indentation of the BEGIN line, ``# HINT: text`` and ``raise NotImplementedError("text")``;
  the text comes from an optional ``### HINT: text`` line right after BEGIN (name the idea or
  the function, never the solution's line);
* markdown between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` (each on its own
  line) becomes the line ``_Write your answer here._``; the same cell must ask a question
  (a ``?``) before the block, so that every answer place says what to answer;
* every code cell that raises in the exercise gets the ``raises-exception`` tag (see
  :func:`raising_cells`); the solution's own tags are kept;
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
import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_notebooks import myst_text

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

BEGIN_CODE, END_CODE, HINT_CODE = "### BEGIN SOLUTION", "### END SOLUTION", "### HINT:"
BEGIN_MD, END_MD = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
LEAK_PATTERN = re.compile(r"(BEGIN|END) SOLUTION|### HINT:")
DEFAULT_HINT = "write your solution here"
ANSWER_LINE = "_Write your answer here._"
RAISES = "raises-exception"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


class MarkerError(ValueError):
    """A solution's BEGIN/END markers are unbalanced, nested or leak into the exercise."""


@dataclass(frozen=True)
class Block:
    """One ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block of a code cell.

    ``begin`` and ``end`` are the 0-based line numbers of the two marker lines; ``code``
    is the text between them (without the HINT line).
    """

    begin: int
    end: int
    indent: str
    hint: str
    code: str


# --------------------------------------------------------------------------- markers


def _where(where: str, line: int) -> str:
    return f"{where}, line {line + 1}"


def _marker_pairs(
    lines: list[str], begin_marker: str, end_marker: str, where: str
) -> list[tuple[int, int]]:
    """``(begin, end)`` line numbers of each marker pair; nesting and strays are errors."""
    pairs, start = [], None
    for i, line in enumerate(lines):
        marker = line.strip()
        if marker == begin_marker:
            if start is not None:
                raise MarkerError(f"{_where(where, i)}: {begin_marker} inside the block opened "
                                  f"on line {start + 1} (blocks cannot be nested)")
            start = i
        elif marker == end_marker:
            if start is None:
                raise MarkerError(f"{_where(where, i)}: {end_marker} without {begin_marker}")
            pairs.append((start, i))
            start = None
    if start is not None:
        raise MarkerError(f"{_where(where, start)}: {begin_marker} without {end_marker}")
    return pairs


def code_blocks(source: str, where: str = "cell") -> list[Block]:
    """The solution blocks of a code cell, in order.

    Raises
    ------
    MarkerError
        For an END without BEGIN, a BEGIN inside a block, or a BEGIN without END.

    Examples
    --------
    >>> src = "x = 1\\n### BEGIN SOLUTION\\n### HINT: add one\\ny = x + 1\\n### END SOLUTION"
    >>> [(b.hint, b.code) for b in code_blocks(src)]
    [('add one', 'y = x + 1')]
    """
    lines = source.split("\n")
    blocks = []
    for begin, end in _marker_pairs(lines, BEGIN_CODE, END_CODE, where):
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        body = lines[begin + 1 : end]
        hint = DEFAULT_HINT
        if body and body[0].strip().startswith(HINT_CODE):
            hint = body[0].strip()[len(HINT_CODE) :].strip() or DEFAULT_HINT
            body = body[1:]
        blocks.append(Block(begin, end, indent, hint, "\n".join(body)))
    return blocks


def stub_line(hint: str) -> str:
    """The statement that replaces a solution block (without indentation)."""
    return f"raise NotImplementedError({json.dumps(hint, ensure_ascii=False)})"


def stub_code(source: str, where: str = "cell") -> str:
    """The exercise version of a code cell: each solution block becomes a stub.

    Examples
    --------
    >>> src = "def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION"
    >>> print(stub_code(src))
    def f(x):
        # HINT: write your solution here
        raise NotImplementedError("write your solution here")
    """
    lines = source.split("\n")
    out, pos = [], 0
    for b in code_blocks(source, where):
        out += lines[pos : b.begin]
        out += [f"{b.indent}# HINT: {b.hint}", f"{b.indent}{stub_line(b.hint)}"]
        pos = b.end + 1
    out += lines[pos:]
    return "\n".join(out)


def markdown_blocks(source: str, where: str = "cell") -> list[tuple[int, int]]:
    """``(begin, end)`` line numbers of each ``<!-- BEGIN/END SOLUTION -->`` pair."""
    return _marker_pairs(source.split("\n"), BEGIN_MD, END_MD, where)


def strip_markdown(source: str, where: str = "cell") -> str:
    """The exercise version of a markdown cell: each solution block becomes one answer line.

    Examples
    --------
    >>> print(strip_markdown("Why?\\n<!-- BEGIN SOLUTION -->\\nBecause.\\n<!-- END SOLUTION -->"))
    Why?
    _Write your answer here._
    """
    lines = source.split("\n")
    out, pos = [], 0
    for begin, end in markdown_blocks(source, where):
        if "?" not in "\n".join(lines[pos:begin]):
            raise MarkerError(f"{_where(where, begin)}: an answer place with no question before "
                              "it in the same cell (say what the learner should answer)")
        out += [*lines[pos:begin], ANSWER_LINE]
        pos = end + 1
    out += lines[pos:]
    return "\n".join(out)


# ------------------------------------------------------------------ which cells raise


def _python(source: str) -> str | None:
    """Cell source as plain Python: IPython line magics become ``pass``; None for cell magics."""
    if source.lstrip().startswith("%%"):
        return None
    return re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", source)


def analysis_source(source: str, where: str = "cell") -> str | None:
    """The solution cell with ``raise NotImplementedError()`` inserted at each BEGIN line.

    The code after the inserted ``raise`` is never run, but the analysis still sees the
    names the learner's code is expected to define (which the exercise lacks).
    """
    lines = source.split("\n")
    for b in code_blocks(source, where):
        lines[b.begin] = f"{b.indent}{stub_line('')}"
    return _python("\n".join(lines))


@dataclass(frozen=True)
class _Function:
    """A function (or class) binding: does its body hold a stub, which globals it reads."""

    has_stub: bool
    free: frozenset[str]


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _is_stub(node: ast.AST) -> bool:
    if not isinstance(node, ast.Raise) or node.exc is None:
        return False
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _executed(node: ast.AST):
    """Nodes evaluated when ``node`` runs: skip the bodies of def and class statements
    (their decorators, default values and base classes are evaluated)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        parts = [*node.decorator_list, *node.args.defaults,
                 *(d for d in node.args.kw_defaults if d is not None)]
    elif isinstance(node, ast.ClassDef):
        parts = [*node.decorator_list, *node.bases, *node.keywords]
    else:
        parts = [node]
    stack = list(parts)
    while stack:
        n = stack.pop()
        yield n
        if n is not node and isinstance(n, _DEFS):
            continue
        stack.extend(ast.iter_child_nodes(n))


def _comprehension_targets(node: ast.AST) -> set[str]:
    return {
        t.id
        for n in ast.walk(node)
        if isinstance(n, _COMPREHENSIONS)
        for gen in n.generators
        for t in ast.walk(gen.target)
        if isinstance(t, ast.Name)
    }


def _loads(node: ast.AST) -> set[str]:
    """Global names read when ``node`` runs (comprehension variables excluded)."""
    names = {n.id for n in _executed(node) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Load)}
    return names - _comprehension_targets(node)


def _defines(node: ast.AST) -> set[str]:
    """Names a statement binds in the cell's (global) scope."""
    names = set()
    for n in _executed(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            names.add(n.id)
        elif isinstance(n, _DEFS):
            names.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in n.names if a.name != "*"}
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
    return names - _comprehension_targets(node)


def _function(node: ast.AST) -> _Function:
    """Binding of a def or class: its body's stubs and the globals its body reads."""
    inner = [n for part in node.body for n in ast.walk(part)]
    reads = {n.id for n in inner if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    local = {n.id for n in inner if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    local |= {a.arg for n in [node, *inner] if isinstance(n, _FUNCS)
              for a in [*n.args.posonlyargs, *n.args.args, *n.args.kwonlyargs,
                        *filter(None, [n.args.vararg, n.args.kwarg])]}
    local |= {n.name for n in inner if isinstance(n, _DEFS)}
    local |= {(a.asname or a.name).split(".")[0] for n in inner
              if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    return _Function(any(_is_stub(n) for n in inner), frozenset(reads - local))


class _Namespace:
    """What the kernel's global namespace holds after each cell, as far as it matters:
    which names are bound (to a plain value or to a function/class), and which names the
    solution defines but the exercise never gets to define."""

    def __init__(self) -> None:
        self.bound: dict[str, _Function | None] = {}
        self.missing: set[str] = set()

    def raises_on_load(self, name: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether reading ``name`` fails now, or calling it would (lazily, as at run time)."""
        if name in self.missing:
            return True
        value = self.bound.get(name)
        if value is None or name in seen:
            return False
        return value.has_stub or any(self.raises_on_load(n, seen | {name}) for n in value.free)

    def bind(self, name: str, value: _Function | None) -> None:
        self.bound[name] = value
        self.missing.discard(name)

    def skip(self, stmts: list[ast.stmt]) -> None:
        """Statements that never run: the names they would define stay undefined."""
        for s in stmts:
            self.missing |= _defines(s) - self.bound.keys()

    def run(self, stmts: list[ast.stmt]) -> bool:
        """Run statements in order; True if one of them raises (the rest are skipped)."""
        for i, s in enumerate(stmts):
            if self.run_one(s):
                self.skip(stmts[i:])
                return True
        return False

    def reads_fail(self, *nodes: ast.AST | None) -> bool:
        return any(self.raises_on_load(n) for node in nodes if node is not None
                   for n in _loads(node))

    def run_one(self, s: ast.stmt) -> bool:
        """Run one statement; True if it raises. Compound statements run their header,
        then their bodies statement by statement (every branch, as if each ran)."""
        if isinstance(s, _DEFS):
            if self.reads_fail(s):  # decorators, default values, base classes
                return True
            self.bind(s.name, _function(s))
            return False
        if isinstance(s, ast.Raise):
            return True
        if isinstance(s, (ast.For, ast.AsyncFor)):
            if self.reads_fail(s.iter):
                return True
            for name in _defines(s.target):
                self.bind(name, None)
            return self.run(s.body) or self.run(s.orelse)
        if isinstance(s, (ast.While, ast.If)):
            return self.reads_fail(s.test) or self.run(s.body) or self.run(s.orelse)
        if isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                if self.reads_fail(item.context_expr):
                    return True
                for name in _defines(item.optional_vars) if item.optional_vars else ():
                    self.bind(name, None)
            return self.run(s.body)
        if isinstance(s, ast.Try):
            raised = self.run(s.body)
            if raised and s.handlers:  # assume a handler catches it
                raised = any([self.run(h.body) for h in s.handlers])
            return self.run(s.orelse) or self.run(s.finalbody) or raised
        if self.reads_fail(s):
            return True
        if isinstance(s, ast.Delete):
            for name in _defines(s):
                self.bound.pop(name, None)
                self.missing.add(name)
            return False
        for name in _defines(s):
            self.bind(name, None)
        return False


def raising_cells(sources: list[str | None], where: str = "notebook") -> list[bool]:
    """Which cells of an exercise raise when run top to bottom.

    ``sources`` are the *solution* notebook's code cells (None for markdown cells). A cell
    raises if a stub runs at its top level (not inside a def), if it reads a name that only
    raising cells define, or if it reads (calls) a function whose body holds a stub or reads
    such a name. Statements run in order, so names bound before the stub are defined; a
    name bound again later by a cell that runs is defined again.

    Examples
    --------
    >>> cells = ["def f(x):\\n    ### BEGIN SOLUTION\\n    return x\\n    ### END SOLUTION",
    ...          "y = f(1)", "print(y)", "y = 2", "print(y)"]
    >>> raising_cells(cells)
    [False, True, True, False, False]
    """
    ns = _Namespace()
    out = []
    for i, source in enumerate(sources):
        if source is None:
            out.append(False)
            continue
        code = analysis_source(source, f"{where}, cell {i}")
        if code is None:
            out.append(False)
            continue
        try:
            tree = ast.parse(code)
        except SyntaxError as err:
            raise MarkerError(f"{where}, cell {i}: not valid Python ({err.msg}, line "
                              f"{err.lineno})") from err
        out.append(ns.run(tree.body))
    return out


# ------------------------------------------------------------------------ notebooks


def exercise_path(solution_md: Path) -> Path:
    """``solutions/NN_x.md`` -> ``exercises/NN_x.ipynb``."""
    return EXERCISES / Path(solution_md).with_suffix(".ipynb").name


def header_cell(solution_md: Path) -> nbformat.NotebookNode:
    """The first cell of an exercise: how to work, for the learner."""
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
    """The exercise notebook made from a solution notebook (which is not modified)."""
    name = Path(solution_md).name
    sources = [c.source if c.cell_type == "code" else None for c in solution.cells]
    raising = raising_cells(sources, name)
    cells = [header_cell(solution_md)]
    for i, (cell, raises) in enumerate(zip(solution.cells, raising, strict=True)):
        where = f"{name}, cell {i}"
        tags = list(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(stub_code(cell.source, where))
            if raises and RAISES not in tags:
                tags.append(RAISES)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(strip_markdown(cell.source, where))
        else:
            new = nbformat.v4.new_raw_cell(cell.source)
        if tags:
            new.metadata["tags"] = tags
        leak = LEAK_PATTERN.search(new.source)
        if leak:
            line = new.source[: leak.start()].count("\n")
            raise MarkerError(f"{_where(where, line)}: solution marker {leak.group(0)!r} left in "
                              "the exercise (markers must stand alone on their own line)")
        cells.append(new)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:03d}"  # stable ids, as tools/build_notebooks.py gives
    return nb


def exercise_texts(solution_md: Path) -> dict[Path, str]:
    """``{path: text}`` of the exercise notebook and its MyST twin for one solution."""
    solution_md = Path(solution_md)
    solution = jupytext.read(solution_md, fmt="md:myst")
    nb = make_exercise(solution, solution_md)
    ipynb_text = nbformat.writes(nb)
    if not ipynb_text.endswith("\n"):
        ipynb_text += "\n"  # as nbformat.write does
    ipynb = exercise_path(solution_md)
    return {ipynb: ipynb_text, ipynb.with_suffix(".md"): myst_text(nbformat.reads(ipynb_text, 4))}


# ---------------------------------------------------------------------- time estimate

READ_WORDS_PER_MIN, READ_LINES_PER_MIN = 120, 4  # the course's reading model (issue 7)
WRITE_MIN_PER_LINE, ANSWER_MIN = 0.75, 3.0       # writing code, and a written answer
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def estimated_minutes(solution_md: Path) -> float:
    """Time a learner needs for an exercise: reading plus doing.

    Reading: the course's model on the exercise as the learner gets it (prose words / 120
    + code lines / 4 per minute, as for lessons). Doing: 0.75 minute per line of solution
    code the learner writes, and 3 minutes per written answer. The exercise states this,
    rounded to 5 minutes, as ``**Time.** About N minutes`` (tests/test_exercises.py checks
    it within ±20 %).
    """
    solution = jupytext.read(Path(solution_md), fmt="md:myst")
    exercise = make_exercise(solution, Path(solution_md))
    words = sum(len(_WORD.findall(c.source)) for c in exercise.cells if c.cell_type == "markdown")
    lines = sum(1 for c in exercise.cells if c.cell_type == "code"
                for ln in c.source.split("\n") if ln.strip())
    written = sum(1 for c in solution.cells if c.cell_type == "code"
                  for b in code_blocks(c.source) for ln in b.code.split("\n") if ln.strip())
    answers = sum(len(markdown_blocks(c.source)) for c in solution.cells
                  if c.cell_type == "markdown")
    return (words / READ_WORDS_PER_MIN + lines / READ_LINES_PER_MIN
            + WRITE_MIN_PER_LINE * written + ANSWER_MIN * answers)


def solution_files() -> list[Path]:
    return sorted(SOLUTIONS.glob("[0-9][0-9]_*.md"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("solutions", nargs="*", type=Path,
                        help="solution .md files (default: every solutions/NN_*.md)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and list the exercises that are out of date")
    parser.add_argument("--times", action="store_true",
                        help="print each exercise's time by the model; write nothing")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.solutions] or solution_files()
    if args.times:
        for md in paths:
            print(f"{md.stem}: about {5 * round(estimated_minutes(md) / 5)} minutes "
                  f"({estimated_minutes(md):.0f} by the model)")
        return 0
    stale = []
    for md in paths:
        try:
            texts = exercise_texts(md)
        except MarkerError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        for path, text in texts.items():
            current = path.read_text() if path.exists() else None
            if current == text:
                continue
            stale.append(path)
            if not args.check:
                path.parent.mkdir(exist_ok=True)
                path.write_text(text)
                print(f"wrote {path.relative_to(ROOT)}")
    if not args.solutions:  # exercises whose solution is gone
        expected = {exercise_path(md).stem for md in paths}
        orphans = [p for p in sorted(EXERCISES.glob("[0-9][0-9]_*.*"))
                   if p.suffix in (".md", ".ipynb") and p.stem not in expected]
        for p in orphans:
            print(f"{p.relative_to(ROOT)} has no solution in solutions/; delete it",
                  file=sys.stderr)
        stale += orphans
    if args.check and stale:
        print("out of date (run tools/make_exercises.py):", file=sys.stderr)
        for p in stale:
            print(f"  {p.relative_to(ROOT)}", file=sys.stderr)
        return 1
    if not stale:
        print("exercises are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

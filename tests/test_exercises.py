"""Exercises are generated from the solutions by tools/make_exercises.py.

* the committed exercises are exactly what the generator makes (no drift);
* no solution marker and no solution text leaks into an exercise;
* every exercise has a stub and a check cell that fails until the learner's code is there;
* every answer place asks a question, hints do not give the solution's line away, key points
  and self-check answers are folded and come after the checks, and each exercise states the
  lessons it needs and an honest time;
* the generator tags the cells that raise by running the exercise, so the drift test runs
  each exercise once; every check cell is among the tagged ones (it fails until the learner's
  code is there); with the solutions put back into the stubs, every cell runs.

The drift test and the last test execute notebooks (each exercise once, and each filled-in
exercise once, so about one run of each solution in all); the rest works on text. Unit tests
of the generator on small hand-made cells come first.
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_exercises as mx  # noqa: E402
from course_common import stated_minutes  # noqa: E402

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.md"))
RAISES = "raises-exception"


def _id(p: Path) -> str:
    return p.stem


def _block(code: str, indent: str = "", hint: str | None = None) -> str:
    lines = [f"{indent}### BEGIN SOLUTION"]
    if hint is not None:
        lines.append(f"{indent}### HINT: {hint}")
    lines += [indent + line for line in code.split("\n")]
    lines.append(f"{indent}### END SOLUTION")
    return "\n".join(lines)


# ------------------------------------------------------------ the generator, unit tests


def test_top_level_stub_keeps_the_rest_of_the_cell():
    src = "import math\n" + _block("r = math.sqrt(2)", hint='use "math.sqrt"') + "\nprint(r)"
    out = mx.stub_code(src)
    assert out == (
        "import math\n"
        '# HINT: use "math.sqrt"\n'
        'raise NotImplementedError("use \\"math.sqrt\\"")\n'
        "print(r)"
    )
    raise_stmt = ast.parse(out).body[1]
    assert isinstance(raise_stmt, ast.Raise)
    assert ast.literal_eval(raise_stmt.exc.args[0]) == 'use "math.sqrt"'


def test_stub_inside_a_function_body_takes_the_block_indentation():
    src = "def f(x):\n    y = x + 1\n" + _block("return 2 * y", indent="    ") + "\n\nz = 3"
    out = mx.stub_code(src)
    assert out.split("\n") == [
        "def f(x):",
        "    y = x + 1",
        f"    # HINT: {mx.DEFAULT_HINT}",
        f'    raise NotImplementedError("{mx.DEFAULT_HINT}")',
        "",
        "z = 3",
    ]
    assert "return 2 * y" not in out


def test_two_blocks_in_one_cell():
    src = _block("a = 1", hint="one") + "\nb = 2\n" + _block("c = 3", hint="three")
    out = mx.stub_code(src)
    assert out.count("raise NotImplementedError") == 2
    assert "b = 2" in out and "a = 1" not in out and "c = 3" not in out
    assert out.index('"one"') < out.index("b = 2") < out.index('"three"')


def test_markdown_answer_is_removed():
    src = "Question?\n\n<!-- BEGIN SOLUTION -->\nThe answer is 42.\n<!-- END SOLUTION -->\nMore."
    assert mx.strip_markdown(src) == f"Question?\n\n{mx.ANSWER_LINE}\nMore."


@pytest.mark.parametrize(
    "src",
    [
        "Compute it.\n<!-- BEGIN SOLUTION -->\n42\n<!-- END SOLUTION -->",
        "Why?\n<!-- BEGIN SOLUTION -->\na\n<!-- END SOLUTION -->\nAnd now.\n"
        "<!-- BEGIN SOLUTION -->\nb\n<!-- END SOLUTION -->",
    ],
)
def test_an_answer_place_without_a_question_is_an_error(src):
    with pytest.raises(mx.MarkerError, match="no question"):
        mx.strip_markdown(src, "test cell")


@pytest.mark.parametrize(
    "src, message",
    [
        ("### BEGIN SOLUTION\nx = 1", "without"),
        ("x = 1\n### END SOLUTION", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### END SOLUTION",
         "nested"),
    ],
)
def test_unbalanced_or_nested_code_markers_are_errors(src, message):
    with pytest.raises(mx.MarkerError, match=message):
        mx.stub_code(src, "test cell")


@pytest.mark.parametrize(
    "src",
    [
        "<!-- BEGIN SOLUTION -->\nanswer",
        "answer\n<!-- END SOLUTION -->",
        "<!-- BEGIN SOLUTION -->\n<!-- BEGIN SOLUTION -->\na\n<!-- END SOLUTION -->",
    ],
)
def test_unbalanced_or_nested_markdown_markers_are_errors(src):
    with pytest.raises(mx.MarkerError):
        mx.strip_markdown(src)


def _notebook(*cells: tuple[str, str]) -> nbformat.NotebookNode:
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    return nbformat.v4.new_notebook(cells=[make[kind](src) for kind, src in cells])


@pytest.mark.parametrize(
    "cell",
    [
        ("markdown", "The answer <!-- BEGIN SOLUTION --> is 4 <!-- END SOLUTION -->"),
        ("code", "x = 1  ### END SOLUTION"),
        ("code", "### HINT: a hint outside a block\nx = 1"),
    ],
)
def test_a_marker_that_would_leak_is_an_error(cell):
    with pytest.raises(mx.MarkerError, match="left in the exercise"):
        mx.make_exercise(_notebook(cell), Path("99_test.md"))


def _tagged(*cells: str, tags: dict[int, list[str]] | None = None) -> list[bool]:
    """Which cells the generator tags, for a solution made of these code cells."""
    nb = _notebook(*[("code", src) for src in cells])
    for i, cell_tags in (tags or {}).items():
        nb.cells[i].metadata["tags"] = cell_tags
    ex = mx.make_exercise(nb, Path("99_test.md"))
    mx.tag_raising(ex, ROOT / "exercises")
    return [RAISES in c.metadata.get("tags", []) for c in ex.cells[1:]]


def test_the_cells_that_raise_when_run_are_tagged():
    tagged = _tagged(
        "import numpy as np",
        _block("a = 1.0"),                    # top-level stub
        "b = a + 1",                          # reads a: NameError
        "c = 2 * b",                          # reads b, defined only by a raising cell
        "def f(x):\n" + _block("return 2 * x", indent="    "),
        "y = f(np.pi)",                       # calls the stub
        "def h(x):\n    return f(x) + 1",     # defining h is fine...
        "z = h(1)",                           # ...calling it is not
        "t = 1\n" + _block("u = t + 1") + "\nv = u",
        "print(t)",                           # t was bound before the stub ran
        "print(v)",                           # v was not
        "a = 2\n%matplotlib inline\nprint(a)",  # a cell that binds the name again runs
        "print(a)",
        "raise ValueError('shown on purpose')",  # the solution tags it: accepted, kept
        tags={13: [RAISES]},
    )
    assert tagged == [False, True, True, True, False, True, False, True, True, False, True,
                      False, False, True]


def test_a_cell_that_raises_without_a_stub_is_an_error():
    with pytest.raises(mx.RunError, match=r"99_test.md, cell 1: ZeroDivisionError"):
        ex = mx.make_exercise(_notebook(("code", "x = 1"), ("code", "1 / 0")), Path("99_test.md"))
        mx.tag_raising(ex, ROOT / "exercises", "99_test.md")


def test_exercise_notebook_shape():
    sol = _notebook(
        ("markdown", "# Title\nWhy?\n<!-- BEGIN SOLUTION -->\nsecret prose\n<!-- END SOLUTION -->"),
        ("code", "import math"),
        ("code", _block("answer = math.pi", hint="pi")),
        ("code", "print(round(answer, 2))\nassert abs(answer - 3.14) < 0.01"),
    )
    sol.cells[1].metadata["tags"] = ["nbval-ignore-output"]
    sol.cells[1].outputs = [nbformat.v4.new_output("stream", text="x")]
    sol.cells[1].execution_count = 3
    ex = mx.make_exercise(sol, Path("solutions/99_test.md"))
    mx.tag_raising(ex, ROOT / "exercises")
    assert len(ex.cells) == len(sol.cells) + 1
    header = ex.cells[0].source
    comment = re.search(r"<!--(.*?)-->", header, re.S)
    assert comment and "solutions/99_test.md" in comment.group(1)
    assert "tools/make_exercises.py" in comment.group(1)
    visible = header.replace(comment.group(0), "")
    assert "my_work/" in visible and "make_exercises" not in visible, "the header is for learners"
    assert [c.id for c in ex.cells] == [f"cell-{i:03d}" for i in range(5)]
    assert "secret" not in ex.cells[1].source and mx.ANSWER_LINE in ex.cells[1].source
    code = [c for c in ex.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c.metadata.get("tags", []) for c in code] == [
        ["nbval-ignore-output"], [RAISES], [RAISES]
    ]
    assert sol.cells[2].source.startswith("### BEGIN")  # the solution is not modified


def test_check_mode_reports_drift_and_writes_nothing(tmp_path, monkeypatch, capsys):
    sol = tmp_path / "solutions" / "99_tiny.md"
    sol.parent.mkdir()
    nb = _notebook(("code", _block("x = 1")), ("code", "assert x == 1"))
    sol.write_text(jupytext.writes(nb, fmt="md:myst"))
    monkeypatch.setattr(mx, "EXERCISES", tmp_path / "exercises")
    monkeypatch.setattr(mx, "ROOT", tmp_path)
    assert mx.main(["--check", str(sol)]) == 1
    assert "exercises/99_tiny.ipynb" in capsys.readouterr().err
    assert not (tmp_path / "exercises").exists()
    assert mx.main([str(sol)]) == 0
    assert sorted(p.name for p in (tmp_path / "exercises").iterdir()) == [
        "99_tiny.ipynb", "99_tiny.md"
    ]
    assert mx.main(["--check", str(sol)]) == 0
    # a tag the run would not give (or take away) is drift too
    ipynb = tmp_path / "exercises" / "99_tiny.ipynb"
    made = ipynb.read_text()
    assert made.count(RAISES) == 2
    ipynb.write_text(made.replace(f'"{RAISES}"', '"nbval-ignore-output"', 1))
    assert mx.main(["--check", str(sol)]) == 1
    assert "exercises/99_tiny.ipynb" in capsys.readouterr().err
    ipynb.write_text(made)
    (tmp_path / "exercises" / "99_tiny.md").write_text("edited by hand\n")
    assert mx.main(["--check", str(sol)]) == 1


# ------------------------------------------------------------- the committed exercises


def _exercise(md: Path) -> Path:
    return ROOT / "exercises" / md.with_suffix(".ipynb").name


@functools.cache
def _solution_cells(md: Path) -> list[nbformat.NotebookNode]:
    return jupytext.read(md, fmt="md:myst").cells


_CODE_BLOCK = re.compile(r"(?ms)^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION[ \t]*$")
_MD_BLOCK = re.compile(r"(?ms)^<!-- BEGIN SOLUTION -->\n(.*?)^<!-- END SOLUTION -->$")
_STUB = re.compile(r"(?m)^[ \t]*# HINT: .*\n[ \t]*raise NotImplementedError\(.*\)[ \t]*$")


def _blocks(source: str, pattern: re.Pattern) -> list[str]:
    return [m.group(1) for m in pattern.finditer(source)]


def test_every_solution_has_its_exercise_and_every_exercise_its_solution():
    made = {p.stem for p in (ROOT / "exercises").glob("[0-9][0-9]_*.*")}
    assert made == {p.stem for p in SOLUTIONS}, "run tools/make_exercises.py"


@pytest.mark.parametrize("md", SOLUTIONS, ids=_id)
def test_committed_exercise_is_what_the_generator_makes(md):
    for path, text in mx.exercise_texts(md).items():
        assert path.exists(), f"{path.name} is missing: run tools/make_exercises.py"
        assert path.read_text() == text, (
            f"{path.name} differs from what tools/make_exercises.py makes from {md.name}; "
            "edit the solution, never the exercise, and rerun the generator"
        )


@pytest.mark.parametrize("md", SOLUTIONS, ids=_id)
def test_no_solution_leaks_into_the_exercise(md):
    ex_path = _exercise(md)
    texts = {ex_path.name: ex_path.read_text(),
             ex_path.with_suffix(".md").name: ex_path.with_suffix(".md").read_text()}
    for name, text in texts.items():
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "### HINT:"):
            assert marker not in text, f"{marker!r} in {name}"
    cells = _solution_cells(md)
    secret, public = set(), set()
    for cell in cells:
        pattern = _CODE_BLOCK if cell.cell_type == "code" else _MD_BLOCK
        inside = [ln for b in _blocks(cell.source, pattern) for ln in b.split("\n")]
        outside = pattern.sub("", cell.source).split("\n")
        secret |= {ln.strip() for ln in inside}
        public |= {ln.strip() for ln in outside}
    # Lines of the answers that the solution does not also show outside the answers.
    # Short lines ("return out", ")") may legitimately recur, so only long ones count.
    secret = {ln for ln in secret - public if len(ln) >= 15 and not ln.startswith("### HINT")}
    ex_lines = {ln.strip() for c in nbformat.read(ex_path, 4).cells for ln in c.source.split("\n")}
    leaked = sorted(secret & ex_lines)
    assert not leaked, f"solution lines in {ex_path.name}: {leaked[:5]}"


@pytest.mark.parametrize("md", SOLUTIONS, ids=_id)
def test_exercise_has_a_stub_and_a_check_cell_that_fails(md):
    cells = nbformat.read(_exercise(md), 4).cells
    code = [c for c in cells if c.cell_type == "code"]
    assert any(_STUB.search(c.source) for c in code), "no stub"
    checks = [c for c in code if RAISES in c.metadata.get("tags", []) and _is_check(c)]
    assert checks, "no check cell (a '# Check' cell that raises until the learner's code is there)"


def _is_check(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and cell.source.startswith("# Check")


def _exercise_cells(md: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(_exercise(md), 4).cells


@pytest.mark.parametrize("md", SOLUTIONS, ids=_id)
def test_every_answer_place_asks_a_question(md):
    for i, cell in enumerate(_exercise_cells(md)):
        if cell.cell_type != "markdown":
            continue
        for part in cell.source.split(mx.ANSWER_LINE)[:-1]:
            assert "?" in part, f"cell {i}: an answer place with no question:\n{part[-300:]}"


@pytest.mark.parametrize("md", SOLUTIONS, ids=_id)
def test_key_points_and_self_check_answers_are_folded_after_the_checks(md):
    cells = _exercise_cells(md)
    checks = [i for i, c in enumerate(cells) if _is_check(c)]
    assert checks, "no '# Check' cell"
    key = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
           and re.search(r"(?m)^#+ Key points", c.source)]
    assert key, "no key points"
    for i in key:
        assert i > checks[-1], "key points before the last check give answers away"
        after = cells[i].source.split("Key points", 1)[1]
        assert after.lstrip().startswith("<details>"), "key points must be folded in <details>"
    for i, c in enumerate(cells):
        if c.cell_type == "markdown" and "<summary>Answer" in c.source:
            assert i > checks[-1], f"cell {i}: a self-check answer before the last check"


def _hint_gives_the_line_away(hint: str, code: str) -> str | None:
    squash = re.compile(r"\s+")
    h = squash.sub("", hint)
    for line in code.split("\n"):
        ln = squash.sub("", line)
        if len(ln) < 20:
            continue
        if ln in h or difflib.SequenceMatcher(None, h, ln).ratio() > 0.7:
            return line.strip()
    return None


@pytest.mark.parametrize("md", SOLUTIONS, ids=_id)
def test_hints_name_the_idea_not_the_line(md):
    for cell in _solution_cells(md):
        if cell.cell_type != "code":
            continue
        for block in mx.code_blocks(cell.source):
            line = _hint_gives_the_line_away(block.hint, block.code)
            assert line is None, f"the hint {block.hint!r} is the solution line {line!r}"


def test_the_hint_test_catches_a_solution_line():
    assert _hint_gives_the_line_away(
        "segment(smoothed - background, MARGIN, MIN_CELL_SIZE)[0]",
        "return segment(smoothed - background_downsampled(smoothed), MARGIN, MIN_CELL_SIZE)[0]")
    assert _hint_gives_the_line_away(
        "the local threshold is background + margin: compare the difference with the margin",
        "return segment(smoothed - bg, MARGIN, MIN_CELL_SIZE)[0]") is None


@pytest.mark.parametrize("md", SOLUTIONS, ids=_id)
def test_exercise_states_its_lessons_and_an_honest_time(md):
    text = md.read_text()
    prereq = re.search(r"\*\*Prerequisites\.\*\*(.*?)\n\n", text, re.S)
    assert prereq and re.search(r"[Ll]essons? \d", prereq.group(1)), (
        "say which lesson(s) the exercise needs, by number")
    stated = stated_minutes(text)
    assert stated, "state the time as '**Time.** About N minutes'"
    model = mx.estimated_minutes(md)
    assert abs(stated - model) <= 0.2 * model, (
        f"stated {stated} min, the model gives {model:.0f} min "
        "(python tools/make_exercises.py --times)")


def _execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(ROOT / "exercises")}}).execute()
    return nb


def _errors(cell: nbformat.NotebookNode) -> list[str]:
    return [o.ename for o in cell.get("outputs", []) if o.output_type == "error"]


@pytest.mark.parametrize("md", SOLUTIONS, ids=_id)
def test_every_check_fails_until_the_learners_code_is_there(md):
    """The generator tags the cells that raised when it ran the exercise (the drift test
    keeps the committed tags to that): every check must be among them."""
    cells = _exercise_cells(md)
    last_stub = max(i for i, c in enumerate(cells) if _STUB.search(c.source))
    for i, cell in enumerate(cells):
        if _is_check(cell) or (cell.cell_type == "code" and i > last_stub
                               and "assert" in cell.source):
            assert RAISES in cell.metadata.get("tags", []), (
                f"check cell {i} passes without the learner's code:\n{cell.source[:300]}")


def fill_in(exercise: nbformat.NotebookNode, md: Path) -> nbformat.NotebookNode:
    """The exercise with each stub replaced by the solution's code for it."""
    nb = nbformat.from_dict(exercise)
    solution = _solution_cells(md)
    assert len(nb.cells) == len(solution) + 1, "the exercise should add one header cell"
    for cell, sol in zip(nb.cells[1:], solution, strict=True):
        if cell.cell_type != "code":
            continue
        blocks = _blocks(sol.source, _CODE_BLOCK)
        stubs = _STUB.findall(cell.source)
        assert len(stubs) == len(blocks), cell.source
        answers = iter(blocks)
        cell.source = _STUB.sub(lambda _m, it=answers: next(it).rstrip("\n"), cell.source)
        tags = [t for t in cell.metadata.get("tags", [])
                if t != RAISES or RAISES in sol.metadata.get("tags", [])]
        cell.metadata["tags"] = tags
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("md", SOLUTIONS, ids=_id)
def test_filling_in_the_solution_makes_every_check_pass(md):
    nb = _execute(fill_in(nbformat.read(_exercise(md), 4), md))
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and RAISES not in cell.metadata.get("tags", []):
            assert not _errors(cell), (
                f"cell {i} fails with the solution filled in: {_errors(cell)}\n"
                f"{cell.source[:300]}"
            )

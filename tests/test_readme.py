"""The README's quick start is exactly two commands, and CI runs the test one."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_quick_start_has_exactly_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2, commands
    assert any(c.endswith(" lab") for c in commands)
    assert any(c.endswith(" test") for c in commands)


def test_ci_runs_the_readme_test_command():
    test_command = next(c for c in quick_start_commands() if c.endswith(" test"))
    ci = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert test_command in ci


def _map_rows(heading: str) -> dict[str, int]:
    """Notebook name -> minutes, from the README table that follows ``heading``.

    A row's number is a lesson's (``4``) or an appendix's (``A1``).
    """
    text = (ROOT / "README.md").read_text()
    section = text.split(heading, 1)[1].split("\n## ", 1)[0].split("\nExercises (", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"\| A?\d+ \| \[`(?:lessons/)?(\w+)`\].*\| (\d+) min \|$", line)
        if found:
            rows[found.group(1)] = int(found.group(2))
    return rows


def _stated_minutes(md: Path) -> int:
    found = re.search(r"\*\*Time\.\*\* About (\d+) minutes", md.read_text())
    assert found, f"{md.name} states no time as '**Time.** About N minutes'"
    return int(found.group(1))


def test_readme_maps_list_every_notebook_with_its_own_time():
    lessons = _map_rows("## Lesson map")
    exercises = _map_rows("Exercises (`exercises/`")
    for folder, rows in (("lessons", lessons), ("solutions", exercises)):
        notebooks = sorted((ROOT / folder).glob("*.md"))
        assert sorted(rows) == [p.stem for p in notebooks], folder
        for md in notebooks:
            assert rows[md.stem] == _stated_minutes(md), md.name

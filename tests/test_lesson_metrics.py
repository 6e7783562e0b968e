"""Every lesson is one class session by the reading model, states its time, has practice,
and no notebook refers to the documents the course grew from (tools/lesson_metrics.py)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "lesson_metrics.py"


def test_lesson_standards_hold():
    result = subprocess.run(
        [sys.executable, str(TOOL), "--check", "lessons", "exercises", "solutions"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "teachability: 0 problem(s)" in result.stdout


def test_the_check_fails_on_a_lesson_that_breaks_the_rules(tmp_path):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    long_prose = " ".join(["word"] * 9000)  # 75 model-minutes of prose
    (lessons / "09_too_long.md").write_text(
        f"# Lesson 9\n\n**Time.** About 30 minutes.\n\nAs the seed lesson says, {long_prose}\n"
    )
    result = subprocess.run(
        [sys.executable, str(TOOL), "--check", "lessons"], cwd=tmp_path,
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    for problem in ("core path 75 model-min > 60", "reference(s) to the seed", "'Try it'"):
        assert problem in result.stdout, result.stdout


def test_every_notebook_states_its_time_in_the_one_wording_the_tools_read():
    sys.path.insert(0, str(ROOT / "tools"))
    from course_common import stated_minutes

    notebooks = sorted(p for d in ("lessons", "solutions", "exercises")
                       for p in (ROOT / d).glob("*.md"))
    assert len(notebooks) >= 20
    for md in notebooks:
        text = md.read_text()
        lines = [line for line in text.splitlines() if line.startswith("**Time.**")]
        assert len(lines) == 1, f"{md.name}: one '**Time.** About N minutes' line"
        words = lines[0].split()  # "**Time.** About 55 minutes to read and run ..."
        assert words[1] == "About" and words[3].startswith("minutes"), lines[0]
        assert stated_minutes(text) == int(words[2]), md.name


def test_a_time_stated_in_other_words_is_not_read():
    sys.path.insert(0, str(ROOT / "tools"))
    from course_common import stated_minutes

    assert stated_minutes("**Time.** About 45 minutes: reading and 3 min of writing") == 45
    for text in ("It takes about 30 min.", "**Time.** 30 minutes", "Time: About 30 minutes"):
        assert stated_minutes(text) is None, text

"""The instructor guide's generated tables (objectives, times, schedules) are up to date,
and its schedules add up from the notebooks' stated times."""

import itertools
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import instructor_guide  # noqa: E402


def test_generated_blocks_are_up_to_date():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "instructor_guide.py"), "--check"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_schedules_add_up_from_the_notebooks_stated_times():
    text = (ROOT / "docs" / "instructor_guide.md").read_text()
    block = text.split("<!-- BEGIN GENERATED: schedules -->", 1)[1].split("<!-- END", 1)[0]
    for table in block.split("### ")[1:]:
        rows = re.findall(r"^\| (\d\d):(\d\d) \| (\d\d):(\d\d) \| (.+?) \| (\d+) \|$", table, re.M)
        assert rows, table
        for h0, m0, h1, m1, what, minutes in rows:
            assert (int(h1) * 60 + int(m1)) - (int(h0) * 60 + int(m0)) == int(minutes)
            found = re.search(r"`(lessons|exercises)/(\w+)`", what)
            if found:
                folder = "solutions" if found.group(1) == "exercises" else "lessons"
                md = ROOT / folder / f"{found.group(2)}.md"
                assert int(minutes) == instructor_guide.stated_minutes(md), what
        # consecutive rows: each starts when the previous one ends
        for prev, nxt in itertools.pairwise(rows):
            assert prev[2:4] == nxt[0:2]

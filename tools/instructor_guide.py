#!/usr/bin/env python3
"""Write the generated parts of docs/instructor_guide.md from the notebooks themselves.

    python tools/instructor_guide.py          # rewrite the generated blocks
    python tools/instructor_guide.py --check  # exit 1 if they are out of date

The guide's prose is written by hand. Three blocks are generated, between
``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``:

* ``objectives``: each lesson's learning objectives, copied from its "Objectives" list;
* ``times``: every lesson, appendix and exercise with the time its notebook states
  ("**Time.** About N minutes");
* ``schedules``: a one-day workshop and two half days, with clock times added up from
  those stated times plus the breaks below, so the schedule changes when a lesson does.

Standard library only. ``tests/test_instructor_guide.py`` runs ``--check``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course_common import stated_minutes as _stated

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "instructor_guide.md"

# What each schedule holds, in order. A notebook is "lessons/NAME" or "solutions/NAME"
# (an exercise is timed by its solution's stated time); other items are (label, minutes).
ONE_DAY = [
    ("Welcome, set-up check (course.py test already run at home)", 15),
    "lessons/01_image_model",
    "lessons/02_smoothing",
    ("Break", 15),
    "lessons/03_threshold_and_label",
    ("Lunch", 60),
    "lessons/04_false_positives",
    "solutions/04_noise_sweep",
    ("Break", 15),
    "lessons/07_real_nuclei",
    ("Wrap-up: what to use after the course, questions", 10),
]
HALF_DAYS = {
    "Half day 1 (the pipeline from first principles)": [
        ("Welcome, set-up check", 10),
        "lessons/01_image_model",
        "lessons/02_smoothing",
        ("Break", 15),
        "lessons/03_threshold_and_label",
    ],
    "Half day 2 (from synthetic images to real ones)": [
        ("Questions from day 1", 10),
        "lessons/04_false_positives",
        ("Break", 15),
        "lessons/07_real_nuclei",
        "solutions/06_improve_nuclei",
        ("Wrap-up", 10),
    ],
}
START = 9 * 60  # 09:00


def stated_minutes(path: Path) -> int:
    """The time the notebook ``path`` states; an error if it states none."""
    minutes = _stated(path.read_text())
    if minutes is None:
        raise SystemExit(f"{path.relative_to(ROOT)} states no '**Time.** About N minutes'")
    return minutes


def title(path: Path) -> str:
    found = re.search(r"^# (.+)$", path.read_text(), flags=re.M)
    return found.group(1).strip() if found else path.stem


def objectives(path: Path) -> list[str]:
    text = path.read_text()
    found = re.search(r"\*\*Objectives\.\*\*[^\n]*\n(.*?)\n\n\*\*", text, flags=re.S)
    if not found:
        return []
    items = re.split(r"\n- ", "\n" + found.group(1).strip())
    return [re.sub(r"\s+", " ", i).strip() for i in items if i.strip()]


def notebooks(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.md"))


def block_objectives() -> str:
    out = []
    for md in notebooks("lessons"):
        out.append(f"**{title(md)}** (`lessons/{md.stem}`, {stated_minutes(md)} min)")
        out.append("")
        out += [f"- {o}" for o in objectives(md)] or ["- (no objectives list found)"]
        out.append("")
    return "\n".join(out).rstrip()


def block_times() -> str:
    rows = ["| notebook | kind | minutes |", "|---|---|---|"]
    total = {"lesson": 0, "appendix": 0, "exercise": 0}
    for md in notebooks("lessons"):
        kind = "appendix" if md.stem[:1].upper() == "A" else "lesson"
        rows.append(f"| `lessons/{md.stem}` | {kind} | {stated_minutes(md)} |")
        total[kind] += stated_minutes(md)
    for md in notebooks("solutions"):
        rows.append(f"| `exercises/{md.stem}` | exercise | {stated_minutes(md)} |")
        total["exercise"] += stated_minutes(md)
    rows.append("")
    rows.append(
        f"In all: lessons {total['lesson']} min, appendices {total['appendix']} min, "
        f"exercises {total['exercise']} min."
    )
    return "\n".join(rows)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def schedule_table(items: list) -> tuple[str, int]:
    rows = ["| start | end | what | minutes |", "|---|---|---|---|"]
    t = START
    for item in items:
        if isinstance(item, tuple):
            label, minutes = item
        else:
            md = ROOT / f"{item}.md"
            minutes = stated_minutes(md)
            kind = "Exercise" if item.startswith("solutions/") else "Lesson"
            name = item.split("/", 1)[1]
            link = f"exercises/{name}" if kind == "Exercise" else item
            label = f"{kind}: `{link}`"
        rows.append(f"| {_clock(t)} | {_clock(t + minutes)} | {label} | {minutes} |")
        t += minutes
    return "\n".join(rows), t - START


def block_schedules() -> str:
    out = []
    table, total = schedule_table(ONE_DAY)
    out += ["### One-day workshop", "", table, "",
            f"From 09:00 to {_clock(START + total)}: {total} minutes in all.", ""]
    for name, items in HALF_DAYS.items():
        table, total = schedule_table(items)
        out += [f"### {name}", "", table, "",
                f"From 09:00 to {_clock(START + total)}: {total} minutes in all.", ""]
    return "\n".join(out).rstrip()


BLOCKS = {"objectives": block_objectives, "times": block_times, "schedules": block_schedules}


def render(text: str) -> str:
    for name, make in BLOCKS.items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)",
            flags=re.S,
        )
        if not pattern.search(text):
            raise SystemExit(f"{GUIDE.name} has no generated block '{name}'")
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    text = GUIDE.read_text()
    new = render(text)
    if "--check" in argv:
        if new != text:
            print(f"{GUIDE.relative_to(ROOT)} is out of date: run python tools/instructor_guide.py")
            return 1
        print(f"{GUIDE.relative_to(ROOT)} is up to date")
        return 0
    GUIDE.write_text(new)
    print(f"wrote {GUIDE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Teachability metrics of the course notebooks, from their MyST twins (standard library only).

Per notebook: prose words, code lines, assert lines, longest code cell, references to the course's
source documents ('the seed's ...'), 'Try it' prompts, and the stated time vs a reading-time model:
    minutes = prose words / 120 + code lines / 4
(120 words/min for technical prose read carefully; 4 lines/min for reading and running code; this
agreed with an independent careful read of lessons 1-4; the model and the stated time's wording,
'**Time.** About N minutes', are in tools/course_common.py, shared with the other tools).
Run from the project root: python3 tools/lesson_metrics.py [--check] [folders]
(the course's own copy of the reading-model tool; tests/test_lesson_metrics.py runs --check)
'core' is everything before the first heading that says optional / going further / appendix.
With --check, exits 1 unless every lesson (not appendix) has core <= 60 min, a stated time within
+-20 % of its core model, >= 2 'Try it' prompts, and no notebook anywhere refers to the seed
documents.
"""

from __future__ import annotations

import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from course_common import WORD, reading_minutes, stated_minutes

SOURCE_REF = re.compile(
    r"\bseed(?:'s|’s)|\bseed (?:lesson|article|claims?|text|document|tests?|exercises?)\b"
    r"|\bthe seed (?:says|states|claims|asks|gives|uses|predicts|writes)\b"
    r"|\bsource (?:lesson|document)\b",
    flags=re.I,
)
OPTIONAL = re.compile(r"^#+ .*(optional|going further|appendix)", flags=re.I | re.M)
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", flags=re.S)


def measure(text: str) -> tuple[int, list[str], list[str]]:
    """(prose words, non-blank code lines without cell metadata, code cells)."""
    code = [m.group(1) for m in CELL.finditer(text)]
    prose = CELL.sub(" ", text)
    clean = []
    for cell in code:
        body = cell
        if body.startswith("---\n"):  # a cell's metadata block, between two '---'
            end = body.find("\n---\n", 4)
            body = body[end + 5 :] if end >= 0 else body
        clean += [line for line in body.splitlines() if line.strip()]
    return len(WORD.findall(prose)), clean, code


def main(argv: list[str]) -> int:
    check = "--check" in argv
    folders = [a for a in argv if not a.startswith("--")] or ["lessons", "solutions", "exercises"]
    problems, rows = [], []
    for folder in folders:
        for md in sorted(pathlib.Path(folder).glob("*.md")):
            text = md.read_text()
            text = re.sub(r"\A---\n.*?\n---\n", "", text, count=1, flags=re.S)
            optional = OPTIONAL.search(text)
            core_text = text[: optional.start()] if optional else text
            words, lines, cells = measure(text)
            cwords, clines, _ = measure(core_text)
            core_model = reading_minutes(cwords, len(clines))
            model = reading_minutes(words, len(lines))
            asserts = sum(1 for line in lines if line.strip().startswith("assert"))
            longest = max(
                (len([line for line in c.splitlines() if line.strip()]) for c in cells), default=0
            )
            refs = len(SOURCE_REF.findall(text))
            tryit = len(re.findall(r"\btry it\b", text, flags=re.I))
            stated = stated_minutes(text)
            appendix = "appendix" in md.stem.lower() or md.stem.lower().startswith("a")
            rows.append((str(md), words, len(lines), asserts, longest, refs, tryit, stated,
                         round(core_model), round(model)))
            if refs:
                problems.append(f"{md}: {refs} reference(s) to the seed documents")
            if folder.rstrip("/").endswith("lessons") and not appendix:
                if core_model > 60:
                    problems.append(f"{md}: core path {core_model:.0f} model-min > 60")
                if stated is None or abs(stated - core_model) > 0.2 * core_model:
                    problems.append(
                        f"{md}: stated {stated} min vs core model {core_model:.0f} min "
                        "(>20 % apart)"
                    )
                if tryit < 2:
                    problems.append(f"{md}: {tryit} 'Try it' prompt(s) < 2")
    if rows:
        w = max(len(r[0]) for r in rows)
        print(f"{'notebook':{w}} words  code assert longest seedref try stated core total")
        for r in rows:
            print(f"{r[0]:{w}} {r[1]:5d} {r[2]:5d} {r[3]:6d} {r[4]:7d} {r[5]:7d} {r[6]:3d} "
                  f"{r[7]!s:>6} {r[8]:4d} {r[9]:5d}")
    if check:
        for problem in problems:
            print("PROBLEM", problem)
        print(f"teachability: {len(problems)} problem(s)")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""What the course's tools share: the notebook metadata, the reading-time model, the stated time.

Standard library only, so that every tool (and the Jupyter server's configuration, which
imports :mod:`build_notebooks`) can import it.
"""

from __future__ import annotations

import re

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
"""The kernelspec every committed notebook carries."""

LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}
"""The language_info every committed notebook carries (no Python version)."""

WORDS_PER_MINUTE = 120
"""Technical prose read carefully, words per minute."""

CODE_LINES_PER_MINUTE = 4
"""Code read and run, non-blank lines per minute."""

WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
"""What the reading model counts as a word of prose."""

STATED_TIME = re.compile(r"\*\*Time\.\*\*\s+About\s+(\d+)\s+min(?:utes?)?\b")
"""How a notebook states its time: ``**Time.** About N minutes`` (followed by anything)."""


def reading_minutes(words: int, code_lines: int) -> float:
    """The course's reading model: prose words / 120 + code lines / 4, in minutes.

    Examples
    --------
    >>> reading_minutes(1200, 20)
    15.0
    """
    return words / WORDS_PER_MINUTE + code_lines / CODE_LINES_PER_MINUTE


def stated_minutes(text: str) -> int | None:
    """The time a notebook's text states (``**Time.** About N minutes``), or None.

    Examples
    --------
    >>> stated_minutes("**Time.** About 55 minutes to read and run; 10 more for the rest.")
    55
    >>> stated_minutes("Takes 5 min.") is None
    True
    """
    found = STATED_TIME.search(text)
    return int(found.group(1)) if found else None

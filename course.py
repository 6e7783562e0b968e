#!/usr/bin/env python3
"""Set up the course and open it, or set it up and test it: one command each.

    python3 course.py lab     # create .venv, install the pinned packages, open JupyterLab
    python3 course.py test    # create .venv, install the pinned packages, run every test

Only the Python standard library is used here, so this works on a fresh machine with
Python >= 3.10 and nothing else. The environment lives in ``.venv`` next to this file
and is reused (and updated if pyproject.toml changed) on the next run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".course-installed"


def venv_python() -> Path:
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return VENV / sub


def run(*args: object) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def setup() -> Path:
    if sys.version_info < (3, 10):  # noqa: UP036 - this file runs before any check
        sys.exit(f"This course needs Python >= 3.10; this is {sys.version.split()[0]}.")
    if not venv_python().exists():
        print(f"Creating the virtual environment {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    py = venv_python()
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        run(py, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(py, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[course]")
        STAMP.write_text(wanted)
    return py


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in {"lab", "test"}:
        print(__doc__)
        return 2
    py = setup()
    env = dict(os.environ)
    if argv[0] == "test":
        env["MPLBACKEND"] = "Agg"  # no screen needed
    if argv[0] == "lab":
        extra = list(argv[1:])
        # Jupyter refuses to run as root (common in containers) unless told it may.
        if getattr(os, "geteuid", lambda: 1)() == 0 and "--allow-root" not in extra:
            extra.append("--allow-root")
        return subprocess.call([str(py), "-m", "jupyterlab", *extra], cwd=ROOT, env=env)
    lint = subprocess.call([str(py), "-m", "ruff", "check", "."], cwd=ROOT, env=env)
    tests = subprocess.call(
        [str(py), "-m", "pytest", "-n", "2", "--dist", "loadfile", "--nbval", *argv[1:]],
        cwd=ROOT, env=env,
    )
    return tests or lint


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

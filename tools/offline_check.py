#!/usr/bin/env python3
"""Prove that the course installs from a wheel folder with no network, then runs.

    python3 tools/offline_check.py DIR [--venv PATH]

Creates a fresh virtual environment (default ``build/offline-venv``) and installs the
pinned pip and the course into it from DIR alone (``pip --no-index --find-links DIR``).
On Linux, when ``unshare`` can give the install a network namespace of its own, the
install runs with no network at all, not merely with no index. Then it runs a few of the
course's tests in that environment. Exit 0 only if all of that worked.

Make DIR with ``python3 course.py wheelhouse DIR --platform this`` (CI does).
Standard library only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from wheelhouse import PIP_VERSION  # noqa: E402  (course.py's pinned pip, read in one place)

PIP = f"pip=={PIP_VERSION}"
SMOKE_TESTS = ["tests/test_seed_lesson.py", "tests/test_datasets.py", "tests/test_compare.py"]


def no_network_prefix() -> list[str]:
    """``unshare --net`` (and ``--map-root-user`` when not root) if it works here."""
    unshare = shutil.which("unshare")
    if not unshare or sys.platform != "linux":
        return []
    for prefix in ([unshare, "--net"], [unshare, "--net", "--map-root-user"]):
        if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    return []


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheels", type=Path, help="the wheel folder")
    parser.add_argument("--venv", type=Path, default=ROOT / "build" / "offline-venv")
    args = parser.parse_args(argv)
    wheels = args.wheels.resolve()
    if not any(wheels.glob("*.whl")):
        sys.exit(f"offline check: no wheels in {wheels}")
    if args.venv.exists():
        shutil.rmtree(args.venv)
    venv.EnvBuilder(with_pip=True).create(args.venv)
    py = args.venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    prefix = no_network_prefix()
    print("offline check: network " + ("blocked (own network namespace)" if prefix
                                       else "not blockable here; relying on --no-index"))
    source = ["--no-index", "--find-links", str(wheels)]
    for what in ([PIP], ["-e", f"{ROOT}[course]"]):
        cmd = [*prefix, str(py), "-m", "pip", "install", "--quiet",
               "--disable-pip-version-check", *source, *what]
        print("+", " ".join(cmd), flush=True)
        if subprocess.call(cmd, cwd=ROOT) != 0:
            print("offline check: FAILED to install from the wheel folder")
            return 1
    test = [*prefix, str(py), "-m", "pytest", "-q", "-p", "no:xdist", "--color=no",
            *SMOKE_TESTS]
    print("+", " ".join(test), flush=True)
    if subprocess.call(test, cwd=ROOT) != 0:
        print("offline check: FAILED: the course's tests do not pass in the offline install")
        return 1
    n = len(list(wheels.glob("*.whl")))
    size = sum(p.stat().st_size for p in wheels.glob("*.whl")) / 1e6
    print(f"offline check: passed ({n} wheels, {size:.0f} MB, installed with no index)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

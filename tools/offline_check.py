#!/usr/bin/env python3
"""Prove that the course installs from a wheel folder with no network, exactly as online.

    python3 tools/offline_check.py DIR [--venv PATH] [--online-venv PATH]

Builds a fresh virtual environment (default ``build/offline-venv``) the way
``python3 course.py setup --offline DIR`` does (the same function of course.py: the locked
pip, then every package of requirements/course.txt with its hashes, then the course
package), from DIR alone: no index, no pip configuration, no PIP_* variable. On Linux,
when ``unshare`` can give the install a network namespace of its own, the install runs
with no network at all. Then it compares ``pip freeze --all`` of that environment with the
online one (default ``.venv``, made by ``python3 course.py test``): the two must list the
same packages at the same versions. Last it runs a few of the course's tests in the
offline environment. Exit 0 only if all of that worked.

Make DIR with ``python3 course.py wheelhouse DIR --platform this`` (CI does).
Standard library only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import course  # noqa: E402  (the set-up itself, not a copy of it)

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


def freeze(venv_dir: Path) -> list[str]:
    """``pip freeze --all`` of a venv: every installed distribution, pip included."""
    done = subprocess.run([str(course.venv_python(venv_dir)), "-m", "pip", "freeze", "--all",
                           "--disable-pip-version-check"], capture_output=True, text=True,
                          check=True)
    return sorted(line for line in done.stdout.splitlines() if line and line[0] != "#")


def compare_freezes(online: list[str], offline: list[str]) -> list[str]:
    """The lines in one freeze but not the other ('online only: ...', 'offline only: ...')."""
    return ([f"online only: {x}" for x in sorted(set(online) - set(offline))]
            + [f"offline only: {x}" for x in sorted(set(offline) - set(online))])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheels", type=Path, help="the wheel folder")
    parser.add_argument("--venv", type=Path, default=ROOT / "build" / "offline-venv")
    parser.add_argument("--online-venv", type=Path, default=course.VENV,
                        help="the environment installed online, to compare with")
    args = parser.parse_args(argv)
    try:
        wheels = course.check_wheel_folder(args.wheels)
        prefix = no_network_prefix()
        print("offline check: network " + ("blocked (own network namespace)" if prefix
                                           else "not blockable here; relying on --no-index"))
        course.build_venv(args.venv.resolve(), course.COURSE_LOCK, course.ROOT, wheels, prefix)
    except course.SetupError as err:
        print(f"offline check: FAILED to install from the wheel folder: {err}")
        return 1
    if course.needs_install(args.online_venv):
        print(f"offline check: FAILED: {args.online_venv} is not a complete online install "
              "(run python3 course.py setup first)")
        return 1
    online, offline = freeze(args.online_venv), freeze(args.venv)
    differences = compare_freezes(online, offline)
    if differences:
        print("offline check: FAILED: the online and offline installs differ:")
        print("\n".join(f"  {d}" for d in differences))
        return 1
    print(f"offline check: pip freeze of the online and the offline install are identical "
          f"({len(offline)} distributions)")
    py = course.venv_python(args.venv)
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

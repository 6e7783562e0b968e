#!/usr/bin/env python3
"""Download every locked wheel the course needs into one folder, for a room without internet.

    python tools/wheelhouse.py DIR [--platform all|this|NAME] [--python 3.11 3.12 ...]

Run it once where there is a network (``python3 course.py wheelhouse DIR``), copy DIR to a
USB stick, and on each laptop run ``python3 course.py lab --offline DIR``: pip then
installs from DIR alone and never touches the network.

What is fetched is exactly the lock file ``requirements/course.txt`` (every package the
course installs, pip and the build backend included), each wheel checked against the
lock's hashes, for the platforms learners bring (Linux on x86-64 and arm64, macOS on
arm64, Windows on x86-64) and every supported Python (3.11-3.13). ``--platform this``
fetches only what this machine needs, as CI does to prove the offline install. A
(platform, Python) pair that lacks a wheel for some package is reported, not hidden.
macOS on Intel (x86-64) is not offered: opencv-python-headless 5.0.0.93, a course pin,
publishes no wheel for it.

Standard library only, plus pip (whose own copy of ``packaging`` evaluates the lock's
environment markers for each target); the downloads are made by ``PYTHON -m pip download``
where PYTHON is the interpreter running this script (course.py runs it in ``.venv``).
"""

from __future__ import annotations

import argparse
import platform as _platform
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course import COURSE_LOCK, LockEntry, read_lock  # noqa: E402  (the lock, read in one place)

PYTHONS = ("3.11", "3.12", "3.13")
# pip takes each --platform tag as it is (it does not widen manylinux_2_28 to the older
# manylinux2014 that many wheels carry), so every tag a wheel may carry is listed
_LINUX = ["manylinux_2_28_{m}", "manylinux_2_27_{m}", "manylinux_2_17_{m}",
          "manylinux2014_{m}", "manylinux2010_{m}", "manylinux1_{m}"]
PLATFORMS = {
    "linux-x86_64": [t.format(m="x86_64") for t in _LINUX],
    "linux-arm64": [t.format(m="aarch64") for t in _LINUX[:4]],
    "macos-arm64": [f"macosx_{v}_arm64" for v in ("11_0", "12_0", "13_0", "14_0")]
    + ["macosx_11_0_universal2", "macosx_10_9_universal2"],
    "windows-x86_64": ["win_amd64"],
}
# The environment markers of each platform (PEP 508), for reading the lock's markers.
MARKERS = {
    "linux-x86_64": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                     "platform_machine": "x86_64"},
    "linux-arm64": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                    "platform_machine": "aarch64"},
    "macos-arm64": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
                    "platform_machine": "arm64"},
    "windows-x86_64": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                       "platform_machine": "AMD64"},
}


def _marker(text: str):
    try:
        from packaging.markers import Marker
    except ModuleNotFoundError:  # a bare venv: pip's own copy
        from pip._vendor.packaging.markers import Marker
    return Marker(text)


def environment(platform: str, python_full: str) -> dict[str, str]:
    """The marker environment of CPython ``python_full`` ("3.11.4") on ``platform``."""
    env = dict(MARKERS[platform])
    env.update(implementation_name="cpython", platform_python_implementation="CPython",
               python_version=".".join(python_full.split(".")[:2]),
               python_full_version=python_full, implementation_version=python_full,
               platform_release="", platform_version="")
    return env


def entries_for(platform: str, python: str, lock: Path = COURSE_LOCK) -> list[LockEntry]:
    """The pins of ``lock`` that some CPython ``python`` ("3.11") on ``platform`` installs.

    pip judges markers by the interpreter it runs on, not by ``--python-version``, so they
    are judged here. A marker may split a minor version (``python_full_version <
    '3.11.5'``): both sides are kept, as learners bring every patch release.
    """
    chosen = []
    for entry in read_lock(lock):
        if not entry.marker or any(
            _marker(entry.marker).evaluate(environment(platform, f"{python}.{patch}"))
            for patch in range(0, 40)
        ):
            chosen.append(entry)
    return chosen


def requirements(python: str | None = None, platform: str = "linux-x86_64") -> list[str]:
    """The locked pins as ``name==version`` (with their markers when ``python`` is None;
    for one Python and platform, the ones that apply, without markers)."""
    if python is None:
        return [e.line().split(" --hash=")[0] for e in read_lock(COURSE_LOCK)]
    return [f"{e.name}=={e.version}" for e in entries_for(platform, python)]


def this_platform() -> tuple[str, str]:
    """(platform key, Python version) of the running interpreter."""
    plat = sysconfig.get_platform()
    machine = "arm64" if plat.endswith(("arm64", "aarch64")) else "x86_64"
    system = "windows" if plat.startswith("win") else "macos" if "macosx" in plat else "linux"
    return f"{system}-{machine}", f"{sys.version_info.major}.{sys.version_info.minor}"


def download(dest: Path, platform: str, python: str) -> bool:
    """Fetch the wheels for one (platform, Python) pair; True when all were found."""
    this = (platform, python) == this_platform()
    if this:  # exactly what this interpreter installs
        env = environment(platform, _platform.python_version())
        entries = [e for e in read_lock(COURSE_LOCK)
                   if not e.marker or _marker(e.marker).evaluate(env)]
    else:
        entries = entries_for(platform, python)
    print(f"wheelhouse: {platform}, Python {python}: {len(entries)} wheels ...", flush=True)
    ok = True
    for i, part in enumerate(_rounds(entries)):
        # pip refuses two versions of one package in one call: a split one takes two calls
        requirements_file = dest / f"requirements-{platform}-py{python}-{i}.txt"
        requirements_file.write_text("".join(e.line(marker=False) + "\n" for e in part))
        cmd = [sys.executable, "-m", "pip", "download", "--quiet",
               "--disable-pip-version-check", "--dest", str(dest), "--no-deps",
               "--require-hashes", "--only-binary=:all:", "-r", str(requirements_file)]
        if not this:
            cmd += ["--python-version", python, "--implementation", "cp",
                    "--ignore-requires-python"]
            for tag in PLATFORMS[platform]:
                cmd += ["--platform", tag]
        ok = subprocess.call(cmd) == 0 and ok
    return ok


def _rounds(entries: list[LockEntry]) -> list[list[LockEntry]]:
    """``entries`` in groups that name each package at most once."""
    rounds: list[list[LockEntry]] = []
    for entry in entries:
        for group in rounds:
            if all(e.name != entry.name for e in group):
                group.append(entry)
                break
        else:
            rounds.append([entry])
    return rounds


def size_mb(dest: Path) -> float:
    return sum(p.stat().st_size for p in dest.glob("*.whl")) / 1e6


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="folder for the wheels (created if missing)")
    parser.add_argument("--platform", default="all",
                        help="'all' (default), 'this', or one of " + ", ".join(PLATFORMS))
    parser.add_argument("--python", nargs="+", default=list(PYTHONS), help="Python versions")
    args = parser.parse_args(argv)
    dest = args.dest.resolve()
    if args.platform == "this":
        pairs = [this_platform()]
        if pairs[0][0] not in PLATFORMS:
            parser.error(f"this machine ({pairs[0][0]}) is not a platform the lock covers")
    elif args.platform == "all":
        pairs = [(p, v) for p in PLATFORMS for v in args.python]
    elif args.platform in PLATFORMS:
        pairs = [(args.platform, v) for v in args.python]
    else:
        parser.error(f"unknown platform {args.platform!r}; expected all, this, "
                     + ", ".join(PLATFORMS))
    dest.mkdir(parents=True, exist_ok=True)
    missing = [f"{p} / Python {v}" for p, v in pairs if not download(dest, p, v)]
    n = len(list(dest.glob("*.whl")))
    print(f"wheelhouse: {n} wheels, {size_mb(dest):.0f} MB in {dest}")
    for m in missing:
        print(f"wheelhouse: NOT complete for {m} (some package has no wheel there)")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

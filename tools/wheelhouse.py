#!/usr/bin/env python3
"""Download every pinned wheel the course needs into one folder, for a room without internet.

    python tools/wheelhouse.py DIR [--platform all|this] [--python 3.10 3.11 ...]

Run it once where there is a network, copy DIR to a USB stick, and on each laptop run
``python3 course.py lab --offline DIR``: pip then installs from DIR alone
(``--no-index --find-links DIR``) and never touches the network.

Wheels are fetched for the platforms learners bring (Linux, macOS and Windows, on x86-64
and arm64 where the packages publish wheels) and for every supported Python version
(``--platform this`` fetches only what this machine needs, as CI does to prove the
offline install). What is fetched is the ``course`` extra of ``pyproject.toml``, the
build backend that installs the course's own package, and the pinned pip. A
(platform, Python) pair that lacks a wheel for some package is reported, not hidden.

Standard library only; the downloads are made by ``PYTHON -m pip download`` where PYTHON
is the interpreter running this script.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIP_VERSION = re.search(r'PIP = "pip==([^"]+)"', (ROOT / "course.py").read_text()).group(1)
"""The pip that course.py installs, read from course.py itself."""
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
# pip takes each --platform tag as it is (it does not widen manylinux_2_28 to the older
# manylinux2014 that many wheels carry), so every tag a wheel may carry is listed
_LINUX = ["manylinux_2_28_{m}", "manylinux_2_27_{m}", "manylinux_2_17_{m}",
          "manylinux2014_{m}", "manylinux2010_{m}", "manylinux1_{m}"]
PLATFORMS = {
    "linux-x86_64": [t.format(m="x86_64") for t in _LINUX],
    "linux-arm64": [t.format(m="aarch64") for t in _LINUX[:4]],
    "macos-x86_64": [f"macosx_{v}_x86_64" for v in ("10_9", "10_13", "10_15", "11_0", "12_0",
                                                     "13_0", "14_0")],
    "macos-arm64": [f"macosx_{v}_arm64" for v in ("11_0", "12_0", "13_0", "14_0")]
    + ["macosx_11_0_universal2", "macosx_10_9_universal2"],
    "windows-x86_64": ["win_amd64"],
}


def _toml() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: a tiny reader for the lists we need
        return _read_lists((ROOT / "pyproject.toml").read_text())
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _read_lists(text: str) -> dict:
    """Enough of pyproject.toml for Python 3.10: build requires and the course extra."""
    def block(name: str) -> list[str]:
        found = re.search(rf"^{name}\s*=\s*\[(.*?)^\]", text, flags=re.S | re.M)
        if not found:
            found = re.search(rf"^{name}\s*=\s*\[(.*?)\]", text, flags=re.M)
        return re.findall(r'"([^"]+)"', found.group(1)) if found else []

    return {
        "build-system": {"requires": block("requires")},
        "project": {"optional-dependencies": {"course": block("course")}},
    }


def requirements(python: str | None = None) -> list[str]:
    """The pinned requirements: the course extra, the build backend and pip.

    With ``python`` ("3.10"), the ``python_version`` markers are resolved for that
    version and dropped: pip evaluates markers for the interpreter that runs it, not
    for the ``--python-version`` it downloads for.
    """
    data = _toml()
    reqs = list(data["project"]["optional-dependencies"]["course"])
    reqs += data["build-system"]["requires"]
    reqs.append(f"pip=={PIP_VERSION}")
    if python is None:
        return reqs
    return [r for r in (_for_python(r, python) for r in reqs) if r]


def _for_python(req: str, python: str) -> str | None:
    spec, _, marker = (s.strip() for s in req.partition(";"))
    if not marker:
        return spec
    found = re.fullmatch(r"python_version\s*(>=|<|==|<=|>)\s*'([0-9.]+)'", marker)
    if not found:
        raise ValueError(f"cannot resolve the marker of {req!r}")
    op, bound = found.groups()
    have = tuple(int(x) for x in python.split("."))
    want = tuple(int(x) for x in bound.split("."))
    keep = {">=": have >= want, "<": have < want, "==": have == want,
            "<=": have <= want, ">": have > want}[op]
    return spec if keep else None


def this_platform() -> tuple[str, str]:
    """(platform key, Python version) of the running interpreter."""
    plat = sysconfig.get_platform()
    machine = "arm64" if plat.endswith(("arm64", "aarch64")) else "x86_64"
    system = "windows" if plat.startswith("win") else "macos" if "macosx" in plat else "linux"
    return f"{system}-{machine}", f"{sys.version_info.major}.{sys.version_info.minor}"


def download(dest: Path, platform: str, python: str) -> bool:
    """Fetch the wheels for one (platform, Python) pair; True when all were found."""
    requirements_file = dest / f"requirements-py{python}.txt"
    requirements_file.write_text("\n".join(requirements(python)) + "\n")
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(dest),
           "--only-binary=:all:", "--python-version", python, "--implementation", "cp",
           "-r", str(requirements_file)]
    if (platform, python) != this_platform():
        for tag in PLATFORMS[platform]:
            cmd += ["--platform", tag]
    print(f"wheelhouse: {platform}, Python {python} ...", flush=True)
    return subprocess.call(cmd) == 0


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
    dest.mkdir(parents=True, exist_ok=True)
    if args.platform == "this":
        pairs = [this_platform()]
    elif args.platform == "all":
        pairs = [(p, v) for p in PLATFORMS for v in args.python]
    elif args.platform in PLATFORMS:
        pairs = [(args.platform, v) for v in args.python]
    else:
        parser.error(f"unknown platform {args.platform!r}; expected all, this, "
                     + ", ".join(PLATFORMS))
    missing = [f"{p} / Python {v}" for p, v in pairs if not download(dest, p, v)]
    n = len(list(dest.glob("*.whl")))
    print(f"wheelhouse: {n} wheels, {size_mb(dest):.0f} MB in {dest}")
    for m in missing:
        print(f"wheelhouse: NOT complete for {m} (some package has no wheel there)")
    return 1 if missing and args.platform == "this" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The lock files, pyproject.toml and environment.yml (conda) agree, and the lock is whole.

requirements/course.txt is what course.py, the wheelhouse and CI install: every package,
pinned with its hashes, for Python 3.11-3.13 on every platform the course supports.
"""

import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
import wheelhouse  # noqa: E402

import course  # noqa: E402

PYTHONS = ["3.11.0", "3.11.4", "3.11.7", "3.11.9", "3.12.0", "3.12.8",
           "3.13.0", "3.13.5"]
LOCKS = {"course": course.COURSE_LOCK, "site": course.SITE_LOCK,
         "grading": course.GRADING_LOCK}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(lock: Path, platform: str, python: str) -> dict[str, str]:
    """{package: version} that pip installs from ``lock`` on ``platform`` with CPython
    ``python``; a package chosen twice is an error (markers that overlap)."""
    env = wheelhouse.environment(platform, python)
    chosen: dict[str, str] = {}
    for entry in course.read_lock(lock):
        if entry.marker and not Marker(entry.marker).evaluate(env):
            continue
        name = _norm(entry.name)
        assert name not in chosen, f"{lock.name}: {name} twice for {platform}, Python {python}"
        chosen[name] = entry.version
    return chosen


def lock_problems(lock: Path) -> list[str]:
    """What makes a lock unfit for ``pip install --require-hashes``."""
    problems = []
    for entry in course.read_lock(lock):
        if not entry.version or not re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", entry.version):
            problems.append(f"{entry.name} is not pinned to one version")
        if not entry.hashes or not all(re.fullmatch(r"sha256:[0-9a-f]{64}", h)
                                       for h in entry.hashes):
            problems.append(f"{entry.name} has no sha256 hash")
    return problems


@pytest.mark.parametrize("name", list(LOCKS))
def test_every_locked_package_is_pinned_with_hashes(name):
    assert course.read_lock(LOCKS[name])
    assert lock_problems(LOCKS[name]) == []


def test_the_lock_check_can_fail(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("numpy==2.3.5\nscipy>=1 \\\n    --hash=sha256:" + "a" * 64 + "\n")
    assert lock_problems(bad) == ["numpy has no sha256 hash",
                                  "scipy>=1 is not pinned to one version"]


@pytest.mark.parametrize("name", list(LOCKS))
def test_the_lock_was_made_from_the_current_inputs(name):
    """Edit a pin in pyproject.toml or requirements/*.in and forget `python3 course.py
    lock`, and this fails."""
    recorded = course.lock_header_digest(LOCKS[name])
    assert recorded == course.lock_inputs_digest(name), (
        f"requirements/{name}.txt is older than its inputs: run python3 course.py lock")


def test_the_inputs_check_can_fail(tmp_path):
    clone = tmp_path / "clone"
    (clone / "requirements").mkdir(parents=True)
    (clone / "requirements" / "course.in").write_bytes((ROOT / "requirements" /
                                                         "course.in").read_bytes())
    text = (ROOT / "pyproject.toml").read_text()
    (clone / "pyproject.toml").write_text(text)
    assert course.lock_inputs_digest("course", clone) == course.lock_inputs_digest("course")
    (clone / "pyproject.toml").write_text(text.replace("matplotlib==3.10.8",
                                                       "matplotlib==3.10.7"))
    assert course.lock_inputs_digest("course", clone) != course.lock_inputs_digest("course")


@pytest.mark.parametrize("platform", list(wheelhouse.MARKERS))
@pytest.mark.parametrize("python", PYTHONS)
def test_every_platform_and_python_gets_one_whole_set(platform, python):
    for lock in LOCKS.values():
        chosen = installed(lock, platform, python)
        assert chosen["pip"] == installed(course.COURSE_LOCK, "linux-x86_64", "3.11.7")["pip"]
    chosen = installed(course.COURSE_LOCK, platform, python)
    for package in ("numpy", "scipy", "jupyterlab", "setuptools", "pytest"):
        assert package in chosen


def _direct_pins(python: str) -> dict[str, str]:
    """The `course` extra of pyproject.toml, as it applies to CPython ``python``."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    env = wheelhouse.environment("linux-x86_64", python)
    pins = {}
    for req in data["project"]["optional-dependencies"]["course"]:
        spec, _, marker = req.partition(";")
        if marker.strip() and not Marker(marker).evaluate(env):
            continue
        name, version = (s.strip() for s in spec.split("=="))
        pins[_norm(name)] = version
    return pins


def test_every_pin_in_pyproject_is_exact():
    for req in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
            "optional-dependencies"]["course"]:
        assert "==" in req, f"course requirement {req!r} is not pinned exactly"


@pytest.mark.parametrize("python", PYTHONS)
def test_the_lock_keeps_every_direct_pin_of_pyproject(python):
    locked = installed(course.COURSE_LOCK, "linux-x86_64", python)
    direct = _direct_pins(python)
    assert {k: locked.get(k) for k in direct} == direct


def test_the_build_backend_and_pip_are_locked_once():
    backend = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    assert backend == ["setuptools==80.9.0"]
    for python in PYTHONS:
        locked = installed(course.COURSE_LOCK, "linux-x86_64", python)
        assert f"setuptools=={locked['setuptools']}" == backend[0]
    assert [e.name for e in course.read_lock(course.COURSE_LOCK)].count("pip") == 1


def test_no_package_comes_from_an_sdist_that_the_lock_could_avoid():
    """PIMS 0.7 is only an sdist (it runs its own setup code); 0.6.0 has a wheel."""
    assert installed(course.COURSE_LOCK, "linux-x86_64", "3.11.7")["pims"] == "0.6.0"


def _conda_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        # conda: "- name=version"; PyPI-only packages under "pip:": "- name==version"
        m = re.fullmatch(r"\s*-\s*([A-Za-z0-9_.-]+)==?([0-9][^\s=]*)\s*", line)
        if m:
            pins[_norm(m.group(1))] = m.group(2)
    return pins


def test_conda_pins_the_same_versions_as_the_lock():
    conda = _conda_pins()
    assert conda.pop("python") == "3.11"
    locked = installed(course.COURSE_LOCK, "linux-x86_64", "3.11.7")
    assert {k: locked.get(k) for k in conda} == conda
    assert set(_direct_pins("3.11.7")) <= set(conda)  # every package the course names


def test_every_python_gets_a_complete_set():
    assert set(_direct_pins("3.13.5")) == set(_direct_pins("3.11.7"))

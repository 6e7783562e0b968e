"""environment.yml (conda) and pyproject.toml (pip) pin the same packages and versions."""

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = None

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _conda_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        # conda: "- name=version"; PyPI-only packages under "pip:": "- name==version"
        m = re.fullmatch(r"\s*-\s*([A-Za-z0-9_.-]+)==?([0-9][^\s=]*)\s*", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def _pip_pins(python: str = "3.11") -> dict[str, str]:
    text = (ROOT / "pyproject.toml").read_text()
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    course = tomllib.loads(text)["project"]["optional-dependencies"]["course"]
    pins = {}
    for req in course:
        spec, _, marker = req.partition(";")
        name, version = (s.strip() for s in spec.split("=="))
        m = re.search(r"python_version\s*([<>=]+)\s*'([0-9.]+)'", marker)
        if m:
            op, bound = m.groups()
            ver, b = tuple(map(int, python.split("."))), tuple(map(int, bound.split(".")))
            applies = {">=": ver >= b, "<": ver < b, "==": ver == b}[op]
            if not applies:
                continue
        pins[name.lower()] = version
    return pins


def test_every_pin_is_exact():
    for req in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["course"] if tomllib else []:
        assert "==" in req, f"course requirement {req!r} is not pinned exactly"


def test_conda_and_pip_pin_the_same_packages_and_versions():
    conda = _conda_pins()
    pip = _pip_pins("3.11")
    assert conda.pop("python") == "3.11"
    assert conda == pip


def test_python_310_gets_a_complete_set_too():
    assert set(_pip_pins("3.10")) == set(_pip_pins("3.11"))

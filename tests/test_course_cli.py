"""course.py: help and errors, pass-through arguments, the set-up stamp, the learner's copy."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import course  # noqa: E402


def _course(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "course.py"), *args],
                          capture_output=True, text=True, timeout=60)


def test_help_exits_zero_and_documents_pass_through_arguments():
    done = _course("--help")
    assert done.returncode == 0, done.stderr
    for text in ("lab", "test", "browser-check", '-m "not slow"', "--no-browser"):
        assert text in done.stdout


@pytest.mark.parametrize("args", [("lol",), ()], ids=["unknown", "none"])
def test_a_wrong_command_says_so_and_what_was_expected(args):
    done = _course(*args)
    assert done.returncode != 0
    assert ("unknown command 'lol'" if args else "no command") in done.stderr
    assert "lab, test, browser-check" in done.stderr


def test_pip_is_pinned():
    assert course.PIP.startswith("pip==") and course.PIP[5:].replace(".", "").isdigit()


def _fake_venv(path: Path, target: Path, version: str = "3.11.7") -> Path:
    """The parts of a venv the stamp looks at: pyvenv.cfg and pip's record of the install."""
    meta = path / "lib" / "python3.11" / "site-packages" / "cellseg_teach-0.1.0.dist-info"
    meta.mkdir(parents=True)
    (path / "pyvenv.cfg").write_text(f"home = /usr/bin\nversion = {version}\n")
    (meta / "direct_url.json").write_text(json.dumps(
        {"dir_info": {"editable": True}, "url": target.resolve().as_uri()}))
    return path


def _clone(path: Path) -> Path:
    path.mkdir()
    shutil.copyfile(ROOT / "pyproject.toml", path / "pyproject.toml")
    return path


def _installed(venv: Path, root: Path) -> Path:
    (venv / course.STAMP_NAME).write_text(json.dumps(course.wanted_stamp(venv, root)))
    return venv


def test_a_fresh_install_needs_nothing(tmp_path):
    clone = _clone(tmp_path / "clone")
    venv = _installed(_fake_venv(clone / ".venv", clone), clone)
    assert course.editable_target(venv) == clone.resolve()
    assert course.needs_install(venv, clone) == []


def test_a_venv_copied_from_another_clone_is_reinstalled(tmp_path):
    other = _clone(tmp_path / "other")
    _installed(_fake_venv(other / ".venv", other), other)
    mine = _clone(tmp_path / "mine")
    shutil.copytree(other / ".venv", mine / ".venv", symlinks=True)
    reasons = course.needs_install(mine / ".venv", mine)
    assert "venv changed" in reasons and "target changed" in reasons
    assert any(f"installed from {other.resolve()}" in r for r in reasons), reasons


def test_an_editable_install_of_another_folder_is_caught_even_with_a_matching_stamp(tmp_path):
    mine, other = _clone(tmp_path / "mine"), _clone(tmp_path / "other")
    venv = _installed(_fake_venv(mine / ".venv", other), mine)  # stamp says mine
    assert course.needs_install(venv, mine) == [
        f"cellseg_teach is installed from {other.resolve()}, not from {mine}"]


def test_pyproject_and_python_changes_trigger_a_reinstall(tmp_path):
    clone = _clone(tmp_path / "clone")
    venv = _installed(_fake_venv(clone / ".venv", clone), clone)
    (clone / "pyproject.toml").write_text((clone / "pyproject.toml").read_text() + "\n# edit\n")
    assert course.needs_install(venv, clone) == ["pyproject changed"]
    _installed(venv, clone)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.12.1\n")
    assert course.needs_install(venv, clone) == ["python changed"]


def test_an_old_style_stamp_triggers_a_reinstall(tmp_path):
    clone = _clone(tmp_path / "clone")
    venv = _fake_venv(clone / ".venv", clone)
    (venv / course.STAMP_NAME).write_text("0123abcd\n")  # the hash-only stamp of old
    assert course.needs_install(venv, clone)


def test_exercises_are_copied_once_and_the_learners_work_is_kept(tmp_path):
    exercises, my_work = tmp_path / "exercises", tmp_path / "my_work"
    exercises.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        (exercises / name).write_text(f"template {name}")
    (exercises / "01_a.md").write_text("twin")
    first = course.copy_exercises(exercises, my_work)
    assert [p.name for p in first] == ["01_a.ipynb", "02_b.ipynb"]
    assert not (my_work / "01_a.md").exists()
    (my_work / "01_a.ipynb").write_text("the learner's answer")
    (exercises / "03_c.ipynb").write_text("a new exercise")
    second = course.copy_exercises(exercises, my_work)
    assert [p.name for p in second] == ["03_c.ipynb"]
    assert (my_work / "01_a.ipynb").read_text() == "the learner's answer"
    assert 'formats = "ipynb"' in (my_work / "jupytext.toml").read_text()


def test_my_work_and_the_screenshots_are_ignored_by_git():
    ignored = subprocess.run(["git", "check-ignore", "my_work/01_x.ipynb",
                              "browser-check/x.png"], cwd=ROOT, capture_output=True, text=True)
    assert ignored.stdout.split() == ["my_work/01_x.ipynb", "browser-check/x.png"]


def test_ci_runs_the_browser_check_after_the_tests():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert lines.index("python3 course.py test") < lines.index("python3 course.py browser-check")


def test_the_start_page_links_every_lesson_and_exercise_and_nothing_missing():
    import re

    text = (ROOT / "START_HERE.md").read_text()
    links = re.findall(r"\]\(([^)#]+)\)", text)
    lessons = {f"lessons/{p.name}" for p in (ROOT / "lessons").glob("*.ipynb")}
    exercises = {f"my_work/{p.name}" for p in (ROOT / "exercises").glob("*.ipynb")}
    assert lessons | exercises <= set(links), sorted((lessons | exercises) - set(links))
    for link in links:
        source = ROOT / link.replace("my_work/", "exercises/", 1)
        assert source.exists(), f"START_HERE.md links to {link}, which does not exist"

"""course.py: help and errors, pass-through arguments, the set-up (stamp, interruption,
two at once, --offline alone, its messages), the read-only home, the learner's copy."""

import hashlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import course  # noqa: E402


def _course(*args: str, cwd: Path = ROOT, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(cwd / "course.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_help_exits_zero_and_documents_pass_through_arguments():
    done = _course("--help")
    assert done.returncode == 0, done.stderr
    for text in ("lab", "test", "browser-check", '-m "not slow"', "--no-browser", "--offline",
                 "progress", "grade DIR", "nbgrader DIR", "lock [--upgrade] [--only NAME]"):
        assert text in done.stdout


@pytest.mark.parametrize("args", [("lol",), ()], ids=["unknown", "none"])
def test_a_wrong_command_says_so_and_what_was_expected(args):
    done = _course(*args)
    assert done.returncode != 0
    assert ("unknown command 'lol'" if args else "no command") in done.stderr
    assert "lab, test, setup, browser-check" in done.stderr


# ------------------------------------------------------------------ the set-up stamp


def _fake_venv(path: Path, target: Path) -> Path:
    """The parts of a venv the stamp looks at: its Python, and pip's record of the install."""
    meta = path / "lib" / "python3.11" / "site-packages" / "cellseg_teach-0.1.0.dist-info"
    meta.mkdir(parents=True)
    course.venv_python(path).parent.mkdir(parents=True, exist_ok=True)
    course.venv_python(path).write_text("")
    (meta / "direct_url.json").write_text(json.dumps(
        {"dir_info": {"editable": True}, "url": target.resolve().as_uri()}))
    return path


def _clone(path: Path) -> Path:
    (path / "requirements").mkdir(parents=True)
    shutil.copyfile(ROOT / "pyproject.toml", path / "pyproject.toml")
    shutil.copyfile(course.COURSE_LOCK, path / "requirements" / "course.txt")
    return path


def _installed(venv: Path, root: Path) -> Path:
    stamp = course.wanted_stamp(venv, root, root / "requirements" / "course.txt")
    (venv / course.STAMP_NAME).write_text(json.dumps(stamp))
    return venv


def _needs(venv: Path, root: Path) -> list[str]:
    return course.needs_install(venv, root, root / "requirements" / "course.txt",
                                check_pip=False)


def test_a_complete_install_needs_nothing(tmp_path):
    clone = _clone(tmp_path / "clone")
    venv = _installed(_fake_venv(clone / ".venv", clone), clone)
    assert course.editable_target(venv) == clone.resolve()
    assert _needs(venv, clone) == []


def test_a_venv_without_its_stamp_is_unfinished_and_rebuilt(tmp_path):
    clone = _clone(tmp_path / "clone")
    venv = _fake_venv(clone / ".venv", clone)
    assert _needs(venv, clone) == ["no set-up stamp: a set-up that did not finish"]
    (venv / course.STAMP_NAME).write_text("0123abcd\n")  # the hash-only stamp of old
    assert _needs(venv, clone) == ["set-up stamp from an older course.py"]


def test_a_venv_copied_from_another_clone_is_rebuilt(tmp_path):
    other = _clone(tmp_path / "other")
    _installed(_fake_venv(other / ".venv", other), other)
    mine = _clone(tmp_path / "mine")
    shutil.copytree(other / ".venv", mine / ".venv", symlinks=True)
    reasons = _needs(mine / ".venv", mine)
    assert "venv changed" in reasons and "target changed" in reasons
    assert any(f"installed from {other.resolve()}" in r for r in reasons), reasons


def test_an_editable_install_of_another_folder_is_caught_even_with_a_matching_stamp(tmp_path):
    mine, other = _clone(tmp_path / "mine"), _clone(tmp_path / "other")
    venv = _installed(_fake_venv(mine / ".venv", other), mine)  # stamp says mine
    assert _needs(venv, mine) == [
        f"cellseg_teach is installed from {other.resolve()}, not from {mine}"]


def test_lock_project_and_python_changes_trigger_a_rebuild_but_tool_settings_do_not(tmp_path):
    clone = _clone(tmp_path / "clone")
    venv = _installed(_fake_venv(clone / ".venv", clone), clone)
    pyproject = clone / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.ruff.format]\nquote-style = 'single'\n")
    assert _needs(venv, clone) == []  # a linter setting is not the environment
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = "0.2"'))
    assert _needs(venv, clone) == ["project changed"]
    _installed(venv, clone)
    lock = clone / "requirements" / "course.txt"
    lock.write_text(lock.read_text().replace("numpy==2.3.5", "numpy==2.3.4"))
    assert _needs(venv, clone) == ["lock changed"]
    _installed(venv, clone)
    stamp = json.loads((venv / course.STAMP_NAME).read_text())
    (venv / course.STAMP_NAME).write_text(json.dumps(dict(stamp, python="cpython 3.12.1")))
    assert _needs(venv, clone) == ["python changed"]


def test_a_venv_whose_pip_does_not_work_is_rebuilt(tmp_path):
    clone = _clone(tmp_path / "clone")
    venv = _installed(_fake_venv(clone / ".venv", clone), clone)
    python = course.venv_python(venv)
    python.unlink()
    python.symlink_to(Path(sys.executable))  # a Python without pip
    env_no_pip = course.needs_install(venv, clone, clone / "requirements" / "course.txt")
    # sys.executable has pip here only if it runs from a venv with pip; compare with -c
    has_pip = subprocess.run([sys.executable, "-c", "import pip"]).returncode == 0
    assert env_no_pip == ([] if has_pip else ["its pip does not work"])


# ------------------------------------------------------------------ a real set-up, kept tiny
#
# A clone with course.py, a one-line lock (pip: the wheel Python itself ships for ensurepip,
# so nothing is downloaded), and a course package built by a ten-line backend. Every
# set-up step of the real one runs; only the package list is short.

_BACKEND = '''
import base64, hashlib, os, zipfile

NAME = "cellseg_teach-0.1.0"


def _wheel(directory):
    root = os.path.dirname(os.path.abspath(__file__))
    files = {"cellseg_teach.pth": root + "\\n",
             NAME + ".dist-info/METADATA": "Metadata-Version: 2.1\\nName: cellseg_teach\\n"
                                           "Version: 0.1.0\\n",
             NAME + ".dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: tiny\\n"
                                        "Root-Is-Purelib: true\\nTag: py3-none-any\\n"}
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[NAME + ".dist-info/RECORD"] = "\\n".join(record + [NAME + ".dist-info/RECORD,,"]) + "\\n"
    name = NAME + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)
    return name


def get_requires_for_build_editable(config_settings=None):
    return []


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory)


build_wheel = build_editable
'''


def _bundled_pip() -> Path:
    import ensurepip

    for folder in (Path(ensurepip.__file__).parent / "_bundled", Path("/usr/share/python-wheels")):
        found = sorted(folder.glob("pip-*.whl"))
        if found:
            return found[-1]
    pytest.skip("this Python ships no pip wheel for ensurepip")


def _tiny_clone(tmp_path: Path) -> tuple[Path, Path]:
    """(clone, wheel folder): a course that installs in seconds, offline."""
    clone, wheels = tmp_path / "clone", tmp_path / "wheels"
    (clone / "requirements").mkdir(parents=True)
    (clone / "cellseg_teach").mkdir()
    wheels.mkdir()
    shutil.copyfile(ROOT / "course.py", clone / "course.py")
    pip_wheel = _bundled_pip()
    shutil.copyfile(pip_wheel, wheels / pip_wheel.name)
    version = pip_wheel.name.split("-")[1]
    digest = hashlib.sha256(pip_wheel.read_bytes()).hexdigest()
    (clone / "requirements" / "course.txt").write_text(
        f"pip=={version} \\\n    --hash=sha256:{digest}\n")
    (clone / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "tiny_backend"\nbackend-path = ["."]\n\n'
        '[project]\nname = "cellseg_teach"\nversion = "0.1.0"\n')
    (clone / "tiny_backend.py").write_text(_BACKEND)
    (clone / "cellseg_teach" / "__init__.py").write_text("VALUE = 42\n")
    return clone, wheels


def _works(clone: Path) -> bool:
    """The clone's .venv is complete: its stamp, its pip, and the course package import."""
    py = course.venv_python(clone / ".venv")
    if not (clone / ".venv" / course.STAMP_NAME).exists() or not py.exists():
        return False
    done = subprocess.run([str(py), "-c", "import pip, cellseg_teach; print(cellseg_teach.VALUE)"],
                          cwd=clone.parent, capture_output=True, text=True)
    return done.stdout.strip() == "42"


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "COURSE_TEST_STOP_AT"}
    return dict(env, **extra)


STAGES = ["venv", "ensurepip", "pip", "packages", "package"]


@pytest.mark.slow
def test_a_set_up_killed_at_any_stage_is_repaired_by_the_next_command(tmp_path):
    """Killed (SIGKILL, no clean-up) after each stage in turn: every next command finds the
    unfinished set-up, rebuilds it from scratch, and the last one, left alone, completes."""
    clone, wheels = _tiny_clone(tmp_path)
    for i, stage in enumerate(STAGES):
        killed = _course("setup", "--offline", str(wheels), cwd=clone,
                         env=_env(COURSE_TEST_STOP_AT=stage))
        assert killed.returncode != 0 and f"killed at stage {stage!r}" in killed.stdout
        assert (clone / ".venv").exists() and not _works(clone)
        if i:  # it found the previous one's unfinished venv and started again from scratch
            assert "a set-up that did not finish" in killed.stdout, killed.stdout
            assert "Removing .venv to build it again" in killed.stdout
    repaired = _course("setup", "--offline", str(wheels), cwd=clone, env=_env())
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "a set-up that did not finish" in repaired.stdout
    assert _works(clone)


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="kills a process group (POSIX)")
def test_a_set_up_killed_while_venv_runs_ensurepip_is_repaired(tmp_path):
    """The reported case, with a real kill: the moment the venv's Python appears,
    kill the whole process group (course.py and its ensurepip)."""
    clone, wheels = _tiny_clone(tmp_path)
    proc = subprocess.Popen([sys.executable, str(clone / "course.py"), "setup", "--offline",
                             str(wheels)], cwd=clone, env=_env(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    python = course.venv_python(clone / ".venv")
    deadline = time.monotonic() + 60
    while not python.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not _works(clone)
    repaired = _course("setup", "--offline", str(wheels), cwd=clone, env=_env())
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert _works(clone)


@pytest.mark.slow
def test_two_set_ups_at_once_one_waits_and_both_succeed(tmp_path):
    clone, wheels = _tiny_clone(tmp_path)
    cmd = [sys.executable, str(clone / "course.py"), "setup", "--offline", str(wheels)]
    first = subprocess.Popen(cmd, cwd=clone, env=_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not (clone / ".venv").exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # the first is building
    second = subprocess.Popen(cmd, cwd=clone, env=_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    out1, out2 = first.communicate(timeout=600)[0], second.communicate(timeout=600)[0]
    assert first.returncode == 0 and second.returncode == 0, out1 + out2
    assert "waiting for it to finish" in out2
    assert "Installing" not in out2  # it found the first one's complete set-up
    assert _works(clone)
    again = _course("setup", "--offline", str(wheels), cwd=clone, env=_env())
    assert again.returncode == 0 and "Installing" not in again.stdout, again.stdout


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):  # the name http.server calls
        _Recorder.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.slow
def test_offline_means_the_folder_alone_not_pip_config_nor_pip_variables(tmp_path):
    """PIP_FIND_LINKS, PIP_INDEX_URL and a pip.conf all point at a local server that
    records every request: the offline set-up makes none, and still succeeds."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    _Recorder.requests.clear()
    try:
        clone, wheels = _tiny_clone(tmp_path)
        home = tmp_path / "home"
        conf = home / ".config" / "pip" / "pip.conf"
        conf.parent.mkdir(parents=True)
        conf.write_text(f"[global]\nfind-links = {url}/conf\nindex-url = {url}/conf-index\n")
        env = _env(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                   PIP_FIND_LINKS=f"{url}/env", PIP_INDEX_URL=f"{url}/env-index",
                   PIP_CONFIG_FILE=str(conf))
        done = _course("setup", "--offline", str(wheels), cwd=clone, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert _Recorder.requests == []
        # the control: the same pip, configured the same way but not isolated, asks the server
        py = course.venv_python(clone / ".venv")
        subprocess.run([str(py), "-m", "pip", "download", "--no-deps", "-d", str(tmp_path / "d"),
                        "--retries", "0", "--timeout", "5", "no-such-package-x"], env=env,
                       capture_output=True)
        assert _Recorder.requests, "the control made no request: the test could not fail"
    finally:
        server.shutdown()


# ------------------------------------------------------------------ set-up messages


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_a_missing_or_empty_offline_folder_is_an_error_before_anything_is_installed(
        tmp_path, make):
    clone, _ = _tiny_clone(tmp_path)
    folder = tmp_path / "nothing-here"
    if make == "empty":
        folder.mkdir()
    done = _course("setup", "--offline", str(folder), cwd=clone, env=_env())
    assert done.returncode == 1
    assert done.stderr.startswith(f"course.py: --offline {folder.resolve()}: ")
    assert ("no such folder" if make == "missing" else "holds no wheels") in done.stderr
    assert "Traceback" not in done.stderr
    assert not (clone / ".venv").exists()


@pytest.mark.slow
def test_a_pip_failure_is_one_clear_line_not_a_traceback(tmp_path):
    clone, wheels = _tiny_clone(tmp_path)
    lock = clone / "requirements" / "course.txt"
    # a package the wheel folder lacks (the locked pip itself is already there, from ensurepip)
    lock.write_text(lock.read_text() + "numpy==1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    done = _course("setup", "--offline", str(wheels), cwd=clone, env=_env())
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "CalledProcessError" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("course.py: pip could not install the packages of requirements/")
    assert "remake it on a machine with internet" in last
    assert not (clone / ".venv" / course.STAMP_NAME).exists()


def test_site_rejects_a_wrong_argument_before_installing_anything(tmp_path):
    clone, _ = _tiny_clone(tmp_path)
    done = _course("site", "--bogus", cwd=clone, env=_env())
    assert done.returncode == 1
    assert "unrecognized arguments: --bogus" in done.stderr and "Traceback" not in done.stderr
    assert not (clone / ".venv-site").exists()


def test_offline_needs_a_value(tmp_path):
    clone, _ = _tiny_clone(tmp_path)
    done = _course("setup", "--offline", cwd=clone, env=_env())
    assert done.returncode == 1 and "--offline needs a value" in done.stderr


# ------------------------------------------------------------------ a read-only home


def test_a_read_only_home_moves_jupyter_runtime_and_pip_cache_into_the_course(tmp_path):
    home = tmp_path / "home-is-a-file"
    home.write_text("nothing can be made below a file, not even by root")
    root = tmp_path / "course"
    env = course.home_fallback_env({"HOME": str(home), "USERPROFILE": str(home)}, root)
    assert env["JUPYTER_RUNTIME_DIR"] == str(root / ".course-home" / "jupyter_runtime_dir")
    assert env["PIP_CACHE_DIR"] == str(root / ".course-home" / "pip_cache_dir")
    assert env["JUPYTER_DATA_DIR"] == str(root / ".course-home" / "jupyter_data_dir")
    writable = tmp_path / "home"
    writable.mkdir()
    env = course.home_fallback_env({"HOME": str(writable), "USERPROFILE": str(writable),
                                    "APPDATA": str(writable), "LOCALAPPDATA": str(writable)},
                                   root)
    assert not {"JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "PIP_CACHE_DIR"} & set(env)
    chosen = course.home_fallback_env({"HOME": str(home), "PIP_CACHE_DIR": "/my/cache"}, root)
    assert chosen["PIP_CACHE_DIR"] == "/my/cache"  # the user's own choice is kept


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="stops a process group (POSIX)")
@pytest.mark.skipif(course.needs_install(check_pip=False) != [],
                    reason="needs the course's .venv (python3 course.py setup)")
def test_lab_starts_with_a_read_only_home(tmp_path):
    """The reported failure: JupyterLab died on ~/.local/share/jupyter/runtime."""
    import socket

    home = tmp_path / "home-is-a-file"
    home.write_text("nothing can be made below a file, not even by root")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in _env(HOME=str(home), USERPROFILE=str(home)).items()
           if not k.startswith(("JUPYTER", "IPYTHON", "XDG_", "PIP_CACHE"))}
    proc = subprocess.Popen([sys.executable, str(ROOT / "course.py"), "lab", "--no-browser",
                             f"--port={port}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "is running at" in line or len(lines) > 400:
                break
    finally:  # stop course.py and the JupyterLab it started
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    out = "".join(lines)
    assert "is running at" in out, out
    assert "cannot be written (a read-only home?)" in out
    assert "Traceback" not in out and "Errno" not in out, out


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to ask what it ignores")
def test_the_course_folders_own_files_are_ignored_by_git():
    paths = ["my_work/01_x.ipynb", "browser-check/x.png", ".course-home/pip_cache_dir/x",
             ".course-setup.lock"]
    ignored = subprocess.run(["git", "check-ignore", *paths], cwd=ROOT, capture_output=True,
                             text=True)
    assert ignored.stdout.split() == paths


# ------------------------------------------------------------------ the learner's copy


def _notebook(path: Path, source: str, output: str = "") -> None:
    outputs = [{"output_type": "stream", "name": "stdout", "text": output}] if output else []
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": source,
                                           "outputs": outputs, "metadata": {}}],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def test_exercises_are_copied_once_and_the_learners_work_is_kept(tmp_path):
    exercises, my_work = tmp_path / "exercises", tmp_path / "my_work"
    exercises.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        _notebook(exercises / name, f"template {name}")
    (exercises / "01_a.md").write_text("twin")
    first = course.copy_exercises(exercises, my_work)
    assert [p.name for p in first] == ["01_a.ipynb", "02_b.ipynb"]
    assert not (my_work / "01_a.md").exists()
    (my_work / "01_a.ipynb").write_text("the learner's answer")
    _notebook(exercises / "03_c.ipynb", "a new exercise")
    second = course.copy_exercises(exercises, my_work)
    assert [p.name for p in second] == ["03_c.ipynb"]
    assert (my_work / "01_a.ipynb").read_text() == "the learner's answer"
    assert 'formats = "ipynb"' in (my_work / "jupytext.toml").read_text()


def test_a_newer_exercise_is_announced_and_reaches_my_work_without_losing_work(tmp_path):
    exercises, my_work = tmp_path / "exercises", tmp_path / "my_work"
    exercises.mkdir()
    _notebook(exercises / "01_a.ipynb", "x = 1")
    _notebook(exercises / "02_b.ipynb", "y = 2")
    course.copy_exercises(exercises, my_work)
    (my_work / "01_a.ipynb").write_text("the learner's answer")
    assert course.outdated_exercises(exercises, my_work) == []
    _notebook(exercises / "02_b.ipynb", "y = 2", output="2\n")  # re-run: not a new version
    assert course.outdated_exercises(exercises, my_work) == []
    _notebook(exercises / "01_a.ipynb", "x = 1  # a clearer task")  # a new version
    assert course.outdated_exercises(exercises, my_work) == ["01_a.ipynb"]
    message = course.outdated_message("01_a.ipynb")
    assert "rename your file" in message and "01_a-mine.ipynb" in message
    (my_work / "01_a.ipynb").rename(my_work / "01_a-mine.ipynb")  # what the message says
    assert [p.name for p in course.copy_exercises(exercises, my_work)] == ["01_a.ipynb"]
    assert course.exercise_digest(my_work / "01_a.ipynb") == course.exercise_digest(
        exercises / "01_a.ipynb")
    assert (my_work / "01_a-mine.ipynb").read_text() == "the learner's answer"
    assert course.outdated_exercises(exercises, my_work) == []


# ------------------------------------------------------------------ CI and the start page


def test_ci_runs_the_browser_check_after_the_tests_and_compares_the_offline_install():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert lines.index("python3 course.py test") < lines.index("python3 course.py browser-check")
    assert lines.index("python3 course.py test") < lines.index(
        "python3 tools/offline_check.py build/wheelhouse")


def test_the_offline_check_catches_a_different_freeze():
    sys.path.insert(0, str(ROOT / "tools"))
    from offline_check import compare_freezes

    same = ["numpy==2.3.5", "pims==0.6.0"]
    assert compare_freezes(same, list(reversed(same))) == []
    assert compare_freezes(same, ["numpy==2.3.5", "pims==0.7"]) == [
        "online only: pims==0.6.0", "offline only: pims==0.7"]


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

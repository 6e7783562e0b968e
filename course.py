#!/usr/bin/env python3
"""Set up the course and open it, or set it up and test it: one command each.

    python3 course.py lab [JUPYTERLAB ARGS]   set up, copy the exercises into my_work/,
                                              open JupyterLab on the start page
    python3 course.py test [PYTEST ARGS]      set up, run ruff and every test
    python3 course.py setup                   set up only
    python3 course.py browser-check [ARGS]    set up, run every notebook in a headless
                                              browser (see tools/browser_check.py --help)
    python3 course.py site [--check]          build the course website from the committed
                                              notebooks into build/site (no execution);
                                              --check also checks links, figures, alt text
    python3 course.py wheelhouse DIR [--platform this]
                                              download every locked wheel into DIR, for a
                                              room without internet (all platforms, or
                                              only this machine's)
    python3 course.py progress                which tasks of your exercises in my_work/
                                              pass (each notebook runs in a fresh kernel;
                                              your files are not changed)
    python3 course.py grade DIR [--out OUT]   (instructors) run every learner's notebook,
                                              DIR/LEARNER/NN_name.ipynb, in a temporary
                                              copy with time and memory limits; write
                                              OUT/grades.csv, report.html, feedback/
    python3 course.py nbgrader DIR [--check]  (instructors) write the exercises as an
                                              nbgrader course source in DIR; --check also
                                              runs nbgrader on it (in .venv-grading)
    python3 course.py lock [--upgrade] [--only NAME]
                                              (maintainers) remake the lock files in
                                              requirements/ from pyproject.toml and
                                              requirements/*.in; --upgrade moves every
                                              package not pinned there to its newest
                                              release; --only course, site or grading
    python3 course.py --help                  show this help

In a room without internet, add --offline DIR to lab, test or setup: pip then installs
from the wheel folder DIR alone (no index, no pip configuration file, no PIP_* variable):
python3 course.py lab --offline wheels/

Arguments after the command go to JupyterLab, pytest or the browser check unchanged:

    python3 course.py lab --no-browser        start the server, open the printed URL yourself
    python3 course.py test -m "not slow"      skip the slow tests while you iterate
    python3 course.py test lessons/02_smoothing.ipynb   test one notebook

Only the Python standard library is used here, so this works on a fresh machine with
Python >= 3.11 and nothing else. The environment lives in ``.venv`` next to this file.
It is installed from the lock file ``requirements/course.txt`` (every package, pinned
with its hashes, wheels only), and a stamp written last marks it complete. Without that
stamp (a set-up that was interrupted), or when the lock, the project, the Python version
or the location of ``.venv`` changed, ``.venv`` is rebuilt from scratch. A lock file,
``.course-setup.lock``, makes a second command wait while one sets up.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
SITE_VENV = ROOT / ".venv-site"
REQUIREMENTS = ROOT / "requirements"
COURSE_LOCK = REQUIREMENTS / "course.txt"
"""Every package of the course, pinned with hashes, for Python 3.11-3.13 on every platform."""
SITE_LOCK = REQUIREMENTS / "site.txt"
"""The same for the website builder, which has an environment of its own."""
GRADING_VENV = ROOT / ".venv-grading"
GRADING_LOCK = REQUIREMENTS / "grading.txt"
"""nbgrader, for instructors (course.py nbgrader --check and its test): never in .venv,
where it would add its JupyterLab extensions for every learner."""
SETUP_LOCK = ROOT / ".course-setup.lock"
STAMP_NAME = ".course-installed"
LOCAL_HOME = ROOT / ".course-home"
"""Jupyter's runtime files and pip's cache go here when the home folder is not writable."""
UV = "uv==0.13.8"
"""The resolver that writes the lock files (course.py lock only; never needed to install)."""
LOWEST_PYTHON = "3.11"
COMMANDS = ("lab", "test", "setup", "browser-check", "site", "wheelhouse", "lock", "progress",
            "grade", "nbgrader")
MY_WORK = ROOT / "my_work"
VERSIONS_NAME = ".course-versions.json"
CONFIG_DIR = ROOT / ".jupyter"


class SetupError(Exception):
    """A set-up step failed; the message says what failed and what to try (one line)."""


def venv_python(venv_dir: Path = VENV) -> Path:
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return venv_dir / sub


def _stage(name: str) -> None:
    """Test hook: ``COURSE_TEST_STOP_AT=NAME`` kills this process at the named set-up stage,
    as a power cut or ``kill -9`` would (tests/test_course_cli.py uses it)."""
    if os.environ.get("COURSE_TEST_STOP_AT") == name:
        print(f"course.py: killed at stage {name!r} (COURSE_TEST_STOP_AT)", flush=True)
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)


# ------------------------------------------------------------------ the set-up stamp


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def project_digest(root: Path = ROOT) -> str:
    """A hash of pyproject.toml up to its first ``[tool.`` table: the project, its
    dependencies and its build system (editing ruff's or pytest's settings changes nothing)."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    cut = text.find("\n[tool.")
    return hashlib.sha256((text if cut < 0 else text[:cut]).encode()).hexdigest()


def editable_target(venv_dir: Path) -> Path | None:
    """The folder the venv's editable install of cellseg_teach points to, if any.

    Read from ``direct_url.json`` (PEP 610), which pip writes for every install.
    """
    for meta in sorted(venv_dir.glob("*/*/site-packages/cellseg_teach-*.dist-info")) + sorted(
        venv_dir.glob("Lib/site-packages/cellseg_teach-*.dist-info")
    ):
        direct = meta / "direct_url.json"
        if not direct.exists():
            continue
        info = json.loads(direct.read_text())
        if not info.get("dir_info", {}).get("editable"):
            return None
        url = urlparse(info.get("url", ""))
        if url.scheme != "file":
            return None
        return Path(url2pathname(unquote(url.path)))
    return None


def wanted_stamp(venv_dir: Path = VENV, root: Path | None = ROOT,
                 lock: Path = COURSE_LOCK) -> dict[str, str]:
    """What the stamp must say for ``venv_dir`` to be a complete install of ``lock``
    (and, with ``root``, of the course package in ``root``)."""
    stamp = {
        "lock": _sha256(lock),
        "python": f"{sys.implementation.name} {sys.version.split()[0]}",
        "venv": str(venv_dir.resolve()),
    }
    if root is not None:
        stamp["project"] = project_digest(root)
        stamp["target"] = str(root.resolve())
    return stamp


def needs_install(venv_dir: Path = VENV, root: Path | None = ROOT,
                  lock: Path = COURSE_LOCK, check_pip: bool = True) -> list[str]:
    """Why ``venv_dir`` must be rebuilt; an empty list if it is complete and current."""
    if not venv_python(venv_dir).exists():
        return ["it does not exist yet" if not venv_dir.exists() else "it has no Python"]
    stamp = venv_dir / STAMP_NAME
    if not stamp.exists():
        return ["no set-up stamp: a set-up that did not finish"]
    try:
        found = json.loads(stamp.read_text())
    except ValueError:
        return ["set-up stamp from an older course.py"]
    if not isinstance(found, dict):
        return ["set-up stamp from an older course.py"]
    wanted = wanted_stamp(venv_dir, root, lock)
    reasons = [f"{key} changed" for key in wanted if found.get(key) != wanted[key]]
    if root is not None:
        target = editable_target(venv_dir)
        if target is None or not _same_path(target, root):
            reasons.append(f"cellseg_teach is installed from {target}, not from {root}")
    if not reasons and check_pip:
        works = subprocess.run([str(venv_python(venv_dir)), "-c", "import pip"],
                               capture_output=True)
        if works.returncode != 0:
            reasons.append("its pip does not work")
    return reasons


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


# ------------------------------------------------------------------ one set-up at a time


@contextlib.contextmanager
def setup_lock(path: Path = SETUP_LOCK, poll: float = 0.5) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (standard library, every platform); a second
    command waits here, saying so, until the first has finished setting up.

    The operating system releases the lock when its process dies, however it dies.
    """
    with open(path, "a+b") as handle:
        told = False
        while True:
            try:
                _lock(handle)
                break
            except OSError:
                if not told:
                    print(f"course.py: another course.py command is setting up the course "
                          f"(it holds {path.name}); waiting for it to finish ...", flush=True)
                    told = True
                time.sleep(poll)
        try:
            yield
        finally:
            _unlock(handle)


def _lock(handle) -> None:
    """Try once to lock ``handle`` without blocking; OSError if another process holds it."""
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(handle) -> None:
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# ------------------------------------------------------------------ pip, online and offline


def check_wheel_folder(folder: Path) -> Path:
    """``folder`` resolved, if it holds wheels; a SetupError naming it otherwise."""
    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise SetupError(f"--offline {folder}: no such folder. Copy the wheel folder there, "
                         "or make one with: python3 course.py wheelhouse DIR")
    if not any(folder.glob("*.whl")):
        raise SetupError(f"--offline {folder}: the folder holds no wheels (.whl files). Make "
                         "one with: python3 course.py wheelhouse DIR")
    return folder


def pip_call(offline: Path | None, env: dict[str, str] | None = None
             ) -> tuple[list[str], dict[str, str]]:
    """pip's source options and environment.

    Online, pip reads its usual configuration (a proxy, a mirror, a certificate). With
    ``offline``, the wheel folder alone: ``--isolated`` (no PIP_* variable, no user
    configuration), no global or site configuration file either (``PIP_CONFIG_FILE`` set
    to the null device, which pip reads even in isolated mode), every ``PIP_*`` variable
    removed, no index, no cache, and ``--find-links`` the folder.
    """
    env = dict(os.environ if env is None else env)
    if offline is None:
        return [], env
    env = {k: v for k, v in env.items() if not k.upper().startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return ["--isolated", "--no-index", "--no-cache-dir", "--find-links", str(offline)], env


def pip_install(py: Path, args: list[str], what: str, offline: Path | None = None,
                prefix: list[str] | None = None, env: dict[str, str] | None = None) -> None:
    """``pip install ARGS`` (quietly); a SetupError saying what failed and what to try."""
    source, env = pip_call(offline, env)
    cmd = [*(prefix or []), str(py), "-m", "pip", "install", "--quiet", "--no-input",
           "--disable-pip-version-check", *source, *args]
    print("+", " ".join(cmd), flush=True)
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code == 0:
        return
    if offline:
        hint = (f"the wheel folder {offline} lacks a wheel for this Python "
                f"({sys.version.split()[0]}) or this platform; remake it on a machine with "
                "internet: python3 course.py wheelhouse DIR")
    else:
        hint = ("check the internet connection (pip reads your usual proxy and index "
                "settings), or install from a wheel folder: --offline DIR")
    raise SetupError(f"pip could not install {what} (exit code {code}; its message is "
                     f"above): {hint}. Then run the same command again.")


class LockEntry(NamedTuple):
    """One pin of a lock file: ``name==version ; marker --hash=... --hash=...``."""

    name: str
    version: str
    marker: str
    hashes: tuple[str, ...]

    def line(self, marker: bool = True) -> str:
        """The pin as a requirements line (pip checks its hashes), with or without marker."""
        spec = f"{self.name}=={self.version}"
        if marker and self.marker:
            spec += f" ; {self.marker}"
        return " ".join([spec, *(f"--hash={h}" for h in self.hashes)])


def read_lock(lock: Path) -> list[LockEntry]:
    """Every pin of a lock file written by ``python3 course.py lock``."""
    logical, pending = [], ""
    for raw in lock.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    entries = []
    for text in logical:
        spec, *hashes = (part.strip() for part in text.split("--hash="))
        requirement, _, marker = spec.partition(";")
        name, _, version = requirement.strip().partition("==")
        entries.append(LockEntry(name.strip(), version.strip(), marker.strip(), tuple(hashes)))
    return entries


def build_venv(venv_dir: Path, lock: Path, root: Path | None, offline: Path | None = None,
               prefix: list[str] | None = None) -> Path:
    """Build ``venv_dir`` from scratch: the packages of ``lock`` (hashes checked, wheels
    only), then the course package in ``root`` (editable, no dependencies), then the stamp,
    last. A venv without its stamp is never used, whatever step was interrupted."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before any check
        raise SetupError(f"this course needs Python >= 3.11; this is {sys.version.split()[0]}")
    stamp = venv_dir / STAMP_NAME
    if venv_dir.exists():
        print(f"Removing {venv_dir.name} to build it again ...", flush=True)
        try:
            stamp.unlink(missing_ok=True)  # first: from here on the venv counts as unfinished
            shutil.rmtree(venv_dir)
        except OSError as err:
            raise SetupError(f"could not remove {venv_dir} ({err.strerror}): close JupyterLab "
                             "and every program using it, then run the command again") from err
    print(f"Creating the virtual environment {venv_dir} ...", flush=True)
    venv.EnvBuilder(with_pip=False).create(venv_dir)
    py = venv_python(venv_dir)
    _stage("venv")
    print("+", py, "-m ensurepip --default-pip", flush=True)
    if subprocess.call([str(py), "-m", "ensurepip", "--default-pip"],
                       stdout=subprocess.DEVNULL) != 0:
        raise SetupError(f"Python's ensurepip could not put pip into {venv_dir}: on Debian or "
                         "Ubuntu install python3-venv, then run the command again")
    _stage("ensurepip")
    # First the locked pip, alone (Python's bundled pip may be years older), then the rest
    # with it: every Python installs with the same pip, and it reads pip's current cache.
    pins = [e for e in read_lock(lock) if e.name == "pip"]
    if len(pins) != 1:
        raise SetupError(f"{lock} must lock pip exactly once: remake it (python3 course.py lock)")
    pip_pin = venv_dir / "locked-pip.txt"
    pip_pin.write_text(pins[0].line(marker=False) + "\n")
    pip_install(py, ["--require-hashes", "--only-binary", ":all:", "-r", str(pip_pin)],
                f"pip {pins[0].version}", offline, prefix)
    _stage("pip")
    pip_install(py, ["--require-hashes", "--only-binary", ":all:", "-r", str(lock)],
                f"the packages of {lock.relative_to(lock.parents[1])}", offline, prefix)
    _stage("packages")
    if root is not None:
        pip_install(py, ["--no-deps", "--no-build-isolation", "-e", str(root)],
                    "the course package (cellseg_teach)", offline, prefix)
    _stage("package")
    partial = stamp.with_suffix(".part")
    partial.write_text(json.dumps(wanted_stamp(venv_dir, root, lock), indent=1) + "\n")
    os.replace(partial, stamp)
    return py


def ensure_venv(venv_dir: Path = VENV, lock: Path = COURSE_LOCK, root: Path | None = ROOT,
                offline: Path | None = None, what: str = "the course's packages") -> Path:
    """The venv's Python, after (re)building the venv if it is not complete and current."""
    with setup_lock():
        reasons = needs_install(venv_dir, root, lock)
        if reasons:
            print(f"Installing {what} into {venv_dir.name} ({'; '.join(reasons)}) ...",
                  flush=True)
            start = time.monotonic()
            build_venv(venv_dir, lock, root, offline)
            print(f"Set-up complete in {time.monotonic() - start:.0f} s.", flush=True)
    return venv_python(venv_dir)


def setup(offline: Path | None = None) -> Path:
    return ensure_venv(VENV, COURSE_LOCK, ROOT, offline)


def setup_grading() -> Path:
    """A virtual environment of its own for nbgrader (instructors only)."""
    return ensure_venv(GRADING_VENV, GRADING_LOCK, None, None, "nbgrader")


def setup_site() -> Path:
    """A virtual environment of its own for the website builder (Jupyter Book 1), so that
    its dependencies never change the course's."""
    return ensure_venv(SITE_VENV, SITE_LOCK, None, None, "the website builder")


# ------------------------------------------------------------------ the lock files


def lock_inputs_digest(name: str, root: Path = ROOT) -> str:
    """A hash of what the lock ``requirements/NAME.txt`` is made from: ``NAME.in`` and,
    for the course, the project part of pyproject.toml (its ``course`` extra)."""
    data = (root / "requirements" / f"{name}.in").read_bytes()
    if name == "course":
        data += project_digest(root).encode()
    return hashlib.sha256(data).hexdigest()


def lock_header_digest(lock: Path) -> str | None:
    """The inputs hash recorded in a lock file's first lines (None if absent)."""
    for line in lock.read_text(encoding="utf-8").splitlines()[:5]:
        if line.startswith("# inputs-sha256: "):
            return line.split(": ", 1)[1].strip()
    return None


LOCK_NAMES = ("course", "site", "grading")
"""The lock files requirements/NAME.txt, each made from requirements/NAME.in."""


def make_locks(upgrade: bool = False, only: str | None = None) -> int:
    """Remake requirements/course.txt, site.txt and grading.txt (or only the one named)
    with uv (in a throwaway venv): one universal resolution for Python >= 3.11 on every
    platform, every package with its hashes, wheels only."""
    with tempfile.TemporaryDirectory(prefix="course-lock-") as tmp:
        tool = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(tool)
        pip_install(venv_python(tool), [UV], "the resolver uv")
        uv = tool / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")
        for name in LOCK_NAMES if only is None else (only,):
            sources = ["pyproject.toml", "--extra", "course"] if name == "course" else []
            out = REQUIREMENTS / f"{name}.txt"
            cmd = [str(uv), "pip", "compile", *sources, f"requirements/{name}.in",
                   "--universal", "--python-version", LOWEST_PYTHON, "--generate-hashes",
                   "--only-binary", ":all:", "--custom-compile-command",
                   "python3 course.py lock", "--quiet", "-o", f"requirements/{name}.txt"]
            if upgrade:
                cmd.append("--upgrade")
            print("+", " ".join(cmd), flush=True)
            if subprocess.call(cmd, cwd=ROOT) != 0:
                raise SetupError(f"uv could not resolve requirements/{name}.in (its message "
                                 "is above): a pin in pyproject.toml or the .in file has no "
                                 "wheel for some Python or platform, or they conflict")
            text = out.read_text(encoding="utf-8")
            text = "\n".join(line for line in text.splitlines()
                             if not line.startswith("# inputs-sha256: "))
            out.write_text(f"# inputs-sha256: {lock_inputs_digest(name)}\n{text}\n",
                           encoding="utf-8")
            count = sum(1 for line in text.splitlines() if line[:1].isalnum())
            print(f"wrote requirements/{name}.txt: {count} pins", flush=True)
    print("Now run python3 course.py test: it rebuilds .venv from the new lock and reruns "
          "every notebook against its committed outputs. If an output changed, rebuild that "
          "notebook (tools/build_notebooks.py) and read the diff before you commit.")
    return 0


# ------------------------------------------------------------------ the learner's copy


def exercise_digest(path: Path) -> str:
    """A hash of a notebook's cells (type and source): what the learner reads and fills in.
    Outputs and metadata do not count, so re-saving an exercise changes nothing."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        text = json.dumps([[c.get("cell_type"), "".join(c.get("source", ""))] for c in cells])
    except (ValueError, AttributeError):
        text = path.read_text(encoding="utf-8", errors="replace")
    return hashlib.sha256(text.encode()).hexdigest()


def _read_versions(my_work: Path) -> dict[str, str]:
    try:
        found = json.loads((my_work / VERSIONS_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def copy_exercises(exercises: Path = ROOT / "exercises", my_work: Path = MY_WORK) -> list[Path]:
    """Copy every exercise notebook into ``my_work``, never overwriting a file there.

    Beside the copies, ``my_work/.course-versions.json`` records the version (a hash of
    the cells) of each exercise as it was copied, for :func:`outdated_exercises`.
    Returns the files copied (new exercises only: the learner's own files are kept).
    """
    my_work.mkdir(exist_ok=True)
    # The learner's notebooks are not paired with MyST twins. (jupytext does not read a
    # hidden .jupytext.toml through the server; the course's settings hide this file.)
    no_pairing = my_work / "jupytext.toml"
    if not no_pairing.exists():
        no_pairing.write_text('# Your own notebooks: no MyST twins.\nformats = "ipynb"\n')
    versions = _read_versions(my_work)
    copied = []
    for src in sorted(exercises.glob("*.ipynb")):
        dst = my_work / src.name
        if not dst.exists():
            shutil.copyfile(src, dst)
            copied.append(dst)
            versions[src.name] = exercise_digest(src)
        elif src.name not in versions and exercise_digest(dst) == exercise_digest(src):
            versions[src.name] = exercise_digest(src)  # copied by an older course.py
    (my_work / VERSIONS_NAME).write_text(json.dumps(versions, indent=1, sort_keys=True) + "\n")
    return copied


def outdated_exercises(exercises: Path = ROOT / "exercises", my_work: Path = MY_WORK
                       ) -> list[str]:
    """Names of the exercises in ``my_work`` copied from an older version of the course."""
    versions = _read_versions(my_work)
    return [src.name for src in sorted(exercises.glob("*.ipynb"))
            if (my_work / src.name).exists() and src.name in versions
            and versions[src.name] != exercise_digest(src)]


def outdated_message(name: str) -> str:
    stem = Path(name).stem
    return (f"my_work/{name}: the course has a newer version of this exercise. To get it "
            f"and keep your work, rename your file (for example to {stem}-mine.ipynb); the "
            f"next `python3 course.py lab` copies the new version beside it.")


# ------------------------------------------------------------------ environments


def _writable(folder: Path) -> bool:
    """Can files be made in ``folder`` (made if missing)? Tried, not guessed from modes."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
        return True
    except OSError:
        return False


def _default_dirs(env: dict[str, str]) -> dict[str, Path]:
    """Where Jupyter's data and runtime files, IPython's profile and pip's cache go by
    default on this platform."""
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if sys.platform == "win32":
        jupyter = Path(env.get("APPDATA", home / "AppData" / "Roaming")) / "jupyter"
        pip_cache = Path(env.get("LOCALAPPDATA", home / "AppData" / "Local")) / "pip" / "Cache"
    elif sys.platform == "darwin":
        jupyter = home / "Library" / "Jupyter"
        pip_cache = home / "Library" / "Caches" / "pip"
    else:
        jupyter = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share") / "jupyter"
        pip_cache = Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "pip"
    return {"JUPYTER_DATA_DIR": jupyter, "JUPYTER_RUNTIME_DIR": jupyter / "runtime",
            "IPYTHONDIR": home / ".ipython", "PIP_CACHE_DIR": pip_cache}


def home_fallback_env(env: dict[str, str], root: Path = ROOT) -> dict[str, str]:
    """``env``, with Jupyter's data and runtime folders, IPython's profile and pip's cache
    moved into ``root/.course-home`` (git-ignored) when their usual place cannot be
    written (a read-only home). A folder the user chose (the variable is set) is kept."""
    env = dict(env)
    moved = []
    for var, default in _default_dirs(env).items():
        if var in env or _writable(default):
            continue
        env[var] = str(root / LOCAL_HOME.name / var.lower())
        moved.append(f"{var} ({default})")
    if moved:
        print(f"course.py: these folders cannot be written (a read-only home?), so they go "
              f"to {root / LOCAL_HOME.name} instead: {', '.join(moved)}", flush=True)
    return env


def lab_env(env: dict[str, str]) -> dict[str, str]:
    """The environment for the course's JupyterLab: its server settings come first."""
    env = dict(env)
    paths = [str(CONFIG_DIR)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep)
                                 if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def no_colour_env(env: dict[str, str]) -> dict[str, str]:
    """No ANSI colour codes in logs: for pytest, ruff and the notebooks' kernels."""
    env = dict(env, NO_COLOR="1", PY_COLORS="0")
    env.pop("FORCE_COLOR", None)
    # IPython colours its tracebacks unless its kernel profile says otherwise.
    ipython_dir = VENV / "ipython-nocolor"
    config = ipython_dir / "profile_default" / "ipython_kernel_config.py"
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text('c.InteractiveShell.colors = "nocolor"\n')
    env["IPYTHONDIR"] = str(ipython_dir)
    return env


# ------------------------------------------------------------------ the command line


def take_option(args: list[str], name: str) -> tuple[list[str], str | None]:
    """Remove ``name VALUE`` from ``args``; return the rest and VALUE (None if absent)."""
    if name not in args:
        return args, None
    i = args.index(name)
    if i + 1 >= len(args):
        raise SetupError(f"{name} needs a value (a folder)")
    return args[:i] + args[i + 2 :], args[i + 1]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # a usage error, before anything is installed
        raise SetupError(f"{self.prog}: {message}")


def _check_args(command: str, args: list[str]) -> None:
    """Reject wrong arguments of the commands course.py itself knows, before any set-up."""
    if command in ("site", "setup", "lock"):
        parser = _Parser(prog=command, add_help=False)
        parser.add_argument("-h", "--help", action="store_true")  # the tool's own help
        if command == "site":
            parser.add_argument("--check", action="store_true")
            parser.add_argument("--out")
        if command == "lock":
            parser.add_argument("--upgrade", action="store_true")
            parser.add_argument("--only", choices=LOCK_NAMES)
        parser.parse_args(args)


def usage(error: str | None = None) -> int:
    if error:
        print(f"course.py: {error}", file=sys.stderr)
        print(f"expected one of: {', '.join(COMMANDS)} (or --help)", file=sys.stderr)
        print("usage: python3 course.py {" + ",".join(COMMANDS) + "} [ARGS]", file=sys.stderr)
        return 2
    print(__doc__)
    return 0


def main(argv: list[str]) -> int:
    if not argv:
        return usage("no command given")
    if argv[0] in ("-h", "--help", "help"):
        return usage()
    if argv[0] not in COMMANDS:
        return usage(f"unknown command {argv[0]!r}")
    try:
        return _main(argv[0], list(argv[1:]))
    except SetupError as err:
        print(f"course.py: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ncourse.py: interrupted. Run the command again: an unfinished set-up is "
              "rebuilt.", file=sys.stderr)
        return 130


def _main(command: str, extra: list[str]) -> int:
    offline_arg = None
    if command in ("lab", "test", "setup", "browser-check"):
        extra, offline_arg = take_option(extra, "--offline")
    _check_args(command, extra)
    if command in ("setup", "lock") and {"-h", "--help"} & set(extra):
        return usage()
    offline = check_wheel_folder(Path(offline_arg)) if offline_arg else None
    env = home_fallback_env(dict(os.environ))
    os.environ.update({k: v for k, v in env.items() if k not in os.environ})  # for pip too
    tty = sys.stdout.isatty()
    if command == "lock":
        _, only = take_option(extra, "--only")
        return make_locks(upgrade="--upgrade" in extra, only=only)
    if command == "site":
        py = setup_site()
        if not tty:
            env["NO_COLOR"] = "1"
        return subprocess.call([str(py), str(ROOT / "tools" / "build_site.py"), *extra],
                               cwd=ROOT, env=env)
    py = setup(offline)
    if command == "setup":
        print(f"The course is set up in {VENV}.")
        return 0
    if command == "wheelhouse":
        return subprocess.call([str(py), str(ROOT / "tools" / "wheelhouse.py"), *extra],
                               cwd=ROOT, env=env)
    if command == "lab":
        for path in copy_exercises():
            print(f"copied {path.relative_to(ROOT)} (your own copy to work in)")
        for name in outdated_exercises():
            print(outdated_message(name))
        # Jupyter refuses to run as root (common in containers) unless told it may.
        if getattr(os, "geteuid", lambda: 1)() == 0 and "--allow-root" not in extra:
            extra.append("--allow-root")
        return subprocess.call([str(py), "-m", "jupyterlab", *extra], cwd=ROOT, env=lab_env(env))
    env["MPLBACKEND"] = "Agg"  # no screen needed
    if not tty:
        env = no_colour_env(env)
    if command in ("progress", "grade", "nbgrader"):
        # tools/grading.py; paths on the command line are the caller's, so its folder
        # stays the working directory (the notebooks themselves run in temporary folders).
        if command == "nbgrader" and "--check" in extra:
            extra = [a for a in extra if a != "--check"]
            extra += ["--check", str(setup_grading())]
        return subprocess.call([str(py), str(ROOT / "tools" / "grading.py"), command, *extra],
                               env=env)
    if command == "browser-check":
        return subprocess.call([str(py), str(ROOT / "tools" / "browser_check.py"), *extra],
                               cwd=ROOT, env=env)
    lint = subprocess.call([str(py), "-m", "ruff", "check", "."], cwd=ROOT, env=env)
    colour = [] if tty else ["--color=no"]
    tests = subprocess.call(
        [str(py), "-m", "pytest", "-n", "2", "--dist", "loadfile", "--nbval", *colour, *extra],
        cwd=ROOT, env=env,
    )
    return tests or lint


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Set up the course and open it, or set it up and test it: one command each.

    python3 course.py lab [JUPYTERLAB ARGS]   set up, copy the exercises into my_work/,
                                              open JupyterLab on the start page
    python3 course.py test [PYTEST ARGS]      set up, run ruff and every test
    python3 course.py browser-check [ARGS]    set up, run every notebook in a headless
                                              browser (see tools/browser_check.py --help)
    python3 course.py site [--check]          build the course website from the committed
                                              notebooks into build/site (no execution);
                                              --check also checks links, figures, alt text
    python3 course.py wheelhouse DIR [--platform this]
                                              download every pinned wheel into DIR, for a
                                              room without internet (all platforms, or
                                              only this machine's)
    python3 course.py --help                  show this help

In a room without internet, add --offline DIR to lab or test: pip then installs from the
wheel folder DIR alone, with no index (python3 course.py lab --offline wheels/).

Arguments after the command go to JupyterLab, pytest or the browser check unchanged:

    python3 course.py lab --no-browser        start the server, open the printed URL yourself
    python3 course.py test -m "not slow"      skip the slow tests while you iterate
    python3 course.py test lessons/02_smoothing.ipynb   test one notebook

Only the Python standard library is used here, so this works on a fresh machine with
Python >= 3.10 and nothing else. The environment lives in ``.venv`` next to this file
and is reused; it is repaired on the next run if pyproject.toml, the Python version,
the location of ``.venv`` or the folder its editable install points to changed (a
``.venv`` copied from another clone is reinstalled for this one).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP_NAME = ".course-installed"
PIP = "pip==26.3"
"""The pip that installs the course (pinned; the build backend is pinned in pyproject.toml)."""
COMMANDS = ("lab", "test", "browser-check", "site", "wheelhouse")
SITE_VENV = ROOT / ".venv-site"
MY_WORK = ROOT / "my_work"
CONFIG_DIR = ROOT / ".jupyter"


def venv_python(venv_dir: Path = VENV) -> Path:
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return venv_dir / sub


def run(*args: object) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


# ------------------------------------------------------------------ the set-up stamp


def venv_python_version(venv_dir: Path) -> str:
    """The Python version recorded in the venv's ``pyvenv.cfg`` ("" if unknown)."""
    cfg = venv_dir / "pyvenv.cfg"
    if cfg.exists():
        for line in cfg.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("version", "version_info"):
                return value.strip()
    return ""


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


def wanted_stamp(venv_dir: Path = VENV, root: Path = ROOT) -> dict[str, str]:
    """What the stamp must say for ``venv_dir`` to be a working install of ``root``."""
    return {
        "pyproject": hashlib.sha256((root / "pyproject.toml").read_bytes()).hexdigest(),
        "python": venv_python_version(venv_dir),
        "venv": str(venv_dir.resolve()),
        "target": str(root.resolve()),
        "pip": PIP,
    }


def needs_install(venv_dir: Path = VENV, root: Path = ROOT) -> list[str]:
    """Why the venv must be (re)installed; an empty list if it is up to date."""
    stamp = venv_dir / STAMP_NAME
    if not stamp.exists():
        return ["no set-up stamp"]
    try:
        found = json.loads(stamp.read_text())
    except ValueError:
        return ["set-up stamp from an older course.py"]
    if not isinstance(found, dict):
        return ["set-up stamp from an older course.py"]
    wanted = wanted_stamp(venv_dir, root)
    reasons = [f"{key} changed" for key in wanted if found.get(key) != wanted[key]]
    target = editable_target(venv_dir)
    if target is None or not _same_path(target, root):
        reasons.append(f"cellseg_teach is installed from {target}, not from {root}")
    return reasons


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def make_venv(venv_dir: Path = VENV) -> Path:
    """Create ``venv_dir`` (with pip, from Python's own ensurepip: no download) if needed."""
    if sys.version_info < (3, 10):  # noqa: UP036 - this file runs before any check
        sys.exit(f"This course needs Python >= 3.10; this is {sys.version.split()[0]}.")
    if not venv_python(venv_dir).exists():
        print(f"Creating the virtual environment {venv_dir} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    return venv_python(venv_dir)


def pip_install(py: Path, *args: str, offline: Path | None = None) -> None:
    """``pip install``; with ``offline``, from that wheel folder alone (no index)."""
    source = ["--no-index", "--find-links", str(offline)] if offline else []
    run(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *source, *args)


def setup(offline: Path | None = None) -> Path:
    py = make_venv()
    reasons = needs_install()
    if reasons:
        print("Installing the course's packages (" + "; ".join(reasons) + ") ...", flush=True)
        pip_install(py, PIP, offline=offline)
        pip_install(py, "-e", f"{ROOT}[course]", offline=offline)
        (VENV / STAMP_NAME).write_text(json.dumps(wanted_stamp(), indent=1) + "\n")
    return py


def site_requirements() -> list[str]:
    """The ``site`` extra of pyproject.toml (the website builder), read without tomllib."""
    text = (ROOT / "pyproject.toml").read_text()
    start = text.index("\nsite = [") + len("\nsite = [")
    return [r.strip().strip('"') for r in text[start : text.index("]", start)].split(",")
            if r.strip()]


def setup_site() -> Path:
    """A virtual environment of its own for the website builder (Jupyter Book 1), so that
    its dependencies never change the course's."""
    py = make_venv(SITE_VENV)
    stamp = SITE_VENV / STAMP_NAME
    wanted = json.dumps({"requirements": site_requirements(), "pip": PIP,
                         "venv": str(SITE_VENV.resolve())})
    if not stamp.exists() or stamp.read_text() != wanted:
        print("Installing the website builder ...", flush=True)
        pip_install(py, PIP)
        pip_install(py, *site_requirements())
        stamp.write_text(wanted)
    return py


def take_option(args: list[str], name: str) -> tuple[list[str], str | None]:
    """Remove ``name VALUE`` from ``args``; return the rest and VALUE (None if absent)."""
    if name not in args:
        return args, None
    i = args.index(name)
    if i + 1 >= len(args):
        sys.exit(f"course.py: {name} needs a value (a folder)")
    return args[:i] + args[i + 2 :], args[i + 1]


# ------------------------------------------------------------------ the learner's copy


def copy_exercises(exercises: Path = ROOT / "exercises", my_work: Path = MY_WORK) -> list[Path]:
    """Copy every exercise notebook into ``my_work``, never overwriting a file there.

    Returns the files copied (new exercises only: the learner's own files are kept).
    """
    my_work.mkdir(exist_ok=True)
    # The learner's notebooks are not paired with MyST twins. (jupytext does not read a
    # hidden .jupytext.toml through the server; the course's settings hide this file.)
    no_pairing = my_work / "jupytext.toml"
    if not no_pairing.exists():
        no_pairing.write_text('# Your own notebooks: no MyST twins.\nformats = "ipynb"\n')
    copied = []
    for src in sorted(exercises.glob("*.ipynb")):
        dst = my_work / src.name
        if not dst.exists():
            shutil.copyfile(src, dst)
            copied.append(dst)
    return copied


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


def usage(error: str | None = None) -> int:
    if error:
        print(f"course.py: {error}", file=sys.stderr)
        print(f"expected one of: {', '.join(COMMANDS)} (or --help)", file=sys.stderr)
        print("usage: python3 course.py {lab,test,browser-check,site,wheelhouse} [ARGS]",
              file=sys.stderr)
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
    command, extra = argv[0], list(argv[1:])
    env = dict(os.environ)
    tty = sys.stdout.isatty()
    if command == "wheelhouse":
        py = make_venv()  # only for its pip: the download needs no course package
        return subprocess.call([str(py), str(ROOT / "tools" / "wheelhouse.py"), *extra],
                               cwd=ROOT, env=env)
    if command == "site":
        py = setup_site()
        if not tty:
            env["NO_COLOR"] = "1"
        return subprocess.call([str(py), str(ROOT / "tools" / "build_site.py"), *extra],
                               cwd=ROOT, env=env)
    extra, offline = take_option(extra, "--offline")
    py = setup(Path(offline).resolve() if offline else None)
    if command == "lab":
        for path in copy_exercises():
            print(f"copied {path.relative_to(ROOT)} (your own copy to work in)")
        # Jupyter refuses to run as root (common in containers) unless told it may.
        if getattr(os, "geteuid", lambda: 1)() == 0 and "--allow-root" not in extra:
            extra.append("--allow-root")
        return subprocess.call([str(py), "-m", "jupyterlab", *extra], cwd=ROOT, env=lab_env(env))
    env["MPLBACKEND"] = "Agg"  # no screen needed
    if not tty:
        env = no_colour_env(env)
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

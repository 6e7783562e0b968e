"""The core package never reaches into the live/dead subpackage.

Lessons 1 to 4 and 7 use the core (thresholds, morphology, matching) without the
live/dead assay; the dependency runs one way only: ``livedead`` imports the core.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cellseg_teach"


def _livedead_imports(path: Path) -> list[str]:
    """Import statements of ``path`` that name the live/dead subpackage."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = ("." * node.level) + (node.module or "")
            names = [a.name for a in node.names]
            if "livedead" in module or "livedead" in names:
                found.append(f"{path.name}:{node.lineno} from {module} import {names}")
        elif isinstance(node, ast.Import):
            found += [f"{path.name}:{node.lineno} import {a.name}"
                      for a in node.names if "livedead" in a.name]
    return found


def test_no_core_module_imports_livedead():
    core = [p for p in PACKAGE.glob("*.py")]
    assert len(core) > 10
    offenders = [hit for p in core for hit in _livedead_imports(p)]
    assert offenders == []


def test_the_scan_sees_an_import_of_livedead(tmp_path):
    # the scan can fail: a module that imports the subpackage is reported
    bad = tmp_path / "bad.py"
    bad.write_text("from .livedead.scores import count_error\nfrom . import livedead\n")
    assert len(_livedead_imports(bad)) == 2


def test_importing_every_core_module_leaves_livedead_unloaded():
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    code = (
        "import sys, importlib\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module('cellseg_teach.' + m)\n"
        "print(sorted(k for k in sys.modules if k.startswith('cellseg_teach.livedead')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]"

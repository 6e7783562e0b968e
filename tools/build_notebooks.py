#!/usr/bin/env python3
"""Execute notebooks from their MyST twins and keep both files in sync.

    python tools/build_notebooks.py lessons/01_image_model.md [more.md ...]

For each MyST file: update the paired ``.ipynb`` from it (jupytext), execute the
notebook top to bottom in a fresh kernel of this environment, with the notebook's
folder as working directory, save the executed notebook, then rewrite the ``.md``
from it so the pair is byte-for-byte in sync. Exercise notebooks (under
``exercises/``) are never executed: they are saved without outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat
from jupytext.config import load_jupytext_config
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def config():
    return load_jupytext_config(str(ROOT / "jupytext.toml"))


def myst_text(nb: nbformat.NotebookNode) -> str:
    """The MyST Markdown twin of a notebook, as jupytext would write it."""
    return jupytext.writes(nb, fmt="md:myst", config=config())


def build(md_path: Path, execute: bool = True) -> None:
    md_path = md_path.resolve()
    ipynb = md_path.with_suffix(".ipynb")
    nb = jupytext.read(md_path, fmt="md:myst")
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:03d}"  # stable ids keep diffs readable
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if execute and "exercises" not in md_path.parts:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(md_path.parent)}}).execute()
        nb.metadata["language_info"] = {"name": "python"}
        for cell in nb.cells:
            cell.metadata.pop("execution", None)  # timestamps, not content
    nbformat.write(nb, ipynb)
    md_path.write_text(myst_text(nbformat.read(ipynb, as_version=4)))
    print(f"built {ipynb}")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        build(Path(arg))

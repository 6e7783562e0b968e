#!/usr/bin/env python3
"""Execute notebooks from their MyST twins and keep both files in sync.

    python tools/build_notebooks.py lessons/01_image_model.md [more.md ...]
    python tools/build_notebooks.py --metadata-only lessons/*.md solutions/*.md

For each MyST file: update the paired ``.ipynb`` from it (jupytext), execute the
notebook top to bottom in a fresh kernel of this environment, with the notebook's
folder as working directory, save the executed notebook, then rewrite the ``.md``
from it so the pair is byte-for-byte in sync. Exercise notebooks (under
``exercises/``) are never executed: they are saved without outputs.

``--metadata-only`` executes nothing: it keeps the stored outputs and rewrites only the
notebook metadata and the ``.md`` twin in the form below (it refuses a pair whose cells
differ, which needs a real build).

Both files are written exactly as JupyterLab saves them when the course's server
configuration (``.jupyter/jupyter_server_config.py``, used by ``course.py lab``) is in
effect, so that opening a notebook, running it and saving it changes no tracked file:

* the ``.md`` twin carries no YAML header (``jupytext.toml``: ``notebook_metadata_filter
  = "-all"``, the setting jupytext's contents manager applies on every save);
* the ``.ipynb`` metadata is ``KERNELSPEC`` and ``LANGUAGE_INFO`` (from ``course_common``)
  and nothing else. JupyterLab writes the running kernel's ``language_info`` (with the Python patch
  version, which differs between learners) and jupytext adds its own keys; the server's
  :func:`pre_save_hook` puts back this fixed form on every save.
"""

from __future__ import annotations

import argparse
import copy
import functools
from pathlib import Path

import jupytext
import nbformat
from course_common import KERNELSPEC, LANGUAGE_INFO
from jupytext.config import load_jupytext_configuration_file

ROOT = Path(__file__).resolve().parents[1]

VOLATILE_METADATA = ("jupytext", "widgets")
"""Notebook metadata keys dropped on save: jupytext's bookkeeping, ipywidgets' state."""

TEMPLATE_FOLDERS = ("exercises",)
"""Folders (under the repository root) whose notebooks are saved without outputs."""


@functools.cache
def config():
    """The repository's jupytext configuration (the same object jupytext's server uses)."""
    return load_jupytext_configuration_file(str(ROOT / "jupytext.toml"))


def myst_text(nb: nbformat.NotebookNode) -> str:
    """The MyST Markdown twin of a notebook, as jupytext's contents manager writes it."""
    return jupytext.writes(nb, fmt="md:myst", config=config())


def canonical(nb: dict, template: bool = False) -> dict:
    """Put a notebook (a dict or NotebookNode) in its committed form, in place.

    Parameters
    ----------
    nb : dict
        The notebook (nbformat 4), as a dict or NotebookNode; modified in place.
    template : bool
        True for a notebook that is committed without outputs (an exercise): outputs
        and execution counts are dropped.

    Returns
    -------
    dict
        ``nb`` itself.
    """
    meta = nb.setdefault("metadata", {})
    for key in VOLATILE_METADATA:
        meta.pop(key, None)
    meta["kernelspec"] = dict(KERNELSPEC)
    meta["language_info"] = dict(LANGUAGE_INFO)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        if template:
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
        else:
            cell["outputs"] = merge_streams(cell.get("outputs", []))
    return nb


def merge_streams(outputs: list) -> list:
    """Join consecutive stream outputs of the same name, as JupyterLab does on display.

    A kernel may send one ``print`` in several messages; JupyterLab shows (and saves)
    them as one output, nbclient keeps them apart. nbval merges streams before comparing,
    so this changes nothing it checks.
    """
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (out.get("output_type") == "stream" and prev is not None
                and prev.get("output_type") == "stream" and prev.get("name") == out.get("name")):
            prev["text"] = _text(prev["text"]) + _text(out["text"])
        else:
            merged.append(out)
    return merged


def _text(text: str | list) -> str:
    return text if isinstance(text, str) else "".join(text)


def is_template(path: Path | str, root: Path = ROOT) -> bool:
    """True if ``path`` (absolute, or relative to ``root``) is an exercise template."""
    path = Path(path)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path(root).resolve())
        except ValueError:
            return False
    return len(path.parts) > 1 and path.parts[0] in TEMPLATE_FOLDERS


def pre_save_hook(model: dict, path: str, contents_manager=None, **kwargs) -> None:
    """Jupyter server pre-save hook: save every notebook in its committed form.

    Registered by ``.jupyter/jupyter_server_config.py``. ``path`` is the API path,
    relative to the server's root directory.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    root = Path(getattr(contents_manager, "root_dir", None) or ROOT)
    canonical(model["content"], template=is_template(path.strip("/"), root))


def write_pair(nb: nbformat.NotebookNode, ipynb: Path) -> None:
    """Write ``nb`` in its committed form to ``ipynb`` and its MyST twin next to it."""
    nb = canonical(nb, template=is_template(ipynb))
    nbformat.write(nb, ipynb)
    ipynb.with_suffix(".md").write_text(myst_text(nbformat.read(ipynb, as_version=4)))


def build(md_path: Path, execute: bool = True) -> None:
    from nbclient import NotebookClient

    md_path = md_path.resolve()
    ipynb = md_path.with_suffix(".ipynb")
    nb = jupytext.read(md_path, fmt="md:myst")
    canonical(nb)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:03d}"  # stable ids keep diffs readable
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if execute and not is_template(md_path):
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(md_path.parent)}}).execute()
        for cell in nb.cells:
            cell.metadata.pop("execution", None)  # timestamps, not content
    write_pair(nb, ipynb)
    print(f"built {ipynb}")


def _cell_key(cell) -> tuple:
    return cell.cell_type, cell.source, tuple(cell.get("metadata", {}).get("tags", []))


def rewrite_metadata(path: Path) -> None:
    """Rewrite a notebook pair in its committed form, keeping the stored outputs."""
    path = path.resolve()
    ipynb, md = path.with_suffix(".ipynb"), path.with_suffix(".md")
    nb = nbformat.read(ipynb, as_version=4)
    if md.exists():
        text_nb = jupytext.read(md, fmt="md:myst")
        if [_cell_key(c) for c in text_nb.cells] != [_cell_key(c) for c in nb.cells]:
            raise SystemExit(f"{md} and {ipynb.name} have different cells: "
                             f"rebuild with tools/build_notebooks.py {md}")
    before = (ipynb.read_text(), md.read_text() if md.exists() else None)
    write_pair(copy.deepcopy(nb), ipynb)
    after = (ipynb.read_text(), md.read_text())
    print(f"{'rewrote' if after != before else 'unchanged'} {ipynb}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="MyST (.md) files (or .ipynb)")
    parser.add_argument("--metadata-only", action="store_true",
                        help="execute nothing: rewrite metadata and twins, keep outputs")
    args = parser.parse_args(argv)
    for path in args.files:
        if args.metadata_only:
            rewrite_metadata(path)
        else:
            build(path.with_suffix(".md"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

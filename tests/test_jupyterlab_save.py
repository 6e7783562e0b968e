"""Saving a notebook in the course's JupyterLab writes exactly the committed file.

The browser check (tools/browser_check.py) proves this in a real browser; these tests
check the server side fast: the pre-save hook that .jupyter/jupyter_server_config.py
installs turns what JupyterLab sends into the committed form.
"""

import copy
import json
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from build_notebooks import canonical, myst_text  # noqa: E402

NOTEBOOKS = sorted(p for d in ("lessons", "solutions", "exercises")
                   for p in (ROOT / d).glob("*.ipynb"))
SERVER_CONFIG = ROOT / ".jupyter" / "jupyter_server_config.py"


def _server_config() -> Config:
    c = Config()
    exec(compile(SERVER_CONFIG.read_text(), str(SERVER_CONFIG), "exec"),
         {"get_config": lambda: c, "__file__": str(SERVER_CONFIG)})
    return c


def _as_jupyterlab_sends(nb: dict) -> dict:
    """The notebook as JupyterLab sends it after a run: the kernel's own metadata,
    jupytext's, and a print split over two stream messages."""
    nb = copy.deepcopy(nb)
    nb["metadata"]["kernelspec"] = {"display_name": "Python 3 (ipykernel)",
                                    "language": "python", "name": "python3"}
    nb["metadata"]["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
        "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3", "version": "3.12.3"}
    nb["metadata"]["jupytext"] = {"default_lexer": "ipython3"}
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_saving_from_jupyterlab_writes_the_committed_notebook(path):
    hook = _server_config().ContentsManager.pre_save_hook
    committed = json.loads(path.read_text())
    sent = _as_jupyterlab_sends(committed)
    if path.parent.name == "exercises":  # a learner ran the template: outputs appear
        for cell in sent["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x\n"}]
                cell["execution_count"] = 1
    model = {"type": "notebook", "content": sent}
    hook(model=model, path=f"{path.parent.name}/{path.name}", contents_manager=None)
    saved = nbformat.writes(nbformat.from_dict(model["content"])) + "\n"
    assert saved == path.read_text()
    assert myst_text(nbformat.reads(saved, 4)) == path.with_suffix(".md").read_text()


def test_split_prints_are_joined_as_jupyterlab_shows_them():
    nb = {"metadata": {}, "cells": [{"cell_type": "code", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "a"},
        {"output_type": "stream", "name": "stdout", "text": ["b\n", "c\n"]},
        {"output_type": "display_data", "data": {}, "metadata": {}},
        {"output_type": "stream", "name": "stdout", "text": "d\n"}]}]}
    outs = canonical(nb)["cells"][0]["outputs"]
    assert [o.get("text") for o in outs] == ["ab\nc\n", None, "d\n"]


def test_the_file_browser_hides_the_twins_but_not_the_start_page():
    from fnmatch import fnmatch

    globs = _server_config().ContentsManager.hide_globs
    hidden = {name for name in ("01_image_model.md", "A1_noise_tails.md", "START_HERE.md",
                                "README.md", "01_image_model.ipynb", "jupytext.toml")
              if any(fnmatch(name, g) for g in globs)}
    assert hidden == {"01_image_model.md", "A1_noise_tails.md", "jupytext.toml"}


def _contents_manager(tmp_path: Path, stem: str = "01_image_model"):
    """jupytext's contents manager (the one JupyterLab uses) on a copy of one lesson."""
    from jupytext import TextFileContentsManager

    (tmp_path / "lessons").mkdir()
    shutil.copyfile(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    for suffix in (".ipynb", ".md"):
        shutil.copyfile(ROOT / "lessons" / (stem + suffix), tmp_path / "lessons" / (stem + suffix))
    cm = TextFileContentsManager(root_dir=str(tmp_path))
    cm.pre_save_hook = _server_config().ContentsManager.pre_save_hook
    return cm, tmp_path / "lessons" / stem


def test_open_and_save_through_jupytext_changes_nothing(tmp_path):
    cm, stem = _contents_manager(tmp_path)
    path = "lessons/01_image_model.ipynb"
    model = cm.get(path)
    model["content"] = _as_jupyterlab_sends(model["content"])
    cm.save(model, path)
    for suffix in (".ipynb", ".md"):
        saved = stem.with_suffix(suffix).read_text()
        assert saved == (ROOT / "lessons" / ("01_image_model" + suffix)).read_text(), suffix


def test_editing_in_jupyterlab_updates_the_twin(tmp_path):
    cm, stem = _contents_manager(tmp_path)
    path = "lessons/01_image_model.ipynb"
    model = cm.get(path)
    model["content"]["cells"][0]["source"] += "\n\nA sentence added in JupyterLab."
    cm.save(model, path)
    md = stem.with_suffix(".md").read_text()
    assert "A sentence added in JupyterLab." in md
    assert md == myst_text(nbformat.read(stem.with_suffix(".ipynb"), as_version=4))


def test_the_learners_copies_get_no_twins(tmp_path):
    from jupytext import TextFileContentsManager

    sys.path.insert(0, str(ROOT))
    from course import copy_exercises

    shutil.copyfile(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    copy_exercises(ROOT / "exercises", tmp_path / "my_work")
    cm = TextFileContentsManager(root_dir=str(tmp_path))
    path = "my_work/01_do_the_maths.ipynb"
    cm.save(cm.get(path), path)
    assert not (tmp_path / "my_work" / "01_do_the_maths.md").exists()

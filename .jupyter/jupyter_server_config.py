"""The course's JupyterLab server settings, loaded by ``python3 course.py lab``.

``course.py`` puts this folder on ``JUPYTER_CONFIG_PATH`` (your own ``~/.jupyter``
settings still come first) and points JupyterLab at ``lab/settings/overrides.json``
here for the course's interface defaults (no news pop-up, Markdown opens as a preview,
the file browser shows whole names).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tools"))
from build_notebooks import pre_save_hook  # noqa: E402

c = get_config()  # noqa: F821 - provided by Jupyter when it loads this file

# Saving a notebook writes it in its committed form (fixed kernel metadata, exercise
# templates without outputs), so that open, run and save leaves `git status` clean.
c.ContentsManager.pre_save_hook = pre_save_hook

# Each notebook is listed once: the MyST twins (NN_topic.md, A1_topic.md) are hidden
# from the file browser; jupytext still keeps them in sync on every save. Also hidden:
# jupytext's settings (my_work/ has its own: no twins there), the browser check's folder.
c.ContentsManager.hide_globs = [
    "__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "*.egg-info",
    "[0-9][0-9]_*.md", "A[0-9]_*.md", "A[0-9][0-9]_*.md", "browser-check",
    "jupytext.toml",
]

# Notebooks open untrusted unless they were saved in this session, so their stored
# figures show as pictures; a stored slider is never shown as "model not found".
c.NotebookNotary.db_file = ":memory:"

# The start page.
c.LabApp.default_url = "/lab/tree/START_HERE.md"

# Interface defaults shipped with the course.
c.LabApp.app_settings_dir = str(HERE / "lab" / "settings")

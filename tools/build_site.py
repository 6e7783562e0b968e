#!/usr/bin/env python3
"""Build the course website from the committed notebooks, without executing them.

    python tools/build_site.py [--out build/site] [--check]

Jupyter Book 1 (Sphinx + MyST-NB) turns the committed, executed notebooks into a static
HTML site: every lesson and appendix (found by their file names, so later lessons join
by themselves), the exercises, the solutions in a section of their own, and the pages
in ``docs/`` (start page, set-up, glossary, instructor guide). Sphinx runs with warnings
as errors. With ``--check`` the built site is then checked: every internal link and
image resolves, every notebook page holds as many figures as its notebook, and every
figure carries alt text.

Why Jupyter Book 1 and not 2: Jupyter Book 2 (mystmd) needs Node.js and fetches its
theme from the internet at build time, which a closed classroom network or CI cannot
give; version 1 is pure Python and builds offline. Maths is rendered by a local copy
of MathJax (from the ``jupyter-server-mathjax`` package), so the site works offline too.

Alt text: a notebook figure has no alt text of its own, so the build writes one for
each: the figure's titles as its code sets them (``set_title``, ``suptitle``,
``title=``), after the words "Figure:"; cells may set their own alt text in the cell
metadata ``mystnb.image.alt``, which wins.
"""

from __future__ import annotations

import argparse
import ast
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SECTIONS = (
    ("Lessons", "lessons", lambda p: p.stem[:1].isdigit()),
    ("Appendices", "lessons", lambda p: p.stem[:1].upper() == "A"),
    ("Exercises", "exercises", lambda p: True),
    ("Solutions", "solutions", lambda p: True),
)
PAGES_BEFORE = ("setup",)
PAGES_AFTER = ("glossary", "instructor_guide")


# ---------------------------------------------------------------------------- sources
def notebooks() -> dict[str, list[Path]]:
    """The notebooks of each section, in file-name order."""
    out: dict[str, list[Path]] = {}
    for title, folder, keep in SECTIONS:
        out[title] = sorted(p for p in (ROOT / folder).glob("*.ipynb") if keep(p))
    return out


_TITLE_CALL = re.compile(r"(?:set_title|suptitle|title)$")


def _strings(node: ast.AST) -> str:
    """The literal text of a string or f-string node ({...} parts dropped)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else "…" for v in node.values]
        return "".join(parts).strip()
    return ""


def figure_titles(source: str) -> list[str]:
    """Titles a plotting cell sets, in order (``set_title``, ``suptitle``, ``title=``)."""
    code = "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    titles = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if _TITLE_CALL.search(name) and node.args:
            titles.append(_strings(node.args[0]))
        titles += [_strings(k.value) for k in node.keywords if k.arg == "title"]
    return [re.sub(r"\s+", " ", t).strip(" :,") for t in titles if t and t.strip()]


def alt_text(cell: dict, heading: str) -> str:
    titles = figure_titles("".join(cell.get("source", "")))
    if titles:
        return "Figure: " + "; ".join(dict.fromkeys(titles))
    return f"Figure for the section '{heading}'" if heading else "Figure"


def prepare_notebook(src: Path, dst: Path) -> int:
    """Copy a notebook, giving each figure alt text; return its number of figures."""
    nb = json.loads(src.read_text())
    heading, n_figures = "", 0
    for cell in nb["cells"]:
        text = "".join(cell.get("source", ""))
        if cell["cell_type"] == "markdown":
            found = re.findall(r"^#+\s+(.+)$", text, flags=re.M)
            heading = found[-1].strip() if found else heading
            continue
        if cell["cell_type"] != "code":
            continue
        images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        for out in images:
            # A slider's cell carries the widget and a picture of its default state. A
            # static page cannot run the widget (its kernel is gone), so it shows the picture.
            out["data"].pop("application/vnd.jupyter.widget-view+json", None)
        n_figures += len(images)
        if images:
            meta = cell.setdefault("metadata", {}).setdefault("mystnb", {})
            image = meta.setdefault("image", {})
            image.setdefault("alt", alt_text(cell, heading))
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(nb))
    return n_figures


def write_book(src: Path) -> dict[str, int]:
    """Lay out the book's sources in ``src``; return figures per notebook page."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for page in DOCS.glob("*.md"):
        shutil.copy(page, src / page.name)
    if (DOCS / "images").is_dir():  # screenshots the pages show (the instructor guide's)
        shutil.copytree(DOCS / "images", src / "images")
    figures: dict[str, int] = {}
    parts = []
    for title, items in notebooks().items():
        chapters = []
        for nb in items:
            rel = f"{nb.parent.name}/{nb.stem}"
            figures[rel] = prepare_notebook(nb, src / nb.parent.name / nb.name)
            chapters.append({"file": rel})
        if chapters:
            parts.append({"caption": title, "chapters": chapters})
    parts.insert(0, {"caption": "Start", "chapters": [{"file": p} for p in PAGES_BEFORE]})
    parts.append({"caption": "For instructors", "chapters": [{"file": p} for p in PAGES_AFTER]})
    toc = {"format": "jb-book", "root": "index", "parts": parts}
    (src / "_toc.yml").write_text(json.dumps(toc, indent=1))  # JSON is valid YAML
    mathjax = _mathjax_dir()
    # Not under _static: Jupyter Book adds every .js file there to every page, which
    # would load MathJax's extensions on their own. html_extra_path copies it as it is.
    shutil.copytree(mathjax, src / "mathjax_local" / "mathjax")
    config = {
        "title": "Cell segmentation in fluorescence microscopy",
        "author": "The cellseg_teach course",
        "copyright": "MIT licence",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "html": {"use_search": True, "home_page_in_navbar": True},
        "parse": {"myst_enable_extensions": ["dollarmath", "amsmath", "html_image", "colon_fence"]},
        "sphinx": {
            "config": {
                # relative to _static, hence the "..": the copy sits at the site's root
                "mathjax_path": "../mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full",
                "html_extra_path": ["mathjax_local"],
                # the local MathJax 2 ships the STIX-Web fonts only
                "mathjax2_config": {
                    "HTML-CSS": {"availableFonts": ["STIX-Web"], "preferredFont": "STIX-Web",
                                 "webFont": "STIX-Web", "imageFont": None},
                    "SVG": {"font": "STIX-Web"},
                    # MyST-NB marks notebook pages "tex2jax_ignore" and its maths "math"
                    # (MathJax 3's processHtmlClass); the MathJax 2 spelling of the same
                    "tex2jax": {"processClass": "tex2jax_process|mathjax_process|math|output_area",
                                "ignoreClass": "tex2jax_ignore|mathjax_ignore"},
                },
                "suppress_warnings": ["mystnb.unknown_mime_type"],
                "nb_output_stderr": "remove",
            }
        },
        "exclude_patterns": ["_build", "**/.ipynb_checkpoints", "mathjax_local"],
    }
    (src / "_config.yml").write_text(json.dumps(config, indent=1))
    return figures


def _mathjax_dir() -> Path:
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


# ---------------------------------------------------------------------------- checks
class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[dict[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag in ("link", "script") and ("href" in a or "src" in a):
            self.links.append(a.get("href") or a.get("src"))
        if tag == "img":
            self.images.append(a)
            self.links.append(a.get("src", ""))


def check_site(html_dir: Path, figures: dict[str, int]) -> list[str]:
    """Problems found in the built site (empty when all is well)."""
    problems = []
    pages = {p: _Page() for p in html_dir.rglob("*.html")}
    for path, page in pages.items():
        page.feed(path.read_text(errors="replace"))
    for path, page in pages.items():
        rel_page = path.relative_to(html_dir)
        if rel_page.parts[0] in ("_static", "mathjax"):  # templates and MathJax's own pages
            continue
        for link in page.links:
            url = urlparse(link)
            if url.scheme or link.startswith(("//", "mailto:", "data:")) or not link:
                continue
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{rel_page}: broken link {link}")
            elif url.fragment and target.suffix == ".html" and target in pages:
                if url.fragment not in pages[target].ids:
                    problems.append(f"{rel_page}: missing anchor {link}")
    for rel, expected in figures.items():
        path = html_dir / f"{rel}.html"
        if path not in pages:
            problems.append(f"{rel}: no page built")
            continue
        output_images = [
            im for im in pages[path].images if "_images/" in im.get("src", "")
        ]
        if len(output_images) != expected:
            problems.append(
                f"{rel}: {len(output_images)} figures on the page, {expected} in the notebook"
            )
        for im in output_images:
            alt = im.get("alt", "")
            if not alt or alt.endswith(".png") or "_images/" in alt:
                problems.append(f"{rel}: a figure without alt text ({im.get('src')})")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "site"), help="output folder")
    parser.add_argument("--check", action="store_true", help="check links, figures, alt text")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    src = out / "src"
    figures = write_book(src)
    build = [
        str(Path(sys.executable).with_name("jupyter-book")), "build", str(src),
        "--path-output", str(out),
        "-W", "--keep-going", "--all",
    ]
    print("+", " ".join(build), flush=True)
    env = dict(os.environ, NO_COLOR="1")  # plain logs in CI
    if subprocess.call(build, env=env) != 0:
        print("site: the build failed or warned (warnings are errors); see above")
        return 1
    html_dir = out / "_build" / "html"
    print(f"site: built {len(list(html_dir.rglob('*.html')))} pages in {html_dir}")
    if args.check:
        problems = check_site(html_dir, figures)
        for p in problems:
            print("PROBLEM", p)
        n_fig = sum(figures.values())
        print(f"site check: {len(figures)} notebook pages, {n_fig} figures, "
              f"{len(problems)} problem(s)")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

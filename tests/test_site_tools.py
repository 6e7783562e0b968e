"""The site builder's own logic (alt text, link and figure checks) and the wheelhouse list."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402
import wheelhouse  # noqa: E402


def test_figure_titles_come_from_the_plotting_code():
    src = (
        "%matplotlib inline\n"
        "fig, ax = plt.subplots()\n"
        "ax.set_title('Raw image')\n"
        "fig.suptitle(f'Two cells {d} px apart')\n"
        "show_image(x, title='Smoothed')\n"
    )
    assert build_site.figure_titles(src) == ["Raw image", "Two cells … px apart", "Smoothed"]
    assert build_site.figure_titles("x = (") == []
    cell = {"source": "plt.plot(x)\n"}
    assert build_site.alt_text(cell, "3. Noise") == "Figure for the section '3. Noise'"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_site_check_finds_broken_links_missing_alt_and_missing_figures(tmp_path):
    _write(tmp_path / "_images" / "a.png", "png")
    _write(tmp_path / "index.html", '<a href="lessons/one.html#sec">x</a><a href="nope.html">y</a>')
    _write(
        tmp_path / "lessons" / "one.html",
        '<h1 id="sec">t</h1><img src="../_images/a.png" alt="Figure: raw image">'
        '<img src="../_images/a.png" alt="../_images/a.png"><a href="#gone">z</a>',
    )
    problems = build_site.check_site(tmp_path, {"lessons/one": 3, "lessons/two": 0})
    text = "\n".join(problems)
    assert "broken link nope.html" in text
    assert "missing anchor #gone" in text
    assert "2 figures on the page, 3 in the notebook" in text
    assert "without alt text" in text
    assert "lessons/two: no page built" in text
    assert len(problems) == 5


def test_site_check_passes_a_good_site(tmp_path):
    _write(tmp_path / "_images" / "a.png", "png")
    _write(tmp_path / "index.html", '<a href="lessons/one.html#sec">x</a>')
    page = '<h1 id="sec">t</h1><img src="../_images/a.png" alt="Figure: x">'
    _write(tmp_path / "lessons" / "one.html", page)
    assert build_site.check_site(tmp_path, {"lessons/one": 1}) == []


def test_every_notebook_goes_into_the_site_and_solutions_have_their_own_section():
    sections = build_site.notebooks()
    assert list(sections) == ["Lessons", "Appendices", "Exercises", "Solutions"]
    listed = {p for items in sections.values() for p in items}
    on_disk = {p for f in ("lessons", "exercises", "solutions") for p in (ROOT / f).glob("*.ipynb")}
    assert listed == on_disk
    assert all(p.parent.name == "solutions" for p in sections["Solutions"])


def test_the_wheelhouse_fetches_every_pin_the_build_backend_and_pip():
    reqs = wheelhouse.requirements()
    assert any(r.startswith("numpy==") for r in reqs)
    assert any(r.startswith("setuptools==") for r in reqs)
    assert any(r.startswith("pip==") for r in reqs)
    assert all("==" in r for r in reqs)
    # pip judges markers by the interpreter it runs on, so they are resolved per target
    py311 = wheelhouse.requirements("3.11")
    assert "numpy==2.3.5" in py311 and not any(";" in r for r in py311)
    plat, py = wheelhouse.this_platform()
    assert plat in wheelhouse.PLATFORMS and py in wheelhouse.PYTHONS

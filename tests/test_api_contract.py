"""docs/api.md is the package's API contract: its signatures are the real ones.

The page lists every public function of the modules below with its parameters and
defaults; this test renders ``inspect.signature`` of each real function the same way
and compares, so a signature or a default that changes without the page (or a page that
changes without the code) fails here. It also checks the page's rules that a machine
can check: optional parameters keyword-only, one name for the size filter, connectivity
as an integer, no bare ``sigma`` where cells are modelled, and the return conventions.
The last tests show that each check can fail.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from pathlib import Path

import numpy as np
import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.md"

MODULES = [
    "cellseg_teach.filters",
    "cellseg_teach.image_model",
    "cellseg_teach.segmentation",
    "cellseg_teach.labels",
    "cellseg_teach.thresholds",
    "cellseg_teach.morphology",
    "cellseg_teach.matching",
    "cellseg_teach.metrics",
    "cellseg_teach.nuclei",
    "cellseg_teach.theory",
    "cellseg_teach.noise_tails",
    "cellseg_teach.mosaic",
    "cellseg_teach.scale",
    "cellseg_teach.omezarr",
    "cellseg_teach.plotting",
    "cellseg_teach.widgets",
    "cellseg_teach.livedead.gradient",
    "cellseg_teach.livedead.masks",
    "cellseg_teach.livedead.nuclei",
    "cellseg_teach.livedead.watershed",
    "cellseg_teach.livedead.pipeline",
    "cellseg_teach.livedead.scores",
    "cellseg_teach.livedead.synthetic",
    "cellseg_teach.learn.features",
    "cellseg_teach.learn.forest",
    "cellseg_teach.learn.unet",
]
"""The modules the page covers (``compare``, ``exercise_checks`` and ``datasets`` have
their own pages and tests)."""

POSITIONAL_OPTIONS = {
    "cellseg_teach.filters",
    "cellseg_teach.image_model",
    "cellseg_teach.segmentation",
    "cellseg_teach.theory",
    "cellseg_teach.noise_tails",
    "cellseg_teach.plotting",
    "cellseg_teach.widgets",
}
"""The seed lesson's modules, whose optional parameters lessons 1-4 pass by position
(rule 4 of the page)."""

TUPLE_RETURNS = {
    "segment", "segment_large", "cell_area_mask", "make_image", "normalise",
    "background_and_noise", "relabel_sequential", "iou_pairs", "smoothed_clipped_noise",
    "footprint_rectangles", "article_segregate_cells",
}  # fmt: skip
"""Functions allowed to return a bare tuple (rule 1 of the page)."""

CELL_WIDTH_MODULES = {
    "cellseg_teach.image_model",
    "cellseg_teach.theory",
    "cellseg_teach.mosaic",
    "cellseg_teach.livedead.synthetic",
}
"""The modules that model cells: a bare ``sigma`` there could be the cell width or the
smoothing, so rule 2 of the page names them ``cell_sigma`` and ``smooth_sigma``."""


def _default(value: object, module: object) -> str:
    """A default as the page writes it: a module constant by its name, else its repr."""
    if isinstance(value, np.ndarray):
        for name in dir(module):
            if name.isupper() and getattr(module, name) is value:
                return name
    return repr(value)


def render(func: object) -> str:
    """``(a, b, *, c=0.5)``: names, kinds and defaults of ``func``, no annotations."""
    module = importlib.import_module(func.__module__)
    parts, star = [], False
    for p in inspect.signature(func).parameters.values():
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if p.kind is p.VAR_POSITIONAL:
            star = True
            parts.append(f"*{p.name}")
        elif p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        elif p.default is p.empty:
            parts.append(p.name)
        else:
            parts.append(f"{p.name}={_default(p.default, module)}")
    return f"({', '.join(parts)})"


def documented(text: str) -> dict[str, str]:
    """``{"module.function": "(parameters)"}`` from the page's signature blocks.

    A block is a fenced ``text`` block after a heading line ``### module``; each line
    ``name(parameters)`` inside it is one function.
    """
    out, module, inside = {}, None, False
    for line in text.splitlines():
        heading = re.match(r"^### `(cellseg_teach[\w.]*)`", line)
        if heading:
            module = heading.group(1)
        elif line.startswith("```"):
            inside = not inside and module is not None
        elif inside and line.strip():
            m = re.match(r"^(\w+)(\(.*\))$", line.strip())
            assert m, f"cannot read the signature line {line!r} under {module}"
            out[f"{module}.{m.group(1)}"] = m.group(2)
    return out


def public_functions() -> dict[str, object]:
    out = {}
    for m in MODULES:
        mod = importlib.import_module(m)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj) and obj.__module__ == m:
                out[f"{m}.{name}"] = obj
    return out


def differences(page: dict[str, str], real: dict[str, object]) -> list[str]:
    problems = [f"{k}: not on the page" for k in sorted(set(real) - set(page))]
    problems += [f"{k}: on the page but not public" for k in sorted(set(page) - set(real))]
    for key in sorted(set(page) & set(real)):
        if page[key] != render(real[key]):
            problems.append(f"{key}: page {page[key]} but code {render(real[key])}")
    return problems


def rule_violations(functions: dict[str, object]) -> list[str]:
    """The page's checkable rules, over ``{"module.name": function}``."""
    problems = []
    for key, func in functions.items():
        module, name = key.rsplit(".", 1)
        params = inspect.signature(func).parameters.values()
        for p in params:
            if p.name in ("min_area", "min_cell_area", "min_nucleus_area"):
                problems.append(f"{key}: size filter named {p.name} (rule 2: min_size)")
            if p.name == "structure":
                problems.append(f"{key}: connectivity as a structure (rule 2: an integer)")
            if p.name == "sigma" and module in CELL_WIDTH_MODULES:
                problems.append(f"{key}: a width named sigma (rule 2: cell_sigma or smooth_sigma)")
            if p.name == "connectivity" and not isinstance(p.default, int):
                problems.append(f"{key}: connectivity default {p.default!r} is not an int")
            if (
                module not in POSITIONAL_OPTIONS
                and p.default is not p.empty
                and p.kind is p.POSITIONAL_OR_KEYWORD
            ):
                problems.append(f"{key}: optional {p.name} is not keyword-only (rule 4)")
        hints = typing.get_type_hints(func) if name not in ("show_image_row",) else {}
        ret = hints.get("return")
        if typing.get_origin(ret) is tuple and name not in TUPLE_RETURNS:
            problems.append(f"{key}: returns a bare tuple (rule 1)")
    return problems


# ---------------------------------------------------------------------------- checks


def test_every_documented_signature_is_the_real_one():
    assert differences(documented(PAGE.read_text(encoding="utf-8")), public_functions()) == []


def test_the_page_rules_hold_for_every_public_function():
    assert rule_violations(public_functions()) == []


def test_the_pipeline_defaults_use_the_one_size_filter_name():
    from cellseg_teach.livedead import DEFAULTS

    assert not [k for k in DEFAULTS if "area" in k and k.startswith("min")]
    assert {"min_cell_size", "min_nucleus_size"} <= set(DEFAULTS)


def test_livedead_docstring_defaults_are_the_real_ones():
    """Every ``name=value`` the subpackage's docstring shows for a function is its default."""
    import cellseg_teach.livedead as ld

    doc = ld.__doc__
    checked = 0
    for call in re.finditer(r"``(\w+)\(([^`]*)\)", doc):
        func = getattr(ld, call.group(1), None)
        if not inspect.isfunction(func):
            continue
        params = inspect.signature(func).parameters
        for name, value in re.findall(r"(\w+)=(\([^)]*\)|[^,)\s]+)", call.group(2)):
            assert name in params, f"{call.group(1)} has no parameter {name}"
            assert repr(params[name].default) == value or str(params[name].default) == value, (
                f"{call.group(1)}: docstring says {name}={value}, "
                f"code {params[name].default!r}")
            checked += 1
    assert checked >= 5


# ------------------------------------------------------------- the checks can fail


def test_a_changed_default_on_the_page_is_caught():
    page = documented(PAGE.read_text(encoding="utf-8"))
    key = "cellseg_teach.metrics.match_iou"
    assert page[key] == "(true_labels, found_labels, *, iou_threshold=0.5)"
    page[key] = "(true_labels, found_labels, *, iou_threshold=0.4)"
    assert differences(page, public_functions()) == [
        f"{key}: page (true_labels, found_labels, *, iou_threshold=0.4) but code "
        "(true_labels, found_labels, *, iou_threshold=0.5)"
    ]


def test_a_changed_signature_in_the_code_is_caught():
    page = documented(PAGE.read_text(encoding="utf-8"))
    real = public_functions()

    def match_iou(true_labels, found_labels, threshold=0.5):  # positional, renamed
        return None

    match_iou.__module__ = "cellseg_teach.metrics"
    real["cellseg_teach.metrics.match_iou"] = match_iou
    problems = differences(page, real)
    assert len(problems) == 1 and "threshold=0.5" in problems[0]
    assert rule_violations({"cellseg_teach.metrics.match_iou": match_iou}) == [
        "cellseg_teach.metrics.match_iou: optional threshold is not keyword-only (rule 4)"
    ]


def test_a_function_missing_from_the_page_is_caught():
    page = documented(PAGE.read_text(encoding="utf-8"))
    del page["cellseg_teach.labels.relabel_sequential"]
    assert differences(page, public_functions()) == [
        "cellseg_teach.labels.relabel_sequential: not on the page"
    ]


@pytest.mark.parametrize(
    "source, problem",
    [
        ("def f(mask, *, min_area=3): pass", "size filter named min_area"),
        ("def f(image, *, structure=None): pass", "connectivity as a structure"),
        ("def f(image, *, connectivity=None): pass", "connectivity default None"),
        ("def f(image) -> tuple[int, int]: pass", "returns a bare tuple"),
    ],
)
def test_each_naming_rule_can_fail(source, problem):
    space: dict = {}
    exec(source, space)  # a tiny function made for the test
    space["f"].__module__ = "cellseg_teach.metrics"
    assert [v for v in rule_violations({"cellseg_teach.metrics.f": space["f"]}) if problem in v]


@pytest.mark.parametrize("module", sorted(CELL_WIDTH_MODULES))
def test_a_cell_width_named_sigma_is_caught(module):
    def render(centres, *, sigma=6):  # the name the seed lesson used for the cell width
        return None

    def smooth(image, sigma=2.0):  # a smoothing width: allowed outside the cell models
        return None

    render.__module__ = module
    assert rule_violations({f"{module}.render": render}) == [
        f"{module}.render: a width named sigma (rule 2: cell_sigma or smooth_sigma)"
    ]
    assert rule_violations({"cellseg_teach.filters.smooth": smooth}) == []

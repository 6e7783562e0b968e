"""Bad input to every public function: a clear error that names the argument, or nothing.

For every public function of the package (the names in each module's ``__all__``), a
table below gives one small set of valid arguments. Hypothesis then replaces one
argument at a time with a bad value (None, strings, booleans, NaN, infinities, negative,
zero and huge sizes, floats where an integer is expected, empty, 0-d, 1-D and 3-D arrays,
complex values, negative and uint64 labels) and accepts only:

* a ``ValueError`` or ``TypeError`` whose message names the argument the caller used
  (the parameter name, as a whole word), or
* a normal return, within a few seconds and without touching much memory, for values
  that may be meaningful (``0`` for an offset, ``None`` where ``None`` is the default);
  but never for NaN, an infinity, or a string given for a number or an array;
* for an argument called ``path``, also ``FileNotFoundError``/``FileExistsError``.

Every call runs under a time limit and an address-space limit, so that a parameter with
no physical meaning at its extreme (a border of 1e12 pixels, a sigma of 1e308) shows up
as a failure here instead of running for minutes. Inputs must come back unmodified.

``cellseg_teach.compare`` and ``cellseg_teach.exercise_checks`` are left out: their
checks of wrong types belong to the exercise helpers' own tests.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import math
import os
import pkgutil
import re
import signal
import sys
import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
# The time and memory limits use POSIX signals and resource limits (not on Windows).
resource = pytest.importorskip("resource")
if not hasattr(signal, "SIGALRM"):
    pytest.skip("needs SIGALRM for the time limit", allow_module_level=True)
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import cellseg_teach  # noqa: E402

pytestmark = pytest.mark.slow

# Modules left out (see the module docstring), and private modules.
# compare and exercise_checks have their own refusal tests (tests/test_compare.py,
# tests/test_exercise_checks.py); a valid local_cluster call starts worker processes, too slow
# to repeat per bad value: tests/test_no_open_ports.py checks its arguments.
# A valid call of the U-Net's functions compiles an XLA program (seconds per input shape
# and network size), too slow to repeat per bad value: tests/test_learn_unet.py checks
# their arguments by name.
EXCLUDED_MODULES = {"cellseg_teach.compare", "cellseg_teach.exercise_checks",
                    "cellseg_teach.cluster", "cellseg_teach.learn.unet"}

TIME_LIMIT = 3.0  # seconds per call
MEMORY_LIMIT = 2 * 2**30  # bytes of address space a call may add
# Bad values per (function, argument), drawn the same way on every run. For a deeper,
# random search: CELLSEG_BAD_INPUT_EXAMPLES=200 pytest tests/test_bad_input.py
MAX_EXAMPLES = int(os.environ.get("CELLSEG_BAD_INPUT_EXAMPLES", "8"))
DERANDOMIZE = "CELLSEG_BAD_INPUT_EXAMPLES" not in os.environ


# --- small valid inputs ------------------------------------------------------------------


def _inputs() -> dict[str, object]:
    """Small valid arguments, built once."""
    from cellseg_teach import livedead
    from cellseg_teach.metrics import match_iou

    yy, xx = np.mgrid[:48, :48]
    img = sum(
        np.exp(-((yy - r) ** 2 + (xx - c) ** 2) / (2 * 4.0**2)) for r, c in [(14, 14), (33, 31)]
    )
    img = img + np.random.default_rng(0).normal(0, 0.02, img.shape)
    lab = np.zeros((48, 48), np.int32)
    lab[8:20, 8:20] = 1
    lab[26:40, 25:38] = 2
    lab2 = np.zeros_like(lab)
    lab2[9:21, 8:19] = 1
    lab2[27:40, 25:37] = 2
    frame = livedead.make_frame(shape=(64, 64), seed=1)
    timelapse = livedead.make_timelapse(n_frames=2, shape=(64, 64), seed=1)
    return {
        "img": img,
        "u16": (img * 1000 + 100).astype(np.uint16),
        "lab": lab,
        "lab2": lab2,
        "mask": lab > 0,
        "centres": np.array([[14.0, 14.0], [33.0, 31.0]]),
        "frame": frame,
        "timelapse": timelapse,
        "tl_result": livedead.run_timelapse(**timelapse.frames),
        "matches": match_iou(lab, lab2),
    }


# Per function (by "module.name" or, when the name is unique, by "name"): a callable that
# returns valid keyword arguments. Parameters with a default that is not None are added
# from the signature and varied too.
def _examples(d: dict[str, object]) -> dict[str, dict[str, object]]:
    import dask.array as da

    img, u16, lab, lab2, mask = d["img"], d["u16"], d["lab"], d["lab2"], d["mask"]
    from cellseg_teach.livedead import DEFAULTS

    fr, tl = d["frame"], d["timelapse"]
    params = {k: v for k, v in DEFAULTS.items() if v is not None}
    classes = fr.classes
    return {
        # top level, image model, filters, segmentation
        "cell_sizes": {"labeled": lab},
        "make_image": {"n_cells": 2, "image_size": 48, "min_separation": 12},
        "make_pure_noise": {"image_size": 32},
        "place_cells": {"n_cells": 2, "image_size": 48, "min_separation": 12},
        "render_cells": {"centres": d["centres"], "shape": 48},
        "true_labels": {"centres": d["centres"], "shape": 48},
        "segment": {"image": img, "min_size": 5},
        "smooth": {"image": img},
        # datasets
        "bbbc039_names": {},
        "load_bbbc039": {"names": ["IXMtest_A15_s5_w1825174D4-ED30-490C-9635-6196417D6C9D"]},
        "verify_bbbc039": {},
        # livedead
        "article_segregate_cells": {
            "cell_area": mask,
            "hoechst_nuclei": lab > 0,
            "draq7_nuclei": np.zeros_like(mask),
        },
        "call_dead": {"nucleus_labels": lab, "draq7_mask": mask},
        "cell_area_mask": {"brightfield": fr.brightfield, "min_cell_size": 20},
        "class_iou": {"true_classes": classes, "found_classes": classes},
        "class_mask": {
            "cell_labels": lab,
            "hoechst_nuclei": np.zeros_like(mask),
            "draq7_nuclei": np.zeros_like(mask),
        },
        "close_mask": {"mask": mask},
        "count_error": {"true_labels": lab, "found_labels": lab2},
        "default_n_cells": {"shape": (64, 64)},
        "live_dead_accuracy": {
            "true_labels": lab,
            "true_dead": np.array([False, True]),
            "found_labels": lab2,
            "found_dead": np.array([False, True]),
        },
        "make_frame": {"shape": (48, 48), "seed": 1},
        "make_timelapse": {"n_frames": 2, "shape": (48, 48), "seed": 1},
        "max_of_tiles_threshold": {"image": fr.brightfield},
        "nucleus_mask": {"image": fr.hoechst},
        "nucleus_threshold": {"image": fr.hoechst},
        "timelapse_threshold": {"frames": tl.frames["draq7"]},
        "open_mask": {"mask": mask},
        "otsu_threshold": {"image": img},
        "read_class_mask": {"path": "<class mask file>"},
        "remove_small_objects": {"mask": mask},
        "run_timelapse": {**tl.frames, **params},
        "score_frame": {
            "true_classes": fr.classes,
            "true_labels": fr.cell_labels,
            "true_dead": fr.dead,
            "found_classes": fr.classes,
            "found_labels": fr.cell_labels,
            "found_dead": fr.dead,
        },
        "score_timelapse": {"timelapse": tl, "result": d["tl_result"]},
        "segment_frame": {
            "brightfield": fr.brightfield,
            "hoechst": fr.hoechst,
            "draq7": fr.draq7,
            **params,
        },
        "segregate_cells": {
            "cell_area": mask,
            "hoechst_nuclei": lab > 0,
            "draq7_nuclei": np.zeros_like(mask),
        },
        "sobel_magnitude": {"image": img},
        "tile_maxima": {"image": img, "coarseness": 4},
        "write_class_mask": {"path": "<new png path>", "classes": classes},
        "dilate_mask": {"mask": mask, "radius": 2},
        "erode_mask": {"mask": mask, "radius": 2},
        "present_labels": {"labels": lab},
        "relabel_sequential": {"labels": lab},
        "footprint_rectangles": {"footprint": np.ones((3, 3), bool)},
        # morphology, matching, metrics
        "disk": {"radius": 3},
        "fill_holes": {"mask": mask},
        "label_outlines": {"labels": lab},
        "iou_matrix": {"true_labels": lab, "found_labels": lab2},
        "label_centroids": {"labels": lab},
        "match_by_distance": {
            "true_centres": d["centres"],
            "found_centres": d["centres"] + 1,
            "max_distance": 5.0,
        },
        "match_by_overlap": {"true_labels": lab, "found_labels": lab2},
        "precision_recall": {"matches": d["matches"]},
        "average_precision": {"true_labels": lab, "found_labels": lab2},
        "contingency": {"true_labels": lab, "found_labels": lab2},
        "detection_scores": {"true_labels": lab, "found_labels": lab2},
        "error_categories": {"true_labels": lab, "found_labels": lab2},
        "error_objects": {"true_labels": lab, "found_labels": lab2},
        "iou_pairs": {"true_labels": lab, "found_labels": lab2},
        "match_iou": {"true_labels": lab, "found_labels": lab2},
        "precision_per_threshold": {"true_labels": lab, "found_labels": lab2},
        # theory, noise tails
        "exceedance_bound": {"threshold": 0.3},
        "exceedance_saddlepoint": {"threshold": 0.3},
        "kernel_weights": {},
        "clipped_noise_mean": {},
        "clipped_noise_std": {},
        "exceedance_fraction": {"threshold": 0.5, "mean": 0.1, "std": 0.2},
        "expected_cell_area": {},
        "midpoint_intensity": {"distance": 24.0},
        "min_separation": {},
        "smoothed_clipped_noise": {},
        "smoothed_noise_std": {},
        "smoothed_peak": {},
        "smoothed_sigma": {},
        "threshold_radius": {},
        # learn (the pixel classifier)
        "class_targets": {"labels": lab},
        "feature_names": {"sigmas": (1.0, 2.0)},
        "learn.features.features": {"image": u16, "sigmas": (1.0, 2.0)},
        "instances_from_probabilities": {
            "prob": np.stack([lab == 0, lab > 0, np.zeros_like(mask)], axis=-1).astype(float),
        },
        "train_forest": {
            "images": [u16],
            "targets": [(lab > 0).astype(np.uint8)],
            "sigmas": (1.0,),
            "n_trees": 2,
            "pixels_per_image": 300,
            "max_depth": 4,
        },
        # nuclei
        "background_and_noise": {"image": u16},
        "estimate_diameter": {"image": u16},
        "nuclei.normalise": {"image": u16},
        "segment_nuclei": {"image": u16, "diameter": 10.0},
        "segment_nuclei_simple": {"image": u16},
        "segment_nuclei_skimage": {"image": u16, "diameter": 10.0},
        # plotting
        "label_colormap": {"n_labels": 3},
        "outlines": {"labels": lab},
        "show_error_gallery": {
            "image": img,
            "true_labels": lab,
            "found_labels": lab2,
            "crop": 16,
            "n_examples": 2,
        },
        "show_histogram": {"image": img},
        "show_image": {"image": img},
        "show_labels": {"image": img, "labels": lab},
        "show_image_row": {"images": [img, img]},
        "show_label_grid": {"labels": lab[:12, :12]},
        # scale-out
        "cell_table": {"labels": da.from_array(lab, chunks=24), "image": img},
        "make_mosaic": {"shape": (64, 64), "chunks": 32, "field_size": 32, "min_separation": 8},
        "mosaic_centres": {"shape": (64, 64), "field_size": 32, "min_separation": 8},
        "segment_large": {"image": img, "min_size": 5},
        "open_image": {"image": img},
        "write_ome_zarr": {"image": img, "path": "<new zarr path>", "chunks": 24},
        "write_labels": {"labels": da.from_array(lab, chunks=24), "out": "<zarr image>"},
        # widgets
        "scale_to_unit": {"image": u16},
        "nuclei_explorer": {},
        "segmentation_explorer": {"image": img},
        "smoothing_explorer": {"image": img},
    }


def public_functions() -> dict[str, object]:
    """{"module.name": function} for every function in a public module's ``__all__``."""
    out: dict[str, object] = {}
    names = ["cellseg_teach"] + [
        m.name for m in pkgutil.walk_packages(cellseg_teach.__path__, "cellseg_teach.")
    ]
    for modname in names:
        if modname in EXCLUDED_MODULES or any(p.startswith("_") for p in modname.split(".")):
            continue
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj.__module__.startswith("cellseg_teach"):
                if obj.__module__ in EXCLUDED_MODULES or obj.__module__.split(".")[-1].startswith(
                    "_"
                ):
                    continue
                out.setdefault(f"{obj.__module__}.{obj.__name__}", obj)
    return out


FUNCTIONS = public_functions()


def _table_key(qualified: str, table: dict) -> str | None:
    parts = qualified.split(".")
    for n in range(len(parts) - 1, 0, -1):  # longest suffix first: "livedead.morphology.x"
        key = ".".join(parts[-n:])
        if key in table:
            return key
    return None


def test_every_public_function_has_examples():
    table = _examples(INPUTS)
    missing = [q for q in FUNCTIONS if _table_key(q, table) is None]
    assert not missing, f"add valid example arguments for {missing}"
    assert len(FUNCTIONS) >= 90  # the enumeration found the package


# --- bad values by kind --------------------------------------------------------------------

NOT_A_NUMBER = [None, "3", b"3", [1, 2], object()]
FLOATS_BAD = [np.nan, np.inf, -np.inf, -1.0, 0.0, -1e-300, 1e12, 1e308, -1e308, True, 2**70]
INTS_BAD = [
    np.nan,
    np.inf,
    True,
    False,
    2.5,
    -1,
    0,
    10**12,
    1e12,
    -(10**9),
    2**70,
    np.uint64(2**63),
]
SHAPES_BAD = [None, "ab", 2.5, 0, -3, 10**12, (0, 5), (-1, 5), (2.5, 3), (5,), (5, 5, 5),
              (10**6, 10**6), (True, 5), (np.nan, 5), (1e308, 1e308)]  # fmt: skip
STRS_BAD = [None, 3, "", "bogus", b"otsu", True]
BOOLS_BAD = [None, "yes", 2, np.nan]
OBJECTS_BAD = [None, "x", 3, np.zeros(3), object()]


def _arrays_bad() -> list[object]:
    big = np.zeros((8, 8), np.uint64)
    big[2:4, 2:4] = 2**63 + 5
    neg = np.zeros((8, 8), np.int32)
    neg[2:4, 2:4] = -3
    nan = np.zeros((8, 8))
    nan[3, 3] = np.nan
    return [
        None,
        "image",
        True,
        3.0,
        np.array(1.0),  # 0-d
        np.zeros(5),  # 1-D
        np.zeros((0, 5)),  # empty
        np.zeros((0, 0), np.int32),
        np.zeros((4, 4, 3)),  # 3-D (an RGB picture)
        np.zeros((2, 4, 4, 2)),
        nan,
        np.full((8, 8), np.inf),
        np.ones((8, 8), complex),
        np.array([["a", "b"], ["c", "d"]]),
        big,  # uint64 labels >= 2**63
        # (one label of 10**9 is left out: memory that follows the largest label value
        # rather than the number of objects is issue 17 item 8, not an input check)
        neg,  # negative labels
        np.ones((1, 1)),
        np.ones((3, 3), bool),
    ]


ARRAYS_BAD = _arrays_bad()


def _must_refuse(value: object, kind: str, default: object) -> bool:
    """Values that must never be accepted silently for a number, a shape or an array."""
    if kind not in ("array", "int", "float", "shape"):
        return False
    if value is None:
        return default is REQUIRED  # a required argument
    if isinstance(value, (str, bytes)):
        return True
    return isinstance(value, float) and not math.isfinite(value)


def _kind(value: object) -> str:
    if isinstance(value, np.ndarray) or type(value).__module__.startswith("dask"):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, tuple) and all(isinstance(v, (int, float)) for v in value):
        return "shape"
    return "object"


def bad_values(kind: str) -> st.SearchStrategy:
    fixed = {
        "array": ARRAYS_BAD,
        "int": NOT_A_NUMBER + INTS_BAD,
        "float": NOT_A_NUMBER + FLOATS_BAD,
        "shape": SHAPES_BAD,
        "str": STRS_BAD,
        "bool": BOOLS_BAD,
        "object": OBJECTS_BAD,
    }[kind]
    strategy = st.sampled_from(fixed)
    # Random integers are small (sizes a call may accept and run at once) or absurd
    # (sizes that must be refused), never in between: a valid 5,000-pixel side would
    # only measure the machine's speed.
    ints = st.integers(-100, 100) | st.integers(10**9, 2**70) | st.integers(-(2**70), -(10**9))
    if kind == "int":
        strategy = strategy | ints | st.floats(allow_nan=True)
    elif kind == "float":
        strategy = strategy | st.floats(allow_nan=True, allow_infinity=True)
    elif kind == "shape":
        side = st.integers(-5, 64) | st.integers(10**9, 2**70)
        strategy = strategy | st.tuples(side, side)
    return strategy


# --- running one call safely -----------------------------------------------------------------


class CallTimeout(Exception):
    pass


@contextlib.contextmanager
def limits():
    """Raise CallTimeout after TIME_LIMIT seconds; cap the address space a call may add."""

    def on_alarm(signum, frame):
        raise CallTimeout(f"did not return within {TIME_LIMIT:.0f} s")

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        in_use = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (in_use + MEMORY_LIMIT, hard))
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _names_argument(message: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message) is not None


def _snapshot(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.copy()
    return None


def call_with(func, kwargs: dict, param: str, value: object, kind: str) -> str | None:
    """None if ``func`` behaves; otherwise a description of what went wrong."""
    import matplotlib.pyplot as plt

    args = dict(kwargs)
    args[param] = value
    before = {k: _snapshot(v) for k, v in args.items()}
    try:
        with limits(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            func(**args)
    except (ValueError, TypeError) as exc:
        if not _names_argument(str(exc), param):
            return f"{type(exc).__name__} does not name {param!r}: {exc}"
    except CallTimeout as exc:
        return str(exc)
    except OSError as exc:
        if param != "path" or not isinstance(exc, (FileNotFoundError, FileExistsError)):
            return f"{type(exc).__name__}: {str(exc)[:300]}"
    except Exception as exc:  # everything else is an obscure crash
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    else:
        default = PARAMS_DEFAULTS.get((func, param), None)  # **params have defaults
        if _must_refuse(value, kind, default):
            return "accepted silently"
    finally:
        plt.close("all")
    for k, old in before.items():
        if old is not None and not np.array_equal(old, args[k], equal_nan=old.dtype.kind in "fc"):
            return f"modified its input {k!r}"
    return None


PARAMS_DEFAULTS: dict = {}
REQUIRED = inspect.Parameter.empty


def _cases() -> list[tuple[str, str]]:
    global INPUTS
    INPUTS = _inputs()
    table = _examples(INPUTS)
    cases = []
    for qualified, func in FUNCTIONS.items():
        key = _table_key(qualified, table)
        if key is None:
            continue
        for p in _full_kwargs(func, table[key]):
            cases.append((qualified, p))
    return cases


def _full_kwargs(func, given_kwargs: dict) -> dict:
    out = {}
    sig = inspect.signature(func)
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        PARAMS_DEFAULTS[(func, name)] = REQUIRED if p.default is p.empty else p.default
        if name in given_kwargs:
            out[name] = given_kwargs[name]
        elif p.default is not p.empty and p.default is not None:
            out[name] = p.default
    # functions taking **params: the extra names in the table
    for name, value in given_kwargs.items():
        out.setdefault(name, value)
    return out


INPUTS: dict = {}
CASES = _cases()


def _resolve(kwargs: dict, tmp_path) -> dict:
    from cellseg_teach.livedead import write_class_mask

    out = dict(kwargs)
    for k, v in kwargs.items():
        if isinstance(v, str) and v == "<class mask file>":
            path = tmp_path / "existing.png"
            if not path.exists():
                write_class_mask(path, INPUTS["frame"].classes)
            out[k] = path
        elif isinstance(v, str) and v == "<new zarr path>":
            out[k] = tmp_path / f"new{np.random.default_rng().integers(1 << 62)}.zarr"
        elif isinstance(v, str) and v == "<zarr image>":  # a fresh image without labels
            from cellseg_teach.omezarr import write_ome_zarr

            out[k] = tmp_path / f"image{np.random.default_rng().integers(1 << 62)}.zarr"
            write_ome_zarr(INPUTS["img"], out[k], chunks=24)
        elif isinstance(v, str) and v == "<new png path>":
            out[k] = tmp_path / f"new{np.random.default_rng().integers(1 << 62)}.png"
    return out


# (function, argument) pairs known to fail, with the reason; each is an expected failure
# (strict: once fixed, the entry must go). Empty when every public function behaves.
KNOWN_FAILURES: dict[str, str] = {}


def _case_param(q: str, p: str):
    key = f"{q.removeprefix('cellseg_teach.')}:{p}"
    marks = []
    if key in KNOWN_FAILURES:
        marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[key], strict=True))
    return pytest.param(q, p, id=key, marks=marks)


@pytest.mark.parametrize(("qualified", "param"), [_case_param(q, p) for q, p in CASES])
def test_bad_input_is_refused_by_name(qualified, param, tmp_path_factory):
    func = FUNCTIONS[qualified]
    table = _examples(INPUTS)
    kwargs = _full_kwargs(func, table[_table_key(qualified, table)])
    tmp = tmp_path_factory.mktemp("bad")
    kind = _kind(kwargs[param])

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=DERANDOMIZE,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is clear
        database=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(value=bad_values(kind))
    def check(value):
        problem = call_with(func, _resolve(kwargs, tmp), param, copy.copy(value), kind)
        assert problem is None, f"{qualified}({param}={value!r}): {problem}"

    check()


def test_valid_examples_run():
    """The table's arguments are valid: each function returns without an error."""
    import matplotlib.pyplot as plt

    table = _examples(INPUTS)
    failures = []
    tmp = __import__("pathlib").Path(__import__("tempfile").mkdtemp())
    for qualified, func in FUNCTIONS.items():
        key = _table_key(qualified, table)
        try:
            with limits():
                func(**_resolve(_full_kwargs(func, table[key]), tmp))
        except Exception as exc:
            failures.append(f"{qualified}: {type(exc).__name__}: {exc}")
        finally:
            plt.close("all")
    assert not failures, "\n".join(failures)


# --- the issue's examples, one readable line each -----------------------------------------


def _message(func, *args, **kwargs) -> str:
    with pytest.raises((ValueError, TypeError)) as err:
        with limits():
            func(*args, **kwargs)
    return str(err.value)


def test_the_issues_examples_name_their_argument():
    from cellseg_teach import image_model, matching, morphology, nuclei
    from cellseg_teach.livedead import cell_area_mask, segment_frame

    fr = INPUTS["frame"]
    chans = (fr.brightfield, fr.hoechst, fr.draq7)
    assert "dead_fraction" in _message(segment_frame, *chans, dead_fraction=0)
    assert "outline_width" in _message(segment_frame, *chans, outline_width=0)
    assert "close_radius" in _message(cell_area_mask, fr.brightfield, close_radius=-1)
    assert "area_coarseness" in _message(cell_area_mask, fr.brightfield, area_coarseness=0)
    assert "smoothing" in _message(nuclei.segment_nuclei_simple, INPUTS["u16"], smoothing=-1)
    assert "mask" in _message(morphology.fill_holes, np.zeros((0, 5), bool))
    assert "labels" in _message(morphology.label_outlines, np.zeros((0, 5), int))
    assert "shape" in _message(image_model.render_cells, [[1, 1]], shape=2.5)
    assert "matches" in _message(matching.precision_recall, None)


def test_absurd_sizes_are_refused_at_once():
    from cellseg_teach import filters, mosaic

    assert "border" in _message(mosaic.mosaic_centres, (64, 64), border=1e12)
    assert "border" in _message(mosaic.mosaic_centres, (64, 64), border=1e308)
    assert "cell_sigma" in _message(mosaic.make_mosaic, (64, 64), cell_sigma=1e12)
    assert "sigma" in _message(filters.smooth, INPUTS["img"], sigma=1e308)


def test_negative_labels_in_cell_table_are_named():
    import dask.array as da

    from cellseg_teach.scale import cell_table

    lab = INPUTS["lab"].copy()
    lab[0, 0] = -1
    assert "labels" in _message(cell_table, da.from_array(lab, chunks=24), INPUTS["img"])


@pytest.mark.parametrize("side", [1, 3, 7, 8, 9])
def test_segment_large_on_tiny_images_agrees_with_segment(side):
    """Under the filter's reach (8 px for sigma=2) Dask cannot overlap chunks."""
    from cellseg_teach import segment, smooth
    from cellseg_teach.scale import segment_large

    image = np.zeros((side, side + 2))
    image[side // 2, 1] = 30.0
    labels, n = segment_large(image, min_size=1)
    expected, n_expected = segment(smooth(image), min_size=1)
    assert n == n_expected
    assert np.array_equal(labels.compute(), expected)


def test_the_property_test_can_fail():
    """A function that crashes, or names the wrong argument, is reported."""

    def crashes(x: float = 1.0) -> None:
        return [][int(x)]

    def misnames(x: float = 1.0) -> None:
        raise ValueError("y must be > 0")

    def hangs(x: float = 1.0) -> None:
        while True:
            pass

    def good(x: float = 1.0) -> None:
        if x != x or x in (float("inf"), -float("inf")):
            raise ValueError(f"x must be finite, got {x}")

    assert "IndexError" in call_with(crashes, {}, "x", 5.0, "float")
    assert "does not name 'x'" in call_with(misnames, {}, "x", 5.0, "float")
    assert "did not return" in call_with(hangs, {}, "x", 5.0, "float")
    assert "accepted silently" in call_with(good, {}, "x", "3", "float")
    assert call_with(good, {}, "x", float("nan"), "float") is None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))

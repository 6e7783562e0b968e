"""Sliders for the pipeline's three knobs: smoothing width, threshold and minimum size.

Each explorer is an ipywidgets box: sliders, a line of text and a figure that is
redrawn when a slider is released. Displayed in a running JupyterLab it is
interactive. Everywhere else it still shows something useful, because the cell's
output also carries a picture of the default state (``image/png``) and the text line
(``text/plain``):

* a notebook opened without running it, a static page (nbconvert, GitHub) or a test
  runner shows the picture of the default state;
* nbval compares the text line (for example ``8 cells found (threshold 0.50, minimum
  size 30 px)``), so the count is checked like any other output; it skips the picture
  and the widget reference, whose id would otherwise be random;
* the widget's id is numbered (``cellseg-teach-segmentation-1`` for the first explorer
  since the kernel started), so running a notebook again and saving it changes nothing.

Figures are drawn with Matplotlib's object interface (no ``pyplot``), so they never
appear twice in a notebook that uses ``%matplotlib inline``.

Examples
--------
>>> explorer = segmentation_explorer()
>>> explorer.summary
'8 cells found (threshold 0.50, minimum size 30 px)'
>>> explorer.threshold.value = 0.95
>>> explorer.summary
'0 cells found (threshold 0.95, minimum size 30 px)'
"""

from __future__ import annotations

import base64
import io
import itertools
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import parameters as P
from ._checks import as_count, as_image, as_positive, as_real, at_most
from .filters import smooth
from .image_model import make_image
from .plotting import show_image, show_labels
from .segmentation import segment

__all__ = [
    "Explorer",
    "nuclei_explorer",
    "scale_to_unit",
    "segmentation_explorer",
    "smoothing_explorer",
]

_NUMBERS = itertools.count(1)


def scale_to_unit(image: object) -> np.ndarray:
    """Scale an image linearly to 0..1: darkest pixel 0, brightest pixel 1.

    Camera images (for example 12-bit values in a uint16 array) become comparable
    with the course's synthetic images, whose cells peak at about 1.

    Parameters
    ----------
    image : array-like, 2-D
        Intensities in any unit (integers or floats).

    Returns
    -------
    numpy.ndarray of float64
        Same shape, values in [0, 1] (all zeros for a uniform image).

    Examples
    --------
    >>> scale_to_unit(np.array([[100, 600], [1100, 4095]], dtype=np.uint16)).round(3).tolist()
    [[0.0, 0.125], [0.25, 1.0]]
    """
    arr = as_image(image).astype(np.float64)
    low, high = float(arr.min()), float(arr.max())
    if high == low:
        return np.zeros_like(arr)
    return (arr - low) / (high - low)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


class Explorer(widgets.VBox):
    """Sliders, a line of text and a figure that follows them.

    Parameters
    ----------
    kind : str
        Short name, part of the widget's id (``cellseg-teach-<kind>-<n>``).
    sliders : list of ipywidgets sliders
        The controls; the figure is redrawn when one of them is released.
    draw : callable
        ``draw(*values) -> (Figure, str)``: the figure and the text line for the
        sliders' values, in the order of ``sliders``.

    Attributes
    ----------
    summary : str
        The current text line (also the cell's plain-text output).
    png : bytes
        The current figure, as PNG.
    """

    def __init__(self, kind: str, sliders: list[widgets.Widget],
                 draw: Callable[..., tuple[Figure, str]]) -> None:
        self._draw = draw
        self.sliders = list(sliders)
        self.text = widgets.HTML()
        self.text.add_class("cellseg-summary")
        self.picture = widgets.Image(format="png")
        self.summary, self.png = "", b""
        super().__init__(
            children=[widgets.HBox(self.sliders), self.text, self.picture],
            model_id=f"cellseg-teach-{kind}-{next(_NUMBERS)}",
        )
        for slider in self.sliders:
            slider.observe(self._update, names="value")
        self._update()

    def _update(self, change: object = None) -> None:
        fig, self.summary = self._draw(*(s.value for s in self.sliders))
        self.png = _png(fig)
        self.picture.layout.width = f"{round(fig.get_figwidth() * fig.dpi)}px"  # not stretched
        self.picture.value = self.png
        self.text.value = f"<b>{self.summary}</b>"

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = self.summary
        data["image/png"] = base64.b64encode(self.png).decode("ascii")
        return data


def _slider(cls, description: str, value, low, high, step, fmt: str | None = None):
    options = {"readout_format": fmt} if fmt else {}
    slider = cls(value=value, min=low, max=high, step=step, description=description,
                 continuous_update=False, style={"description_width": "initial"},
                 layout=widgets.Layout(width="340px"), **options)
    slider.add_class("cellseg-slider")
    return slider


def smoothing_explorer(image: object = None, sigma: float = P.SMOOTH_SIGMA,
                       max_sigma: float = 8.0) -> Explorer:
    """A slider for the smoothing width σ_s, with the smoothed image and a profile.

    Parameters
    ----------
    image : array-like, 2-D, optional
        Intensities (a.u.); default the course's synthetic image (``make_image()``).
        Images with values outside 0..1 (camera images) are scaled by
        :func:`scale_to_unit`.
    sigma : float
        Starting σ_s (pixels), > 0.
    max_sigma : float
        Largest σ_s on the slider (pixels).

    Returns
    -------
    Explorer
        Its ``summary`` names σ_s and the highest smoothed value on the profile.

    Examples
    --------
    >>> smoothing_explorer().summary
    'σ_s = 2.0 px: highest value on the profile 0.91 a.u. (unsmoothed 1.14 a.u.)'
    """
    arr = _prepare(image)
    sigma = as_positive(sigma, "sigma")
    max_sigma = as_positive(max_sigma, "max_sigma")
    at_most(max_sigma, "max_sigma", max(arr.shape), "a blur wider than the image")
    if not 0 < sigma <= max_sigma:
        raise ValueError(f"sigma must be in (0, max_sigma={max_sigma}], got {sigma}")
    # The profile runs along the row of the brightest pixel at the starting σ_s.
    row = int(np.unravel_index(np.argmax(smooth(arr, sigma)), arr.shape)[0])
    x = np.arange(arr.shape[1])
    raw = arr[row]

    def draw(s: float) -> tuple[Figure, str]:
        smoothed = smooth(arr, s)
        fig = Figure(figsize=(10, 4), layout="constrained")
        ax_img, ax_prof = fig.subplots(1, 2, width_ratios=[1, 1.3])
        show_image(smoothed, ax=ax_img, vmin=0, vmax=1,
                   title=f"Smoothed with σ_s = {s:.1f} px")
        ax_img.axhline(row, color="#56B4E9", ls="--", lw=1.2)
        ax_img.set(xlabel="x (pixels)", ylabel="y (pixels)")
        ax_prof.plot(x, raw, color="0.6", lw=0.8, label="unsmoothed")
        ax_prof.plot(x, smoothed[row], color="#0072B2", lw=2, label=f"σ_s = {s:.1f} px")
        ax_prof.axhline(P.THRESHOLD, color="#D55E00", ls=":", label=f"threshold {P.THRESHOLD}")
        ax_prof.set(xlabel="x (pixels)", ylabel="intensity (a.u.)", ylim=(0, max(1.3, raw.max())),
                    title=f"Profile along the dashed row (y = {row})")
        ax_prof.legend(loc="upper right")
        peak = float(smoothed[row].max())
        text = (f"σ_s = {s:.1f} px: highest value on the profile {peak:.2f} a.u. "
                f"(unsmoothed {float(raw.max()):.2f} a.u.)")
        return fig, text

    slider = _slider(widgets.FloatSlider, "σ_s (px)", sigma, 0.5, max_sigma, 0.5, ".1f")
    return Explorer("smoothing", [slider], draw)


def segmentation_explorer(image: object = None, threshold: float = P.THRESHOLD,
                          min_size: int = P.MIN_CELL_SIZE, sigma: float = P.SMOOTH_SIGMA,
                          max_min_size: int = 200) -> Explorer:
    """Sliders for the threshold and the minimum cell size, with the overlay and the count.

    The image is smoothed once (σ_s = ``sigma``); each slider position then runs
    :func:`cellseg_teach.segment` and draws the cells it keeps.

    Parameters
    ----------
    image : array-like, 2-D, optional
        Intensities (a.u.); default the course's synthetic image (``make_image()``).
        Images with values outside 0..1 (camera images) are scaled by
        :func:`scale_to_unit`.
    threshold : float
        Starting threshold (a.u.), in (0, 1).
    min_size : int
        Starting minimum cell size (pixels), 0..``max_min_size``.
    sigma : float
        Smoothing width σ_s (pixels), >= 0.
    max_min_size : int
        Largest minimum size on the slider (pixels).

    Returns
    -------
    Explorer
        With attributes ``threshold`` and ``min_size`` (the two sliders); its
        ``summary`` gives the number of cells found.
    """
    arr = _prepare(image)
    threshold = as_real(threshold, "threshold")
    min_size = as_count(min_size, "min_size")
    max_min_size = as_count(max_min_size, "max_min_size", maximum=10**7)
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    if not 0 <= min_size <= max_min_size:
        raise ValueError(f"min_size must be in 0..max_min_size={max_min_size}, got {min_size}")
    smoothed = smooth(arr, sigma)

    def draw(t: float, m: int) -> tuple[Figure, str]:
        labeled, n = segment(smoothed, threshold=t, min_size=int(m))
        text = f"{n} cells found (threshold {t:.2f}, minimum size {int(m)} px)"
        height, width = arr.shape
        fig = Figure(figsize=(6.5, 6.5 * height / width + 0.6), layout="constrained")
        ax = fig.subplots()
        show_labels(smoothed, labeled, ax=ax, title=text)
        ax.set(xlabel="x (pixels)", ylabel="y (pixels)")
        return fig, text

    t_slider = _slider(widgets.FloatSlider, "threshold (a.u.)", threshold, 0.01, 0.99, 0.01, ".2f")
    m_slider = _slider(widgets.IntSlider, "minimum size (px)", int(min_size), 0, max_min_size,
                       1 if max_min_size <= 200 else 5)
    explorer = Explorer("segmentation", [t_slider, m_slider], draw)
    explorer.threshold, explorer.min_size = t_slider, m_slider
    return explorer


def nuclei_explorer(index: int = 0, threshold: float = 0.15, min_size: int = 100,
                    sigma: float = P.SMOOTH_SIGMA) -> Explorer:
    """:func:`segmentation_explorer` on a real image: BBBC039 nuclei (U2OS, Hoechst).

    The 12-bit camera values are scaled to 0..1 by :func:`scale_to_unit` (darkest pixel 0,
    brightest 1), so the threshold is a fraction of the image's range.

    Parameters
    ----------
    index : int
        Which of the shipped images (0..11, see :func:`cellseg_teach.datasets.bbbc039_names`).
    threshold, min_size, sigma
        Starting values, as in :func:`segmentation_explorer` (nuclei are larger than
        the synthetic cells: the minimum size slider goes to 1000 px).
    """
    from .datasets import bbbc039_names, load_bbbc039

    names = bbbc039_names()
    if not isinstance(index, (int, np.integer)) or not 0 <= index < len(names):
        raise ValueError(f"index must be an integer in 0..{len(names) - 1}, got {index!r}")
    image = load_bbbc039([names[index]])[0].image
    return segmentation_explorer(scale_to_unit(image), threshold=threshold, min_size=min_size,
                                 sigma=sigma, max_min_size=1000)


def _prepare(image: object) -> np.ndarray:
    if image is None:
        return make_image()[0]
    arr = as_image(image)
    if arr.size and (arr.min() < 0 or arr.max() > 1.5):
        return scale_to_unit(arr)
    return arr.astype(np.float64)

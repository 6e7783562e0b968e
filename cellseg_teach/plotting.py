"""Figure helpers that keep plotting code out of the learner's way.

Each helper draws into a Matplotlib ``Axes`` (a new one when ``ax`` is None) and
returns it, so figures can be combined with ``plt.subplots``. Intensity images use
perceptually uniform colour maps that colour-blind readers can read (``magma``,
``viridis``, ``cividis``); labels use the Okabe–Ito palette with outlines, so that
touching cells of the same colour stay distinguishable.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.lines
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from scipy import ndimage

from ._checks import as_count, as_image, as_labels, as_positive, as_real, at_most
from .labels import relabel_sequential
from .morphology import label_outlines

__all__ = [
    "OKABE_ITO",
    "label_colormap",
    "show_error_gallery",
    "show_histogram",
    "show_image",
    "show_labels",
]

OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
)
"""Okabe & Ito (2008) colours, distinguishable with every common colour-vision deficiency."""


def label_colormap(n_labels: int) -> ListedColormap:
    """Colour map for labels 0..n_labels: transparent background, cycling Okabe–Ito colours."""
    n_labels = as_count(n_labels, "n_labels", maximum=2**20)
    colours = [(0, 0, 0, 0)] + [OKABE_ITO[i % len(OKABE_ITO)] for i in range(max(n_labels, 1))]
    return ListedColormap(colours)


def _axes(ax: Axes | None) -> Axes:
    return plt.subplots()[1] if ax is None else ax


def show_image(
    image: object,
    ax: Axes | None = None,
    title: str | None = None,
    cmap: str = "magma",
    colorbar_label: str = "intensity (a.u.)",
    vmin: float | None = None,
    vmax: float | None = None,
) -> Axes:
    """Show a 2-D image with a labelled colour bar and axes in pixels.

    Parameters
    ----------
    image : array-like, 2-D
        Intensities.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Say what the reader should look at.
    cmap : str
        Colour map; the default ``magma`` is perceptually uniform.
    colorbar_label : str
        Quantity and unit shown by the colour bar.
    vmin, vmax : float, optional
        Colour limits (default: data range).

    Returns
    -------
    matplotlib.axes.Axes
    """
    arr = as_image(image, allow_bool=True)
    ax = _axes(ax)
    im = ax.imshow(arr, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, label=colorbar_label, fraction=0.046, pad=0.04)
    ax.set_xlabel("x (pixels)")
    ax.set_ylabel("y (pixels)")
    if title:
        ax.set_title(title)
    return ax


def show_labels(
    image: object,
    labels: object,
    ax: Axes | None = None,
    title: str | None = None,
    fill: bool = True,
    alpha: float = 0.45,
    centres: object | None = None,
    cmap: str = "gray",
    colorbar_label: str = "intensity (a.u.)",
) -> Axes:
    """Overlay labelled regions, with their outlines, on an image.

    Parameters
    ----------
    image : array-like, 2-D
        Background image (grey by default).
    labels : array-like of int, 2-D
        Label image of the same shape, 0 = background.
    ax : matplotlib Axes, optional
        Where to draw.
    title : str, optional
        Figure title.
    fill : bool
        Fill each region with its colour (else outlines only).
    alpha : float
        Opacity of the fill.
    centres : array-like (n, 2), optional
        True centres ``(x, y)`` to mark with white crosses.
    cmap, colorbar_label : str
        Colour map and colour bar label of the background image.

    Returns
    -------
    matplotlib.axes.Axes
    """
    lab = as_labels(labels)
    arr = as_image(image, allow_bool=True)
    alpha = as_real(alpha, "alpha")
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if lab.shape != arr.shape:
        raise ValueError(f"labels shape {lab.shape} differs from image shape {arr.shape}")
    ax = show_image(arr, ax=ax, title=title, cmap=cmap, colorbar_label=colorbar_label)
    lab, present = relabel_sequential(lab)  # colours follow the objects, not label values
    n = present.size
    cm = label_colormap(n)
    if fill and n:
        shown = np.ma.masked_equal(lab, 0)
        ax.imshow(shown, cmap=cm, vmin=0, vmax=max(n, 1), alpha=alpha, interpolation="nearest")
    edge = np.where(label_outlines(lab), lab, 0)
    if n:
        ax.imshow(np.ma.masked_equal(edge, 0), cmap=cm, vmin=0, vmax=max(n, 1),
                  interpolation="nearest")
    if centres is not None:
        c = np.asarray(centres, dtype=float).reshape(-1, 2)
        ax.plot(c[:, 0], c[:, 1], "w+", markersize=8, markeredgewidth=1.5, label="true centre")
    return ax


def show_histogram(
    image: object,
    thresholds: Sequence[float] | dict[str, float] | None = None,
    ax: Axes | None = None,
    bins: int = 100,
    log: bool = True,
    title: str | None = None,
    xlabel: str = "intensity (a.u.)",
) -> Axes:
    """Histogram of pixel intensities with optional vertical threshold lines.

    Parameters
    ----------
    image : array-like, 2-D
        Intensities.
    thresholds : sequence of float or dict {label: value}, optional
        Lines to draw; a dict gives each a legend entry.
    ax : matplotlib Axes, optional
        Where to draw.
    bins : int
        Number of histogram bins.
    log : bool
        Logarithmic count axis (the background peak dwarfs the cells otherwise).
    title, xlabel : str
        Title and x-axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    arr = as_image(image, allow_bool=True)
    bins = as_count(bins, "bins", minimum=1, maximum=10**6)
    ax = _axes(ax)
    ax.hist(arr.ravel(), bins=bins, color="#0072B2", log=log)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("pixels per bin" + (" (log scale)" if log else ""))
    if thresholds is not None:
        items = thresholds.items() if isinstance(thresholds, dict) else (
            (f"threshold {t:g}", t) for t in thresholds)
        styles = ("-", "--", ":", "-.")
        for i, (name, value) in enumerate(items):
            ax.axvline(value, color=OKABE_ITO[(5 + i) % len(OKABE_ITO)],
                       linestyle=styles[i % len(styles)], linewidth=2, label=name)
        ax.legend()
    if title:
        ax.set_title(title)
    return ax


def show_image_row(
    images: Sequence[object],
    titles: Sequence[str] | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "magma",
    colorbar_label: str = "intensity (a.u.)",
    panel_size: float = 3.0,
    suptitle: str | None = None,
) -> tuple[plt.Figure, np.ndarray]:
    """Show images side by side on one colour scale, with one shared colour bar.

    Use it to compare versions of one image (smoothed at several widths, filtered
    by several filters): equal brightness means equal intensity in every panel.

    Parameters
    ----------
    images : sequence of array-like, 2-D
        The images, left to right (shapes may differ).
    titles : sequence of str, optional
        One title per image.
    vmin, vmax : float, optional
        Limits of the shared colour scale (default: the smallest and largest value
        over all images).
    cmap : str
        Colour map; the default ``magma`` is perceptually uniform.
    colorbar_label : str
        Quantity and unit shown by the shared colour bar.
    panel_size : float
        Width and height of each panel (inches).
    suptitle : str, optional
        Title of the whole row: say what to look at.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : numpy.ndarray of Axes, one per image

    Raises
    ------
    ValueError
        If ``images`` is empty, ``titles`` has the wrong length, or ``panel_size`` <= 0.

    Examples
    --------
    >>> import numpy as np
    >>> fig, axes = show_image_row([np.zeros((4, 4)), np.ones((4, 4))], ["dark", "bright"])
    >>> len(axes), axes[1].images[0].get_clim()
    (2, (0.0, 1.0))
    """
    if isinstance(images, np.ndarray) and images.ndim == 2:
        raise ValueError("images must be a sequence of 2-D images, got one 2-D array")
    if images is None or isinstance(images, (str, bytes)) or not hasattr(images, "__iter__"):
        raise TypeError(f"images must be a sequence of 2-D images, got {type(images).__name__}")
    arrays = [as_image(img, f"images[{i}]", allow_bool=True) for i, img in enumerate(images)]
    if not arrays:
        raise ValueError("images is empty; give at least one image")
    if titles is not None and len(titles) != len(arrays):
        raise ValueError(f"titles has {len(titles)} entries for {len(arrays)} images")
    panel_size = as_positive(panel_size, "panel_size")
    at_most(panel_size, "panel_size", 50.0, "inches")
    lo = min(float(a.min()) for a in arrays) if vmin is None else vmin
    hi = max(float(a.max()) for a in arrays) if vmax is None else vmax
    fig, axes = plt.subplots(1, len(arrays), squeeze=False, layout="constrained",
                             figsize=(panel_size * len(arrays) + 1.0, panel_size + 0.9))
    axes = axes[0]
    for i, (ax, arr) in enumerate(zip(axes, arrays, strict=True)):
        im = ax.imshow(arr, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_xlabel("x (pixels)")
        if i == 0:
            ax.set_ylabel("y (pixels)")
        if titles is not None:
            ax.set_title(titles[i])
    fig.colorbar(im, ax=list(axes), label=colorbar_label, shrink=0.9)
    if suptitle:
        fig.suptitle(suptitle)
    return fig, axes


__all__.append("show_image_row")


def show_label_grid(
    labels: object,
    ax: Axes | None = None,
    title: str | None = None,
    max_size: int = 20,
) -> Axes:
    """Draw a small label image pixel by pixel, with each pixel's label written in it.

    Meant for hand-made examples (a few pixels on a side) that show how connected
    components are numbered: background pixels (0) are white and unlabelled, each
    component gets its Okabe–Ito colour, and grid lines separate the pixels so that
    edge and corner contacts are visible.

    Parameters
    ----------
    labels : array-like of int (or bool), 2-D
        Label image, 0 = background; a boolean mask shows its foreground as label 1.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Figure title.
    max_size : int
        Largest side (pixels) accepted: beyond it the numbers are unreadable.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> ax = show_label_grid(np.array([[1, 0], [0, 2]]))
    >>> [t.get_text() for t in ax.texts]
    ['1', '2']
    """
    arr = np.asarray(labels)
    lab = as_labels(arr.astype(np.int64) if arr.dtype == bool else arr)
    max_size = as_count(max_size, "max_size", minimum=1)
    if max(lab.shape) > max_size:
        raise ValueError(f"labels must be at most {max_size} pixels a side (max_size), "
                         f"got shape {lab.shape}")
    ax = _axes(ax)
    seq, present = relabel_sequential(lab)  # colours follow the objects, not label values
    n = present.size
    colours = ["white"] + [OKABE_ITO[i % len(OKABE_ITO)] for i in range(max(n, 1))]
    ax.imshow(seq, cmap=ListedColormap(colours), vmin=0, vmax=max(n, 1),
              interpolation="nearest")
    rows, cols = np.nonzero(lab)  # one text per pixel: at most max_size² of them
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        ax.text(c, r, str(lab[r, c]), ha="center", va="center", fontsize=12, fontweight="bold")
    ax.set_xticks(np.arange(lab.shape[1]))
    ax.set_yticks(np.arange(lab.shape[0]))
    ax.set_xticks(np.arange(-0.5, lab.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, lab.shape[0]), minor=True)
    ax.grid(which="minor", color="0.6", linewidth=1)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("column (pixels)")
    ax.set_ylabel("row (pixels)")
    if title:
        ax.set_title(title)
    return ax


__all__.append("show_label_grid")


ERROR_CATEGORIES = ("split", "merged", "missed", "extra")
TRUE_COLOUR, FOUND_COLOUR = "#56B4E9", "#E69F00"  # Okabe–Ito sky blue and orange


def show_error_gallery(
    image: object,
    true_labels: object,
    found_labels: object,
    n_examples: int = 4,
    crop: int = 64,
    percentiles: tuple[float, float] = (1.0, 99.8),
) -> plt.Figure:
    """Crops around examples of each error category: true outline against found outline.

    One row per category of :func:`cellseg_teach.metrics.error_objects` (split, merged,
    missed, extra), up to ``n_examples`` crops per row, the lowest labels first. Each
    crop is centred on the object in error (a true object for split and missed, a
    found object for merged and extra) and shows the expert outlines in sky blue and
    the found outlines in orange (Okabe–Ito colours, safe for colour-blind readers).

    Parameters
    ----------
    image : array-like, 2-D
        The image (shown in grey, display range from ``percentiles``).
    true_labels, found_labels : array-like of int, 2-D, same shape as ``image``
        Expert and found label images.
    n_examples : int
        Crops per category (>= 1).
    crop : int
        Side of each crop in pixels (>= 8).
    percentiles : (float, float)
        Lower and upper percentiles of ``image`` mapped to black and white.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .metrics import error_objects

    arr = as_image(image)
    t = as_labels(true_labels, "true_labels")
    f = as_labels(found_labels, "found_labels")
    if not arr.shape == t.shape == f.shape:
        raise ValueError(
            f"image {arr.shape}, true_labels {t.shape} and found_labels {f.shape} differ in shape"
        )
    n_examples = as_count(n_examples, "n_examples", minimum=1, maximum=16)
    crop = as_count(crop, "crop", minimum=8, maximum=max(8, *arr.shape))
    try:
        p_lo, p_hi = (as_real(p, "percentiles") for p in percentiles)
    except TypeError:
        raise TypeError(f"percentiles must be a (low, high) pair, got {percentiles!r}") from None
    except ValueError as exc:
        if "percentiles" in str(exc):
            raise
        raise ValueError(f"percentiles must be a (low, high) pair, got {percentiles!r}") from None
    if not 0 <= p_lo < p_hi <= 100:
        raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100, got {percentiles!r}")
    lo, hi = np.percentile(arr, (p_lo, p_hi))
    errors = error_objects(t, f)
    t_edge, f_edge = label_outlines(t), label_outlines(f)
    fig, axes = plt.subplots(
        len(ERROR_CATEGORIES), n_examples, figsize=(2.1 * n_examples, 2.2 * 4), squeeze=False
    )
    for row, cat in enumerate(ERROR_CATEGORIES):
        lab = t if cat in ("split", "missed") else f
        ids = errors[cat][:n_examples]
        centres = ndimage.center_of_mass(np.ones(lab.shape), lab, ids) if ids.size else []
        for col in range(n_examples):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            if col == 0:
                ax.set_ylabel(f"{cat} ({errors[cat].size})", fontsize=11)
            if col >= ids.size:
                ax.set_frame_on(False)
                if col == 0:
                    ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
                continue
            r0, c0 = (round(v) - crop // 2 for v in centres[col])
            r0 = min(max(r0, 0), max(arr.shape[0] - crop, 0))
            c0 = min(max(c0, 0), max(arr.shape[1] - crop, 0))
            win = np.s_[r0:r0 + crop, c0:c0 + crop]
            ax.imshow(arr[win], cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
            rgba = np.zeros((*t_edge[win].shape, 4))
            rgba[t_edge[win]] = matplotlib.colors.to_rgba(TRUE_COLOUR)
            rgba[f_edge[win]] = matplotlib.colors.to_rgba(FOUND_COLOUR)
            both = t_edge[win] & f_edge[win]
            rgba[both] = matplotlib.colors.to_rgba("white")
            ax.imshow(rgba, interpolation="nearest")
            ax.set_title(f"{'true' if lab is t else 'found'} #{ids[col]}", fontsize=9)
    handles = [
        matplotlib.lines.Line2D([], [], color=TRUE_COLOUR, lw=3, label="expert outline"),
        matplotlib.lines.Line2D([], [], color=FOUND_COLOUR, lw=3, label="found outline"),
        matplotlib.lines.Line2D([], [], color="white", lw=3, label="both (agree)",
                                markeredgecolor="k"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=True, facecolor="0.6")
    fig.suptitle(f"Errors by category (crops of {crop}×{crop} px): where the outlines differ")
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    return fig

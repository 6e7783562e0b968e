"""The pixel features of a pixel classifier, and the classes it learns.

:func:`features` is the filter bank that ilastik's pixel classifier made standard: at each
scale σ, the Gaussian-smoothed image, its Laplacian of Gaussian (LoG), its gradient
magnitude, a difference of Gaussians (DoG) and the two eigenvalues of its Hessian. Each is
an image the learner can look at: the classifier only sees, at every pixel, this column of
numbers. :func:`class_targets` turns an instance label image into the three classes the
classifier learns (background, interior, boundary), so that touching nuclei can be told
apart again by a watershed (:func:`~cellseg_teach.learn.instances_from_probabilities`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._checks import as_count, as_labels, as_positive, at_most
from ..filters import smooth
from ..morphology import _WHY, _reach, label_outlines
from ..nuclei import normalise

__all__ = ["BACKGROUND", "BOUNDARY", "DEFAULT_SIGMAS", "INTERIOR", "UNLABELLED",
           "class_targets", "feature_names", "features"]

DEFAULT_SIGMAS = (1.0, 2.0, 4.0, 8.0, 16.0)
"""Scales of the filter bank (pixels): from pixel noise up to a whole nucleus (≈ 28 px
across in the shipped BBBC039 images)."""

DOG_RATIO = 1.6
"""The DoG at σ is ``G(σ) − G(1.6 σ)``, the classic approximation of a LoG."""

BACKGROUND, INTERIOR, BOUNDARY = 0, 1, 2
"""The three classes of :func:`class_targets`."""

UNLABELLED = 255
"""Target value of a pixel nobody labelled (sparse scribbles): ignored in training."""

_KINDS = ("gaussian", "log", "gradient", "dog", "hessian_max", "hessian_min")


def _as_sigmas(sigmas: object) -> tuple[float, ...]:
    if isinstance(sigmas, (str, bytes)) or not isinstance(sigmas, Sequence | np.ndarray):
        raise TypeError(f"sigmas must be a sequence of scales (pixels), got {sigmas!r}")
    out = tuple(as_positive(s, f"sigmas[{i}]") for i, s in enumerate(sigmas))
    if not out:
        raise ValueError("sigmas must hold at least one scale (pixels)")
    if len(set(out)) != len(out):
        raise ValueError(f"sigmas must be distinct, got {out}")
    return out


def feature_names(*, sigmas: Sequence[float] = DEFAULT_SIGMAS) -> list[str]:
    """Names of the feature planes of :func:`features`, in order.

    ``"intensity"`` first, then for each σ: ``"gaussian σ=…"``, ``"log σ=…"``,
    ``"gradient σ=…"``, ``"dog σ=…"``, ``"hessian_max σ=…"``, ``"hessian_min σ=…"``.

    Examples
    --------
    >>> feature_names(sigmas=(1, 2))[:3]
    ['intensity', 'gaussian σ=1', 'log σ=1']
    >>> len(feature_names())
    31
    """
    return ["intensity"] + [f"{k} σ={s:g}" for s in _as_sigmas(sigmas) for k in _KINDS]


def features(image: object, *, sigmas: Sequence[float] = DEFAULT_SIGMAS) -> np.ndarray:
    """The filter bank of a pixel classifier: one feature image per filter and scale.

    The image is first expressed in background noise units
    (:func:`cellseg_teach.nuclei.normalise`), so that the features do not depend on camera
    gain or exposure. Then, for each σ (pixels), from the Gaussian-smoothed image ``G``
    (:func:`cellseg_teach.smooth`) and its finite-difference derivatives:

    * ``gaussian``: ``G`` itself (the local brightness);
    * ``log``: σ² (∂²G/∂x² + ∂²G/∂y²), the scale-normalised Laplacian of Gaussian:
      strongly negative at the centre of a bright blob about 2.8 σ across (a spot
      detector);
    * ``gradient``: σ |∇G|, the scale-normalised gradient magnitude (edges);
    * ``dog``: ``G(σ) − G(1.6 σ)``, a difference of Gaussians (≈ −0.5 × the LoG);
    * ``hessian_max``, ``hessian_min``: σ² × the two eigenvalues of the Hessian of ``G``
      (both negative on a bright blob, one on a bright ridge).

    Plane 0 is the normalised intensity. :func:`feature_names` names the planes.

    Parameters
    ----------
    image : array-like, 2-D
        Raw intensities (e.g. a uint16 camera image); not modified. Not constant.
    sigmas : sequence of float
        Scales (pixels, > 0, distinct).

    Returns
    -------
    numpy.ndarray of float32, shape (H, W, 1 + 6 × len(sigmas))
        In noise standard deviations (scaled as above).

    Examples
    --------
    >>> import numpy as np
    >>> yy, xx = np.mgrid[:41, :41]
    >>> blob = 100 + 50 * np.exp(-((xx - 20) ** 2 + (yy - 20) ** 2) / (2 * 3.0 ** 2))
    >>> f = features(blob + np.random.default_rng(0).normal(0, 1, blob.shape), sigmas=(2,))
    >>> f.shape, f.dtype.name
    ((41, 41, 7), 'float32')
    >>> np.unravel_index(np.argmin(f[..., 2]), (41, 41))   # the LoG's minimum: the centre
    (np.int64(20), np.int64(20))
    """
    sigmas = _as_sigmas(sigmas)
    z = normalise(image)[0]  # checks the image; float64, noise units
    for i, s in enumerate(sigmas):
        at_most(s, f"sigmas[{i}]", 4 * max(z.shape), "a blur much wider than the image")
    planes = [z]
    for s in sigmas:
        g = smooth(z, s)
        gy, gx = np.gradient(g)
        gyy, gyx = np.gradient(gy)
        gxx = np.gradient(gx, axis=1)
        half_trace = (gxx + gyy) / 2
        root = np.sqrt(((gxx - gyy) / 2) ** 2 + gyx**2)
        planes += [
            g,
            s**2 * (gxx + gyy),
            s * np.hypot(gx, gy),
            g - smooth(z, DOG_RATIO * s),
            s**2 * (half_trace + root),
            s**2 * (half_trace - root),
        ]
    return np.stack(planes, axis=-1).astype(np.float32)


def class_targets(labels: object, *, boundary_width: int = 2) -> np.ndarray:
    """The three classes a pixel classifier learns, from an instance label image.

    Parameters
    ----------
    labels : array-like of int, 2-D
        Instance labels, 0 = background; not modified.
    boundary_width : int
        Thickness of the boundary class (pixels, >= 1), inside each object: the pixels
        of :func:`cellseg_teach.morphology.label_outlines` with this ``width``. Touching
        nuclei both get a boundary along their contact, so the interiors stay apart.

    Returns
    -------
    numpy.ndarray of uint8
        0 = background, 1 = interior, 2 = boundary.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.zeros((7, 7), int); lab[1:6, 1:6] = 1
    >>> class_targets(lab, boundary_width=1)[3].tolist()
    [0, 2, 1, 1, 1, 2, 0]
    """
    lab = as_labels(labels, "labels")
    boundary_width = as_count(boundary_width, "boundary_width", minimum=1,
                              maximum=_reach(lab.shape), why=_WHY)
    out = (lab > 0).astype(np.uint8)  # INTERIOR where labelled
    out[label_outlines(lab, width=boundary_width)] = BOUNDARY
    return out

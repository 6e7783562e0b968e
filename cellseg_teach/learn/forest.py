"""A random-forest pixel classifier (ilastik's method), and instances from its output.

:func:`train_forest` fits scikit-learn's random forest to the :func:`features` of a sample
of labelled pixels; :meth:`PixelForest.predict_proba` gives, at every pixel, the
probability of background, interior and boundary; :func:`instances_from_probabilities`
turns those maps into nuclei with the course's seeded watershed (the one
:func:`cellseg_teach.nuclei.segment_nuclei` uses).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from .._checks import as_count, as_image, as_positive, as_real
from ..labels import relabel_sequential
from ..nuclei import _seeded_watershed
from .features import (
    BACKGROUND,
    BOUNDARY,
    DEFAULT_SIGMAS,
    INTERIOR,
    UNLABELLED,
    _as_sigmas,
    feature_names,
    features,
)

try:  # imported once, with the package, not inside the first training call
    from sklearn.ensemble import RandomForestClassifier
except ImportError:  # the "learn" extra is not installed
    RandomForestClassifier = None

__all__ = ["PixelForest", "instances_from_probabilities", "train_forest"]

N_CLASSES = 3


@dataclass
class PixelForest:
    """A trained pixel classifier: the forest and the filter bank it was trained on.

    Attributes
    ----------
    forest : sklearn.ensemble.RandomForestClassifier
        The fitted forest (classes: the subset of 0, 1, 2 present in training).
    sigmas : tuple of float
        The scales of :func:`features` (pixels).
    feature_importances_ : numpy.ndarray
        Mean decrease in impurity of each feature (sums to 1), in the order of
        :attr:`feature_names`.
    feature_names : list of str
        The names of the feature planes.
    n_pixels : int
        Number of training pixels.
    """

    forest: object
    sigmas: tuple[float, ...]
    feature_importances_: np.ndarray = field(repr=False)
    feature_names: list[str] = field(repr=False)
    n_pixels: int = 0
    extra_features: object = None

    def features(self, image: object) -> np.ndarray:
        """The feature planes the forest reads: :func:`features` at :attr:`sigmas`, then
        the planes of ``extra_features`` if it was given."""
        return _all_features(image, self.sigmas, self.extra_features)

    def predict_proba(self, image: object) -> np.ndarray:
        """Probability of background, interior and boundary at every pixel.

        Parameters
        ----------
        image : array-like, 2-D
            Raw intensities, as in training; not modified.

        Returns
        -------
        numpy.ndarray of float64, shape (H, W, 3)
            Planes 0, 1, 2 = background, interior, boundary; they sum to 1. A class the
            training targets never held has probability 0.
        """
        f = self.features(image)
        h, w, n = f.shape
        p = self.forest.predict_proba(f.reshape(-1, n))
        out = np.zeros((h * w, N_CLASSES))
        out[:, np.asarray(self.forest.classes_, dtype=int)] = p
        return out.reshape(h, w, N_CLASSES)


def _all_features(image: object, sigmas: tuple, extra: object) -> np.ndarray:
    f = features(image, sigmas=sigmas)
    if extra is None:
        return f
    more = np.asarray(extra(image), dtype=np.float32)
    if more.ndim == 2:
        more = more[..., None]
    if more.ndim != 3 or more.shape[:2] != f.shape[:2]:
        raise ValueError(f"extra_features must return (H, W) or (H, W, k) planes for an image "
                         f"of shape {f.shape[:2]}, got shape {more.shape}")
    if not np.isfinite(more).all():
        raise ValueError("extra_features returned NaN or infinite values")
    return np.concatenate([f, more], axis=-1)


def _sample(target: np.ndarray, per_image: int, rng: np.random.Generator) -> np.ndarray:
    """Flat indices of up to ``per_image`` labelled pixels, shared equally by the classes
    present (the rare boundary class would otherwise be drawn ~10 times less often)."""
    flat = target.ravel()
    present = [c for c in (BACKGROUND, INTERIOR, BOUNDARY) if (flat == c).any()]
    picks = []
    for c in present:
        where = np.flatnonzero(flat == c)
        k = min(where.size, per_image // len(present))
        picks.append(rng.choice(where, size=k, replace=False))
    return np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)


def train_forest(
    images: Sequence[object],
    targets: Sequence[object],
    *,
    sigmas: Sequence[float] = DEFAULT_SIGMAS,
    n_trees: int = 25,
    pixels_per_image: int = 4000,
    max_depth: int | None = 14,
    random_state: int = 0,
    extra_features: object = None,
) -> PixelForest:
    """Train a random-forest pixel classifier on labelled pixels.

    From each image, up to ``pixels_per_image`` labelled pixels are drawn at random, in
    equal numbers from each class present; their :func:`features` are the training rows.
    One thread (``n_jobs=1``) and a fixed ``random_state`` make the forest bit-identical
    from run to run.

    Parameters
    ----------
    images : sequence of 2-D arrays
        Raw intensities; not modified.
    targets : sequence of 2-D integer arrays
        Same shapes: 0 = background, 1 = interior, 2 = boundary (:func:`class_targets`),
        255 = unlabelled (ignored: sparse scribbles work).
    sigmas : sequence of float
        Scales of the filter bank (pixels).
    n_trees : int
        Number of trees (>= 1).
    pixels_per_image : int
        Training pixels drawn per image (>= 3).
    max_depth : int or None
        Deepest tree (>= 1), None for no limit: limiting it keeps training and
        prediction fast at almost no cost in accuracy.
    random_state : int
        Seed of the pixel sample and of the forest.
    extra_features : callable, optional
        ``extra_features(image) -> (H, W)`` or ``(H, W, k)`` array: planes of your own,
        appended after the filter bank (exercise 7). The forest keeps it and computes
        them again in :meth:`PixelForest.predict_proba`.

    Returns
    -------
    PixelForest

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((40, 40)); img[10:30, 10:30] = 100
    >>> img = img + np.random.default_rng(0).normal(0, 5, img.shape)
    >>> lab = np.zeros((40, 40), int); lab[10:30, 10:30] = 1
    >>> from cellseg_teach.learn import class_targets
    >>> model = train_forest([img], [class_targets(lab)], n_trees=5, sigmas=(1, 2))
    >>> p = model.predict_proba(img)
    >>> int(p[20, 20].argmax()), int(p[2, 2].argmax())
    (1, 0)
    """
    for value, name in ((images, "images"), (targets, "targets")):
        if isinstance(value, (str, bytes, np.ndarray)) or not isinstance(value, Sequence):
            raise TypeError(f"{name} must be a list of 2-D arrays, got {type(value).__name__}")
    images, targets = list(images), list(targets)
    if not images:
        raise ValueError("images is empty: train_forest needs at least one image")
    if len(images) != len(targets):
        raise ValueError(f"images has {len(images)} images but targets has {len(targets)}")
    sigmas = _as_sigmas(sigmas)
    n_trees = as_count(n_trees, "n_trees", minimum=1, maximum=10_000,
                       why="more trees than a pixel classifier ever needs")
    pixels_per_image = as_count(pixels_per_image, "pixels_per_image", minimum=3)
    if extra_features is not None and not callable(extra_features):
        raise TypeError(f"extra_features must be a function of the image, got "
                        f"{type(extra_features).__name__}")
    if max_depth is not None:
        max_depth = as_count(max_depth, "max_depth", minimum=1)
    random_state = as_count(random_state, "random_state", maximum=2**32 - 1)
    rng = np.random.default_rng(random_state)
    rows, ys = [], []
    for i, (image, target) in enumerate(zip(images, targets, strict=True)):
        img = as_image(image, f"images[{i}]")
        t = np.asarray(target)
        if t.shape != img.shape:
            raise ValueError(f"targets[{i}] has shape {t.shape}, images[{i}] {img.shape}")
        if not np.issubdtype(t.dtype, np.integer) or t.dtype == bool:
            raise TypeError(f"targets[{i}] must be an integer class image, got {t.dtype}")
        bad = ~np.isin(t, (BACKGROUND, INTERIOR, BOUNDARY, UNLABELLED))
        if bad.any():
            raise ValueError(
                f"targets[{i}] holds {t[bad].flat[0]}: classes are 0, 1, 2 and "
                f"{UNLABELLED} (unlabelled)"
            )
        idx = _sample(t, pixels_per_image, rng)
        if idx.size == 0:
            continue
        f = _all_features(img, sigmas, extra_features)
        rows.append(f.reshape(-1, f.shape[-1])[idx])
        ys.append(t.ravel()[idx])
    if not rows:
        raise ValueError("targets hold no labelled pixel (all 255): nothing to learn from")
    if RandomForestClassifier is None:
        raise ImportError("train_forest needs scikit-learn (the course's 'learn' extra): "
                          "pip install scikit-learn")
    x, y = np.concatenate(rows), np.concatenate(ys)
    forest = RandomForestClassifier(
        n_estimators=n_trees, max_depth=max_depth, min_samples_leaf=2,
        n_jobs=1, random_state=random_state,
    ).fit(x, y)
    return PixelForest(
        forest=forest,
        sigmas=sigmas,
        feature_importances_=forest.feature_importances_,
        feature_names=feature_names(sigmas=sigmas)
        + [f"extra {i}" for i in range(x.shape[1] - len(feature_names(sigmas=sigmas)))],
        n_pixels=int(y.size),
        extra_features=extra_features,
    )


def instances_from_probabilities(
    prob: object, *, seed_threshold: float = 0.5, min_size: float = 49.0
) -> np.ndarray:
    """Nuclei from class probabilities: interior seeds, flooded over the boundary.

    1. Foreground: pixels where the background probability is below 0.5.
    2. Seeds: connected regions where the interior probability exceeds
       ``seed_threshold``; the boundary class keeps touching nuclei's seeds apart.
    3. The course's seeded watershed (the one of
       :func:`cellseg_teach.nuclei.segment_nuclei`) floods ``1 − P(interior)`` from the
       seeds inside the foreground, so two nuclei meet where the boundary is most
       probable; a foreground region without a seed is a nucleus of its own.
    4. Objects smaller than ``min_size`` pixels are dropped; labels renumbered 1..n.

    Parameters
    ----------
    prob : array-like, shape (H, W, 3)
        Probabilities of background, interior and boundary (as
        :meth:`PixelForest.predict_proba` or :func:`predict_nuclei` make them), in [0, 1].
    seed_threshold : float
        Interior probability above which a pixel is a seed, in (0, 1).
    min_size : float
        Smallest object kept (pixels, >= 0); the default is ``(28 / 4)²``, as in
        :func:`~cellseg_teach.nuclei.segment_nuclei`.

    Returns
    -------
    numpy.ndarray of int32, shape (H, W)
        0 = background, 1..n = nuclei.

    Examples
    --------
    >>> import numpy as np
    >>> prob = np.zeros((5, 9, 3)); prob[..., 0] = 1
    >>> prob[1:4, 1:8] = (0, 1, 0); prob[1:4, 4] = (0, 0.2, 0.8)   # two touching nuclei
    >>> instances_from_probabilities(prob, min_size=0)[2].tolist()
    [0, 1, 1, 1, 2, 2, 2, 2, 0]
    """
    p = as_image(prob, "prob", ndim=3)
    if p.shape[-1] != N_CLASSES:
        raise ValueError(f"prob must have shape (H, W, 3), got {p.shape}")
    if p.min() < -1e-6 or p.max() > 1 + 1e-6:  # rounding in a sum of probabilities
        raise ValueError("prob must hold probabilities in [0, 1]")
    seed_threshold = as_real(seed_threshold, "seed_threshold")
    if not 0 < seed_threshold < 1:
        raise ValueError(f"seed_threshold must be in (0, 1), got {seed_threshold}")
    min_size = as_positive(min_size, "min_size", allow_zero=True)
    interior = p[..., INTERIOR]
    mask = p[..., BACKGROUND] < 0.5
    seeds, _ = ndimage.label(mask & (interior > seed_threshold))
    labels = _seeded_watershed(1.0 - interior, seeds, mask)
    return relabel_sequential(labels, min_size=math.ceil(min_size))[0]

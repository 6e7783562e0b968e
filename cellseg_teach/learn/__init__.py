"""Learning to segment: a random-forest pixel classifier and a small U-Net.

Needs the ``learn`` extra (scikit-learn for the forest; JAX and optax for the U-Net),
which ``course.py setup`` installs.

* :func:`features`, :func:`feature_names`: the ilastik-style filter bank.
* :func:`class_targets`: background / interior / boundary classes from instance labels.
* :func:`train_forest` → :class:`PixelForest`: a random forest on labelled (or scribbled)
  pixels; :meth:`PixelForest.predict_proba` gives the class probabilities.
* :func:`instances_from_probabilities`: nuclei from those probabilities (seeded watershed).
* :func:`init_unet`, :func:`unet_apply`, :func:`train_unet`, :func:`save_unet`,
  :func:`load_unet`, :func:`predict_nuclei`: the U-Net in plain JAX, and its shipped
  weights.
"""

from .features import (
    BACKGROUND,
    BOUNDARY,
    DEFAULT_SIGMAS,
    INTERIOR,
    UNLABELLED,
    class_targets,
    feature_names,
    features,
)
from .forest import PixelForest, instances_from_probabilities, train_forest
from .unet import (
    SHIPPED_WEIGHTS,
    UNetTraining,
    init_unet,
    load_unet,
    predict_nuclei,
    prepare_image,
    save_unet,
    train_unet,
    unet_apply,
    unet_probabilities,
)

__all__ = [
    "BACKGROUND",
    "BOUNDARY",
    "DEFAULT_SIGMAS",
    "INTERIOR",
    "SHIPPED_WEIGHTS",
    "UNLABELLED",
    "PixelForest",
    "UNetTraining",
    "class_targets",
    "feature_names",
    "features",
    "init_unet",
    "instances_from_probabilities",
    "load_unet",
    "predict_nuclei",
    "prepare_image",
    "save_unet",
    "train_forest",
    "train_unet",
    "unet_apply",
    "unet_probabilities",
]

"""A small U-Net in plain JAX: its layers, its training loop, its shipped weights.

Plain JAX (with optax for the optimiser) rather than a layer library such as Flax: the
whole network is the ~40 lines of :func:`init_unet` and :func:`unet_apply` below, its
parameters a flat dictionary of named arrays that a learner can print, plot and save to an
``.npz`` file without pickle, and the install is JAX + optax only.

Architecture (depth 3, base 8, the defaults): three levels of two 3×3 convolutions with
ReLU (8, 16, 32 channels), each followed by a 2×2 max-pool; a bottleneck of two
convolutions (64 channels); three decoder levels that upsample ×2 (nearest neighbour and a
3×3 convolution), concatenate the encoder's output of the same level (the skip
connection) and apply two convolutions; a 1×1 convolution to the outputs. About 134 000
parameters; the receptive field of an output pixel is about 100 px across.

Two output schemes, compared on 3 held-out shipped images by ``benchmarks/search_unet.py``
(the shipped weights use ``"distance"``, which scored better: ``benchmarks/results_learn.md``):

* ``"classes"``: 3 channels, the logits of background, interior and boundary
  (:func:`~cellseg_teach.learn.class_targets`), trained with cross-entropy;
* ``"distance"``: 2 channels, the logit of foreground and the logit of the distance to
  the object's edge divided by :data:`DISTANCE_SCALE` and clipped to 1, trained with
  binary cross-entropy on both. Its outputs become the same three probabilities
  (background 1 − f, interior f·d, boundary f·(1 − d)).

Either way :func:`~cellseg_teach.learn.instances_from_probabilities` makes the nuclei.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from .._checks import as_count, as_image, as_labels, as_positive, as_real
from ..morphology import label_outlines
from ..nuclei import normalise
from .features import class_targets
from .forest import instances_from_probabilities

__all__ = [
    "DISTANCE_SCALE",
    "SHIPPED_WEIGHTS",
    "UNetTraining",
    "init_unet",
    "load_unet",
    "predict_nuclei",
    "prepare_image",
    "save_unet",
    "train_unet",
    "unet_apply",
    "unet_probabilities",
]

SHIPPED_WEIGHTS = Path(__file__).resolve().parents[1] / "data" / "unet" / "unet_bbbc039.npz"
"""The shipped weights (made by ``benchmarks/train_unet.py``); their SHA-256 is in the
file of the same name ending ``.sha256``, and the training record in ``.json``."""

DISTANCE_SCALE = 6.0
"""Pixels from an object's edge at which the ``"distance"`` target reaches 1."""

INPUT_SCALE = 4.0
"""The network sees ``arcsinh(z / 4)`` of the image ``z`` in noise units: background
noise stays about ±0.25, nuclei 20–100 noise deviations bright become 2.3–3.9."""

SCHEMES = {"classes": 3, "distance": 2}


def _jax():
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as err:  # the "learn" extra
        raise ImportError(
            "the U-Net needs JAX and optax (the course's 'learn' extra): "
            "pip install jax optax"
        ) from err
    return jax, jnp


# ----------------------------------------------------------------------------- network
def _conv_init(rng: np.random.Generator, k: int, c_in: int, c_out: int) -> tuple:
    """He-normal weights (k, k, c_in, c_out) and zero biases, as float32."""
    w = rng.normal(0.0, math.sqrt(2.0 / (k * k * c_in)), (k, k, c_in, c_out))
    return w.astype(np.float32), np.zeros(c_out, np.float32)


def init_unet(seed: int, *, depth: int = 3, base: int = 8, n_out: int = 3) -> dict:
    """Random initial parameters of a U-Net.

    Parameters
    ----------
    seed : int
        Seed of the He-normal initialisation (numpy), >= 0.
    depth : int
        Number of 2× down-samplings (1..6); the input's sides must be multiples of
        ``2**depth``.
    base : int
        Channels of the first level (>= 1), doubled at each level down.
    n_out : int
        Output channels: 3 for the ``"classes"`` scheme, 2 for ``"distance"``.

    Returns
    -------
    dict of str to numpy.ndarray (float32)
        Named weights ``"enc0.conv1.w"``, biases ``"enc0.conv1.b"``, ... ``"head.w"``.

    Examples
    --------
    >>> p = init_unet(0)
    >>> p["enc0.conv1.w"].shape, sum(v.size for v in p.values())
    ((3, 3, 1, 8), 134139)
    """
    seed = as_count(seed, "seed", maximum=2**32 - 1)
    depth = as_count(depth, "depth", minimum=1, maximum=6)
    base = as_count(base, "base", minimum=1, maximum=256)
    n_out = as_count(n_out, "n_out", minimum=1, maximum=16)
    rng = np.random.default_rng(seed)
    p: dict = {}

    def add(name: str, k: int, c_in: int, c_out: int) -> None:
        p[f"{name}.w"], p[f"{name}.b"] = _conv_init(rng, k, c_in, c_out)

    c_in = 1
    for level in range(depth):
        c = base * 2**level
        add(f"enc{level}.conv1", 3, c_in, c)
        add(f"enc{level}.conv2", 3, c, c)
        c_in = c
    c = base * 2**depth
    add("mid.conv1", 3, c_in, c)
    add("mid.conv2", 3, c, c)
    for level in reversed(range(depth)):
        c_lvl = base * 2**level
        add(f"dec{level}.up", 3, c, c_lvl)
        add(f"dec{level}.conv1", 3, 2 * c_lvl, c_lvl)
        add(f"dec{level}.conv2", 3, c_lvl, c_lvl)
        c = c_lvl
    add("head", 1, c, n_out)
    return p


def _depth(params: dict) -> int:
    return sum(1 for k in params if k.startswith("enc") and k.endswith(".conv1.w"))


def unet_apply(params: dict, x: object) -> object:
    """The U-Net's output logits for a batch of images.

    Parameters
    ----------
    params : dict
        As :func:`init_unet` makes them (numpy or JAX arrays).
    x : array, shape (N, H, W, 1)
        Float inputs (:func:`prepare_image`); H and W multiples of ``2**depth``.

    Returns
    -------
    jax.Array, shape (N, H, W, n_out)
        Logits (before softmax / sigmoid).

    Examples
    --------
    >>> import numpy as np
    >>> out = unet_apply(init_unet(0, depth=2, base=4), np.zeros((1, 16, 24, 1), np.float32))
    >>> tuple(out.shape)
    (1, 16, 24, 3)
    """
    jax, jnp = _jax()
    depth = _depth(params)
    if np.ndim(x) != 4 or np.shape(x)[-1] != 1:
        raise ValueError(f"x must have shape (N, H, W, 1), got {np.shape(x)}")
    if np.shape(x)[1] % 2**depth or np.shape(x)[2] % 2**depth:
        raise ValueError(f"x's height and width must be multiples of {2**depth}, got "
                         f"{np.shape(x)[1:3]}")

    def conv(name: str, h):
        out = jax.lax.conv_general_dilated(
            h, params[f"{name}.w"], (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        return out + params[f"{name}.b"]

    def block(name: str, h):
        h = jax.nn.relu(conv(f"{name}.conv1", h))
        return jax.nn.relu(conv(f"{name}.conv2", h))

    h = jnp.asarray(x, jnp.float32)
    skips = []
    for level in range(depth):
        h = block(f"enc{level}", h)
        skips.append(h)
        n, hh, ww, c = h.shape
        h = h.reshape(n, hh // 2, 2, ww // 2, 2, c).max(axis=(2, 4))  # 2×2 max-pool
    h = block("mid", h)
    for level in reversed(range(depth)):
        h = jnp.repeat(jnp.repeat(h, 2, axis=1), 2, axis=2)  # nearest-neighbour ×2
        h = jax.nn.relu(conv(f"dec{level}.up", h))
        h = block(f"dec{level}", jnp.concatenate([h, skips[level]], axis=-1))
    return conv("head", h)


# ------------------------------------------------------------------------ data, targets
def prepare_image(image: object) -> np.ndarray:
    """The network's input: ``arcsinh(z / 4)`` of the image in noise units.

    ``z`` comes from :func:`cellseg_teach.nuclei.normalise` (median and MAD), so camera
    gain and offset do not matter; the arcsinh compresses the bright nuclei.

    Returns
    -------
    numpy.ndarray of float32, same shape.
    """
    return np.arcsinh(normalise(image)[0] / INPUT_SCALE).astype(np.float32)


def _targets(labels: np.ndarray, scheme: str) -> np.ndarray:
    """(H, W, 2) float32 targets: class index and weight ("classes"), or foreground and
    scaled distance ("distance")."""
    if scheme == "classes":
        t = class_targets(labels).astype(np.float32)
        return np.stack([t, np.ones_like(t)], axis=-1)
    inside = (labels > 0) & ~label_outlines(labels, width=1)
    dist = np.minimum(ndimage.distance_transform_edt(inside) / DISTANCE_SCALE, 1.0)
    return np.stack([(labels > 0), dist], axis=-1).astype(np.float32)


def _augment(x: np.ndarray, t: np.ndarray, k: int, flip: bool) -> tuple:
    x, t = np.rot90(x, k, axes=(0, 1)), np.rot90(t, k, axes=(0, 1))
    if flip:
        x, t = x[:, ::-1], t[:, ::-1]
    return x, t


def _batch(xs: list, ts: list, rng: np.random.Generator, batch: int, crop: int) -> tuple:
    """Random crops from random images, each turned by a random element of the square's
    symmetry group (4 rotations × flip)."""
    bx, bt = [], []
    for _ in range(batch):
        i = int(rng.integers(len(xs)))
        h, w = xs[i].shape
        r, c = int(rng.integers(h - crop + 1)), int(rng.integers(w - crop + 1))
        x, t = _augment(xs[i][r:r + crop, c:c + crop], ts[i][r:r + crop, c:c + crop],
                        int(rng.integers(4)), bool(rng.integers(2)))
        bx.append(x)
        bt.append(t)
    return np.stack(bx)[..., None], np.stack(bt)


def _loss_fn(scheme: str):
    jax, jnp = _jax()

    def loss(params, x, t, cw):
        logits = unet_apply(params, x)
        if scheme == "classes":
            cls = t[..., 0].astype(jnp.int32)
            logp = jax.nn.log_softmax(logits, axis=-1)
            nll = -jnp.take_along_axis(logp, cls[..., None], axis=-1)[..., 0]
            w = cw[cls]
            return (w * nll).sum() / w.sum()

        def bce(z, y):
            return jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z)))

        fg, dist = t[..., 0], t[..., 1]
        d_loss = (fg * bce(logits[..., 1], dist)).sum() / jnp.maximum(fg.sum(), 1.0)
        return bce(logits[..., 0], fg).mean() + d_loss

    return loss


_COMPILED: dict = {}
_ADAM_LIST: list = []


class _LazyAdam:
    """``optax.adam`` with a learning rate of 1, made on first use (optax is optional);
    the step below multiplies its updates by the scheduled rate, which is Adam at that
    rate, so one compiled step serves every learning rate."""

    def init(self, params):
        if not _ADAM_LIST:
            import optax

            _ADAM_LIST.append(optax.adam(1.0))
        return _ADAM_LIST[0].init(params)


_ADAM = _LazyAdam()


def _compiled(scheme: str) -> tuple:
    """The jitted training step and loss for ``scheme``, compiled once per process and
    input shape (not once per call of :func:`train_unet`)."""
    if scheme not in _COMPILED:
        jax, _ = _jax()
        import optax

        loss = _loss_fn(scheme)

        def step(params, state, x, t, cw, lr):
            value, grads = jax.value_and_grad(loss)(params, x, t, cw)
            updates, state = _ADAM_LIST[0].update(grads, state, params)
            updates = jax.tree_util.tree_map(lambda u: lr * u, updates)
            return optax.apply_updates(params, updates), state, value

        _COMPILED[scheme] = (jax.jit(step), jax.jit(loss))
    return _COMPILED[scheme]


def _as_list(value: object, name: str) -> list:
    if isinstance(value, (str, bytes, np.ndarray)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of 2-D arrays, got {type(value).__name__}")
    return list(value)


def _as_pairs(images: object, labels: object, names: tuple[str, str], crop: int) -> tuple:
    """Prepared images and checked labels, each pair of the same shape, at least
    ``crop`` pixels on each side."""
    images, labels = _as_list(images, names[0]), _as_list(labels, names[1])
    if len(images) != len(labels):
        raise ValueError(f"{names[0]} has {len(images)} images but {names[1]} has "
                         f"{len(labels)} label images")
    xs, labs = [], []
    for i, (im, lab) in enumerate(zip(images, labels, strict=True)):
        x = prepare_image(as_image(im, f"{names[0]}[{i}]"))
        lab = as_labels(lab, f"{names[1]}[{i}]")
        if lab.shape != x.shape:
            raise ValueError(f"{names[1]}[{i}] has shape {lab.shape}, {names[0]}[{i}] {x.shape}")
        if min(x.shape) < crop:
            raise ValueError(f"{names[0]}[{i}] {x.shape} is smaller than crop={crop}")
        xs.append(x)
        labs.append(lab)
    return xs, labs


def unet_probabilities(params: dict, image: object) -> np.ndarray:
    """Probabilities of background, interior and boundary from the U-Net.

    The image is prepared (:func:`prepare_image`), padded by reflection to a multiple of
    ``2**depth``, passed through the network and cropped back.

    Returns
    -------
    numpy.ndarray of float64, shape (H, W, 3)
        Planes 0, 1, 2 = background, interior, boundary; they sum to 1.
    """
    _jax()
    x = prepare_image(image)
    m = 2 ** _depth(params)
    h, w = x.shape
    xp = np.pad(x, ((0, -h % m), (0, -w % m)), mode="reflect")
    logits = np.asarray(_apply_jit()(params, xp[None, ..., None])[0, :h, :w], np.float64)
    return _to_probabilities(logits)


def _to_probabilities(logits: np.ndarray) -> np.ndarray:
    if logits.shape[-1] == 3:
        e = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    f = 1 / (1 + np.exp(-logits[..., 0]))
    d = 1 / (1 + np.exp(-logits[..., 1]))
    return np.stack([1 - f, f * d, f * (1 - d)], axis=-1)


_APPLY = []


def _apply_jit():
    if not _APPLY:
        jax, _ = _jax()
        _APPLY.append(jax.jit(unet_apply))
    return _APPLY[0]


# ----------------------------------------------------------------------------- training
class UNetTraining(NamedTuple):
    """Result of :func:`train_unet`: ``params, history = train_unet(...)``.

    Attributes
    ----------
    params : dict of str to numpy.ndarray
        The trained weights.
    history : dict
        ``"train_loss"``: the loss of each step's batch; ``"val_step"``, ``"val_loss"``:
        the steps at which the validation loss was measured, and its values.
    """

    params: dict
    history: dict


def train_unet(
    images: Sequence[object],
    labels: Sequence[object],
    *,
    steps: int,
    seed: int = 0,
    crop: int = 256,
    batch: int = 4,
    lr: float = 3e-3,
    val_images: Sequence[object] = (),
    val_labels: Sequence[object] = (),
    val_every: int = 50,
    scheme: str = "classes",
    depth: int = 3,
    base: int = 8,
    class_weights: tuple[float, float, float] = (1.0, 1.0, 2.0),
    params: dict | None = None,
    log: object = None,
    checkpoint: object = None,
) -> UNetTraining:
    """Train a U-Net on labelled images: random crops, flips and rotations, Adam.

    A fixed number of ``steps``; each takes ``batch`` random ``crop``×``crop`` crops, each
    turned by one of the 8 symmetries of the square (the data augmentation), and one
    Adam step with a cosine-decaying learning rate. The crops come from a numpy generator
    seeded with ``seed``, the initial weights from :func:`init_unet` with the same seed:
    on one machine, the same call gives bit-identical weights.

    Parameters
    ----------
    images, labels : sequences of 2-D arrays
        Raw training images and their instance labels; not modified.
    steps : int
        Number of optimiser steps (>= 1).
    seed : int
        Seed of the initial weights and of the crops.
    crop : int
        Side of the training crops (pixels), a multiple of ``2**depth``.
    batch : int
        Crops per step.
    lr : float
        Peak learning rate of Adam (> 0).
    val_images, val_labels : sequences of 2-D arrays
        Held-out images: their loss (whole images, no augmentation) is recorded every
        ``val_every`` steps and at the end.
    val_every : int
        Steps between validation losses.
    scheme : {"classes", "distance"}
        What the network predicts (see the module's description).
    depth, base : int
        Size of the network (:func:`init_unet`).
    class_weights : tuple of 3 floats
        Weights of background, interior and boundary pixels in the ``"classes"`` loss.
    params : dict, optional
        Start from these weights instead of a fresh :func:`init_unet`.
    log : callable, optional
        Called with a one-line progress message at each validation.
    checkpoint : callable, optional
        Called as ``checkpoint(step, params)`` after each validation (to keep the
        weights of a long run as it goes).

    Returns
    -------
    UNetTraining
        ``(params, history)``: the trained weights, and the training and validation
        losses.
    """
    _, jnp = _jax()
    import optax

    if not isinstance(scheme, str) or scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {tuple(SCHEMES)}, got {scheme!r}")
    steps = as_count(steps, "steps", minimum=1, maximum=10**6,
                     why="about a week of training on a laptop")
    seed = as_count(seed, "seed", maximum=2**32 - 1)
    depth = as_count(depth, "depth", minimum=1, maximum=6)
    base = as_count(base, "base", minimum=1, maximum=64)
    crop = as_count(crop, "crop", minimum=2)
    batch = as_count(batch, "batch", minimum=1, maximum=256)
    lr = as_positive(lr, "lr")
    val_every = as_count(val_every, "val_every", minimum=1)
    if isinstance(class_weights, (str, bytes)) or not isinstance(
        class_weights, Sequence | np.ndarray
    ):
        raise TypeError(f"class_weights must be 3 positive numbers, got {class_weights!r}")
    class_weights = tuple(as_positive(w, f"class_weights[{i}]")
                          for i, w in enumerate(class_weights))
    if len(class_weights) != 3:
        raise ValueError(f"class_weights must hold 3 weights, got {len(class_weights)}")
    xs, labs = _as_pairs(images, labels, ("images", "labels"), crop)
    if not xs:
        raise ValueError("images is empty: train_unet needs at least one image")
    vxs, vlabs = _as_pairs(val_images, val_labels, ("val_images", "val_labels"), 0)
    ts = [_targets(lab, scheme) for lab in labs]
    vts = [_targets(lab, scheme) for lab in vlabs]

    if params is None:
        params = init_unet(seed, depth=depth, base=base, n_out=SCHEMES[scheme])
    elif not isinstance(params, dict) or "head.w" not in params:
        raise TypeError("params must be a dict of named arrays (from init_unet or load_unet)")
    params = {k: jnp.asarray(v) for k, v in params.items()}
    depth = _depth(params)
    if crop % 2**depth:
        raise ValueError(f"crop must be a multiple of 2**depth = {2**depth}, got {crop}")
    # Adam with a cosine-decaying learning rate (down to 5 % of lr at the last step)
    schedule = optax.cosine_decay_schedule(lr, steps, alpha=0.05)
    state = _ADAM.init(params)
    step, loss_jit = _compiled(scheme)
    cw = jnp.asarray(class_weights, jnp.float32)
    m = 2**depth

    def val_loss(params) -> float:
        total = 0.0
        for x, t in zip(vxs, vts, strict=True):
            h, w = x.shape  # the largest multiple of 2**depth from the top left
            total += float(loss_jit(params, x[None, : h - h % m, : w - w % m, None],
                                    t[None, : h - h % m, : w - w % m], cw))
        return total / len(vxs)

    rng = np.random.default_rng(seed)
    history: dict = {"train_loss": [], "val_step": [], "val_loss": []}
    for i in range(1, steps + 1):
        x, t = _batch(xs, ts, rng, batch, crop)
        params, state, value = step(params, state, x, t, cw, schedule(i - 1))
        history["train_loss"].append(float(value))
        if vxs and (i % val_every == 0 or i == steps):
            history["val_step"].append(i)
            history["val_loss"].append(val_loss(params))
            if log is not None:
                log(f"step {i}: train {np.mean(history['train_loss'][-val_every:]):.4f} "
                    f"val {history['val_loss'][-1]:.4f}")
            if checkpoint is not None:
                checkpoint(i, {k: np.asarray(v) for k, v in params.items()})
        elif log is not None and not vxs and i % val_every == 0:
            log(f"step {i}: train {np.mean(history['train_loss'][-val_every:]):.4f}")
    return UNetTraining({k: np.asarray(v) for k, v in params.items()}, history)


# ------------------------------------------------------------------------ saved weights
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_unet(params: dict, path: str | os.PathLike) -> str:
    """Save weights as an ``.npz`` file (no pickle) and its SHA-256 beside it.

    Writes ``path`` and ``path + ".sha256"`` (the hex digest and the file name, as
    ``sha256sum`` prints them).

    Returns
    -------
    str
        The SHA-256 of the written file.
    """
    path = Path(path)
    if not isinstance(params, dict) or not params:
        raise TypeError("params must be a dict of named arrays (from init_unet or train_unet)")
    arrays = {k: np.asarray(v, np.float32) for k, v in params.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    digest = _sha256(path)
    Path(f"{path}.sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return digest


def load_unet(*, path: str | os.PathLike | None = None) -> dict:
    """Load U-Net weights, refusing a file whose SHA-256 does not match its record.

    Parameters
    ----------
    path : path, optional
        An ``.npz`` file written by :func:`save_unet`, with its ``.sha256`` beside it;
        default the shipped weights (:data:`SHIPPED_WEIGHTS`).

    Returns
    -------
    dict of str to numpy.ndarray

    Raises
    ------
    FileNotFoundError
        If the weights or their ``.sha256`` file are missing.
    ValueError
        If the file's SHA-256 differs from the recorded one (a changed or truncated file).
    """
    path = SHIPPED_WEIGHTS if path is None else Path(path)
    record = Path(f"{path}.sha256")
    if not path.is_file():
        raise FileNotFoundError(f"no U-Net weights at {path}")
    if not record.is_file():
        raise FileNotFoundError(f"no checksum file {record} for the weights {path}")
    expected = record.read_text(encoding="utf-8").split()[0]
    found = _sha256(path)
    if found != expected:
        raise ValueError(
            f"{path} has SHA-256 {found}, but {record.name} records {expected}: the weights "
            "were changed or damaged; restore them (git checkout) or retrain with "
            "benchmarks/train_unet.py"
        )
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


_SHIPPED: dict = {}


def predict_nuclei(
    image: object,
    *,
    params: dict | None = None,
    seed_threshold: float = 0.7,
    min_size: float = 49.0,
) -> np.ndarray:
    """Label the nuclei of a fluorescence image with the U-Net.

    :func:`unet_probabilities`, then :func:`instances_from_probabilities`.

    Parameters
    ----------
    image : array-like, 2-D
        Raw intensities (e.g. a uint16 camera image); not modified. Nuclei about 28 px
        across, as in BBBC039, for the shipped weights.
    params : dict, optional
        Weights; default the shipped ones (:func:`load_unet`, loaded once).
    seed_threshold, min_size : float
        As in :func:`instances_from_probabilities`. The default seed threshold, 0.7, scored
        better than 0.3 and 0.5 on the 3 held-out images with both output schemes
        (``benchmarks/search_unet.py``).

    Returns
    -------
    numpy.ndarray of int32
        0 = background, 1..n = nuclei.

    Raises
    ------
    TypeError, ValueError
        For an image that is not a 2-D real array, is empty, holds NaN or infinite
        values, or is constant (as :func:`cellseg_teach.nuclei.segment_nuclei`).
    """
    arr = as_image(image)
    seed_threshold = as_real(seed_threshold, "seed_threshold")
    min_size = as_positive(min_size, "min_size", allow_zero=True)
    if params is None:
        if not _SHIPPED:
            _SHIPPED.update(load_unet())
        params = _SHIPPED
    prob = unet_probabilities(params, arr)
    return instances_from_probabilities(prob, seed_threshold=seed_threshold, min_size=min_size)

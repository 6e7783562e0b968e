"""The U-Net of ``cellseg_teach.learn``: shapes, a short training run, the shipped weights.

The shipped weights are judged against the expert masks of two shipped images that were
held out of their training (``validation_images`` in their JSON record).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("jax")
pytest.importorskip("optax")

from cellseg_teach.learn import (
    SHIPPED_WEIGHTS,
    init_unet,
    load_unet,
    predict_nuclei,
    save_unet,
    train_unet,
    unet_apply,
)
from cellseg_teach.metrics import detection_scores

RECORD = SHIPPED_WEIGHTS.with_suffix(".json")


def _disks(shape=(48, 64), seed=0) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    lab = np.zeros(shape, np.int32)
    for k, cx in enumerate((14, 32, 52), start=1):  # the first two touch
        lab[((xx - cx) ** 2 + (yy - 24) ** 2 < 10**2) & (lab == 0)] = k
    img = 100 + 300.0 * (lab > 0) + np.random.default_rng(seed).normal(0, 5, shape)
    return img, lab


def test_forward_shape_and_parameter_count():
    p = init_unet(0, depth=2, base=4)
    out = unet_apply(p, np.zeros((2, 16, 24, 1), np.float32))
    assert tuple(out.shape) == (2, 16, 24, 3)
    # 3x3 convolutions: (9 c_in + 1) c_out each; counted by hand for depth 2, base 4
    convs = [(1, 4), (4, 4), (4, 8), (8, 8), (8, 16), (16, 16),  # encoder, bottleneck
             (16, 8), (16, 8), (8, 8), (8, 4), (8, 4), (4, 4)]  # decoder: up, conv1, conv2
    expected = sum((9 * a + 1) * b for a, b in convs) + (4 + 1) * 3  # + the 1x1 head
    assert sum(v.size for v in p.values()) == expected
    with pytest.raises(ValueError, match="multiples of 4"):
        unet_apply(p, np.zeros((1, 18, 24, 1), np.float32))


def test_a_short_training_run_lowers_the_loss_and_is_reproducible():
    img, lab = _disks()
    kw = {"steps": 40, "crop": 32, "batch": 2, "depth": 1, "base": 4, "lr": 1e-2}
    params, history = train_unet([img], [lab], seed=1, val_images=[img], val_labels=[lab],
                                 val_every=20, **kw)
    losses = history["train_loss"]
    assert len(losses) == 40 and history["val_step"] == [20, 40]
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5])
    again, _ = train_unet([img], [lab], seed=1, **kw)
    other, _ = train_unet([img], [lab], seed=2, **kw)
    assert all(np.array_equal(params[k], again[k]) for k in params)
    assert not all(np.array_equal(params[k], other[k]) for k in params)


def test_bad_training_arguments_are_refused_by_name():
    img, lab = _disks()
    with pytest.raises(ValueError, match="crop"):
        train_unet([img], [lab], steps=1, crop=30, depth=2)
    with pytest.raises(ValueError, match="scheme"):
        train_unet([img], [lab], steps=1, crop=32, scheme="dice")
    with pytest.raises(ValueError, match=r"labels\[0\]"):
        train_unet([img], [lab[:40]], steps=1, crop=32)
    with pytest.raises(TypeError, match="images"):
        train_unet(img, [lab], steps=1, crop=32)


def test_saved_weights_load_and_a_changed_file_is_refused(tmp_path):
    p = init_unet(0, depth=1, base=2)
    path = tmp_path / "w.npz"
    digest = save_unet(p, path)
    assert (tmp_path / "w.npz.sha256").read_text().split() == [digest, "w.npz"]
    back = load_unet(path=path)
    assert set(back) == set(p) and all(np.array_equal(back[k], p[k]) for k in p)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="SHA-256"):
        load_unet(path=path)
    (tmp_path / "w.npz.sha256").unlink()
    with pytest.raises(FileNotFoundError, match="checksum"):
        load_unet(path=path)


def test_the_shipped_weights_match_their_record(tmp_path):
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    params = load_unet()
    assert record["sha256"] == (SHIPPED_WEIGHTS.parent / (SHIPPED_WEIGHTS.name + ".sha256")
                                ).read_text().split()[0]
    assert record["n_parameters"] == sum(v.size for v in params.values())
    assert SHIPPED_WEIGHTS.stat().st_size < 5 * 2**20
    # a tampered copy of the shipped file, with the shipped checksum, is refused
    copy = tmp_path / SHIPPED_WEIGHTS.name
    shutil.copy(SHIPPED_WEIGHTS, copy)
    shutil.copy(f"{SHIPPED_WEIGHTS}.sha256", f"{copy}.sha256")
    load_unet(path=copy)
    with open(copy, "r+b") as fh:
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 1]))
    with pytest.raises(ValueError, match="SHA-256"):
        load_unet(path=copy)


def test_predict_nuclei_on_two_held_out_shipped_images():
    """F1 at IoU 0.5 against the expert masks of two images the weights never saw."""
    from cellseg_teach.datasets import load_bbbc039

    record = json.loads(RECORD.read_text(encoding="utf-8"))
    held_out = record["validation_images"][:2]
    assert not set(held_out) & set(record["training_images"])
    for s in load_bbbc039(held_out):
        found = predict_nuclei(s.image)
        assert found.shape == s.image.shape and found.dtype == np.int32
        assert detection_scores(s.labels, found)["f1"] > 0.95, s.name  # shipped: 0.97, 0.98


@pytest.mark.parametrize(
    ("image", "error", "words"),
    [
        (np.full((32, 32), 5, np.uint16), ValueError, "constant"),
        (np.zeros((2, 32, 32)), ValueError, "2-D"),
        ("image.tif", TypeError, "image"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError, "NaN"),
        (np.zeros((0, 5)), ValueError, "empty"),
    ],
)
def test_predict_nuclei_refuses_bad_images_as_segment_nuclei_does(image, error, words):
    from cellseg_teach.nuclei import segment_nuclei

    p = init_unet(0, depth=1, base=2)
    with pytest.raises(error, match=words):
        predict_nuclei(image, params=p)
    with pytest.raises(error, match=words):
        segment_nuclei(image)

#!/usr/bin/env python3
"""Train the U-Net that ``cellseg_teach.learn.predict_nuclei`` ships, and record how.

    .venv/bin/python benchmarks/train_unet.py          # about 30-40 min on 2 shared cores

The one command that reproduces ``cellseg_teach/data/unet/unet_bbbc039.npz`` (the
weights), its ``.sha256`` and ``unet_bbbc039.json`` (the record: training and validation
images by name, settings, seed, command, machine, per-step training loss, validation loss,
validation scores, and the learning curve).

Data: the 12 BBBC039 images shipped with the course, in name order; the first 9 train,
the last 3 are held out for validation (the settings in ``SETTINGS`` were chosen on those 3
by ``benchmarks/search_unet.py``; see ``benchmarks/results_learn.md``). The learning
curve trains short runs on the first 1, 3, 6 and 9 training images and scores each on the
same 3 validation images.

Scores: F1 at IoU 0.5 pooled over the images (2 TP / (true + found)), and the mean over
images of the average precision over IoU 0.5:0.05:0.95, as ``benchmarks/loo_nuclei.py``.

Determinism: the crops, flips and initial weights come from numpy generators seeded
with ``SETTINGS["seed"]``; on one machine (same CPU, same core count, same XLA flags) a
rerun gives bit-identical weights. On another CPU, XLA may order its sums differently:
the weights differ in the last bits, and the scores agree to about ±0.01.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from loo_nuclei import counts, summary  # noqa: E402

from cellseg_teach.datasets import load_bbbc039  # noqa: E402
from cellseg_teach.learn import unet  # noqa: E402
from cellseg_teach.nuclei import segment_nuclei  # noqa: E402

OUT = unet.SHIPPED_WEIGHTS
N_VAL = 3
SETTINGS = {
    "scheme": "distance",
    "steps": 400,
    "lr": 3e-3,
    "batch": 4,
    "crop": 256,
    "depth": 3,
    "base": 8,
    "class_weights": [1.0, 1.0, 2.0],
    "seed": 0,
    "val_every": 100,
    "seed_threshold": 0.7,
    "min_size": 49.0,
}
CURVE = {"n_images": [1, 3, 6, 9], "steps": 150}


def split() -> tuple[list, list]:
    """The 12 shipped images in name order: the first 9 train, the last 3 validate."""
    samples = sorted(load_bbbc039(), key=lambda s: s.name)
    return samples[:-N_VAL], samples[-N_VAL:]


def scores(samples: list, found: list) -> dict[str, float]:
    """Pooled F1 at IoU 0.5 and mean AP of label images against the expert labels."""
    rows = np.array([counts(s.labels, f) for s, f in zip(samples, found, strict=True)])
    return {k: round(float(v), 4) for k, v in summary(rows).items()}


def train(train_s: list, val_s: list, settings: dict, *, steps: int, log=None,
          checkpoint=None) -> tuple[dict, dict, float, float]:
    """Train with ``settings``; return weights, history, wall and CPU seconds."""
    w0, c0 = time.perf_counter(), time.process_time()
    params, history = unet.train_unet(
        [s.image for s in train_s], [s.labels for s in train_s],
        steps=steps, seed=settings["seed"], crop=settings["crop"], batch=settings["batch"],
        lr=settings["lr"], scheme=settings["scheme"], depth=settings["depth"],
        base=settings["base"], class_weights=tuple(settings["class_weights"]),
        val_images=[s.image for s in val_s], val_labels=[s.labels for s in val_s],
        val_every=settings["val_every"], log=log, checkpoint=checkpoint,
    )
    return params, history, time.perf_counter() - w0, time.process_time() - c0


def predict(params: dict, samples: list, settings: dict) -> list:
    """The nuclei ``predict_nuclei`` finds in each sample, with the settings' thresholds."""
    return [unet.predict_nuclei(s.image, params=params, seed_threshold=settings["seed_threshold"],
                                min_size=settings["min_size"]) for s in samples]


def evaluate(params: dict, val_s: list, settings: dict) -> dict[str, float]:
    return scores(val_s, predict(params, val_s, settings))


def machine() -> dict:
    import jax
    import optax

    return {
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "optax": optax.__version__,
        "numpy": np.__version__,
        "XLA_FLAGS": os.environ.get("XLA_FLAGS", ""),
    }


def train_shipped(args, settings: dict, train_s: list, val_s: list, out: Path, log) -> dict:
    """Train the shipped weights, write them and their record; return the record."""
    record_path = out.with_suffix(".json")
    record = {
        "command": "python benchmarks/train_unet.py"
        + ("" if args.steps == SETTINGS["steps"] else f" --steps {args.steps}"),
        "data": "BBBC039 (CC0), the 12 images shipped in cellseg_teach/data/bbbc039",
        "training_images": [s.name for s in train_s],
        "validation_images": [s.name for s in val_s],
        "settings": settings,
        "machine": machine(),
    }
    record["segment_nuclei_validation_scores"] = scores(
        val_s, [segment_nuclei(s.image) for s in val_s])

    def keep(step: int, params: dict) -> None:  # the latest weights, should the run stop
        unet.save_unet(params, out.with_name(out.stem + "_checkpoint.npz"))

    params, history, wall, cpu = train(train_s, val_s, settings, steps=args.steps,
                                       log=log, checkpoint=keep)
    digest = unet.save_unet(params, out)
    record.update(
        sha256=digest,
        train_seconds={"wall": round(wall, 1), "cpu": round(cpu, 1)},
        n_parameters=int(sum(v.size for v in params.values())),
        history={"train_loss": [round(v, 5) for v in history["train_loss"]],
                 "val_step": history["val_step"],
                 "val_loss": [round(v, 5) for v in history["val_loss"]]},
        validation_scores=evaluate(params, val_s, settings),
    )
    log(f"validation scores {record['validation_scores']}, segment_nuclei "
        f"{record['segment_nuclei_validation_scores']}")
    record_path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    for p in (out.with_name(out.stem + "_checkpoint.npz"),
              out.with_name(out.stem + "_checkpoint.npz.sha256")):
        p.unlink(missing_ok=True)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=SETTINGS["steps"])
    parser.add_argument("--curve-steps", type=int, default=CURVE["steps"])
    parser.add_argument("--no-curve", action="store_true", help="skip the learning curve")
    parser.add_argument("--curve-only", action="store_true",
                        help="only (re)compute the learning curve into the existing record")
    parser.add_argument("--out", type=Path, default=OUT, help="weights file (.npz)")
    args = parser.parse_args()
    out = args.out
    record_path = out.with_suffix(".json")
    train_s, val_s = split()
    settings = dict(SETTINGS, steps=args.steps)

    def log(msg: str) -> None:
        print(msg, flush=True)

    if args.curve_only:
        record = (json.loads(record_path.read_text(encoding="utf-8"))
                  if record_path.exists() else {})
    else:
        record = train_shipped(args, settings, train_s, val_s, out, log)
    if not args.no_curve:
        curve = dict(CURVE, steps=args.curve_steps, f1=[], ap=[], val_loss=[])
        for n in CURVE["n_images"]:
            p, h, _, _ = train(train_s[:n], val_s, settings, steps=args.curve_steps)
            s = evaluate(p, val_s, settings)
            curve["f1"].append(s["f1"])
            curve["ap"].append(s["ap"])
            curve["val_loss"].append(round(h["val_loss"][-1], 5))
            log(f"learning curve: {n} images, {s}")
        record["learning_curve"] = curve
        record_path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    log(f"wrote {record_path}")


if __name__ == "__main__":
    main()

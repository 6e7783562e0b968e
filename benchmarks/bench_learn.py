#!/usr/bin/env python3
"""Cost and accuracy of ``cellseg_teach.learn`` on the 12 shipped BBBC039 images.

    .venv/bin/python benchmarks/bench_learn.py            # ~5 min on 2 shared cores

* **Install size**: ``du`` of the installed packages the ``learn`` extra adds
  (scikit-learn and its joblib, threadpoolctl; jax, jaxlib, ml_dtypes, opt_einsum; optax,
  chex, absl, toolz, etc. as present in the environment).
* **Forest**: leave-one-image-out (train on 11 images with ``train_forest``'s defaults,
  segment the 12th with ``instances_from_probabilities``), pooled F1 at IoU 0.5 and mean
  AP over the 12; training time (wall and CPU) of each fold; prediction time per image.
* **U-Net**: the shipped weights (``predict_nuclei``) on the 3 validation images of
  ``benchmarks/train_unet.py`` (the 9 training images are not scored: they were seen),
  and ``segment_nuclei`` on the same 3 and on all 12.
* **Inference time** per 520×696 image on one thread (``XLA_FLAGS`` and the BLAS thread
  counts are set to 1 before JAX loads): ``predict_nuclei`` against ``segment_nuclei``,
  the two taking turns, best of ``REPEAT`` CPU times, and their ratio.

Writes ``benchmarks/results_learn.json``; ``benchmarks/results_learn.md`` quotes it.
"""

from __future__ import annotations

import os

os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import importlib.metadata as md  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from train_unet import scores, split  # noqa: E402

from cellseg_teach.datasets import load_bbbc039  # noqa: E402
from cellseg_teach.learn import (  # noqa: E402
    SHIPPED_WEIGHTS,
    class_targets,
    instances_from_probabilities,
    load_unet,
    predict_nuclei,
    train_forest,
)
from cellseg_teach.nuclei import segment_nuclei  # noqa: E402

REPEAT = 5
LEARN_DISTS = ["scikit-learn", "joblib", "threadpoolctl", "jax", "jaxlib", "ml_dtypes",
               "opt_einsum", "optax", "chex", "absl-py", "etils"]


def install_mb() -> dict[str, float]:
    """Megabytes on disk of each distribution the learn extra brings (as installed)."""
    out = {}
    for name in LEARN_DISTS:
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        roots = {str(Path(dist.locate_file(f)).resolve()).split("site-packages/")[1].split("/")[0]
                 for f in dist.files or [] if "site-packages" in str(dist.locate_file(f))}
        site = Path(str(dist.locate_file(""))).resolve()
        paths = [str(site / r) for r in sorted(roots)]
        du = subprocess.run(["du", "-sk", "-c", *paths], capture_output=True, text=True,
                            check=True).stdout.strip().splitlines()[-1].split()[0]
        out[name] = round(int(du) / 1024, 1)
    return out


def forest_loo(samples: list) -> dict:
    found, train_wall, train_cpu, predict_cpu = [], [], [], []
    targets = [class_targets(s.labels) for s in samples]
    for i, s in enumerate(samples):
        rest = [j for j in range(len(samples)) if j != i]
        w, c = time.perf_counter(), time.process_time()
        model = train_forest([samples[j].image for j in rest], [targets[j] for j in rest])
        train_wall.append(time.perf_counter() - w)
        train_cpu.append(time.process_time() - c)
        c = time.process_time()
        found.append(instances_from_probabilities(model.predict_proba(s.image)))
        predict_cpu.append(time.process_time() - c)
        print(f"forest LOO {i + 1}/12: {s.name[:14]} train {train_wall[-1]:.1f} s wall",
              flush=True)
    return {"scores": scores(samples, found),
            "train_s_wall_median": round(float(np.median(train_wall)), 1),
            "train_s_cpu_median": round(float(np.median(train_cpu)), 1),
            "predict_s_cpu_median": round(float(np.median(predict_cpu)), 2)}


def inference_times(image: np.ndarray, params: dict) -> dict:
    predict_nuclei(image, params=params)  # compile once
    best = {"predict_nuclei": float("inf"), "segment_nuclei": float("inf")}
    for _ in range(REPEAT):
        for name, f in (("predict_nuclei", lambda: predict_nuclei(image, params=params)),
                        ("segment_nuclei", lambda: segment_nuclei(image))):
            c = time.process_time()
            f()
            best[name] = min(best[name], time.process_time() - c)
    return {k: round(v, 3) for k, v in best.items()} | {
        "ratio": round(best["predict_nuclei"] / best["segment_nuclei"], 1)}


def unet_part(samples: list) -> dict:
    _, val = split()
    params = load_unet()
    return {
        "model_mb": round(SHIPPED_WEIGHTS.stat().st_size / 2**20, 2),
        "inference_one_thread_s_cpu": inference_times(samples[-1].image, params),
        "unet_validation": scores(val, [predict_nuclei(s.image, params=params) for s in val]),
        "segment_nuclei_validation": scores(val, [segment_nuclei(s.image) for s in val]),
        "segment_nuclei_all12": scores(samples, [segment_nuclei(s.image) for s in samples]),
        "validation_images": [s.name for s in val],
    }


def main() -> None:
    """``bench_learn.py [forest] [unet]``: the parts to (re)measure (default both); the
    results of the other part are kept from ``results_learn.json``."""
    parts = sys.argv[1:] or ["forest", "unet"]
    path = HERE / "results_learn.json"
    out = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    samples = sorted(load_bbbc039(), key=lambda s: s.name)
    out["install_mb"] = install_mb()
    out["install_mb_total"] = round(sum(out["install_mb"].values()), 1)
    if "unet" in parts:
        out.update(unet_part(samples))
    if "forest" in parts:
        out["forest_loo"] = forest_loo(samples)
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

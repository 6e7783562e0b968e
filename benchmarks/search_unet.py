#!/usr/bin/env python3
"""Choose the U-Net's settings on held-out images: 9 shipped images train, 3 validate.

    .venv/bin/python benchmarks/search_unet.py [NAME ...]   # ~4 min per setting, 2 cores

Each candidate below changes one thing from ``train_unet.SETTINGS`` and trains for
``STEPS`` steps on the first 9 of the 12 shipped BBBC039 images (name order); the last 3
score it (pooled F1 at IoU 0.5, mean AP). Results are appended, one JSON line per run, to
``benchmarks/search_unet.jsonl`` and summarised in ``benchmarks/results_learn.md``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from train_unet import SETTINGS, evaluate, split, train

HERE = Path(__file__).resolve().parent
STEPS = int(os.environ.get("SEARCH_STEPS", 200))
CANDIDATES = {
    "classes": {},
    "distance": {"scheme": "distance"},
    "classes_lr1e-3": {"lr": 1e-3},
    "classes_w1": {"class_weights": [1.0, 1.0, 1.0]},
}
SEED_THRESHOLDS = (0.3, 0.5, 0.7)
"""Interior probability above which a pixel seeds a nucleus: scored for every run (it
needs no retraining)."""


def main() -> None:
    names = sys.argv[1:] or list(CANDIDATES)
    train_s, val_s = split()
    for name in names:
        settings = dict(SETTINGS, **CANDIDATES[name], steps=STEPS, val_every=STEPS)
        params, history, wall, cpu = train(train_s, val_s, settings, steps=STEPS)
        row = {"name": name, "settings": settings,
               "scores": {str(t): evaluate(params, val_s, dict(settings, seed_threshold=t))
                          for t in SEED_THRESHOLDS},
               "val_loss": round(history["val_loss"][-1], 5),
               "wall_s": round(wall, 1), "cpu_s": round(cpu, 1)}
        print(json.dumps(row), flush=True)
        with open(HERE / "search_unet.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

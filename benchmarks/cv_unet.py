#!/usr/bin/env python3
"""Four-fold cross-validation of the shipped U-Net's recipe on the 12 shipped images.

    .venv/bin/python benchmarks/cv_unet.py      # 3 trainings, about 10-15 min on 2 cores

The shipped weights are scored on 3 validation images only, the same 3 on which
``benchmarks/search_unet.py`` chose the settings. This script gives every image a turn
as a held-out image: the 12 images in name order are cut into 4 folds of 3; each fold is
segmented by a U-Net trained with the shipped ``SETTINGS`` (same seed, same steps) on
the other 9. The last fold's network is the shipped one (``train_unet.py`` trains exactly
that run and reproduces its weights bit for bit on this machine kind), so it is loaded,
not trained again. Scores are pooled over the 12 held-out images, as
``benchmarks/loo_nuclei.py`` pools its leave-one-image-out scores, and
``segment_nuclei`` (no training; its defaults chosen by leave-one-image-out) is scored on
the same images for comparison.

Writes ``benchmarks/results_cv_unet.json``; ``benchmarks/results_learn.md`` quotes it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from loo_nuclei import counts, summary  # noqa: E402
from train_unet import SETTINGS, predict, train  # noqa: E402

from cellseg_teach.datasets import load_bbbc039  # noqa: E402
from cellseg_teach.learn import unet  # noqa: E402
from cellseg_teach.nuclei import segment_nuclei  # noqa: E402

N_FOLDS = 4


def main() -> None:
    samples = sorted(load_bbbc039(), key=lambda s: s.name)
    size = len(samples) // N_FOLDS
    rows_unet, rows_classical, folds = [], [], []
    for k in range(N_FOLDS):
        held = samples[k * size:(k + 1) * size]
        train_s = samples[:k * size] + samples[(k + 1) * size:]
        start = time.perf_counter()
        if k == N_FOLDS - 1:  # the shipped run: same images, settings and seed
            params, how = unet.load_unet(), "shipped weights (train_unet.py)"
        else:
            params, _, _, _ = train(train_s, held, SETTINGS, steps=SETTINGS["steps"])
            how = f"trained here in {time.perf_counter() - start:.0f} s wall"
        found = predict(params, held, SETTINGS)
        classical = [segment_nuclei(s.image) for s in held]
        r_u = [counts(s.labels, f) for s, f in zip(held, found, strict=True)]
        r_c = [counts(s.labels, f) for s, f in zip(held, classical, strict=True)]
        rows_unet += r_u
        rows_classical += r_c
        fold = {"fold": k + 1, "held_out": [s.name.split("_w")[0] for s in held], "how": how,
                "unet": {m: round(float(v), 4) for m, v in summary(np.array(r_u)).items()},
                "segment_nuclei": {m: round(float(v), 4)
                                   for m, v in summary(np.array(r_c)).items()}}
        folds.append(fold)
        print(json.dumps(fold), flush=True)
    out = {
        "settings": SETTINGS,
        "folds": folds,
        "pooled_unet": {m: round(float(v), 4) for m, v in summary(np.array(rows_unet)).items()},
        "pooled_segment_nuclei": {m: round(float(v), 4)
                                  for m, v in summary(np.array(rows_classical)).items()},
    }
    (HERE / "results_cv_unet.json").write_text(json.dumps(out, indent=1) + "\n",
                                               encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("pooled_unet", "pooled_segment_nuclei")}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Leave-one-image-out estimate of ``segment_nuclei``'s accuracy on the shipped BBBC039 images.

    python benchmarks/loo_nuclei.py      # about a minute on one core

For each of the 12 images: choose the parameters on the other 11 (a small grid over
three parameters, criterion pooled F1 at IoU 0.5 + mean AP), segment the held-out image
with them and score it against its expert labels. The held-out scores, pooled over the
12, estimate the accuracy on images the parameters never saw. The script also scores
the package defaults on all 12 (in-sample) and the two reference pipelines
(``segment_nuclei_simple`` and ``segment_nuclei_skimage``).

Scores: F1 at IoU 0.5 from the pooled counts (2 TP / (true + found) over all images),
and the Data Science Bowl average precision (mean over IoU 0.5:0.05:0.95 of
TP / (TP + FP + FN)) of each image, averaged over images. Results go into the
``loo`` section of ``benchmarks/results_nuclei.md``.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np

from cellseg_teach.datasets import load_bbbc039
from cellseg_teach.metrics import IOU_THRESHOLDS, contingency, iou_pairs
from cellseg_teach.nuclei import segment_nuclei, segment_nuclei_simple, segment_nuclei_skimage

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results_nuclei.md"
GRID = {
    "smoothing": (0.0, 0.5, 1.0),
    "threshold_scale": (0.7, 0.8, 0.9, 1.0),
    "diameter": (24.0, 28.0, 32.0),
}


def counts(true: np.ndarray, found: np.ndarray) -> np.ndarray:
    """[n_true, n_found, TP at each DSB threshold] for one image."""
    c = contingency(true, found)
    _, _, iou = iou_pairs(true, found)
    tp = np.count_nonzero(iou[:, None] > IOU_THRESHOLDS[None, :], axis=0)
    return np.r_[c.n_true, c.n_found, tp]


def summary(rows: np.ndarray) -> dict[str, float]:
    """Pooled F1 at IoU 0.5, mean per-image F1 and mean per-image AP of count rows."""
    nt, nf, tp = rows[:, 0], rows[:, 1], rows[:, 2:]
    ap = (tp / (nt + nf - tp.T).T).mean(axis=1)
    return {
        "f1": 2 * tp[:, 0].sum() / (nt.sum() + nf.sum()),
        "f1_image": float(np.mean(2 * tp[:, 0] / (nt + nf))),
        "ap": float(ap.mean()),
        "recall": tp[:, 0].sum() / nt.sum(),
        "precision": tp[:, 0].sum() / nf.sum(),
    }


def write_section(name: str, text: str) -> None:
    """Replace the part of results_nuclei.md between this section's markers."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark: real nuclei\n"
    block = f"{start}\n{text.rstrip()}\n{end}"
    if start in old:
        new = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, old, flags=re.S)
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(new)


def main() -> None:
    samples = load_bbbc039()
    combos = [dict(zip(GRID, v, strict=True)) for v in itertools.product(*GRID.values())]
    # counts[c, i] for every combination and image: each segmentation is run once
    table = np.array(
        [[counts(s.labels, segment_nuclei(s.image, **p)) for s in samples] for p in combos]
    )
    n = len(samples)
    held_out, chosen = [], []
    for i in range(n):
        train = [j for j in range(n) if j != i]
        crit = [summary(table[c, train]) for c in range(len(combos))]
        best = int(np.argmax([r["f1"] + r["ap"] for r in crit]))
        chosen.append(best)
        held_out.append(table[best, i])
    loo = summary(np.array(held_out))
    default_rows = np.array([counts(s.labels, segment_nuclei(s.image)) for s in samples])
    simple_rows = np.array([counts(s.labels, segment_nuclei_simple(s.image)) for s in samples])
    sk_rows = np.array([counts(s.labels, segment_nuclei_skimage(s.image)) for s in samples])
    full = summary(default_rows)
    best_all = int(np.argmax([summary(table[c])["f1"] + summary(table[c])["ap"]
                              for c in range(len(combos))]))

    lines = [
        "## Accuracy: leave-one-image-out on the 12 shipped BBBC039 images",
        "",
        "Regenerate with `python benchmarks/loo_nuclei.py`. Grid: "
        + ", ".join(f"`{k}` ∈ {{{', '.join(f'{x:g}' for x in v)}}}" for k, v in GRID.items())
        + f" ({len(combos)} combinations); criterion on the 11 training images: pooled "
        "F1 at IoU 0.5 + mean AP. F1 is pooled over images (2 TP / (true + found)); AP is "
        "the Data Science Bowl score (mean over IoU 0.5:0.05:0.95 of TP / (TP + FP + FN)), "
        "averaged over images.",
        "",
        "| held-out image | nuclei | chosen smoothing | threshold_scale | diameter "
        "| F1 @ 0.5 | AP 0.5:0.95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, s in enumerate(samples):
        p = combos[chosen[i]]
        one = summary(table[chosen[i], [i]])
        lines.append(
            f"| {s.name[:14]} | {int(table[0, i, 0])} | {p['smoothing']:g} | "
            f"{p['threshold_scale']:g} | {p['diameter']:g} | {one['f1']:.3f} | {one['ap']:.3f} |"
        )
    lines += [
        "",
        "| pipeline | F1 @ 0.5 (pooled) | F1 (mean per image) | precision | recall | mean AP |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in [
        ("`segment_nuclei`, leave-one-image-out (honest estimate)", loo),
        ("`segment_nuclei` defaults, all 12 (in-sample)", full),
        ("`segment_nuclei_simple` (smooth 2 px, Otsu, `segment`)", summary(simple_rows)),
        ("`segment_nuclei_skimage` (Otsu, EDT, `peak_local_max`, watershed)",
         summary(sk_rows)),
    ]:
        lines.append(
            f"| {name} | {r['f1']:.3f} | {r['f1_image']:.3f} | {r['precision']:.3f} | "
            f"{r['recall']:.3f} | {r['ap']:.3f} |"
        )
    pb = combos[best_all]
    n_same = sum(c == best_all for c in chosen)
    lines += [
        "",
        f"The grid point that is best on all 12 images was also chosen in {n_same} of the "
        f"{n} folds"
        + (", so here the held-out and in-sample scores coincide: the choice does not "
           "depend on which image is left out." if n_same == n else "."),
        f"Best grid point on all 12: smoothing {pb['smoothing']:g}, threshold_scale "
        f"{pb['threshold_scale']:g}, diameter {pb['diameter']:g} "
        f"(F1 {summary(table[best_all])['f1']:.3f}, AP {summary(table[best_all])['ap']:.3f}).",
    ]
    text = "\n".join(lines)
    write_section("loo", text)
    print(text)


if __name__ == "__main__":
    main()

"""Pick the "unsure" thresholds of model/inspect/verdict.py from data the model never trained on; prints JSON.

The data: MNIST's validation digits (the last 10% of its training set, held out by `train`)
and stroke digits of the evaluation generator (benchmarks/drawn_digits.py) with a seed of their
own, every other one with curls at its stroke ends; with `--unipen FILE`, also every digit of UNIPEN's held-out
writers (model/data/unipen.py: writers no model trains on), drawn once on the canvas as the window draws it.  For
every pair (top probability under
T, or top two closer than M) on a grid, it counts the wrong answers flagged (recall) and the
right answers flagged; the pick flags the most wrong answers while flagging at most
`--max-right` of the right ones (ties: the smaller thresholds).

    PYTHONPATH=. .venv/bin/python benchmarks/pick_unsure_thresholds.py [--model PATH] [--n 3000]
        [--unipen ../shared/data/unipen_digits.npz]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from model.data.mnist import DataError, load_mnist  # noqa: E402
from drawn_digits import stroke_digit  # noqa: E402
from model.inspect.preprocess import preprocess  # noqa: E402

CONFIDENCES = np.round(np.arange(0.30, 0.96, 0.05), 2)
MARGINS = np.round(np.arange(0.0, 0.96, 0.05), 2)


def _stroke_inputs(job: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """In a worker: stroke digits `start` .. `start + n`, every other one with end curls, preprocessed."""
    start, n, seed = job
    made = [stroke_digit(i, seed, end_hooks=bool(i % 2)) for i in range(start, start + n)]
    fed = [preprocess(image).model_input for image, _ in made]
    blank = np.zeros((28, 28, 1), np.float32)
    return np.stack([blank if x is None else x for x in fed]), np.array([info.label for _, info in made])


def sweep(probabilities: np.ndarray, labels: np.ndarray) -> list[dict]:
    """Recall, precision and right answers flagged for every (T, M) on the grid."""
    ordered = np.sort(probabilities, axis=1)
    top, margin = ordered[:, -1], ordered[:, -1] - ordered[:, -2]
    wrong = probabilities.argmax(axis=1) != labels
    rows = []
    for t in CONFIDENCES:
        for m in MARGINS:
            flagged = (top < t) | (margin < m)
            rows.append({"min_confidence": float(t), "min_margin": float(m),
                         "wrong_flagged": round(float(flagged[wrong].mean()), 4),
                         "right_flagged": round(float(flagged[~wrong].mean()), 4),
                         "flagged_that_are_wrong": round(float(wrong[flagged].mean()), 4) if flagged.any() else None})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="Keras model file (default: the shipped model)")
    parser.add_argument("--n", type=int, default=3000, help="stroke digits (default 3000)")
    parser.add_argument("--seed", type=int, default=9090)
    parser.add_argument("--max-right", type=float, default=0.01, help="share of right answers it may flag")
    parser.add_argument("--data", default=None, help="MNIST .npz or IDX folder (default: $DIGIT_LENS_MNIST)")
    parser.add_argument("--unipen", default=None, help="add the held-out writers of this unipen_digits.npz")
    parser.add_argument("--unipen-seed", type=int, default=4242, help="seed of their sizes, places and brushes")
    args = parser.parse_args(argv)
    try:
        (_, _), (x_val, y_val) = load_mnist(args.data).split(0.1)
    except DataError as exc:
        raise SystemExit(str(exc)) from None
    jobs = [(start, min(500, args.n - start), args.seed) for start in range(0, args.n, 500)]
    with ProcessPoolExecutor(min(2, os.cpu_count() or 1), mp_context=get_context("spawn")) as pool:
        parts = list(pool.map(_stroke_inputs, jobs))

    from model.spec import spec_for
    from model.nets.store import SHIPPED_MODEL, load_model

    model = load_model(args.model or SHIPPED_MODEL)
    values = spec_for(model).to_model_values  # 0..1 pixels to the range the model takes
    if args.unipen:
        from model.data.pen_canvas import pen_digit_inputs
        from model.data.unipen import load_unipen

        _, held = load_unipen(args.unipen).split()
        drawn = pen_digit_inputs([held.strokes(i) for i in range(len(held))], 1, args.unipen_seed,
                                 min(2, os.cpu_count() or 1), augment=False)
        parts.append((drawn[..., None].astype(np.float32) / 255.0, held.labels.astype(np.int64)))
    inputs = np.concatenate([x_val[..., None].astype(np.float32) / 255.0] + [p[0] for p in parts])
    labels = np.concatenate([y_val.astype(np.int64)] + [p[1] for p in parts])
    probabilities = model.predict(values(inputs), batch_size=512, verbose=0)
    rows = sweep(probabilities, labels)
    allowed = [r for r in rows if r["right_flagged"] <= args.max_right]
    pick = max(allowed, key=lambda r: (r["wrong_flagged"], -r["min_confidence"], -r["min_margin"]))
    wrong = int((probabilities.argmax(axis=1) != labels).sum())
    print(json.dumps({"model": str(args.model or SHIPPED_MODEL), "digits": len(labels), "wrong": wrong,
                      "max_right_flagged": args.max_right, "pick": pick,
                      "frontier": [r for r in rows if r["min_margin"] in (0.0, 0.2, 0.4, 0.6, 0.8, 0.9)
                                   and r["min_confidence"] in (0.5, 0.6, 0.7, 0.8, 0.9)]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

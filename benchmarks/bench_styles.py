"""Accuracy per handwriting style on digits no model trained on, beside MNIST test accuracy; prints JSON.

The digits come from the evaluation generator (benchmarks/drawn_digits.py: its own templates and
seeds, separate from the training styles of model/data/handwriting.py): `--per-style` digits
of every template (flagged 1, crossed 7, one-stroke open 4, hooked 9, ...), every other one
with small curls at its stroke ends, on pages of any size and polarity, through the same
preprocessing as `main.py classify`. With `--canvas K`, K digits of every template are also drawn stroke by stroke
with mouse events on the real window's canvas and read from its prediction label; with `--canvas-joined K`, K digits
of every template are drawn there as one stroke through their 8 pendigits points (below), as a tablet's trajectory
replayed. With `--tablet K`, K digits of every template are also drawn as a pen tablet records them (pen positions
0.03-0.3 of the height apart and at its corners, joined by straight lines) on 280x280 canvas images at random sizes,
places and pen widths; with `--joined K`, K digits of every template are kept as UCI's pendigits keeps a digit (8
points evenly spaced along the path, pen lifts joined) and drawn alike. With `--scanned K`, K digits of every
template are also written with a pen and scanned as old digit-form readers kept them (16x16 or 32x32 black and
white, in proportion or stretched to fill the box, enlarged onto a page of any size and polarity). Each `--model`
gets its own report; the unsure verdict (model/inspect/verdict.py) is scored too: how many wrong answers it flags
and how many right ones.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_styles.py [--model OLD --model NEW] [--per-style 150] [--canvas 10]
        [--canvas-joined 10] [--tablet 100] [--joined 100] [--scanned 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench_drawn_digits import _accuracy, _breakdown, _compact_json, _top_confusions  # noqa: E402
from model.data.mnist import DataError, load_mnist  # noqa: E402
from drawn_digits import (TEMPLATES, evenly_joined, joined_tablet_digit, render_stroke_digit,  # noqa: E402
                          scanned_style_digit, tablet_digit, template_paths)
from model.inspect.preprocess import preprocess  # noqa: E402

STYLES = [(label, style) for label in sorted(TEMPLATES) for style in sorted(TEMPLATES[label])]


def style_name(label: int, style: str) -> str:
    return f"{label}-{style}"


def _rng(seed: int, index: int, i: int) -> np.random.Generator:
    return np.random.default_rng([seed, 31, index, i])


# The sets besides the pages: how each of their digits is made, and the offset of its seed.
MADE_AS = {"tablet": (tablet_digit, 2), "scanned": (scanned_style_digit, 3), "joined": (joined_tablet_digit, 4)}


def _prepare(job: tuple[int, int, int, str]) -> list[np.ndarray | None]:
    """In a worker: the preprocessed inputs of one template's digits (pages, or a set of `MADE_AS`)."""
    index, count, seed, made_as = job
    label, style = STYLES[index]
    if made_as in MADE_AS:
        make, offset = MADE_AS[made_as]
        return [preprocess(make(label, style, _rng(seed + offset, index, i))).model_input for i in range(count)]
    return [preprocess(render_stroke_digit(label, style, _rng(seed, index, i), end_hooks=bool(i % 2))[0]).model_input
            for i in range(count)]


def style_inputs(per_style: int, seed: int, workers: int, made_as: str = "pages"
                 ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Model inputs, labels, style names and end-hook flags of the whole style set (or of a set of `MADE_AS`)."""
    jobs = [(index, per_style, seed, made_as) for index in range(len(STYLES))]
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            parts = list(pool.map(_prepare, jobs))
    else:
        parts = [_prepare(job) for job in jobs]
    blank = np.zeros((28, 28, 1), np.float32)
    inputs = np.stack([x if x is not None else blank for part in parts for x in part])
    labels = np.repeat([label for label, _ in STYLES], per_style)
    names = [style_name(*STYLES[index]) for index in range(len(STYLES)) for _ in range(per_style)]
    hooks = np.tile(np.arange(per_style) % 2 == 1, len(STYLES))
    return inputs, labels, names, hooks


def unsure_score(probabilities: np.ndarray, labels: np.ndarray) -> dict:
    """How the unsure verdict splits right and wrong answers (model/inspect/verdict.py thresholds)."""
    from model.inspect.verdict import verdict

    flagged = np.array([verdict(p).unsure for p in probabilities])
    wrong = probabilities.argmax(axis=1) != labels
    return {"flagged": round(float(flagged.mean()), 4),
            "wrong_answers_flagged": round(float(flagged[wrong].mean()), 4) if wrong.any() else None,
            "right_answers_flagged": round(float(flagged[~wrong].mean()), 4),
            "flagged_that_are_wrong": round(float(wrong[flagged].mean()), 4) if flagged.any() else None,
            "wrong_left_unflagged": int((wrong & ~flagged).sum())}


def canvas_accuracy(model_path: str, count: int, seed: int, joined: bool = False) -> dict:
    """`count` digits of every template drawn with mouse strokes on the window's canvas, read from its label; `joined`:
    each as one stroke through its 8 pendigits points (`evenly_joined`), as a replayed tablet trajectory."""
    from PySide6.QtWidgets import QApplication, QLabel

    from gui.window import MainWindow
    from gui.common.scripting import scaled, stroke, wait_until

    app = QApplication.instance() or QApplication([])
    window = MainWindow(model_path=model_path)
    window.resize(1366, 740)
    window.show()
    wait_until(lambda: window.is_ready, 180)
    label = window.findChild(QLabel, "prediction")
    hits: dict[str, list[bool]] = defaultdict(list)
    for index, (digit, style) in enumerate(STYLES):
        for i in range(count):
            rng = _rng(seed + (5 if joined else 1), index, i)
            made = template_paths(digit, style, rng, end_hooks=bool(i % 2))
            paths = [evenly_joined(made)] if joined else [line for line, _ in made]
            points = np.vstack(paths)
            low, size = points.min(axis=0), np.ptp(points, axis=0).max()
            height = rng.uniform(120, 230)
            corner = rng.uniform(25, 255 - height * np.ptp(points, axis=0) / size)
            window.canvas.clear()
            for line in paths:
                stroke(window.canvas, scaled((line - low) / size * height + corner, window.canvas))
            wait_until(lambda: not window.draw._timer.isActive(), 30)
            app.processEvents()
            hits[style_name(digit, style)].append(label.text().split(",")[0].strip() == str(digit))
    window.close()
    every = [ok for name in hits for ok in hits[name]]
    worst = min(hits, key=lambda name: np.mean(hits[name]))
    return {"accuracy": _accuracy(every), "worst_style": worst, "by_style": {n: _accuracy(hits[n]) for n in sorted(hits)}}


def set_accuracy(model, values, inputs: np.ndarray, labels: np.ndarray, names: list[str]) -> dict:
    """Accuracy on a set of `MADE_AS`, overall and per style, and how the unsure verdict splits its answers."""
    probabilities = model.predict(values(inputs), batch_size=512, verbose=0)
    correct = probabilities.argmax(axis=1) == labels
    styles = _breakdown(correct, names, str)
    return {"accuracy": _accuracy(correct),
            "styles_under_98": sorted(name for name in styles if styles[name]["accuracy"] < 0.98), "by_style": styles,
            "unsure": unsure_score(probabilities, labels)}


def report(model_path: str, inputs: np.ndarray, labels: np.ndarray, names: list[str], hooks: np.ndarray,
           mnist, canvas: int, seed: int, sets: dict[str, tuple] | None = None, canvas_joined: int = 0) -> dict:
    from model.spec import spec_for
    from model.nets.store import load_model

    model = load_model(model_path)
    values = spec_for(model).to_model_values  # 0..1 pixels to the range the model takes
    probabilities = model.predict(values(inputs), batch_size=512, verbose=0)
    predicted = probabilities.argmax(axis=1)
    correct = predicted == labels
    mnist_probabilities = model.predict(values(mnist.x_test[..., None].astype(np.float32) / 255.0),
                                        batch_size=512, verbose=0)
    styles = _breakdown(correct, names, str)  # accuracy per style name
    worst = min(styles, key=lambda name: styles[name]["accuracy"])
    result = {
        "model": model_path,
        "mnist_test_accuracy": round(float((mnist_probabilities.argmax(axis=1) == mnist.y_test).mean()), 4),
        "styles_accuracy": _accuracy(correct),
        "worst_style": {"style": worst, **styles[worst]},
        "styles_under_98": sorted(name for name in styles if styles[name]["accuracy"] < 0.98),
        "styles_surely_under_98": sorted(name for name in styles if styles[name]["interval_95"][1] < 0.98),
        "with_end_hooks": _accuracy(correct[hooks]),
        "without_end_hooks": _accuracy(correct[~hooks]),
        "by_style": styles,
        "confusions": _top_confusions(labels, predicted),
        "unsure_on_styles": unsure_score(probabilities, labels),
        "unsure_on_mnist_test": unsure_score(mnist_probabilities, mnist.y_test),
    }
    for made_as, made in (sets or {}).items():
        result[made_as] = set_accuracy(model, values, *made)
    if canvas:
        result["canvas"] = canvas_accuracy(model_path, canvas, seed)
    if canvas_joined:
        result["canvas_joined"] = canvas_accuracy(model_path, canvas_joined, seed, joined=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="Keras model file, repeatable (default: the shipped model)")
    parser.add_argument("--per-style", type=int, default=150, help="digits per template (default 150)")
    parser.add_argument("--canvas", type=int, default=0, help="digits per template drawn on the window's canvas")
    parser.add_argument("--canvas-joined", type=int, default=0,
                        help="digits per template drawn on the canvas as one stroke through 8 pendigits points")
    parser.add_argument("--tablet", type=int, default=0, help="digits per template drawn as a pen tablet records them")
    parser.add_argument("--joined", type=int, default=0, help="digits per template kept as 8 points, pen lifts joined")
    parser.add_argument("--scanned", type=int, default=0, help="digits per template written and scanned small")
    parser.add_argument("--seed", type=int, default=5151)
    parser.add_argument("--data", default=None, help="MNIST .npz or IDX folder (default: $DIGIT_LENS_MNIST)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)

    start = time.perf_counter()
    try:
        mnist = load_mnist(args.data)
    except DataError as exc:
        raise SystemExit(str(exc)) from None
    inputs, labels, names, hooks = style_inputs(args.per_style, args.seed, args.workers)
    sets = {made_as: style_inputs(count, args.seed, args.workers, made_as)[:3]
            for made_as, count in (("tablet", args.tablet), ("joined", args.joined), ("scanned", args.scanned)) if count}
    from model.nets.store import SHIPPED_MODEL

    models = args.model or [str(SHIPPED_MODEL)]
    result = {"seed": args.seed, "per_style": args.per_style, "styles": len(STYLES),
              "models": [report(path, inputs, labels, names, hooks, mnist, args.canvas, args.seed, sets,
                                args.canvas_joined) for path in models]}
    result["seconds"] = round(time.perf_counter() - start, 1)
    print(_compact_json(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Accuracy on digits drawn by writers who are not in MNIST (see benchmarks/drawn_digits.py).

Prints JSON: per family (stroke-rendered templates, redrawn and scanned MNIST test digits) the accuracy
with MNIST-style preprocessing, broken down by pen-width bucket, polarity and digit, plus
the same model fed a plain 28x28 resize of the grey page for contrast; and MNIST's test digits
fed directly and as 28x28 image files through the same preprocessing.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_drawn_digits.py [--model PATH] [--n 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.drawn_templates, model

import numpy as np
from PIL import Image

from model.data.mnist import load_mnist
from drawn_digits import DrawnInfo, contact_sheet, redrawn_mnist, scanned_mnist, stroke_digits
from model.inspect.preprocess import preprocess

FAMILIES = ("stroke_digits", "redrawn_mnist_test", "scanned_mnist_test")
_CHUNK = 100


def plain_resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The grey page squeezed to the model's size, as is: no ink finding, cropping or inversion."""
    height, width = size
    resized = Image.fromarray(image).resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.float32) / 255.0


def make(family: str, n: int, seed: int, data: str | None, start: int = 0):
    """Images `start` .. `start + n` of a family: (images, labels, infos)."""
    if family == "stroke_digits":
        return stroke_digits(n, seed=seed, start=start)
    mnist = _mnist(data)
    if family == "scanned_mnist_test":
        return scanned_mnist(mnist.x_test, mnist.y_test, n, seed=seed + 2, start=start)
    return redrawn_mnist(mnist.x_test, mnist.y_test, n, seed=seed + 1, start=start)


_MNIST_CACHE: dict = {}


def _mnist(data: str | None):
    if data not in _MNIST_CACHE:
        _MNIST_CACHE[data] = load_mnist(data)
    return _MNIST_CACHE[data]


def _prepare(job: tuple[str, int, int, int, str | None, tuple[int, int, int]]):
    """In a worker: make one chunk and return what the model needs (not the big pages)."""
    family, start, n, seed, data, shape = job
    images, labels, infos = make(family, n, seed, data, start)
    inputs = [preprocess(image, shape).model_input for image in images]
    plain = np.stack([plain_resize(image, shape[:2]) for image in images])
    return inputs, plain, labels, infos


def prepare(family: str, n: int, seed: int, data: str | None, shape: tuple[int, int, int], workers: int):
    """Preprocessed inputs, plain resizes, labels and infos of a whole family, over `workers` processes."""
    jobs = [(family, start, min(_CHUNK, n - start), seed, data, shape) for start in range(0, n, _CHUNK)]
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            parts = list(pool.map(_prepare, jobs))
    else:
        parts = [_prepare(job) for job in jobs]
    inputs = [x for part in parts for x in part[0]]
    plain = np.concatenate([part[1] for part in parts])
    labels = np.concatenate([part[2] for part in parts])
    infos = [info for part in parts for info in part[3]]
    return inputs, plain, labels, infos


def _accuracy(hits) -> dict:
    """The share of `hits` that are True, with its 95% Wilson interval: 150 digits pin a share near
    98% down to about 94-99%, so a small group's figure moves by a point or two from one seed to the next."""
    from scipy.stats import binomtest

    hits = np.asarray(hits, dtype=bool)
    if not hits.size:
        return {"n": 0, "accuracy": None}
    interval = binomtest(int(hits.sum()), int(hits.size)).proportion_ci(0.95, method="wilson")
    return {"n": int(hits.size), "accuracy": round(float(hits.mean()), 4),
            "interval_95": [round(float(interval.low), 4), round(float(interval.high), 4)]}


def _breakdown(correct: np.ndarray, items: Sequence, key) -> dict:
    """Accuracy per group of `items` (one per answer in `correct`), grouped by `key(item)`."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for ok, item in zip(correct, items):
        groups[str(key(item))].append(bool(ok))
    return {name: _accuracy(groups[name]) for name in sorted(groups)}


def evaluate(model, inputs: list[np.ndarray | None], plain: np.ndarray, labels: np.ndarray,
             infos: list[DrawnInfo], batch_size: int = 512) -> tuple[dict, np.ndarray]:
    """The report for one family and its predictions (-1 where preprocessing found no ink)."""
    shape = tuple(int(s) for s in model.inputs[0].shape[1:])
    found = [i for i, x in enumerate(inputs) if x is not None]
    predicted = np.full(len(inputs), -1, dtype=np.int64)
    if found:
        batch = np.stack([inputs[i] for i in found]).reshape((len(found), *shape))
        predicted[found] = np.argmax(model.predict(batch, batch_size=batch_size, verbose=0), axis=1)
    channels = 1 if len(shape) == 2 else shape[2]
    plain = np.repeat(plain[..., None], channels, axis=3).reshape((len(plain), *shape))
    plain_predicted = np.argmax(model.predict(plain, batch_size=batch_size, verbose=0), axis=1)

    correct = predicted == labels
    report = {
        "n": len(inputs),
        "accuracy": round(float(correct.mean()), 4),
        "plain_resize_accuracy": round(float((plain_predicted == labels).mean()), 4),
        "nothing_found": int(len(inputs) - len(found)),
        "by_pen": _breakdown(correct, infos, lambda i: i.pen_bucket),
        "by_polarity": _breakdown(correct, infos, lambda i: i.polarity),
        "plain_resize_by_polarity": _breakdown(plain_predicted == labels, infos, lambda i: i.polarity),
        "by_style": _breakdown(correct, infos, lambda i: f"{i.label}-{i.style}" if i.style[:5] != "mnist" else i.style),
        "by_digit": _breakdown(correct, infos, lambda i: i.label),
        "confusions": _top_confusions(labels, predicted),
    }
    return report, predicted


def _compact_json(result: dict) -> str:
    """Indented JSON with each {"n", "accuracy"} leaf on one line."""
    text = json.dumps(result, indent=2)
    return re.sub(r'\{\n\s+"n": (\d+),\n\s+"accuracy": ([^\n]+)\n\s+\}', r'{"n": \1, "accuracy": \2}', text)


def _top_confusions(labels: np.ndarray, predicted: np.ndarray, top: int = 8) -> dict[str, int]:
    pairs: dict[str, int] = defaultdict(int)
    for truth, guess in zip(labels, predicted):
        if truth != guess:
            pairs[f"{truth}->{guess if guess >= 0 else 'none'}"] += 1
    return dict(sorted(pairs.items(), key=lambda kv: -kv[1])[:top])


def save_error_sheet(path: Path, family: str, seed: int, data: str | None, labels: np.ndarray,
                     predicted: np.ndarray, inputs, limit: int = 60) -> None:
    """A PNG of misclassified images (remade from their index): the page, then what the model was fed."""
    wrong = np.flatnonzero(predicted != labels)[:limit]
    tiles, captions = [], []
    for i in wrong:
        (image,), _, (info,) = make(family, 1, seed, data, start=int(i))
        tiles.append(image)
        captions.append(f"{labels[i]}>{predicted[i]} {info.pen:.2f} {info.page[0]}")
        fed = inputs[i]
        tiles.append(np.zeros((28, 28), np.uint8) if fed is None else (fed[..., 0] * 255).astype(np.uint8))
        captions.append(info.style[:12])
    if tiles:
        contact_sheet(tiles, captions, cell=80, columns=10).save(path)


def mnist_test_both_ways(model, mnist) -> dict:
    """MNIST's test digits fed to the model as they are, and as 28x28 image files through `classify`'s preprocessing."""
    direct = model.predict(mnist.x_test[..., None].astype(np.float32) / 255.0, batch_size=512, verbose=0)
    as_files = np.stack([preprocess(digit).model_input for digit in mnist.x_test])
    through = model.predict(as_files, batch_size=512, verbose=0)
    return {"fed_directly": round(float((direct.argmax(axis=1) == mnist.y_test).mean()), 4),
            "through_preprocessing": round(float((through.argmax(axis=1) == mnist.y_test).mean()), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="Keras model file (default: the shipped model)")
    parser.add_argument("--n", type=int, default=1000, help="images per family (default 1000)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--data", default=None, help="MNIST .npz or IDX folder (default: $DIGIT_LENS_MNIST)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes drawing and preprocessing the images (default: up to 2)")
    parser.add_argument("--errors", default=None, help="folder to write PNG sheets of the misclassified images")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    _mnist(args.data)  # fail early, with DataError's message, when there is no MNIST
    shape = (28, 28, 1)
    prepared = {family: prepare(family, args.n, args.seed, args.data, shape, args.workers) for family in FAMILIES}

    from model.nets.store import SHIPPED_MODEL, load_model  # TensorFlow only after the workers are done

    model_path = args.model or str(SHIPPED_MODEL)
    model = load_model(model_path)
    model_shape = tuple(int(s) for s in model.inputs[0].shape[1:])
    if model_shape[:2] != shape[:2]:
        raise SystemExit(f"{model_path}: expects input {model_shape}; this benchmark feeds 28x28 digits.")
    result: dict = {"model": model_path, "seed": args.seed, "families": {}}
    all_hits = []
    for family, (inputs, plain, labels, infos) in prepared.items():
        report, predicted = evaluate(model, inputs, plain, labels, infos)
        result["families"][family] = report
        all_hits.extend(predicted == labels)
        if args.errors:
            Path(args.errors).mkdir(parents=True, exist_ok=True)
            save_error_sheet(Path(args.errors) / f"errors_{family}.png", family, args.seed, args.data,
                             labels, predicted, inputs)
    result["overall_accuracy"] = round(float(np.mean(all_hits)), 4)
    result["mnist_test"] = mnist_test_both_ways(model, _mnist(args.data))
    result["seconds"] = round(time.perf_counter() - start, 1)
    print(_compact_json(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

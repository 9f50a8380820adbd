"""How unlike the training digits (model/inspect/novelty.py) and training replay (model/train/replay.py): timings and separation; prints JSON.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_novelty_replay.py [--train-digits 20000] [--test-digits 5000]

Novelty, for the shipped model: building its index (a fresh temporary cache) and reading it back;
one lookup (the drawing loop's cost) on that index and on one of 60,000 rows (its rows repeated);
and the percentiles of held-out MNIST test digits (not those that calibrate it) next to those of
scribbles (random zigzag strokes through the same preprocessing), with the share of each at or
beyond the 90th percentile ("unusual" or "unlike"). Replay: copying the weights for one snapshot,
for cnn_small and the shipped cnn_lens, and one replay frame (weights set on the copy, the probe's
maps, the drawing's probabilities) for cnn_small.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"
if "DIGIT_LENS_MNIST" not in os.environ and SHARED_MNIST.exists():
    os.environ["DIGIT_LENS_MNIST"] = str(SHARED_MNIST)

import numpy as np  # noqa: E402

HELD_OUT = slice(9000, 10000)  # test digits scored, never among the calibration digits
SCRIBBLES = 300


def _summary(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"median_ms": round(statistics.median(ms), 3), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 3), "n": len(ms)}


def _timed(function, repeats: int) -> dict[str, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return _summary(times)


def scribble(seed: int) -> np.ndarray:
    """A 280x280 canvas (ink 255) with one zigzag stroke through 8-16 random points."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    image = Image.new("L", (280, 280))
    points = [tuple(rng.integers(20, 260, 2).tolist()) for _ in range(int(rng.integers(8, 17)))]
    ImageDraw.Draw(image).line(points, fill=255, width=int(rng.integers(10, 20)), joint="curve")
    return np.asarray(image)


def novelty(train_digits: int, test_digits: int) -> dict:
    from model.data.mnist import load_local_mnist
    from model.inspect.inspection import Inspector
    from model.inspect.novelty import NoveltyIndex, cached_index
    from model.inspect.preprocess import preprocess
    from model.nets.store import load_model

    mnist, model = load_local_mnist(), load_model(None)
    inspector = Inspector(model)
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        index = cached_index(model, mnist, train_digits, test_digits, cache=Path(cache))
        built = time.perf_counter() - start
        start = time.perf_counter()
        cached_index(model, mnist, train_digits, test_digits, cache=Path(cache))
        read = time.perf_counter() - start

    def embedding(image) -> np.ndarray:
        layers = inspector.inspect(preprocess(image, (28, 28, 1)).model_input).layers
        return next(o.values for o in layers if o.stage.name == index.layer)

    held_out = [embedding(image) for image in mnist.x_test[HELD_OUT]]
    scribbles = [embedding(scribble(seed)) for seed in range(SCRIBBLES)]
    wide = NoveltyIndex(index.layer, np.tile(index.embeddings, (max(1, 60_000 // len(index)), 1)),
                        np.tile(index.labels, max(1, 60_000 // len(index))), index.images, index.calibration)
    queries = iter(held_out * 3)
    digits = np.array([index.lookup(e).percentile for e in held_out])
    noise = np.array([index.lookup(e).percentile for e in scribbles])
    return {
        "model": model.name, "layer": index.layer, "training_digits": len(index), "calibration_test_digits": len(index.calibration),
        "build_index_s": round(built, 2), "read_cached_index_s": round(read, 3),
        "lookup": _timed(lambda: index.lookup(next(queries)), 1000),
        f"lookup_{len(wide)}_rows": _timed(lambda: wide.lookup(held_out[0]), 200),
        "held_out_test_digits": {"n": len(digits), "median_percentile": round(float(np.median(digits)), 1),
                                 "share_at_or_beyond_90th": round(float(np.mean(digits >= 90)), 3)},
        "scribbles": {"n": len(noise), "median_percentile": round(float(np.median(noise)), 1),
                      "share_at_or_beyond_90th": round(float(np.mean(noise >= 90)), 3)},
    }


def replay() -> dict:
    import keras

    from model.nets.architectures import build
    from model.data.mnist import load_local_mnist
    from model.train.replay import Replayer, WeightSnapshot, weight_bytes
    from model.nets.store import load_model

    probe = load_local_mnist().x_test[0]
    result = {}
    for model in (build("cnn_small"), load_model(None)):
        copy = lambda: [np.array(w, dtype=np.float32) for w in model.get_weights()]  # noqa: E731 (what a snapshot costs)
        result[f"snapshot_copy_{model.name}"] = {**_timed(copy, 50), "mb": round(weight_bytes(model) / 2 ** 20, 2)}
    small = build("cnn_small")
    replayer = Replayer(small.to_json(), probe)
    snapshots = [WeightSnapshot(0, 0, 1, small.get_weights())]
    keras.utils.set_random_seed(1)
    snapshots.append(WeightSnapshot(1, 1, 1, build("cnn_small").get_weights()))
    frames = iter(snapshots * 40)
    drawing = scribble(0)
    result["frame_cnn_small"] = _timed(lambda: replayer.frame(next(frames), drawing), 60)
    result["model_at_cnn_small"] = _timed(lambda: replayer.model_at(snapshots[0]), 5)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-digits", type=int, default=None, help="training digits in the index (default: the app's)")
    parser.add_argument("--test-digits", type=int, default=None, help="test digits that calibrate it (default: the app's)")
    args = parser.parse_args()
    from model.inspect.novelty import TEST_DIGITS, TRAIN_DIGITS

    print(json.dumps({"novelty": novelty(args.train_digits or TRAIN_DIGITS, args.test_digits or TEST_DIGITS),
                      "replay": replay()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

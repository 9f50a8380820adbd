"""What digit_lens.recorder costs a training run: plain `model.fit` against the same fit with `RunRecorder`
(a metrics line after every batch, snapshots on the replay's schedule), interleaved rounds on the same model,
data and batches. Prints JSON: seconds per run (medians), their ratio, and what the run folder holds.

    python benchmarks/bench_recorder.py [--arch cnn_small] [--digits 12000] [--epochs 2] [--rounds 3] [--data mnist.npz]
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


def fit_seconds(arch: str, x, y, batch_size: int, epochs: int, run_dir: Path | None) -> float:
    import keras

    from digit_lens.recorder import RunRecorder
    from model.nets.architectures import build
    from model.train.training import compile_model, training_dataset

    keras.utils.set_random_seed(0)
    model = build(arch)
    compile_model(model)
    callbacks = [RunRecorder(run_dir, probe=x[0])] if run_dir else []
    data = training_dataset(x, y, batch_size, False, 0)
    started = time.perf_counter()
    model.fit(data, epochs=epochs, verbose=0, callbacks=callbacks)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="cnn_small")
    parser.add_argument("--digits", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data", default=os.environ.get("DIGIT_LENS_MNIST", str(ROOT.parent / "shared/data/mnist.npz")))
    args = parser.parse_args()
    from model.data.mnist import load_mnist

    data = load_mnist(args.data)
    x, y = data.x_train[:args.digits], data.y_train[:args.digits]
    fit_seconds(args.arch, x[:512], y[:512], args.batch_size, 1, None)  # warm-up: graph tracing, thread pools
    plain, recorded, folder_bytes, files = [], [], 0, 0
    for _ in range(args.rounds):
        plain.append(fit_seconds(args.arch, x, y, args.batch_size, args.epochs, None))
        with tempfile.TemporaryDirectory() as folder:
            recorded.append(fit_seconds(args.arch, x, y, args.batch_size, args.epochs, Path(folder) / "run"))
            written = [p for p in Path(folder).rglob("*") if p.is_file()]
            folder_bytes, files = sum(p.stat().st_size for p in written), len(written)
    print(json.dumps({
        "arch": args.arch, "digits": args.digits, "epochs": args.epochs, "batch_size": args.batch_size,
        "rounds": args.rounds, "plain_fit_s": [round(s, 2) for s in plain],
        "with_recorder_s": [round(s, 2) for s in recorded],
        "plain_median_s": round(statistics.median(plain), 2),
        "recorder_median_s": round(statistics.median(recorded), 2),
        "ratio_recorder_over_plain": round(statistics.median(recorded) / statistics.median(plain), 3),
        "run_folder_files": files, "run_folder_mb": round(folder_bytes / 2 ** 20, 1)}))


if __name__ == "__main__":
    main()

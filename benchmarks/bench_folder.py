"""Training on a PetImages-like folder: Digit Lens (`main.py train --folder`) against plain Keras
(`image_dataset_from_directory` + the same model) in the same run, interleaved, for 1 and 3 epochs.

Makes N made-up JPEG photos of 200-500 px in Cat/ and Dog/ plus a 0-byte file, a truncated JPEG, a CMYK JPEG,
a PNG and a GIF named .jpg and a Thumbs.db (benchmarks/pet_folder.py). Digit Lens trains on the folder as it is;
plain Keras on a copy (hard links) without those six files, which it cannot read or would die on. Each side runs
as its own process; prints JSON: wall seconds, peak memory (the process's maximum resident set) and images per
second of every run, their medians and the ratios Digit Lens / plain Keras, the ratio of each side's fastest run (on a
machine whose load comes and goes, the fastest run is the one least slowed by others), and whether the broken files
were named.

    .venv/bin/python benchmarks/bench_folder.py 6000 [--epochs 1 3] [--repeats 1] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pet_folder import BROKEN, NOT_IMAGES, ODD_BUT_READABLE, make_pet_folder  # noqa: E402

ARCH, SIDE, BATCH, SPLIT = "cats_dogs", 50, 128, 0.1


def plain_keras(folder: str, epochs: int) -> None:
    """What a tutorial does: image_dataset_from_directory, the same model, model.fit (run in a child process)."""
    import keras
    import tensorflow as tf

    from model.nets.architectures import build
    from model.train.training import compile_model

    keras.utils.set_random_seed(0)
    train, validation = keras.utils.image_dataset_from_directory(
        folder, image_size=(SIDE, SIDE), color_mode="grayscale", batch_size=BATCH, validation_split=SPLIT,
        subset="both", seed=0, label_mode="binary")
    scale = lambda x, y: (x / 255.0, y)  # noqa: E731
    model = build(ARCH, (SIDE, SIDE, 1), 2)
    compile_model(model)
    model.fit(train.map(scale, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE), epochs=epochs,
              validation_data=validation.map(scale).prefetch(tf.data.AUTOTUNE), verbose=2)


def timed(command: list[str]) -> dict:
    """Wall seconds and peak resident memory (MB) of one child process, and its stderr."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors, text=True,
                                 env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read()
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{stderr[-3000:]}")
    return {"wall_s": round(wall, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1), "stderr": stderr}


def run(side: str, folder: Path, clean: Path, epochs: int, images: int, work: Path) -> dict:
    if side == "digit_lens":
        command = [sys.executable, str(ROOT / "main.py"), "train", "--folder", str(folder), "--arch", ARCH,
                   "--epochs", str(epochs), "--batch-size", str(BATCH), "--validation-split", str(SPLIT),
                   "--out", str(work / "bench.keras")]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "--plain-keras", str(clean), "--epochs", str(epochs)]
    figures = timed(command)
    skipped = [line for line in figures.pop("stderr").splitlines() if "skipped (not readable as images)" in line]
    return {"side": side, "epochs": epochs, **figures, "images_per_s": round(images * epochs / figures["wall_s"], 1),
            **({"skipped_line": skipped[0] if skipped else None} if side == "digit_lens" else {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", type=int, nargs="?", default=6000)
    parser.add_argument("--epochs", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--repeats", type=int, default=1, help="pairs of runs per epoch count (medians reported)")
    parser.add_argument("--dir", help="make (or reuse) the folder here instead of a temporary one")
    parser.add_argument("--plain-keras", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_keras:
        return plain_keras(args.plain_keras, args.epochs[0])

    work = Path(args.dir or tempfile.mkdtemp(prefix="bench-folder-"))
    folder, clean = work / f"pets{args.images}", work / f"pets{args.images}-clean"
    if not folder.exists():
        made = time.perf_counter()
        make_pet_folder(folder, args.images)
        print(f"made {folder} in {time.perf_counter() - made:.0f} s", file=sys.stderr)
    if not clean.exists():
        odd = {*BROKEN, *ODD_BUT_READABLE, *NOT_IMAGES}
        for path in folder.rglob("*"):
            relative = path.relative_to(folder).as_posix()
            if path.is_dir():
                (clean / relative).mkdir(parents=True, exist_ok=True)
            elif relative not in odd:
                os.link(path, clean / relative)
    runs = []
    for repeat in range(args.repeats):
        for epochs in args.epochs:
            sides = ("digit_lens", "plain_keras") if (repeat + epochs) % 2 else ("plain_keras", "digit_lens")
            for side in sides:  # interleaved, alternating which goes first: the shared machine's load hits both
                runs.append(run(side, folder, clean, epochs, args.images, work))
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    summary = {}
    for epochs in args.epochs:
        median = {side: {key: statistics.median(r[key] for r in runs if r["side"] == side and r["epochs"] == epochs)
                         for key in ("wall_s", "peak_mb", "images_per_s")} for side in ("digit_lens", "plain_keras")}
        best = {side: min(r["wall_s"] for r in runs if r["side"] == side and r["epochs"] == epochs)
                for side in ("digit_lens", "plain_keras")}
        summary[f"{epochs}_epochs"] = {
            **median, "wall_ratio": round(median["digit_lens"]["wall_s"] / median["plain_keras"]["wall_s"], 3),
            "memory_ratio": round(median["digit_lens"]["peak_mb"] / median["plain_keras"]["peak_mb"], 3),
            "best_wall_s": best, "best_wall_ratio": round(best["digit_lens"] / best["plain_keras"], 3)}
    lines = {r["skipped_line"] for r in runs if r["side"] == "digit_lens"}
    named = all(line and all(name in line for name in BROKEN) for line in lines)
    print(json.dumps({"images": args.images, "broken_files_named_and_skipped": named, "skipped_lines": sorted(lines),
                      "summary": summary, "runs": runs, "cpus": os.cpu_count()}, indent=1))


if __name__ == "__main__":
    main()

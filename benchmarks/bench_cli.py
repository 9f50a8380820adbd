"""Command-line speed: `classify` and `inspect` of one drawn digit against the time Python takes to
`import tensorflow`, each a fresh process, interleaved so a busy machine slows both alike.

Prints one JSON object (seconds, medians of --runs). Usage: python benchmarks/bench_cli.py [--runs 5] [--installed DIR]
(--installed: a folder `pip install --target` filled from the wheel, run from another folder; default: main.py).
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

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-500:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--installed", type=Path, help="site folder of an installed wheel")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    image = Image.new("L", (280, 280))
    ImageDraw.Draw(image).line([(140, 50), (140, 230)], fill=255, width=20)
    image.save(folder / "one.png")
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    if args.installed:
        app = [str(args.installed / "bin" / "digit-lens")]
        env.update(PYTHONPATH=str(args.installed), PYTHONSAFEPATH="1")
    else:
        app = [sys.executable, str(ROOT / "main.py")]
    commands = {"import_tensorflow": [sys.executable, "-c", "import tensorflow"],
                "classify": [*app, "classify", "one.png"],
                "inspect": [*app, "inspect", "one.png"],
                "help": [*app, "--help"]}
    times: dict[str, list[float]] = {name: [] for name in commands}
    timed(commands["classify"], folder, env)  # warm the disk cache for both sides
    timed(commands["import_tensorflow"], folder, env)
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(timed(command, folder, env))
    medians = {name: round(statistics.median(values), 3) for name, values in times.items()}
    tf = medians["import_tensorflow"]
    print(json.dumps({"runs": args.runs, "app": "installed wheel" if args.installed else "main.py",
                      "median_s": medians, "classify_over_import_tensorflow": round(medians["classify"] / tf, 3),
                      "inspect_over_import_tensorflow": round(medians["inspect"] / tf, 3),
                      "all_s": {name: [round(v, 3) for v in values] for name, values in times.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Would a person read the model's misreads as it did?  Sheets for reading blind, and the score of the reading.

A style check's misread digit may be a slip of the model or a digit that looks like the other
class (a flagged 1 stretched to fill its box is a 7 to most eyes).  `make` puts every misread
digit of a style-check set (benchmarks/bench_styles.py) beside as many the model reads right, of
the same true classes, shuffles them and draws them as the model sees them (28x28), numbered,
with no labels, on sheets in DIR, keeping the key apart (DIR/key.json).  Read the sheets, write
your reading of every number in order into a text file (digits separated by spaces), and
`score` says how many misreads you read as the model did, how many as their label, and how
often you agree with the label on the ones the model reads right (the reading's own error rate).

    PYTHONPATH=. .venv/bin/python benchmarks/read_blind.py make DIR [--model M] [--set scanned] [--seed 5151]
        [--per-style 150]
    PYTHONPATH=. .venv/bin/python benchmarks/read_blind.py score DIR READS.txt
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from bench_styles import MADE_AS, style_inputs  # noqa: E402
from drawn_digits import contact_sheet  # noqa: E402

SETS = ("pages", *MADE_AS)  # the style check's pages and its other sets
PER_SHEET = 40


def blind_items(labels: np.ndarray, predicted: np.ndarray, seed: int) -> list[tuple[int, bool]]:
    """(index, the model reads it right) of every misread and as many right reads of the same true classes (as many
    as there are), shuffled with `seed`."""
    rng = np.random.default_rng(seed)
    wrong = np.flatnonzero(predicted != labels)
    pool = np.flatnonzero((predicted == labels) & np.isin(labels, labels[wrong]))
    right = rng.choice(pool, min(len(wrong), len(pool)), replace=False)
    items = [(int(j), False) for j in wrong] + [(int(j), True) for j in right]
    return [items[k] for k in rng.permutation(len(items))]


def make(folder: Path, model_path: str, made_as: str, seed: int, per_style: int, workers: int) -> dict:
    """Sheets and key in `folder`; returns a summary."""
    from model.nets.store import load_model
    from model.spec import spec_for

    inputs, labels, names, _ = style_inputs(per_style, seed, workers, made_as)
    model = load_model(model_path)
    predicted = model.predict(spec_for(model).to_model_values(inputs), batch_size=512, verbose=0).argmax(axis=1)
    items = blind_items(labels, predicted, seed)
    folder.mkdir(parents=True, exist_ok=True)
    key = [{"number": n, "index": j, "style": names[j], "label": int(labels[j]), "model": int(predicted[j])}
           for n, (j, _) in enumerate(items)]
    (folder / "key.json").write_text(json.dumps({"model": model_path, "set": made_as, "seed": seed,
                                                 "per_style": per_style, "digits": key}, indent=1))
    tiles = [np.round(inputs[j, ..., 0] * 255).astype(np.uint8).repeat(3, 0).repeat(3, 1) for j, _ in items]
    for sheet in range(0, len(tiles), PER_SHEET):
        numbers = [str(n) for n in range(sheet, min(sheet + PER_SHEET, len(tiles)))]
        contact_sheet(tiles[sheet:sheet + PER_SHEET], numbers, cell=90).save(folder / f"sheet_{sheet // PER_SHEET}.png")
    return {"digits": len(items), "misread": int((predicted != labels).sum()), "of": len(labels),
            "sheets": (len(items) + PER_SHEET - 1) // PER_SHEET}


def score(key: list[dict], reads: list[int]) -> dict:
    """How a blind reading (`reads`, one digit per key entry, in order) compares with labels and the model."""
    if len(reads) != len(key):
        raise ValueError(f"{len(reads)} readings for {len(key)} digits")
    misread, right = Counter(), Counter()
    for entry, read in zip(key, reads):
        if entry["model"] == entry["label"]:
            right["as_label" if read == entry["label"] else "otherwise"] += 1
        else:
            misread["as_model" if read == entry["model"] else "as_label" if read == entry["label"] else "otherwise"] += 1
    return {"model_misreads": {"read_as_the_model": misread["as_model"], "read_as_the_label": misread["as_label"],
                               "read_otherwise": misread["otherwise"]},
            "model_right": {"read_as_the_label": right["as_label"], "read_otherwise": right["otherwise"]}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("make", help="sheets of misreads and right reads, numbered, no labels")
    made.add_argument("folder", type=Path)
    made.add_argument("--model", default=None, help="Keras model file (default: the shipped model)")
    made.add_argument("--set", default="scanned", choices=SETS, help="which style-check set (default scanned)")
    made.add_argument("--seed", type=int, default=5151)
    made.add_argument("--per-style", type=int, default=150)
    made.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    scored = commands.add_parser("score", help="compare a reading with the key")
    scored.add_argument("folder", type=Path)
    scored.add_argument("reads", type=Path, help="text file: your reading of every number, in order")
    args = parser.parse_args(argv)
    if args.command == "make":
        from model.nets.store import SHIPPED_MODEL

        result = make(args.folder, args.model or str(SHIPPED_MODEL), args.set, args.seed, args.per_style, args.workers)
    else:
        key = json.loads((args.folder / "key.json").read_text())["digits"]
        try:
            result = score(key, [int(v) for v in args.reads.read_text().split()])
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

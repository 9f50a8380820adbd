"""UNIPEN's isolated digits (train_r01_v07, section 1a) as pen trajectories, and the fixed writer-disjoint split.

The file (`unipen_digits.npz`, made from the public UNIPEN train_r01_v07 release: the International
Unipen Foundation, CC BY 4.0, Zenodo doi 10.5281/zenodo.1195803) keeps every pen-down point of
13,708 digits by 162 writers at 9 recording sites: `points` (P, 2) in the tablet's own units, y
down; `stroke_ends` and `digit_ends` cut them into strokes and digits; `labels`, `writers`
(indices into `writer_names`) and `sites`.  Nothing is downloaded: the file is read from a path.

`HELD_OUT_SITES` and `held_out_writers` fix which writers no model trains on: two whole sites (their
writers and tablets never seen) and one writer in five, by name, of every other site with ten
writers or more; about a third of the 162 writers.  `train` uses only the rest.

Some digits lost strokes on their way into the file: 46 of ibm's 0s and 4s are a bare slash, stem or bar and one of
val's 4s a dot, which every reader takes for a 1 or for nothing.  `PenDigits.incomplete` finds them by one rule (a
digit other than 1 whose ink is a line); the split leaves them out of training and of the check.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.data.mnist import DataError

SOURCE = "UNIPEN train_r01_v07, section 1a (International Unipen Foundation; CC BY 4.0, doi 10.5281/zenodo.1195803)"
HELD_OUT_SITES = ("aga", "app")
"""Whole recording sites held out: aga (14 writers, a fine tablet) and app (14 writers, a coarse one)."""
HELD_OUT_EVERY = 5  # one writer in this many (sorted by name) of each other site with at least...
HELD_OUT_MIN_WRITERS = 10  # ...this many writers is held out too
LINE_WIDTH = 0.12
"""A digit's ink is a line when its spread across its main direction is under this share of its spread along it (the
square root of its points' covariance eigenvalues' ratio): half of the file's 1s are under 0.07; its incomplete
digits are all under 0.10 and every other digit over 0.14."""
_KEYS = ("points", "stroke_ends", "digit_ends", "labels", "writers", "writer_names", "sites")

Strokes = list[np.ndarray]


@dataclass(frozen=True)
class PenDigits:
    """Digits as pen trajectories: `strokes(i)` gives digit i's strokes ((N, 2) float, x right, y down)."""

    points: np.ndarray
    stroke_ends: np.ndarray
    digit_ends: np.ndarray
    labels: np.ndarray
    writers: np.ndarray  # a writer's name for every digit (site/name: names repeat between sites)
    sites: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def strokes(self, i: int) -> Strokes:
        first = int(self.digit_ends[i - 1]) if i > 0 else 0
        out = []
        for s in range(first, int(self.digit_ends[i])):
            start = int(self.stroke_ends[s - 1]) if s > 0 else 0
            out.append(self.points[start:int(self.stroke_ends[s])].astype(np.float64))
        return out

    def subset(self, keep: np.ndarray) -> "PenDigits":
        """The digits where `keep` (a boolean mask or indices) holds, re-packed."""
        index = np.arange(len(self))[keep]
        strokes = [self.strokes(int(i)) for i in index]
        per_digit = [len(s) for s in strokes]
        flat = [stroke for digit in strokes for stroke in digit]
        points = np.concatenate(flat).astype(self.points.dtype) if flat else self.points[:0]
        return PenDigits(points, np.cumsum([len(s) for s in flat], dtype=np.int64),
                         np.cumsum(per_digit, dtype=np.int64), self.labels[index], self.writers[index],
                         self.sites[index])

    def incomplete(self) -> np.ndarray:
        """A mask of the digits whose strokes are missing from the file: labelled other than 1, their ink is a line
        (`LINE_WIDTH`), such as a bare slash labelled 0 or a bare stem labelled 4."""
        return np.array([label != 1 and _line_like(self.strokes(i)) for i, label in enumerate(self.labels)],
                        dtype=bool)

    def held_out(self) -> np.ndarray:
        """A mask of the digits whose writers are held out (`held_out_writers`)."""
        return np.isin(self.writers, sorted(held_out_writers(self.writers, self.sites)))

    def split(self, complete: bool = True) -> tuple["PenDigits", "PenDigits"]:
        """(train writers' digits, held-out writers' digits): no writer on both sides; with `complete`, the
        `incomplete` digits are on neither."""
        held = self.held_out()
        keep = ~self.incomplete() if complete else np.ones(len(self), dtype=bool)
        return self.subset(~held & keep), self.subset(held & keep)


def _line_like(strokes: Strokes) -> bool:
    points = np.concatenate(strokes)
    if len(points) < 3:
        return True
    low, high = np.linalg.eigvalsh(np.cov(points.T))
    return bool(np.sqrt(max(low, 0.0)) < LINE_WIDTH * np.sqrt(max(high, 1e-12)))


def held_out_writers(writers: np.ndarray, sites: np.ndarray) -> set[str]:
    """The writers no model trains on: every writer of `HELD_OUT_SITES`, and of every other site with
    `HELD_OUT_MIN_WRITERS` or more writers, the 3rd, 8th, 13th, ... by name."""
    held: set[str] = set()
    for site in sorted(set(sites.tolist())):
        names = sorted(set(writers[sites == site].tolist()))
        if site in HELD_OUT_SITES:
            held.update(names)
        elif len(names) >= HELD_OUT_MIN_WRITERS:
            held.update(names[HELD_OUT_EVERY // 2::HELD_OUT_EVERY])
    return held


def load_unipen(path: str | os.PathLike) -> PenDigits:
    """The digits of a `unipen_digits.npz`; DataError saying what is wrong when it is missing or not that file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist (unipen_digits.npz: see the README, 'Real writers').")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in _KEYS if k not in data.files]
            if missing:
                raise DataError(f"{path} is not a UNIPEN digits file (no {', '.join(missing)}).")
            raw = {k: data[k] for k in _KEYS}
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} could not be read as a .npz file ({exc}).") from None
    n = len(raw["labels"])
    if (raw["points"].ndim != 2 or raw["points"].shape[1] != 2 or len(raw["digit_ends"]) != n
            or len(raw["writers"]) != n or len(raw["sites"]) != n
            or (n and (raw["digit_ends"][-1] != len(raw["stroke_ends"])
                       or raw["stroke_ends"][-1] != len(raw["points"])))):
        raise DataError(f"{path}: its points, strokes and digits do not fit together.")
    sites = raw["sites"].astype(str)
    names = raw["writer_names"].astype(str)[raw["writers"]]
    writers = np.char.add(np.char.add(sites, "/"), names)  # a writer is a name at a site
    return PenDigits(raw["points"], raw["stroke_ends"].astype(np.int64), raw["digit_ends"].astype(np.int64),
                     raw["labels"].astype(np.uint8), writers, sites)

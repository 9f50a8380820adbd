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
val's 4s a dot (every reader takes them for a 1 or for nothing), and 16 of ibm's 1s lie flat (15 a bar, the base of a
2 whose curve is gone, and a flat zigzag).  `PenDigits.incomplete` finds them by one rule: a digit other than 1 whose
ink is a line, or a 1 whose ink lies flat.  Fifteen more are not the digit the file names (`MISLABELLED`: a "%"
labelled 8, a 2 labelled 1, single loops labelled 8), found by looking at every digit that two models, one never
trained on the file, both misread (of the held-out writers: that either misread).  The split leaves both kinds out
of training and of the check (`PenDigits.left_out`).
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
FLAT_DEGREES = 30.0
"""A 1 whose ink's main direction is within this many degrees of horizontal lies flat: the file's 16 such 1s are all
within 12 degrees, every other 1 of the file is steeper than 40."""
MISLABELLED: dict[int, tuple[str, int, str]] = {
    # place in the file: (writer, the file's label, what the ink is), each looked at as written, stroke by stroke
    76: ("aga/crlmtchl", 1, "a 2: its curve and a separate base stroke"),
    88: ("aga/crlmtchl", 7, "a 2 in one stroke, with its base"),
    1637: ("apb/Emda_Hartnett", 8, "a 6"),
    4265: ("ced/AYML3525", 8, "a % sign"),
    4266: ("ced/AYML3525", 2, "a lone ')': the curve of a 2 without its base"),
    4436: ("ced/FLAD4341", 8, "an open curl"),
    5592: ("ibm/r00-11", 8, "a single loop"),
    5597: ("ibm/r00-11", 8, "a single loop"),
    5598: ("ibm/r00-11", 8, "a cross"),
    5835: ("ibm/r01-16", 1, "a 2"),
    6068: ("ibm/r02-11", 8, "a single loop"),
    6982: ("ibm/r04-11", 8, "a single loop"),
    7084: ("ibm/r04-14", 8, "a single loop"),
    7085: ("ibm/r04-14", 8, "a single loop"),
    12726: ("val/val02", 6, "a stem and a zigzag bar"),
}
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
    places: np.ndarray  # every digit's place in the file, kept by `subset`

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
                         self.sites[index], self.places[index])

    def incomplete(self) -> np.ndarray:
        """A mask of the digits whose strokes are missing from the file: labelled other than 1 and their ink a line
        (`LINE_WIDTH`), such as a bare slash labelled 0 or a bare stem labelled 4, or labelled 1 and their ink lying
        flat (`FLAT_DEGREES`), such as the base of a 2 without its curve."""
        return np.array([_flat(self.strokes(i)) if label == 1 else _line_like(self.strokes(i))
                         for i, label in enumerate(self.labels)], dtype=bool)

    def mislabelled(self) -> np.ndarray:
        """A mask of the digits `MISLABELLED` names (matched by place, writer and label, so another file names none)."""
        return np.array([MISLABELLED.get(int(place), ("", -1, ""))[:2] == (writer, int(label))
                         for place, writer, label in zip(self.places, self.writers, self.labels)], dtype=bool)

    def left_out(self) -> np.ndarray:
        """A mask of the digits neither trained on nor checked: `incomplete` or `mislabelled`."""
        return self.incomplete() | self.mislabelled()

    def held_out(self) -> np.ndarray:
        """A mask of the digits whose writers are held out (`held_out_writers`)."""
        return np.isin(self.writers, sorted(held_out_writers(self.writers, self.sites)))

    def split(self, clean: bool = True) -> tuple["PenDigits", "PenDigits"]:
        """(train writers' digits, held-out writers' digits): no writer on both sides; with `clean`, the `left_out`
        digits are on neither."""
        held = self.held_out()
        keep = ~self.left_out() if clean else np.ones(len(self), dtype=bool)
        return self.subset(~held & keep), self.subset(held & keep)


def _line_like(strokes: Strokes) -> bool:
    points = np.concatenate(strokes)
    if len(points) < 3:
        return True
    low, high = np.linalg.eigvalsh(np.cov(points.T))
    return bool(np.sqrt(max(low, 0.0)) < LINE_WIDTH * np.sqrt(max(high, 1e-12)))


def _flat(strokes: Strokes) -> bool:
    points = np.concatenate(strokes)
    if len(points) < 2 or not np.ptp(points, axis=0).any():
        return False
    main = np.linalg.eigh(np.cov(points.T))[1][:, -1]
    return bool(np.degrees(np.arctan2(abs(main[1]), abs(main[0]))) < FLAT_DEGREES)


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
                     raw["labels"].astype(np.uint8), writers, sites, np.arange(n))

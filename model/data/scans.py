"""Training digits as old scanners and form readers kept them: small, black and white, sometimes stretched.

Digit sets scanned from forms were often stored at 16x16 or 32x32 pixels, thresholded to
black and white, and some readers stretched every digit to fill its box (a 1 becomes a wide
slanted bar).  Shown on a page of any size, such a digit reaches the model blocky and
unlike any MNIST digit.  `scan_page` makes one such page from a digit's ink; `scanned_digits`
runs a random pick of training digits through it and the window's preprocessing, so training
sees what `classify` would be given, and `scanned_style_digits` does the same with style digits
written large with a form-filler's pen (model/data/handwriting.py), so that a stretched scan
starts from crisp strokes rather than from a 20 px digit.  Every digit depends only on (seed, index).

The evaluation scans of benchmarks (`benchmarks/drawn_digits.py`) are made by separate code
from MNIST's *test* digits.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from model.data.digit_pages import made_in_chunks, numbered_digits, on_paper, preprocessed
from model.data.handwriting import digit_strokes, written

_CHUNK = 1000


def squeeze(digit: np.ndarray, side: int, stretch: bool, threshold: float | None) -> np.ndarray:
    """`digit`'s ink box (2-D uint8, 255 = ink) shrunk (area-averaged) to `side` px on its longer side, or stretched
    to fill a `side` x `side` box; black and white at `threshold` (a share of full ink), else grey (0..1 float)."""
    rows, cols = np.flatnonzero(digit.max(axis=1) > 64), np.flatnonzero(digit.max(axis=0) > 64)
    ink = Image.fromarray(digit[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    if stretch:
        size = (side, side)
    else:
        scale = side / max(ink.size)
        size = (max(1, round(ink.width * scale)), max(1, round(ink.height * scale)))
    small = np.asarray(ink.resize(size, Image.Resampling.BOX), dtype=np.float32) / 255
    return small if threshold is None else (small > threshold).astype(np.float32)


def scan_page(digit: np.ndarray, r: np.random.Generator) -> np.ndarray:
    """`digit` (2-D uint8, 255 = ink) squeezed into a 14-40 px box (in proportion, or stretched to fill it), mostly
    black and white, then enlarged (blocky or smooth) onto a page of random size, margins and polarity (uint8)."""
    if digit.max() <= 64:
        return np.zeros((64, 64), np.uint8)  # nothing to scan: a blank page
    side = int(r.integers(14, 41))
    small = squeeze(digit, side, stretch=r.random() < 0.35, threshold=r.uniform(0.3, 0.65) if r.random() < 0.7 else None)
    factor = int(r.integers(2, 17))
    height, width = small.shape
    big = Image.fromarray(small, mode="F").resize((width * factor, height * factor), Image.Resampling.NEAREST
                                                  if r.random() < 0.6 else Image.Resampling.BILINEAR)
    margin = r.integers(0, max(2, int(0.4 * factor * side)), 4)
    coverage = np.pad(np.clip(np.asarray(big), 0, 1), ((margin[0], margin[1]), (margin[2], margin[3])))
    return on_paper(coverage, r, noise=5)


def _chunk(job: tuple[np.ndarray, int, int]) -> np.ndarray:
    digits, start, seed = job
    return preprocessed((scan_page(digit, np.random.default_rng([seed, start + i, 11])) for i, digit in enumerate(digits)),
                        len(digits))


def scanned_digits(images: np.ndarray, labels: np.ndarray, n: int, seed: int = 0, workers: int = 1
                   ) -> tuple[np.ndarray, np.ndarray]:
    """`n` digits picked at random from `images` (28x28 uint8, 255 = ink), scanned (`scan_page`) and
    preprocessed back to 28x28 uint8, with their labels."""
    picks = np.random.default_rng([seed, 13]).integers(0, len(images), n)
    jobs = [(images[picks[start:start + _CHUNK]], start, seed) for start in range(0, n, _CHUNK)]
    return made_in_chunks(_chunk, jobs, workers), labels[picks]


def scanned_style_page(index: int, seed: int) -> np.ndarray:
    """Style digit number `index` of the set made with `seed` (label index % 10), written and scanned."""
    r = np.random.default_rng([seed, index, 17])
    return scan_page(written(digit_strokes(index, r)[0], r), r)


def scanned_style_digits(n: int, seed: int = 0, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """`n` style digits written 60-140 px tall with a pen 7-20% of their height (`written`), scanned (`scan_page`) and
    preprocessed to 28x28 uint8, with their labels (index % 10)."""
    return numbered_digits(scanned_style_page, n, seed, workers)

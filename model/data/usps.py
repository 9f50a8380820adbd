"""The US Postal Service zip-code digits (Le Cun et al., 1990), 16x16, as The Elements of Statistical Learning
distributes them; read from a `usps.npz` (`x_train` (7291, 16, 16), `x_test` (2007, 16, 16) uint8 with 255 = ink,
`y_train`, `y_test` 0-9).  Nothing is downloaded.  `usps_inputs` shows each digit as a scanned page would be opened
in the window (enlarged smooth or blocky onto a page of any size, margins and polarity) and runs it through the
window's preprocessing.  Every page depends only on (seed, index)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from model.data.digit_pages import made_in_chunks, on_paper, preprocessed
from model.data.mnist import DataError

SOURCE = "USPS zip-code digits (Le Cun et al., 1990; from The Elements of Statistical Learning's data)"
SIDE = 16
_CHUNK = 1000


def load_usps(path: str | os.PathLike) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)), images uint8 (N, 16, 16) with 255 = ink; DataError when unusable."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist (usps.npz: see the README, 'Real writers').")
    try:
        with np.load(path, allow_pickle=False) as data:
            parts = [data[key] for key in ("x_train", "y_train", "x_test", "y_test")]
    except KeyError as exc:
        raise DataError(f"{path} is not a USPS digits file (no {exc}).") from None
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} could not be read as a .npz file ({exc}).") from None
    x_train, y_train, x_test, y_test = parts
    for x, y in ((x_train, y_train), (x_test, y_test)):
        if x.shape[1:] != (SIDE, SIDE) or len(x) != len(y) or (len(y) and not 0 <= y.min() <= y.max() <= 9):
            raise DataError(f"{path}: expected 16x16 images with labels 0-9, got {x.shape} and {y.shape}.")
    return ((x_train.astype(np.uint8), y_train.astype(np.uint8)), (x_test.astype(np.uint8), y_test.astype(np.uint8)))


def usps_page(digit: np.ndarray, r: np.random.Generator) -> np.ndarray:
    """A 16x16 USPS digit (uint8, 255 = ink) enlarged 3-16 times, smooth or blocky, with margins, on paper of either
    polarity (uint8)."""
    factor = int(r.integers(3, 17))
    resample = Image.Resampling.BILINEAR if r.random() < 0.7 else Image.Resampling.NEAREST
    big = np.asarray(Image.fromarray(digit).resize((SIDE * factor, SIDE * factor), resample), dtype=np.float32) / 255
    margin = r.integers(0, max(2, int(0.3 * factor * SIDE)), 4)
    return on_paper(np.pad(big, ((margin[0], margin[1]), (margin[2], margin[3]))), r, noise=5)


def _chunk(job: tuple[np.ndarray, int, int]) -> np.ndarray:
    digits, start, seed = job
    return preprocessed((usps_page(digit, np.random.default_rng([seed, start + i, 37])) for i, digit in enumerate(digits)),
                        len(digits))


def usps_inputs(images: np.ndarray, seed: int = 0, workers: int = 1) -> np.ndarray:
    """Every image as a page (`usps_page`) through the window's preprocessing: 28x28 uint8, 255 = ink."""
    jobs = [(images[start:start + _CHUNK], start, seed) for start in range(0, len(images), _CHUNK)]
    return made_in_chunks(_chunk, jobs, workers)

"""Small stand-ins for Keras' cached Fashion-MNIST and CIFAR-10, written in exactly the files and formats Keras
keeps them in (`$KERAS_HOME/datasets/...`), so tests train on a "stock set" without downloading anything.

Every class is a shape of its own (a Fashion-MNIST "Trouser" is two legs) on a dark, noisy background, so a small
network learns them in an epoch or two."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np


def clothing(label: int, rng: np.random.Generator, side: int = 28) -> np.ndarray:
    """One 28x28 grey picture of class `label` (bright on black, as Fashion-MNIST's are)."""
    y, x = np.mgrid[0:side, 0:side] / side
    dx, dy = rng.uniform(-0.05, 0.05, 2)
    x, y = x + dx, y + dy
    shapes = [
        ((y > 0.2) & (y < 0.35) & (x > 0.15) & (x < 0.85)) | ((y > 0.2) & (y < 0.8) & (abs(x - 0.5) < 0.15)),  # T
        ((y > 0.15) & (y < 0.9) & ((abs(x - 0.38) < 0.08) | (abs(x - 0.62) < 0.08))) | ((y > 0.15) & (y < 0.3) & (abs(x - 0.5) < 0.2)),
        (y > 0.2) & (y < 0.8) & (x > 0.2) & (x < 0.8),  # a box
        (y > 0.15) & (y < 0.85) & (abs(x - 0.5) < (y - 0.1) * 0.45),  # a triangle
        (y > 0.15) & (y < 0.85) & (x > 0.2) & (x < 0.8) & (abs(x - 0.5) > 0.05),  # open in the middle
        ((y * 10).astype(int) % 2 == 0) & (y > 0.6) & (x > 0.1) & (x < 0.9),  # stripes low down
        (abs(x - 0.5) + abs(y - 0.5) < 0.3),  # a diamond
        (y > 0.55) & (y < 0.8) & (x > 0.1) & (x < 0.9) & (y > 0.85 - x * 0.5),  # a wedge
        ((x - 0.5) ** 2 + (y - 0.55) ** 2 < 0.09) & ((x - 0.5) ** 2 + (y - 0.55) ** 2 > 0.04),  # a ring
        ((y > 0.15) & (y < 0.85) & (abs(x - 0.35) < 0.1)) | ((y > 0.7) & (y < 0.85) & (x > 0.3) & (x < 0.8)),  # an L
    ]
    picture = shapes[label] * rng.uniform(170, 240) + rng.normal(0, 12, (side, side))
    return np.clip(picture, 0, 255).astype(np.uint8)


def photo(label: int, rng: np.random.Generator) -> np.ndarray:
    """One 32x32 colour picture of class `label`: a shape of the class's colour and size."""
    picture = clothing(label, rng, 32).astype(np.float32) / 255
    tint = np.array([(label * 37) % 256, (label * 91 + 60) % 256, (label * 53 + 120) % 256], np.float32)
    background = rng.uniform(0, 50, 3).astype(np.float32)
    return np.clip(picture[..., None] * tint + (1 - picture[..., None]) * background, 0, 255).astype(np.uint8)


def pictures(make, per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.tile(np.arange(10, dtype=np.uint8), per_class)
    rng.shuffle(labels)
    return np.stack([make(int(label), rng) for label in labels]), labels


def write_fashion_mnist(keras_home: Path, per_class: int = 30, test_per_class: int = 5) -> Path:
    """$KERAS_HOME/datasets/fashion-mnist/ with the four gz IDX files Keras downloads."""
    folder = Path(keras_home) / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, count, seed in (("train", per_class, 1), ("t10k", test_per_class, 2)):
        images, labels = pictures(clothing, count, seed)
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(struct.pack(">4I", 0x803, len(images), 28, 28) + images.tobytes())
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(struct.pack(">2I", 0x801, len(labels)) + labels.tobytes())
    return folder


def write_cifar10(keras_home: Path, per_class: int = 10, test_per_class: int = 3) -> Path:
    """$KERAS_HOME/datasets/cifar-10-batches-py-target/cifar-10-batches-py/ with the six pickled batches Keras
    extracts from its download (data: uint8 (N, 3072) channel-first rows; labels: a list)."""
    folder = Path(keras_home) / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    batches = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for i, name in enumerate(batches):
        images, labels = pictures(photo, test_per_class if name == "test_batch" else per_class, 10 + i)
        rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": rows, b"labels": [int(v) for v in labels]}, f, protocol=4)
    return folder

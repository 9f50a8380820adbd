"""A PetImages-like folder of made-up photos for benchmarks and tests: Cat/ and Dog/ with JPEGs of 200-500 px,
plus the broken and odd files such folders have (a 0-byte file, a truncated JPEG, a CMYK JPEG, a PNG and a GIF
named .jpg, a Thumbs.db). Nothing is downloaded."""

from __future__ import annotations

import io
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = ("Cat", "Dog")
BROKEN = ("Cat/empty.jpg", "Dog/truncated.jpg")  # not readable: skipped and named
ODD_BUT_READABLE = ("Cat/cmyk.jpg", "Dog/png_named.jpg", "Cat/gif_named.jpg")  # read by what they are
NOT_IMAGES = ("Cat/Thumbs.db",)


def pet_photo(label: int, seed: int) -> Image.Image:
    """A 200-500 px photo-like picture: a lit background, noise, and a bright round blob (Cat) or a dark bar (Dog)."""
    rng = np.random.default_rng(seed)
    width, height = (int(v) for v in rng.integers(200, 501, size=2))
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.uniform(40, 160, size=3).astype(np.float32)
    picture = base + (x / width)[..., None] * rng.uniform(-50, 50, size=3) + (y / height)[..., None] * rng.uniform(-50, 50, size=3)
    cy, cx = rng.uniform(0.3, 0.7) * height, rng.uniform(0.3, 0.7) * width
    r = rng.uniform(0.15, 0.3) * min(width, height)
    if label == 0:
        picture[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.uniform(190, 250, size=3)
    else:
        picture[(abs(y - cy) < r / 3) & (abs(x - cx) < r * 1.2)] = rng.uniform(0, 50, size=3)
    picture += rng.normal(0, 8, size=(height, width, 1)).astype(np.float32)
    return Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8))


def _write(job: tuple[str, int, int]) -> None:
    path, label, seed = job
    pet_photo(label, seed).save(path, quality=85)


def make_pet_folder(root: str | os.PathLike, count: int, odd_files: bool = True, workers: int | None = None) -> Path:
    """root/Cat and root/Dog with `count` photos in all (half each), and with `odd_files` the broken and odd files."""
    root = Path(root)
    for name in CLASSES:
        (root / name).mkdir(parents=True, exist_ok=True)
    jobs = [(str(root / CLASSES[i % 2] / f"{i // 2}.jpg"), i % 2, i) for i in range(count)]
    if workers == 1 or count < 200:
        for job in jobs:
            _write(job)
    else:
        with ProcessPoolExecutor(workers or os.cpu_count()) as pool:
            list(pool.map(_write, jobs, chunksize=64))
    if odd_files:
        add_odd_files(root)
    return root


def add_odd_files(root: Path) -> None:
    """The files that break plain Keras or are not pictures at all, as PetImages has them."""
    (root / "Cat" / "empty.jpg").write_bytes(b"")
    whole = io.BytesIO()
    pet_photo(1, 10**6).save(whole, format="JPEG", quality=85)
    (root / "Dog" / "truncated.jpg").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    pet_photo(0, 10**6 + 1).convert("CMYK").save(root / "Cat" / "cmyk.jpg", format="JPEG")
    pet_photo(1, 10**6 + 2).save(root / "Dog" / "png_named.jpg", format="PNG")
    pet_photo(0, 10**6 + 3).convert("P").save(root / "Cat" / "gif_named.jpg", format="GIF")
    (root / "Cat" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))

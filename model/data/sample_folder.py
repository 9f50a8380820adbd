"""A made-up image folder (two classes of photo-like pictures) for demonstrations, screenshots and tests:
bright yellow circles and blue squares on dim, noisy, slightly soft backgrounds. Nothing is downloaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

CLASSES = ("circles", "squares")


def shape_photo(kind: str, seed: int, size: tuple[int, int] = (100, 80)) -> Image.Image:
    """One picture of a circle or a square ("circles" or "squares") at a random place and size."""
    rng = np.random.default_rng(seed)
    width, height = size
    picture = np.full((height, width, 3), rng.integers(0, 60), np.float32)
    picture += np.linspace(0, rng.integers(0, 40), width, dtype=np.float32)[None, :, None]  # uneven light
    y, x = np.mgrid[0:height, 0:width]
    side = min(width, height)  # drawn in proportion, so a larger photo shows the same scene
    r = int(side * rng.uniform(0.15, 0.27))
    cy, cx = rng.integers(r + 2, height - r - 1), rng.integers(r + 2, width - r - 1)
    if kind == "circles":
        picture[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = (240, 230, 80)
    else:
        picture[cy - r:cy + r, cx - r:cx + r] = (60, 40, 200)
    picture += rng.normal(0, 4, picture.shape).astype(np.float32)  # sensor noise
    return Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.7))


def make_sample_folder(root: str | Path, per_class: int = 24, corrupt: bool = True) -> Path:
    """root/circles/*.png and root/squares/*.jpg, a text file that is ignored and, with `corrupt`, a broken
    root/squares/broken.jpg (skipped and reported when trained on)."""
    root = Path(root)
    for label, kind in enumerate(CLASSES):
        (root / kind).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            shape_photo(kind, seed=1000 * label + i).save(root / kind / f"{kind}{i:02d}.{'png' if label == 0 else 'jpg'}")
    if corrupt:
        (root / "squares" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a JPEG")
    (root / "squares" / "notes.txt").write_text("not an image: ignored")
    return root

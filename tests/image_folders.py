"""Folders of made-up photos for the tests: bright yellow circles and dark blue squares on dim backgrounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = ("circles", "squares")


def shape_photo(kind: str, seed: int, size: tuple[int, int] = (100, 80)) -> Image.Image:
    """One photo of a bright circle or a dark square at a random place and size."""
    rng = np.random.default_rng(seed)
    width, height = size
    picture = np.full((height, width, 3), rng.integers(0, 60), np.uint8)
    y, x = np.mgrid[0:height, 0:width]
    cy, cx, r = rng.integers(25, height - 25), rng.integers(25, width - 25), rng.integers(12, 22)
    if kind == "circles":
        picture[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = (240, 230, 80)
    else:
        picture[cy - r:cy + r, cx - r:cx + r] = (60, 40, 200)
    return Image.fromarray(picture)


def make_folder(root: Path, per_class: int = 24, corrupt: bool = True) -> Path:
    """root/circles/*.png and root/squares/*.jpg (and, with `corrupt`, root/squares/broken.jpg)."""
    for label, kind in enumerate(CLASSES):
        (root / kind).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            shape_photo(kind, seed=1000 * label + i).save(root / kind / f"{kind}{i:02d}.{'png' if label == 0 else 'jpg'}")
    if corrupt:
        (root / "squares" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a JPEG")
    (root / "squares" / "notes.txt").write_text("not an image: ignored")
    return root

"""A photo-like picture made on the spot: the Kernels tab's first image and its screenshot's subject.

A street corner at dusk: a sky gradient, a sun with a glow, hills, a house with a tiled roof
and lit windows, a tree, a fence, grass texture and camera noise, slightly soft like a lens.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def demo_photo(width: int = 640, height: int = 480, seed: int = 3) -> Image.Image:
    """The scene as an RGB image of `width` x `height` (drawn at 640x480 and resized)."""
    rng = np.random.default_rng(seed)
    image = Image.fromarray(_sky(640, 480))
    glow = Image.new("L", (640, 480), 0)
    ImageDraw.Draw(glow).ellipse((30, 50, 150, 170), fill=255)
    image.paste((255, 226, 160), mask=glow.filter(ImageFilter.GaussianBlur(38)))
    clouds = Image.new("L", (640, 480), 0)
    for box in [(250, 60, 420, 100), (320, 40, 400, 90), (520, 130, 640, 165), (190, 150, 300, 175)]:
        ImageDraw.Draw(clouds).ellipse(box, fill=170)
    image.paste((250, 238, 236), mask=clouds.filter(ImageFilter.GaussianBlur(9)))
    pen = ImageDraw.Draw(image)
    pen.ellipse((60, 80, 120, 140), fill=(255, 244, 214))
    hills = [(0, 330)] + [(x, 300 - 40 * np.sin(x / 90) - 18 * np.sin(x / 31 + 1)) for x in range(0, 641, 16)] + [(640, 330)]
    pen.polygon([(0, 480), *hills, (640, 480)], fill=(74, 104, 66))
    pen.rectangle((0, 360, 640, 480), fill=(92, 128, 60))
    _house(pen, 150, 214)
    _tree(pen, rng, 480, 362)
    for x in range(0, 640, 22):  # the fence
        pen.rectangle((x, 372, x + 8, 420), fill=(214, 206, 190), outline=(120, 110, 96))
    pen.rectangle((0, 384, 640, 390), fill=(190, 180, 164))
    values = np.asarray(image.filter(ImageFilter.GaussianBlur(0.8)), np.float32)
    grass = rng.normal(0, 14, (120, 640, 1)) * np.array([0.7, 1.0, 0.5])
    values[360:] += grass.astype(np.float32)
    values += rng.normal(0, 3.5, values.shape).astype(np.float32)  # sensor noise
    rows, cols = np.ogrid[-1:1:480j, -1:1:640j]
    values *= (1 - 0.22 * (rows ** 2 + cols ** 2))[:, :, None].astype(np.float32)  # lens vignetting
    photo = Image.fromarray(np.clip(values, 0, 255).astype(np.uint8))
    return photo if (width, height) == (640, 480) else photo.resize((width, height), Image.Resampling.LANCZOS)


def _sky(width: int, height: int) -> np.ndarray:
    top, horizon = np.array([58, 92, 158], np.float32), np.array([246, 190, 142], np.float32)
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None] ** 1.4
    return np.broadcast_to(top + (horizon - top) * t, (height, width, 3)).astype(np.uint8)


def _house(pen: ImageDraw.ImageDraw, left: int, top: int) -> None:
    pen.rectangle((left, top, left + 200, top + 140), fill=(196, 166, 128), outline=(90, 70, 50), width=2)
    pen.polygon([(left - 20, top + 4), (left + 100, top - 80), (left + 220, top + 4)], fill=(128, 52, 40))
    for y in range(top - 60, top, 12):  # roof tiles
        half = (y - (top - 80)) * 120 / 84
        pen.line((left + 100 - half, y, left + 100 + half, y), fill=(96, 38, 30), width=2)
    for x in (left + 22, left + 128):
        pen.rectangle((x, top + 28, x + 50, top + 72), fill=(255, 214, 120), outline=(70, 50, 36), width=4)
        pen.line((x + 25, top + 28, x + 25, top + 72), fill=(70, 50, 36), width=3)
        pen.line((x, top + 50, x + 50, top + 50), fill=(70, 50, 36), width=3)
    pen.rectangle((left + 84, top + 70, left + 116, top + 140), fill=(84, 48, 34), outline=(50, 30, 20), width=2)
    pen.rectangle((left + 150, top - 70, left + 172, top - 30), fill=(110, 60, 48))  # chimney


def _tree(pen: ImageDraw.ImageDraw, rng: np.random.Generator, x: int, ground: int) -> None:
    pen.rectangle((x - 9, ground - 90, x + 9, ground + 10), fill=(82, 56, 38))
    for _ in range(46):
        dx, dy, r = rng.normal(0, 34), rng.normal(-140, 26), rng.uniform(14, 30)
        shade = int(rng.uniform(60, 120))
        pen.ellipse((x + dx - r, ground + dy - r, x + dx + r, ground + dy + r), fill=(shade // 2, shade, shade // 3))

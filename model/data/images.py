"""Reading image files with a clear error for anything that is not one, at a bounded size and in 8 bits."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")  # what the window offers
MAX_PIXELS = 50_000_000  # decoded images beyond this are refused (JPEGs are decoded smaller instead)
MAX_SIDE = 2048  # larger images are scaled down as they are read: the model sees at most 300 px anyway


class ImageFileError(Exception):
    """The file could not be read as an image; the message says why."""


def load_image(path: str | os.PathLike) -> Image.Image:
    """The image at `path` as 8-bit L, RGB or RGBA, its longer side at most MAX_SIDE, upright as its EXIF
    says (the first frame of an animation). 16-bit and float images are scaled, not clipped, to 8 bits."""
    path = Path(path)
    if not path.exists():
        raise ImageFileError(f"{path}: no such file.")
    if path.is_dir():
        raise ImageFileError(f"{path}: is a folder, not an image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit below is lower
            image = Image.open(path)
        with image:
            image.seek(0)
            image.draft(image.mode, (MAX_SIDE, MAX_SIDE))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageFileError(f"{path.name}: the image is {width}x{height} pixels "
                                     f"({width * height / 1e6:.0f} megapixels); Digit Lens opens images of up to "
                                     f"{MAX_PIXELS / 1e6:.0f} megapixels. Scale it down first.")
            image.load()
            image = ImageOps.exif_transpose(_eight_bit(image))
    except Image.DecompressionBombError:
        raise ImageFileError(f"{path.name}: the image is too large to open safely.") from None
    except MemoryError:
        raise ImageFileError(f"{path.name}: the image is too large for the memory available.") from None
    except UnidentifiedImageError:
        raise ImageFileError(f"{path.name}: not an image file Digit Lens can read (PNG, JPEG, BMP, GIF, TIFF, WebP).") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageFileError(f"{path.name}: the image is damaged or truncated ({exc}).") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return image


def _eight_bit(image: Image.Image) -> Image.Image:
    """L, RGB or RGBA with 8 bits per channel; transparency kept, 16-bit and float ranges scaled."""
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        values = np.asarray(image, dtype=np.float64)
        top = 255.0 if values.max() <= 255 else 65535.0 if values.max() <= 65535 else float(values.max())
        scale = 1.0 if image.mode == "F" and values.max() <= 1.0 else 255.0 / top
        return Image.fromarray(np.clip(values * scale, 0, 255).astype(np.uint8), "L")
    if image.mode in ("P", "PA", "LA", "La", "RGBa") or "transparency" in image.info:
        return image.convert("RGBA")
    if image.mode == "1":
        return image.convert("L")
    return image if image.mode in ("L", "RGB", "RGBA") else image.convert("RGB")

"""Reading image files with a clear error for anything that is not one."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")  # what the window offers


class ImageFileError(Exception):
    """The file could not be read as an image; the message says why."""


def load_image(path: str | os.PathLike) -> Image.Image:
    """The image at `path`, fully decoded (first frame of an animation), upright as its EXIF says."""
    path = Path(path)
    if not path.exists():
        raise ImageFileError(f"{path}: no such file.")
    if path.is_dir():
        raise ImageFileError(f"{path}: is a folder, not an image.")
    try:
        with Image.open(path) as image:
            image.seek(0)
            image.load()
            return ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise ImageFileError(f"{path.name}: the image is too large to open safely.") from None
    except MemoryError:
        raise ImageFileError(f"{path.name}: the image is too large for the memory available.") from None
    except UnidentifiedImageError:
        raise ImageFileError(f"{path.name}: not an image file Digit Lens can read (PNG, JPEG, BMP, GIF, TIFF, WebP).") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageFileError(f"{path.name}: the image is damaged or truncated ({exc}).") from None

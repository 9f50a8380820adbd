"""Pictures for the canvas, from a file or the clipboard: the photo itself (8-bit grey or RGB) and its ink
(the digit pipeline's first step), made on the window's images worker, never on the GUI thread; and
small icons of digits and pictures for galleries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtGui import QIcon, QImage, QPixmap


@dataclass(frozen=True)
class Picture:
    """A picture as a photo model sees it and as a digit model sees it."""

    photo: np.ndarray  # uint8 (H, W) grey or (H, W, 3) RGB, transparency dropped
    ink: np.ndarray  # float (H, W), 0..1, 1 = ink, whatever the paper
    name: str


def read_picture(path: str | Path) -> Picture:
    """The image file at `path` (bounded in size by `load_image`, which explains any failure)."""
    from model.data.images import load_image

    image = load_image(path)
    return _picture(image, Path(path).name)


def picture_from_qimage(image: QImage, name: str = "pasted image") -> Picture:
    """A copy of a QImage (say, from the clipboard) as a Picture."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(rgb.constBits(), np.uint8, count=rgb.sizeInBytes()).reshape(rgb.height(), rgb.bytesPerLine())
    return _picture(rows[:, :rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).copy(), name)


def picture_from_array(pixels: np.ndarray, name: str) -> Picture:
    """A uint8 (H, W, 1) or (H, W, 3) array (a training picture) as a Picture."""
    return _picture(pixels[..., 0] if pixels.shape[2] == 1 else pixels, name)


def _picture(image, name: str) -> Picture:
    from PIL import Image

    from model.inspect.preprocess import preprocess

    if isinstance(image, Image.Image):
        photo = np.asarray(image if image.mode in ("L", "RGB") else image.convert("RGB"))
    else:
        photo = np.asarray(image)
    return Picture(np.ascontiguousarray(photo), preprocess(image).steps[0].image, name)


def digit_icon(image: np.ndarray, size: int = 56) -> QIcon:
    """A uint8 28x28 MNIST digit (255 = ink) as dark ink on white; a picture (H, W, 3 or 1) as it is."""
    qimage = qimage_of(image if image.ndim == 3 else 255 - image.astype(np.uint8))
    return QIcon(QPixmap.fromImage(qimage.scaled(size, size)))


def qimage_of(pixels: np.ndarray) -> QImage:
    """A uint8 (H, W) grey, (H, W, 1) grey or (H, W, 3) RGB array as a QImage with its own copy of the pixels."""
    pixels = np.ascontiguousarray(pixels[..., 0] if pixels.ndim == 3 and pixels.shape[2] == 1 else pixels, np.uint8)
    form = QImage.Format.Format_RGB888 if pixels.ndim == 3 else QImage.Format.Format_Grayscale8
    return QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0], form).copy()

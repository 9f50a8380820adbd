"""A pyqtgraph ImageItem for float maps drawn through a colour table, made cheap to redraw on every stroke."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from gui.common.plotting import pg

CLEAR = 256  # the index of a NaN's clear pixel, after the 256 colours


class ColourMappedImage(pg.ImageItem):
    """An ImageItem whose 2-D float image (NaN: clear) goes through a 256-entry colour table at fixed levels into a
    premultiplied 32-bit image in a few numpy passes. pyqtgraph's general path, and Qt converting its
    non-premultiplied image again on every paint, cost about three times as much a panel per stroke; any other
    image (colour, downsampled, a table made per image) takes pyqtgraph's own path."""

    _tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # id(lut) -> (lut, premultiplied ARGB table + clear)

    def render(self) -> None:
        image, lut, levels = self.image, self.lut, self.levels
        if (image is None or image.ndim != 2 or image.size == 0 or image.dtype.kind != "f" or self.autoDownsample
                or self.axisOrder != "row-major" or not isinstance(lut, np.ndarray) or len(lut) != 256
                or levels is None or np.ndim(levels) != 1):
            super().render()
            return
        low, high = float(levels[0]), float(levels[1])
        scale = 255.0 / ((high - low) or 1.0)  # as pyqtgraph maps levels to the table
        scaled = np.subtract(image, low, dtype=np.float32)
        scaled *= scale
        np.clip(scaled, 0.0, 255.0, out=scaled)
        scaled[np.isnan(image)] = CLEAR  # the table's last entry
        argb = _premultiplied(lut).take(scaled.astype(np.uint16))
        height, width = argb.shape
        self._argb = argb  # the QImage reads this buffer
        self.qimage = QImage(argb.data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied)
        self._renderRequired = False
        self._unrenderable = False


def _premultiplied(lut: np.ndarray) -> np.ndarray:
    """A (256, 3 or 4) uint8 colour table as 256 premultiplied ARGB32 words and a clear one, made once per table."""
    cached = ColourMappedImage._tables.get(id(lut))
    if cached is not None and cached[0] is lut:
        return cached[1]
    colours = np.asarray(lut, np.uint32)
    alpha = colours[:, 3] if colours.shape[1] == 4 else np.full(len(colours), 255, np.uint32)
    red, green, blue = ((colours[:, i] * alpha + 127) // 255 for i in range(3))
    table = np.append((alpha << 24) | (red << 16) | (green << 8) | blue, np.uint32(0))
    ColourMappedImage._tables[id(lut)] = (lut, table)
    return table

"""The app's icon drawn from resources/digit_lens.svg at every size launchers ask for, plus .ico and .icns:

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m gui.screenshots.icons

Writes resources/icons/digit_lens_<size>.png (16 to 512 px), digit_lens.ico (Windows) and digit_lens.icns (macOS).
"""

from __future__ import annotations

import sys

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from digit_lens.files import ICON_ICNS, ICON_ICO, ICON_SIZES, ICON_SVG, icon_png


def render(size: int) -> Image.Image:
    """The SVG icon at size x size, anti-aliased, on a transparent background."""
    image = QImage(size, size, QImage.Format.Format_RGBA8888)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
    QSvgRenderer(str(ICON_SVG)).render(painter)
    painter.end()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(size, image.bytesPerLine() // 4, 4)[:, :size]
    return Image.fromarray(pixels.copy(), "RGBA")


def main() -> int:
    QApplication.instance() or QApplication(sys.argv[:1])
    icon_png(ICON_SIZES[0]).parent.mkdir(exist_ok=True)
    drawn = {size: render(size) for size in ICON_SIZES}
    for size, image in drawn.items():
        image.save(icon_png(size), optimize=True)
    drawn[256].save(ICON_ICO, sizes=[(s, s) for s in ICON_SIZES if s <= 256])
    drawn[512].save(ICON_ICNS)
    print(f"Wrote {len(drawn)} PNGs, {ICON_ICO.name} and {ICON_ICNS.name} in {ICON_ICO.parent}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

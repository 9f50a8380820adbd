"""Short texts painted on every stroke (captions, labels), each laid out once per font.

`QPainter.drawText` lays its text out again on every paint, which was the dearest part of painting
the small widgets that change while the user draws; a `QStaticText` keeps its layout.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainter, QStaticText


class LaidOutTexts:
    """The texts a widget paints again and again, laid out in the painter's font (again when it changes)."""

    def __init__(self) -> None:
        self._texts: dict[str, QStaticText] = {}
        self._font_key = ""

    def draw_centred(self, painter: QPainter, text: str, centre_x: float, top: float) -> None:
        """`text` in the painter's font and pen, centred on `centre_x`, its top at `top`."""
        font = painter.font()
        if font.key() != self._font_key:  # sizes, which centre the texts, are the old font's
            self._texts.clear()
            self._font_key = font.key()
        laid_out = self._texts.get(text)
        if laid_out is None:
            laid_out = self._texts[text] = QStaticText(text)
            laid_out.prepare(font=font)
        painter.drawStaticText(QPointF(centre_x - laid_out.size().width() / 2, top), laid_out)

"""Text that changes while the user draws, in a label of fixed height.

A QLabel whose text changes asks every layout up to the window to run again, and the window then
repaints far more than the label, once per mouse move. `LiveText` keeps its text itself and only
repaints its own rectangle; it is still a QLabel (font, alignment, word wrap, `text()`, found by
`findChild(QLabel, name)`), but its text is set with `set_text`.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class LiveText(QLabel):
    """Up to `lines` lines of word-wrapped text, optionally bold and coloured (for a score), plain for a message."""

    def __init__(self, lines: int = 1, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                 parent: QWidget | None = None, objectName: str = "") -> None:
        super().__init__(parent, objectName=objectName)
        self.setAlignment(align)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setAutoFillBackground(True)  # opaque: its changes repaint it alone
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 2)
        self._text, self._colour, self._font = "", None, None

    def text(self) -> str:
        return self._text

    def set_text(self, text: str, colour: QColor | None = None, font: QFont | None = None) -> None:
        """Show `text`, bold in `colour` when one is given, in `font` (default: the label's); repaints only when
        something changed (`setFont` would ask the layouts again)."""
        if (text, colour, font) != (self._text, self._colour, self._font):
            self._text, self._colour, self._font = text, colour, font
            self.update()

    def sizeHint(self) -> QSize:
        """As wide as the widest word (the text wraps at spaces), as high as fixed."""
        metrics = QFontMetrics(self._font or self.font())
        widest = max((metrics.horizontalAdvance(word) for word in self._text.split()), default=0)
        return QSize(widest + 2 * self.margin() + 4, self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        font = QFont(self._font or self.font())
        font.setBold(font.bold() or self._colour is not None)
        painter.setFont(font)
        painter.setPen(self._colour or self.palette().windowText().color())
        painter.drawText(self.contentsRect(), int(self.alignment()) | Qt.TextFlag.TextWordWrap, self._text)
        painter.end()

"""The drawing surface: white ink on black, like MNIST, with per-stroke undo (Qt's QUndoStack); photos shown
in colour."""

from __future__ import annotations


import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (QColor, QDragEnterEvent, QDropEvent, QImage, QMouseEvent, QPainter, QPainterPath,
                           QPaintEvent, QPen, QUndoCommand, QUndoStack)
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.common.dropping import dropped_image_file
from gui.common.pictures import qimage_of
from model.data.pen_canvas import CANVAS_SIDE, DEFAULT_BRUSH

IMAGE_SIDE = CANVAS_SIDE  # pixels of the image the model's preprocessing reads (the training data draws on the same)
INVITATION = "Draw a digit here\n(or drop an image file)"


class Canvas(QWidget):
    """A square drawing surface.

    Strokes are kept as paths, so the widget paints them crisply at any screen density,
    and are also rendered into a fixed IMAGE_SIDE x IMAGE_SIDE grey image for the model.
    """

    changed = Signal()  # the drawing changed (emitted on every pen move)
    fileDropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setMinimumSize(IMAGE_SIDE, IMAGE_SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAcceptDrops(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # it fills every pixel: nothing behind repaints
        self.brush_size = DEFAULT_BRUSH  # in image pixels
        self._background: QImage | None = None
        self._strokes: list[tuple[QPainterPath, float]] = []  # what the undo stack's commands add and take
        self.undo_stack = QUndoStack(self)  # one command per stroke; a new image or Clear starts afresh
        self._current: QPainterPath | None = None
        self._image = QImage(IMAGE_SIDE, IMAGE_SIDE, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._photo: np.ndarray | None = None  # a photo shown as it is (set_photo)
        self._photo_area = QRect()

    # -- the drawing as data -------------------------------------------------------------

    def pixels(self) -> np.ndarray:
        """The drawing as a (IMAGE_SIDE, IMAGE_SIDE) uint8 array, 255 = ink (a copy); (.., .., 3) over a colour photo."""
        image = self._image
        buffer = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
        rows = buffer.reshape(image.height(), image.bytesPerLine())
        if image.format() == QImage.Format.Format_RGB888:
            return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()
        return rows[:, :image.width()].copy()

    def source(self) -> np.ndarray:
        """What the model's preprocessing reads: a photo set by `set_photo`, at its own size, while nothing is drawn
        on it; else `pixels()` (over a photo, cut to the photo's area)."""
        if self._photo is None:
            return self.pixels()
        if not self._strokes and self._current is None:
            return self._photo
        area = self._photo_area
        return self.pixels()[area.top():area.bottom() + 1, area.left():area.right() + 1]

    @property
    def is_blank(self) -> bool:
        return self._background is None and not self._strokes and self._current is None

    def set_ink(self, ink: np.ndarray) -> None:
        """Show an image (2-D, 0..1 or uint8, 1/255 = ink) fitted and centred; strokes start over."""
        values = np.asarray(ink, dtype=np.float32)
        if values.max() > 1.0:
            values = values / 255.0
        self._photo = None
        self._set_background(np.ascontiguousarray(np.clip(values * 255.0, 0, 255).astype(np.uint8)))

    def set_photo(self, picture: np.ndarray) -> None:
        """Show a photo ((H, W) grey or (H, W, 3) RGB uint8) as it is, fitted and centred; strokes start over and
        are drawn on top of it."""
        self._photo = np.ascontiguousarray(picture, dtype=np.uint8)
        self._photo_area = self._set_background(self._photo)

    def _set_background(self, picture: np.ndarray) -> QRect:
        """`picture` (uint8 grey or RGB) fitted and centred on black; returns where it lies."""
        source = qimage_of(picture)
        form = source.format()
        fitted = source.scaled(IMAGE_SIDE, IMAGE_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
        area = QRect((IMAGE_SIDE - fitted.width()) // 2, (IMAGE_SIDE - fitted.height()) // 2, fitted.width(), fitted.height())
        background = QImage(IMAGE_SIDE, IMAGE_SIDE, form)
        background.fill(0)
        with _Painter(background) as painter:
            painter.drawImage(area.topLeft(), fitted)
        self._background = background
        if self._image.format() != form:
            self._image = QImage(IMAGE_SIDE, IMAGE_SIDE, form)
        self._start_afresh()
        return area

    def undo(self) -> None:
        """Take back the last stroke."""
        self.undo_stack.undo()

    def clear(self) -> None:
        """Empty the canvas (and any loaded image)."""
        self._background = None
        self._photo = None
        self._image = QImage(IMAGE_SIDE, IMAGE_SIDE, QImage.Format.Format_Grayscale8)
        self._start_afresh()

    def _start_afresh(self) -> None:
        self.undo_stack.clear()
        self._strokes.clear()
        self._current = None
        self._rerender()

    # -- mouse ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self._to_image(event.position())
        self._current = QPainterPath(point)
        self._current.lineTo(point)  # a click alone leaves a dot
        self._paint_segment(point, point)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._current is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        point = self._to_image(event.position())
        last = self._current.currentPosition()
        self._current.lineTo(point)
        self._paint_segment(last, point)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._current is None:
            return
        self.undo_stack.push(_StrokeCommand(self, (self._current, self.brush_size)))

    # -- drag and drop -------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_image_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_image_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.fileDropped.emit(path)

    # -- painting ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        with _Painter(self) as painter:
            painter.fillRect(self.rect(), self.palette().window())
            square = self._square()
            painter.fillRect(square, Qt.GlobalColor.black)
            painter.translate(square.topLeft())
            painter.scale(square.width() / IMAGE_SIDE, square.width() / IMAGE_SIDE)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            if self._background is not None:
                painter.drawImage(0, 0, self._background)
            self._draw_strokes(painter)
            if self.is_blank:
                painter.setPen(QColor(150, 150, 150))
                font = painter.font()
                font.setPointSizeF(13)
                painter.setFont(font)
                painter.drawText(QRectF(0, 0, IMAGE_SIDE, IMAGE_SIDE), Qt.AlignmentFlag.AlignCenter, INVITATION)

    def _draw_strokes(self, painter: QPainter) -> None:
        strokes = list(self._strokes)
        if self._current is not None:
            strokes.append((self._current, self.brush_size))
        for path, width in strokes:
            painter.strokePath(path, _pen(width))

    def _paint_segment(self, start: QPointF, end: QPointF) -> None:
        with _Painter(self._image) as painter:
            painter.setPen(_pen(self.brush_size))
            painter.drawLine(start, end)
        self.update(self._to_widget(QRectF(start, end).normalized(), self.brush_size))  # only what the pen touched
        self.changed.emit()

    def _rerender(self) -> None:
        self._image.fill(0)
        with _Painter(self._image) as painter:
            if self._background is not None:
                painter.drawImage(0, 0, self._background)
            self._draw_strokes(painter)
        self.update()
        self.changed.emit()

    def _square(self) -> QRectF:
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_widget(self, rect: QRectF, margin: float) -> QRect:
        """An image-pixel rectangle, grown by `margin`, in widget pixels."""
        square = self._square()
        scale = square.width() / IMAGE_SIDE
        grown = rect.adjusted(-margin, -margin, margin, margin)
        return QRectF(square.topLeft() + grown.topLeft() * scale, grown.size() * scale).toAlignedRect()

    def _to_image(self, position: QPointF) -> QPointF:
        square = self._square()
        return (position - square.topLeft()) * (IMAGE_SIDE / square.width())


class _StrokeCommand(QUndoCommand):
    """One finished stroke on the undo stack; pushing it adds the stroke (already painted while drawn)."""

    def __init__(self, canvas: Canvas, stroke: tuple[QPainterPath, float]) -> None:
        super().__init__("stroke")
        self.canvas = canvas
        self.stroke = stroke
        self._painted = True  # the pen drew it already: the first redo only records it

    def redo(self) -> None:
        self.canvas._strokes.append(self.stroke)
        self.canvas._current = None
        if not self._painted:
            self.canvas._rerender()
        self._painted = False

    def undo(self) -> None:
        self.canvas._strokes.remove(self.stroke)
        self.canvas._rerender()


class _Painter(QPainter):
    """An anti-aliased QPainter that ends itself at the end of a `with` block."""

    def __init__(self, device) -> None:
        super().__init__(device)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)

    def __enter__(self) -> "_Painter":
        return self

    def __exit__(self, *exc) -> None:
        self.end()


def _pen(width: float) -> QPen:  # model/data/pen_canvas.py paints as this pen does (tests/gui/test_pen_canvas.py)
    return QPen(Qt.GlobalColor.white, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin)

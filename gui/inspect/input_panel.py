"""What the model receives: its input image, large and crisp (in colour for RGB models), and the preprocessing
steps (or, on request, the input's three channels)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSizeF
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.common.colour_image import ColourMappedImage
from gui.common.laid_out_text import LaidOutTexts
from gui.common.pictures import qimage_of
from gui.common.plotting import on_hover, paints_own_background, pg

THUMBNAILS = 4  # the preprocessing steps after the first (the ink: the canvas itself)
THUMBNAIL_PIXELS = 72  # a step's image is thinned to about this many pixels a side: thumbnails are small
THUMBNAIL_SIDE = 56  # pixels on screen
PLAIN_GREY = np.repeat(np.arange(256, dtype=np.uint8)[:, np.newaxis], 3, axis=1)  # 0 black .. 1 white, as given


class InputPanel(QFrame):
    """The model input as pixels (hover for coordinates and value) above thumbnails of each step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        self.title = QLabel("<b>Model input</b>")
        self.channels = QCheckBox("Channels", objectName="showChannels", visible=False)
        self.channels.setToolTip("Show the red, green and blue channels the model receives, one by one")
        self.channels.toggled.connect(lambda: self.show_input(self._model_input, self._steps))
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.channels)
        layout.addLayout(header)
        self.view = paints_own_background(pg.GraphicsLayoutWidget())
        self.view.setBackground(None)
        self.view.setMinimumHeight(170)
        self.box = self.view.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.image = ColourMappedImage(levels=(0, 1), lut=PLAIN_GREY)  # a colour input ignores the table
        self.box.addItem(self.image)
        layout.addWidget(self.view, 1)
        self.strip = StepStrip(THUMBNAILS)
        layout.addWidget(self.strip)
        self.readout = QLabel(" ")
        self.readout.setStyleSheet("color: gray")
        layout.addWidget(self.readout)
        self._hover_proxy = on_hover(self.view.scene(), self._hover)
        self._input: np.ndarray | None = None  # (H, W) grey or (H, W, 3) colour, 0..1
        self._model_input: np.ndarray | None = None
        self._steps: list = []

    def set_spec(self, spec) -> None:
        """Frame the large view for the model's input (a model.spec.ModelSpec) and say how it is made."""
        shape = spec.input_shape
        self.title.setText(f"<b>Model input</b> &nbsp;{'x'.join(map(str, shape))} "
                           f"{'colour' if spec.colour else 'grey'} &middot; {spec.preprocessing} preprocessing")
        self.box.setRange(QRectF(0, 0, shape[1], shape[0]), padding=0)
        self.channels.setVisible(spec.colour)
        self.clear()

    def show_input(self, model_input: np.ndarray | None, steps) -> None:
        """The image the model gets (None when blank) and the steps that made it (the first, the ink or the whole
        picture, left out); with Channels ticked, the input's channels instead of the steps."""
        self._model_input, self._steps = model_input, steps
        shown = [(step.image, step.name) for step in steps[1:]]
        self._input = None if model_input is None else model_input[..., 0] if model_input.shape[2] == 1 else model_input
        if self._input is None:
            self.image.clear()
        else:
            self.image.setImage(self._input, autoLevels=False, levels=(0, 1))
        if self.channels.isChecked() and self._input is not None and self._input.ndim == 3:
            shown = [(self._input[..., i], name) for i, name in enumerate(("red", "green", "blue"))]
        self.strip.set_steps(shown)

    def clear(self) -> None:
        self.show_input(None, [])

    def _hover(self, scene_position: QPointF) -> None:
        point = self.image.mapFromScene(scene_position)
        row, column = int(np.floor(point.y())), int(np.floor(point.x()))
        if (self._input is None or not self.box.sceneBoundingRect().contains(scene_position)
                or not (0 <= row < self._input.shape[0] and 0 <= column < self._input.shape[1])):
            self.readout.setText(" ")
            return
        value = self._input[row, column]
        text = f"{value:.3f}" if np.ndim(value) == 0 else "R {:.3f}  G {:.3f}  B {:.3f}".format(*value)
        self.readout.setText(f"row {row}, col {column}: {text}")


class StepStrip(QWidget):
    """Small pictures of the preprocessing steps with their names, painted by one widget of fixed height: a row of
    plot views cost half a millisecond a stroke to paint, this a twentieth of that."""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="preprocessingSteps")
        self._caption_height = self.fontMetrics().height()
        self.setAutoFillBackground(True)  # opaque: its changes repaint it alone
        self.setFixedHeight(THUMBNAIL_SIDE + self._caption_height + 6)
        self._count = count
        self._pictures: list[QImage | None] = [None] * count
        self._captions = [""] * count
        self._captions_laid_out = LaidOutTexts()

    def captions(self) -> list[str]:
        return list(self._captions)

    def set_steps(self, shown: list[tuple[np.ndarray, str]]) -> None:
        """Up to `count` (image 0..1 grey or RGB, name) pairs; the rest of the strip empty."""
        for i in range(self._count):
            image, name = shown[i] if i < len(shown) else (None, "")
            self._pictures[i] = None if image is None or image.size == 0 else _picture(image)
            self._captions[i] = name
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        width = self.width() / self._count
        painter.setFont(self._caption_font())
        painter.setPen(QColor("#888"))
        for i, (image, caption) in enumerate(zip(self._pictures, self._captions)):
            left = i * width
            if image is not None:
                scale = min(THUMBNAIL_SIDE, width - 4) / max(image.width(), image.height())
                size = QSizeF(image.width() * scale, image.height() * scale)
                corner = QPointF(left + (width - size.width()) / 2, 2 + (THUMBNAIL_SIDE - size.height()) / 2)
                painter.drawImage(QRectF(corner, size), image)  # nearest pixels, as the views draw them
            if caption:
                self._captions_laid_out.draw_centred(painter, caption, left + width / 2, THUMBNAIL_SIDE + 4)
        painter.end()

    def _caption_font(self) -> QFont:
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        return font


def _picture(image: np.ndarray) -> QImage:
    """A 0..1 grey or RGB image thinned to about THUMBNAIL_PIXELS a side."""
    step = max(1, max(image.shape[:2]) // THUMBNAIL_PIXELS)
    return qimage_of(np.clip(image[::step, ::step], 0, 1) * 255)

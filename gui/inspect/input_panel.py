"""What the model receives: its input image, large and crisp, and the preprocessing steps."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from gui.common.plotting import on_hover, pg

THUMBNAILS = 4  # the preprocessing steps after the first (the ink: the canvas itself)
THUMBNAIL_PIXELS = 72  # a step's image is thinned to about this many pixels a side: thumbnails are small


class InputPanel(QFrame):
    """The model input as pixels (hover for coordinates and value) above thumbnails of each step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        self.title = QLabel("<b>Model input</b>")
        layout.addWidget(self.title)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(None)
        self.view.setMinimumHeight(230)
        self.box = self.view.addViewBox(row=0, col=0, colspan=THUMBNAILS, lockAspect=True, invertY=True,
                                        enableMouse=False)
        self.image = pg.ImageItem(levels=(0, 1))
        self.box.addItem(self.image)
        self.view.ci.layout.setRowStretchFactor(0, 5)
        self.steps: list[tuple[pg.ImageItem, pg.LabelItem]] = []
        for column in range(THUMBNAILS):
            box = self.view.addViewBox(row=1, col=column, lockAspect=True, invertY=True, enableMouse=False)
            box.setRange(QRectF(0, 0, 1, 1), padding=0.02)  # fixed: each image is fitted into the unit square
            thumbnail = pg.ImageItem(levels=(0, 1))
            box.addItem(thumbnail)
            caption = pg.LabelItem("", size="7pt", color="#888")
            self.view.addItem(caption, row=2, col=column)
            self.steps.append((thumbnail, caption))
        layout.addWidget(self.view)
        self.readout = QLabel(" ")
        self.readout.setStyleSheet("color: gray")
        layout.addWidget(self.readout)
        self._hover_proxy = on_hover(self.view.scene(), self._hover)
        self._input: np.ndarray | None = None

    def set_shape(self, shape: tuple[int, int, int]) -> None:
        """Frame the large view for a model input of (height, width, channels)."""
        self.title.setText(f"<b>Model input</b> &nbsp;{'x'.join(map(str, shape))}")
        self.box.setRange(QRectF(0, 0, shape[1], shape[0]), padding=0)
        self.clear()

    def show_input(self, model_input: np.ndarray | None, steps) -> None:
        """The image the model gets (None when blank) and the steps that made it (the first, the ink, left out)."""
        steps = steps[1:]
        self._input = None if model_input is None else model_input[..., 0]
        if self._input is None:
            self.image.clear()
        else:
            self.image.setImage(self._input, autoLevels=False, levels=(0, 1))
        for i, (thumbnail, caption) in enumerate(self.steps):
            image, name = (steps[i].image, steps[i].name) if i < len(steps) else (None, "")
            if image is None:
                thumbnail.clear()
            else:
                step = max(1, max(image.shape) // THUMBNAIL_PIXELS)
                thumbnail.setImage(image[::step, ::step], autoLevels=False, levels=(0, 1))
                thumbnail.setRect(_fitted(*image.shape))
            if caption.text != name:
                caption.setText(name)

    def clear(self) -> None:
        self.show_input(None, [])

    def _hover(self, scene_position: QPointF) -> None:
        point = self.image.mapFromScene(scene_position)
        row, column = int(np.floor(point.y())), int(np.floor(point.x()))
        if (self._input is None or not self.box.sceneBoundingRect().contains(scene_position)
                or not (0 <= row < self._input.shape[0] and 0 <= column < self._input.shape[1])):
            self.readout.setText(" ")
            return
        self.readout.setText(f"row {row}, col {column}: {self._input[row, column]:.3f}")


def _fitted(height: int, width: int) -> QRectF:
    """A height x width image's place in the unit square: as large as fits, centred."""
    scale = 1.0 / max(height, width)
    return QRectF((1 - width * scale) / 2, (1 - height * scale) / 2, width * scale, height * scale)

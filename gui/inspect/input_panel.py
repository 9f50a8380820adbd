"""What the model receives: its input image, large and crisp (in colour for RGB models), and the preprocessing
steps (or, on request, the input's three channels)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

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
        self.channels = QCheckBox("Channels", objectName="showChannels", visible=False)
        self.channels.setToolTip("Show the red, green and blue channels the model receives, one by one")
        self.channels.toggled.connect(lambda: self.show_input(self._model_input, self._steps))
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.channels)
        layout.addLayout(header)
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
        for i, (thumbnail, caption) in enumerate(self.steps):
            image, name = shown[i] if i < len(shown) else (None, "")
            if image is None:
                thumbnail.clear()
            else:
                step = max(1, max(image.shape[:2]) // THUMBNAIL_PIXELS)
                thumbnail.setImage(image[::step, ::step], autoLevels=False, levels=(0, 1))
                thumbnail.setRect(_fitted(*image.shape[:2]))
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
        value = self._input[row, column]
        text = f"{value:.3f}" if np.ndim(value) == 0 else "R {:.3f}  G {:.3f}  B {:.3f}".format(*value)
        self.readout.setText(f"row {row}, col {column}: {text}")


def _fitted(height: int, width: int) -> QRectF:
    """A height x width image's place in the unit square: as large as fits, centred."""
    scale = 1.0 / max(height, width)
    return QRectF((1 - width * scale) / 2, (1 - height * scale) / 2, width * scale, height * scale)

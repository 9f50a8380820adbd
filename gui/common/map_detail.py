"""One feature map, large, beside the kernel that made it (and, on the first layer, the input it saw)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QDialog, QGraphicsRectItem, QLabel, QVBoxLayout, QWidget

from gui.common.mosaic import Mosaic
from gui.common.panels import levels_of
from gui.common.plotting import ACTIVATIONS, DIVERGING, on_hover, pg



class MapDetail(QDialog):
    """A non-modal window on channel `channel` of a stage's output."""

    def __init__(self, stage, channel: int, values: np.ndarray, kernel: np.ndarray | None,
                 model_input: np.ndarray | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{stage.name}, map {channel}")
        self.values = values
        self.model_input = model_input
        self.kernel_size = None if kernel is None else kernel.shape[:2]
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{stage.name}</b> ({stage.kind}), map {channel} of {stage.output_shape[-1]}: "
                                f"{values.shape[0]}x{values.shape[1]}"))
        self.view = pg.GraphicsLayoutWidget()
        layout.addWidget(self.view)
        self.readout = QLabel(" ")
        layout.addWidget(self.readout)

        self.map_box = self._image_box(0, values, ACTIVATIONS, levels_of(values), "the map")
        self.map_image = self.map_box.addedItems[0]
        self.marker = QGraphicsRectItem(0, 0, 1, 1)  # the pixel under the cursor
        self.marker.setPen(pg.mkPen("w", width=2))
        self.marker.hide()
        self.map_box.addItem(self.marker)
        self.patch_box = None
        if kernel is not None:
            title = "the 3x3 kernel" if kernel.shape[:2] == (3, 3) else "the kernel"
            if kernel.shape[2] == 1:
                weights = kernel[:, :, 0]
                self._image_box(1, weights, DIVERGING, _symmetric(weights), f"{title} that made it", numbers=True)
            elif kernel.shape[2] == 3 and model_input is not None:  # a colour image's first layer: the colour it seeks
                from model.inspect.colour_kernels import as_colour

                self._image_box(1, as_colour(kernel), None, (0, 1), f"{title} in colour (grey = 0 weight)")
            else:
                tiles = Mosaic(*kernel.shape[:2], kernel.shape[2], aspect=1.0)
                self._image_box(1, tiles.fill(kernel), DIVERGING, _symmetric(kernel),
                                f"{title}: one slice per input map ({kernel.shape[2]})")
        if model_input is not None and self.kernel_size is not None:
            colour = model_input.shape[2] == 3
            self.patch_box = self._image_box(2, np.zeros((*self.kernel_size, 3) if colour else self.kernel_size),
                                             None if colour else ACTIVATIONS, (0, 1), "input patch under the cursor",
                                             numbers=not colour)
        self._hover_proxy = on_hover(self.view.scene(), self._hover)
        self.resize(900, 420)

    def _image_box(self, column: int, data: np.ndarray, color_map, levels, title: str, numbers: bool = False) -> pg.ViewBox:
        self.view.addLabel(title, row=0, col=column)
        box = self.view.addViewBox(row=1, col=column, lockAspect=True, invertY=True, enableMouse=False)
        image = pg.ImageItem(data, levels=levels)
        if color_map is not None:  # None: colour pictures, shown as they are
            image.setColorMap(color_map)
        box.addItem(image)
        if numbers:
            self._numbers(box, data)
        return box

    def _numbers(self, box: pg.ViewBox, data: np.ndarray) -> None:
        for item in [item for item in box.addedItems if isinstance(item, pg.TextItem)]:
            box.removeItem(item)
        for (row, column), value in np.ndenumerate(data):
            text = pg.TextItem(f"{value:.2f}", color="k", anchor=(0.5, 0.5), fill=(255, 255, 255, 170))
            text.setPos(column + 0.5, row + 0.5)
            box.addItem(text)

    def _hover(self, scene_position: QPointF) -> None:
        point = self.map_image.mapFromScene(scene_position)
        row, column = int(np.floor(point.y())), int(np.floor(point.x()))
        if not (self.map_box.sceneBoundingRect().contains(scene_position)
                and 0 <= row < self.values.shape[0] and 0 <= column < self.values.shape[1]):
            return
        self.marker.setPos(column, row)
        self.marker.show()
        self.readout.setText(f"row {row}, col {column}: value {self.values[row, column]:.3f}")
        if self.patch_box is not None:
            from model.inspect.inspection import input_patch

            patch = input_patch(self.model_input, row, column, self.kernel_size[0])
            self.patch_box.addedItems[0].setImage(patch, autoLevels=False, levels=(0, 1))
            if patch.ndim == 2:
                self._numbers(self.patch_box, patch)


def _symmetric(values: np.ndarray) -> tuple[float, float]:
    bound = float(np.abs(values).max()) or 1.0
    return -bound, bound

"""Switched-off feature maps on a mosaic: right-clicks on a tile, and a red cross over each map that is off."""

from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import Qt, Signal

from gui.common.colour_image import ColourMappedImage
from gui.common.mosaic import GAP, Mosaic
from gui.common.plotting import pg

OFF_PEN = pg.mkPen(230, 30, 30, width=2)


class TileImage(ColourMappedImage):
    """A mosaic's image that takes a right-click on a map itself (its view box would open the plot menu,
    which a right-click between maps still does)."""

    rightClicked = Signal(int)  # channel

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.locate: Callable[[float, float], tuple[int, int, int] | None] | None = None

    def mouseClickEvent(self, event) -> None:
        found = None
        if event.button() == Qt.MouseButton.RightButton and self.locate is not None:
            found = self.locate(event.pos().x(), event.pos().y())
        if found is None:
            super().mouseClickEvent(event)
            return
        event.accept()
        self.rightClicked.emit(found[0])


class OffMarks:
    """One line item over a mosaic (created once, updated in place): a red outline and cross per map that is off."""

    def __init__(self, box: pg.ViewBox, mosaic: Mosaic) -> None:
        self.mosaic = mosaic
        self.item = pg.PlotCurveItem(pen=OFF_PEN, connect="pairs", antialias=True)
        self.item.setZValue(10)
        box.addItem(self.item)
        self.channels: frozenset[int] = frozenset()

    def show(self, channels) -> None:
        """Mark these channels (and only these)."""
        self.channels = frozenset(channels)
        segments = [self._segments(channel) for channel in sorted(self.channels)]
        points = np.concatenate(segments) if segments else np.zeros((0, 2))
        self.item.setData(points[:, 0], points[:, 1])

    def _segments(self, channel: int) -> np.ndarray:
        """Start and end points of the outline's four sides and the two diagonals of one tile."""
        row, column = divmod(channel, self.mosaic.columns)
        x0, y0 = column * (self.mosaic.width + GAP), row * (self.mosaic.height + GAP)
        x1, y1 = x0 + self.mosaic.width, y0 + self.mosaic.height
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        sides = [point for i in range(4) for point in (corners[i], corners[(i + 1) % 4])]
        return np.array(sides + [(x0, y0), (x1, y1), (x1, y0), (x0, y1)], np.float64)

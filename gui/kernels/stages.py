"""The Kernels tab's stage views: maps (one tile per channel), the flattened strip and the dense bars.

Every view makes its plot items once and updates them in place; the title carries the stage's shape.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QTextDocument
from PySide6.QtWidgets import QFrame, QGraphicsItem, QGraphicsRectItem, QLabel, QSizePolicy, QVBoxLayout, QWidget

from gui.common.mosaic import Mosaic
from gui.common.panels import BAR_BRUSH, levels_of
from gui.common.plotting import DIVERGING, on_hover, pg



def cache_axes(axes) -> None:
    """Paint axes from a cached picture: their tick labels are slow to draw and rarely change."""
    for axis in axes:
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def contrast_levels(values: np.ndarray, current: tuple[float, float] | None = None) -> tuple[float, float]:
    """Levels centred on 0 covering all but the strongest 2% of |values| (judged on every third row and column),
    rounded: edges show, not just the peaks. The `current` levels are kept while they still fit well."""
    sample = np.abs(values[::3, ::3]).reshape(-1)
    rank = int(0.98 * (sample.size - 1))
    bound = levels_of(np.partition(sample, rank)[rank:rank + 1])[1]
    if current is not None and current[1] / 2.5 < bound <= current[1]:
        return current  # close enough: a steady colour bar (redrawing its axis costs more than the maps)
    return -bound, bound


class LiveText(QWidget):
    """A few lines of rich text that change on every edit, repainted in place.

    A QLabel asks for a new layout on every new text, and laying the whole tab out again
    cost more than all the plots; this keeps a fixed height and never asks.
    """

    def __init__(self, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._html = ""
        self._document = QTextDocument()
        self._document.setDocumentMargin(0)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 2)

    def text(self) -> str:
        return self._html

    def setText(self, html: str) -> None:
        if html != self._html:
            self._html = html
            self.update()

    def paintEvent(self, event) -> None:
        self._document.setDefaultFont(self.font())
        self._document.setHtml(self._html)
        self._document.setTextWidth(self.width())
        painter = QPainter(self)
        self._document.drawContents(painter)
        painter.end()


class StageView(QFrame):
    """A titled frame around one pyqtgraph layout, with a readout line under it."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = title
        self.heading = LiveText(2 if self.BREAK == "<br>" else 1)
        self.heading.setText(f"<b>{title}</b>")
        self.graphics = pg.GraphicsLayoutWidget()
        # An opaque background in the window's colour: a transparent one makes every redraw repaint the parents too.
        self.graphics.setBackground(self.palette().window().color())
        self.graphics.ci.layout.setContentsMargins(0, 0, 0, 0)
        self.readout = QLabel(" ")
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.readout.setStyleSheet("color: gray")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.heading)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)

    def set_shape(self, shape: tuple[int, ...], note: str = "") -> None:
        """Show the stage's shape (with the batch axis) and a note after the title."""
        self.heading.setText(f"<b>{self.title}</b> &nbsp;<span style='color:gray'>{note}</span>{self.BREAK}"
                             f"<span style='font-family:monospace'>{shape}</span>")

    BREAK = "<br>"  # maps put the shape under the title (two lines); long views beside it (one)


class MapView(StageView):
    """(H, W, C) maps as one image, a tile per channel; hover shows a value, a click names the pixel."""

    pixelHovered = Signal(int, int, int)  # channel, row, column
    pixelClicked = Signal(int, int, int)

    def __init__(self, title: str, color_map: pg.ColorMap, colour_bar: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.box = self.graphics.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.box.setDefaultPadding(0)
        self.image = pg.ImageItem(colorMap=color_map)
        self.box.addItem(self.image)
        self.bar = None
        if colour_bar:
            self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=color_map, interactive=False, width=12)
            self.bar.setImageItem(self.image)
            self.graphics.addItem(self.bar)
            cache_axes([self.bar.axis])
        self.marker = self._outline("#ffb000")
        self.mosaic: Mosaic | None = None
        self.values: np.ndarray | None = None
        self._hover_proxy = on_hover(self.graphics.scene(), self._hover)
        self.graphics.scene().sigMouseClicked.connect(self._click)

    def _outline(self, colour: str) -> QGraphicsRectItem:
        outline = QGraphicsRectItem(0, 0, 1, 1)
        outline.setPen(pg.mkPen(colour, width=2, cosmetic=True))
        outline.setZValue(10)
        outline.hide()
        self.box.addItem(outline)
        return outline

    def show_values(self, values: np.ndarray, levels: tuple[float, float]) -> None:
        """Show (H, W, C) `values` at colour `levels`; an (H, W, 3) image with levels (0, 1) can be RGB."""
        self.values = values
        height, width, channels = values.shape
        if self.mosaic is None or (self.mosaic.height, self.mosaic.width, self.mosaic.channels) != values.shape:
            self.mosaic = Mosaic(height, width, channels, aspect=2.0)  # two maps side by side
            rows, columns = self.mosaic.shape
            self.box.setRange(QRectF(0, 0, columns, rows), padding=0)
        image = values[:, :, 0] if channels == 1 else self.mosaic.fill(values)  # one map needs no mosaic
        self.image.setImage(image, autoLevels=False, levels=levels)
        if self.bar is not None and self.bar.levels() != levels:
            self.bar.setLevels(levels)

    def show_rgb(self, image: np.ndarray) -> None:
        """An (H, W, 3) colour image in 0..1, as it is."""
        self.values, self.mosaic = image, Mosaic(*image.shape[:2], 1)
        self.image.setImage(image, autoLevels=False, levels=(0, 1))
        self.box.setRange(QRectF(0, 0, image.shape[1], image.shape[0]), padding=0)

    def mark(self, outline: QGraphicsRectItem, channel: int, row: int, column: int, height: int, width: int) -> None:
        """Outline `height` x `width` pixels from (row, column) of tile `channel`."""
        step_y, step_x = self.mosaic.height + 1, self.mosaic.width + 1
        cell_row, cell_col = divmod(channel, self.mosaic.columns)
        outline.setRect(QRectF(cell_col * step_x + column, cell_row * step_y + row, width, height))
        outline.show()

    def locate(self, scene_position: QPointF) -> tuple[int, int, int] | None:
        """(channel, row, column) under a scene position, or None."""
        if self.values is None or not self.box.sceneBoundingRect().contains(scene_position):
            return None
        point = self.image.mapFromScene(scene_position)
        return self.mosaic.locate_xy(point.x(), point.y())

    def _hover(self, scene_position: QPointF) -> None:
        found = self.locate(scene_position)
        if found is None:
            return
        channel, row, column = found
        value = self.values[row, column] if self.values.shape[2] == 3 and self.mosaic.channels == 1 else \
            self.values[row, column, channel]
        where = f"map {channel}, " if self.mosaic.channels > 1 else ""
        self.readout.setText(f"{where}row {row}, col {column}: {np.array2string(np.asarray(value), precision=4)}")
        self.pixelHovered.emit(channel, row, column)

    def _click(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            found = self.locate(event.scenePos())
            if found is not None:
                self.pixelClicked.emit(*found)


class StripView(StageView):
    """A long vector as a one-row heat map, zoomable along it, with its first values printed."""

    BREAK = " &nbsp;"

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.plot = self.graphics.addPlot()
        self.plot.hideAxis("left")
        self.plot.setMouseEnabled(x=True, y=False)
        self.image = pg.ImageItem(colorMap=DIVERGING)
        self.plot.addItem(self.image)
        cache_axes(axis["item"] for axis in self.plot.axes.values())
        self.size = 0
        self.first = LiveText(2)
        self.first.setObjectName("firstValues")
        self.layout().insertWidget(2, self.first)
        self.graphics.setFixedHeight(54)

    def show_values(self, values: np.ndarray, levels: tuple[float, float]) -> None:
        if values.size != self.size:
            self.size = values.size
            self.plot.setLimits(xMin=0, xMax=self.size, yMin=0, yMax=1, minXRange=8)
            self.plot.setRange(xRange=(0, self.size), yRange=(0, 1), padding=0)
        self.image.setImage(values.reshape(1, -1), autoLevels=False, levels=levels)
        numbers = " ".join(f"{value:.3f}".rstrip("0").rstrip(".") if value else "0" for value in values[:20].tolist())
        self.first.setText(f"first 20 values: <span style='font-family:monospace'>[{numbers}]</span>")


class BarsView(StageView):
    """A short vector as bars on an axis that rescales only when the bars outgrow it or shrink to a fifth.

    (Redrawing the axis costs more than everything else in an edit, so it keeps still while it can.)
    """

    BREAK = " &nbsp;"

    def __init__(self, title: str, units: int, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.plot = self.graphics.addPlot()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setXRange(-1, units, padding=0)
        self.plot.showGrid(y=True, alpha=0.2)
        self.graphics.setFixedHeight(95)
        self.bars = pg.BarGraphItem(x=np.arange(units), height=np.zeros(units), width=0.8, brush=BAR_BRUSH, pen=None)
        self.plot.addItem(self.bars)
        cache_axes(axis["item"] for axis in self.plot.axes.values())
        self._top = 1.0
        self.plot.setYRange(0, self._top, padding=0)
        self.values = np.zeros(units)

    def show_values(self, values: np.ndarray) -> None:
        self.values = values
        self.bars.setOpts(height=values)
        top = max(float(values.max()), 1e-6)
        if not self._top / 5 < top <= self._top:
            self._top = top * 1.15
            self.plot.setYRange(0, self._top, padding=0)

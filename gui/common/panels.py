"""One panel per stage of the network: feature-map mosaics, vector strips and bar charts."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QFrame, QGraphicsItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.common.colour_image import ColourMappedImage
from gui.common.map_switch_view import TileImage
from gui.common.mosaic import Mosaic
from gui.common.plotting import ACTIVATIONS_LUT, on_hover, paints_own_background, pg

BAR_BRUSH = pg.mkBrush(90, 160, 230)
STRIP_LIMIT = 256  # vectors longer than this are shown as a strip, shorter ones as bars
PANEL_WIDTH = 560  # the width the mosaics are first sized for, in logical pixels
COLOR_BAR_WIDTH = 70  # a colour bar with its axis, roughly


def levels_of(values: np.ndarray) -> tuple[float, float]:
    """Round (low, high) colour levels covering `values`: 0 or a nice number each side, never an empty range.

    Round levels keep the colour bar still while the drawing changes a little (and spare repainting it).
    """
    low, high = float(np.min(values)), float(np.max(values))
    low = 0.0 if low >= 0 else -_nice_ceiling(-low)
    high = 0.0 if high <= 0 else _nice_ceiling(high)
    return (low, high) if high > low else (low, low + 1.0)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value` (> 0)."""
    scale = 10.0 ** np.floor(np.log10(value))
    return next(step * scale for step in (1.0, 2.0, 2.5, 5.0, 10.0) if step * scale >= value)


def cache_axes(view: pg.GraphicsView) -> None:
    """Let the view's axes repaint from a cached picture: their text is costly to draw and seldom changes.

    An axis with grid lines covers its whole plot, so without the cache every bar or image
    update under it would draw all its tick labels again.
    """
    for item in view.scene().items():
        if isinstance(item, pg.AxisItem):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


class ColourBar:
    """A colour scale with an axis for the levels, added to the right of a layout's row.

    Built from a small view box and an axis: pg.ColorBarItem is a whole plot with menus and
    took ~70 ms a panel to build, which the first prediction after loading a model waited for.
    """

    def __init__(self, layout: pg.GraphicsLayout, width: int = 12) -> None:
        box = layout.addViewBox(enableMouse=False, enableMenu=False, defaultPadding=0)
        box.setFixedWidth(width)
        box.addItem(pg.ImageItem(np.linspace(0, 1, 256)[:, np.newaxis], lut=ACTIVATIONS_LUT,
                                 levels=(0, 1)))
        box.setRange(xRange=(0, 1), yRange=(0, 256), padding=0)
        self.box = box
        self.axis = pg.AxisItem("right")
        layout.addItem(self.axis)
        # Half a line above and below the row, so the labels at the ends of the scale are not cut in half.
        half_line = (QFontMetrics(self.axis.style["tickFont"] or QApplication.font()).height() + 1) // 2
        layout.setContentsMargins(0, half_line, 0, half_line)
        self._levels = (0.0, 1.0)
        self.axis.setRange(*self._levels)

    def set_levels(self, levels: tuple[float, float]) -> None:
        """Label the scale from levels[0] (bottom) to levels[1] (top); the same levels again cost nothing."""
        if levels != self._levels:
            self._levels = levels
            self.axis.setRange(*levels)

    def levels(self) -> tuple[float, float]:
        return self._levels


class StagePanel(QFrame):
    """A stage's name, kind, input -> output shape, description, readout and plot."""

    def __init__(self, stage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        header = QHBoxLayout()
        title = QLabel(f"<b>{stage.name}</b> &nbsp;<span style='color:gray'>{stage.kind}</span>"
                       f" &nbsp; {stage.shape_text.replace('->', '&rarr;')}")
        header.addWidget(title)
        header.addStretch(1)
        self.readout = QLabel()
        self.readout.setStyleSheet("color: gray")
        header.addWidget(self.readout)
        layout.addLayout(header)
        description = QLabel(stage.description)
        description.setWordWrap(True)
        description.setStyleSheet("color: gray")
        layout.addWidget(description)
        self.view = paints_own_background(pg.GraphicsLayoutWidget())
        self.view.setBackground(None)
        self.view.ci.layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._hover_proxy = on_hover(self.view.scene(), self._hover)

    def show_values(self, values: np.ndarray, per_map: bool) -> None:
        """Show this stage's output for the current drawing."""
        raise NotImplementedError

    def clear(self) -> None:
        """Show nothing (blank canvas)."""
        raise NotImplementedError

    def _hover(self, scene_position: QPointF) -> None:
        raise NotImplementedError


class HeatMapPanel(StagePanel):
    """A stage drawn as one ImageItem with a colour bar, levels fixed per update."""

    def _add_image(self, parent_item, image_type: type[pg.ImageItem] = ColourMappedImage) -> None:
        self.image = image_type(lut=ACTIVATIONS_LUT, levels=(0, 1))
        parent_item.addItem(self.image)
        self.bar = ColourBar(self.view.ci)
        self._values: np.ndarray | None = None

    def _show_image(self, image: np.ndarray, levels: tuple[float, float]) -> None:
        self.image.setImage(image, autoLevels=False, levels=levels)
        self.bar.set_levels(levels)

    def clear(self) -> None:
        self._values = None
        self.image.clear()
        self.readout.clear()


class MapsPanel(HeatMapPanel):
    """All feature maps of a layer as one mosaic image, with a colour bar."""

    mapClicked = Signal(int)  # channel
    mapRightClicked = Signal(int)  # channel: switch it off or on

    def __init__(self, stage, parent: QWidget | None = None) -> None:
        super().__init__(stage, parent)
        height, width = stage.output_shape[:2]
        channels = stage.output_shape[2] if len(stage.output_shape) == 3 else 1
        self.mosaic = Mosaic(height, width, channels)
        rows, columns = self.mosaic.shape
        box = self.view.addViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=True)
        box.setDefaultPadding(0)
        self._add_image(box, TileImage)
        self.image.locate = lambda x, y: None if self._values is None else self.mosaic.locate_xy(x, y)
        self.image.rightClicked.connect(self.mapRightClicked)
        self.box = box
        box.setRange(QRectF(0, 0, columns, rows), padding=0)
        self._fit_height(PANEL_WIDTH)
        self.view.scene().sigMouseClicked.connect(self._click)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height(self.view.width())

    def _fit_height(self, width: int) -> None:
        """As tall as the mosaic is at this width (less the colour bar), within reason."""
        rows, columns = self.mosaic.shape
        tallest = 160 if self.mosaic.channels == 1 else 230
        self.view.setFixedHeight(int(np.clip((width - COLOR_BAR_WIDTH) * rows / columns, 80, tallest)))

    def show_values(self, values: np.ndarray, per_map: bool) -> None:
        values = values.reshape(self.mosaic.height, self.mosaic.width, self.mosaic.channels)
        self._values = values
        levels = (0.0, 1.0) if per_map else levels_of(values)
        self._show_image(self.mosaic.fill(values, per_map), levels)

    def _locate(self, scene_position: QPointF) -> tuple[int, int, int] | None:
        if self._values is None:
            return None
        point = self.image.mapFromScene(scene_position)
        return self.mosaic.locate_xy(point.x(), point.y())

    def _hover(self, scene_position: QPointF) -> None:
        found = self._locate(scene_position)
        if found is None:
            self.readout.clear()
            return
        self.readout.setText(self._point_text(*found))

    def _point_text(self, channel: int, row: int, column: int) -> str:
        return f"map {channel}  row {row}, col {column}  value {self._values[row, column, channel]:.3f}"

    def _click(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not event.double():
            found = self._locate(event.scenePos())
            if found is not None:
                self.mapClicked.emit(found[0])


class ColourInputPanel(MapsPanel):
    """A colour model's input stage: the RGB image the model receives, as a picture (not three channel maps)."""

    def __init__(self, stage, parent: QWidget | None = None) -> None:
        super().__init__(stage, parent)
        self.mosaic = Mosaic(*stage.output_shape[:2], 1)
        self.image.setLookupTable(None)
        for item in (self.bar.box, self.bar.axis):  # colours speak for themselves: no scale beside them
            self.view.ci.removeItem(item)
        self.image.getViewBox().setRange(QRectF(0, 0, *stage.output_shape[1::-1]), padding=0)
        self._fit_height(PANEL_WIDTH)

    def show_values(self, values: np.ndarray, per_map: bool) -> None:
        self._values = values = values.reshape(self.stage.output_shape)
        self._show_image(values, levels_of(np.array([0.0, 1.0, values.min(), values.max()])))

    def _point_text(self, channel: int, row: int, column: int) -> str:
        red, green, blue = self._values[row, column]
        return f"row {row}, col {column}  R {red:.3f}  G {green:.3f}  B {blue:.3f}"

    def _click(self, event) -> None:
        """Nothing to open: the input has no kernel."""


class StripPanel(HeatMapPanel):
    """A long vector as a one-row heat map you can zoom and pan along."""

    def __init__(self, stage, parent: QWidget | None = None) -> None:
        super().__init__(stage, parent)
        self.length = int(np.prod(stage.output_shape))
        plot = self.view.addPlot()
        plot.hideAxis("left")
        plot.setMouseEnabled(x=True, y=False)
        plot.setLimits(xMin=0, xMax=self.length, yMin=0, yMax=1, minXRange=8)
        plot.setRange(xRange=(0, self.length), yRange=(0, 1), padding=0)
        self._add_image(plot)
        self.plot = plot
        self.view.setFixedHeight(90)

    def show_values(self, values: np.ndarray, per_map: bool) -> None:
        self._values = values.reshape(1, -1)
        self._show_image(self._values, levels_of(self._values))

    def _hover(self, scene_position: QPointF) -> None:
        index = _vector_index(self, int(np.floor(self.image.mapFromScene(scene_position).x())), scene_position)
        self.readout.setText("" if index is None else f"index {index}  value {self._values[0, index]:.3f}")


class BarsPanel(StagePanel):
    """A short vector (a dense layer's units) as bars."""

    def __init__(self, stage, parent: QWidget | None = None) -> None:
        super().__init__(stage, parent)
        self.length = int(np.prod(stage.output_shape))
        plot = self.view.addPlot()
        plot.setMouseEnabled(x=True, y=False)
        plot.setLimits(xMin=-1, xMax=self.length)
        plot.setXRange(-1, self.length, padding=0)
        plot.showGrid(y=True, alpha=0.2)
        self.bars = pg.BarGraphItem(x=np.arange(self.length), height=np.zeros(self.length), width=0.8, brush=BAR_BRUSH, pen=None)
        plot.addItem(self.bars)
        self.plot = plot
        self.view.setFixedHeight(130)
        self._values: np.ndarray | None = None
        self._y_range = (0.0, 1.0)
        plot.setYRange(*self._y_range)

    def show_values(self, values: np.ndarray, per_map: bool) -> None:
        self._values = values.reshape(-1)
        self.bars.setOpts(height=self._values)
        # Rescale only when the bars outgrow the axis or shrink to a third of it: a steady axis is cheap and calm.
        low, high = min(0.0, float(self._values.min())), max(float(self._values.max()), 1e-6)
        if not (self._y_range[0] <= low and high <= self._y_range[1] and high > self._y_range[1] / 3):
            self._y_range = (low * 1.1, high * 1.1)
            self.plot.setYRange(*self._y_range, padding=0)

    def clear(self) -> None:
        self._values = None
        self.bars.setOpts(height=np.zeros(self.length))
        self.readout.clear()

    def _hover(self, scene_position: QPointF) -> None:
        index = _vector_index(self, round(self.bars.mapFromScene(scene_position).x()), scene_position)
        self.readout.setText("" if index is None else f"unit {index}  value {self._values[index]:.3f}")


def _vector_index(panel: StripPanel | BarsPanel, index: int, scene_position: QPointF) -> int | None:
    """`index`, the element under the mouse, if the mouse is over the plot and there is such an element."""
    inside = panel.plot.sceneBoundingRect().contains(scene_position) and 0 <= index < panel.length
    return index if inside and panel._values is not None else None


def panel_for(stage) -> StagePanel:
    """The panel that suits a stage's output: maps for images, a strip for long vectors, else bars."""
    shape = stage.output_shape
    if stage.kind == "InputLayer" and len(shape) == 3 and shape[2] == 3:
        panel = ColourInputPanel(stage)
    elif len(shape) in (2, 3) and min(shape[:2]) > 1:
        panel = MapsPanel(stage)
    elif stage.kind == "Flatten" or int(np.prod(shape)) > STRIP_LIMIT:
        panel = StripPanel(stage)
    else:
        panel = BarsPanel(stage)
    cache_axes(panel.view)
    return panel

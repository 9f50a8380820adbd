"""The Train tab's views: epoch table, first-layer filters and feature maps, confusion matrix and gallery."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from gui.common.colour_mosaic import colour_mosaic
from gui.common.mosaic import Mosaic
from gui.common.pictures import digit_icon
from gui.common.plotting import ACTIVATIONS, pg
from model.train.monitoring import HISTORY_COLUMNS, best_epoch

GALLERY_LIMIT = 120
HEADINGS = {"val_loss": "val loss", "val_accuracy": "val acc"}  # short enough for the table's narrow columns


class EpochTable(QTableWidget):
    """One row per finished epoch; the best validation row in bold with a star."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HISTORY_COLUMNS), parent, objectName="epochTable")
        self.setHorizontalHeaderLabels([HEADINGS.get(name, name) for name in HISTORY_COLUMNS])
        for column, name in enumerate(HISTORY_COLUMNS):
            self.horizontalHeaderItem(column).setToolTip(f"{name} (the column's name in exported CSV files)")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(40)
        self.verticalHeader().setVisible(False)
        self.setToolTip("★ marks the epoch with the best validation accuracy")

    def set_history(self, history: list) -> None:
        self.setRowCount(len(history))
        best = best_epoch(history)
        for row, result in enumerate(history):
            texts = [f"{result.epoch}{'' if result.complete else ' (stopped)'}{' ★' if row == best else ''}", f"{result.loss:.4f}", f"{result.accuracy:.4f}",
                     _fmt(result.val_loss), _fmt(result.val_accuracy), f"{result.seconds:.1f}"]
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row == best:
                    font = QFont()
                    font.setBold(True)
                    item.setFont(font)
                    item.setBackground(QColor("#e8f4e8"))
                self.setItem(row, column, item)
        self.scrollToBottom()


def _fmt(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "-"


class _MosaicView(pg.GraphicsLayoutWidget):
    """One image grid (pyqtgraph ImageItem, viridis, crisp pixels) whose layout follows the data's shape."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setBackground(None)
        self.setFixedHeight(130)
        self.setMinimumWidth(250)
        self.ci.layout.setContentsMargins(0, 0, 0, 0)
        self.box = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.image = pg.ImageItem()
        self.image.setColorMap(ACTIVATIONS)
        self.box.addItem(self.image)
        self._mosaic: Mosaic | None = None

    def show_tiles(self, values: np.ndarray, per_map: bool) -> None:
        """Show (H, W, C) `values` as C tiles: each scaled to its own range, or all to one."""
        height, width, channels = values.shape
        if self._mosaic is None or (self._mosaic.height, self._mosaic.width, self._mosaic.channels) != values.shape:
            self._mosaic = Mosaic(height, width, channels)
            rows, columns = self._mosaic.shape
            self.box.setRange(QRectF(0, 0, columns, rows), padding=0)
        tiles = self._mosaic.fill(values, per_map)
        levels = (0.0, 1.0) if per_map else (float(np.min(values)), float(np.max(values)) + 1e-9)
        self.image.setImage(tiles, autoLevels=False, levels=levels)

    def show_colour(self, tiles: np.ndarray) -> None:
        """Show (n, h, w, 3) colour tiles in 0..1 as they are."""
        picture = colour_mosaic(tiles)
        self._mosaic = None
        self.box.setRange(QRectF(0, 0, picture.shape[1], picture.shape[0]), padding=0)
        self.image.setImage(picture, autoLevels=False, levels=(0.0, 1.0))


class FiltersView(QWidget):
    """The first layer's weights and the probe digit's feature maps, as coloured image grids."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filters_title = QLabel("<b>First-layer filters</b>")
        self.filters = _MosaicView("trainFilters")
        self.maps_title = QLabel("<b>Feature maps of the probe image</b>")
        self.maps = _MosaicView("trainFeatureMaps")
        self.no_maps = QLabel("This architecture has no convolution: each tile above is one dense unit's "
                              "weights over the image.", wordWrap=True, visible=False)
        self.caption = QLabel("Start training to watch the filters form.", wordWrap=True)
        self.caption.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for widget in (self.filters_title, self.filters, self.maps_title, self.maps, self.no_maps, self.caption):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.updates = 0

    def show_snapshot(self, snapshot) -> None:
        self.updates += 1
        self.filters_title.setText(f"<b>First-layer weights</b> ({snapshot.layer})")
        if snapshot.filters.ndim == 4:  # a colour model's first layer: each filter in the colours it seeks
            self.filters.show_colour(snapshot.filters)
        else:
            self.filters.show_tiles(np.moveaxis(snapshot.filters, 0, -1), per_map=True)
        has_maps = snapshot.maps is not None
        self.maps.setVisible(has_maps)
        self.no_maps.setVisible(not has_maps)
        if has_maps:
            self.maps_title.setText(f"<b>Probe image through {snapshot.maps_layer}</b>")
            self.maps.show_tiles(snapshot.maps, per_map=False)
        else:
            self.maps_title.setText("<b>Feature maps</b>")
        self.caption.setText(f"Epoch {snapshot.fractional_epoch:.2f}. Each filter is scaled to its own range: "
                             "random noise at first, strokes and edges as the model learns.")


class ConfusionView(QWidget):
    """Counts (10x10 for digits, N x N for N named classes) as a heat map; clicking a cell lists those test
    images; clicking one emits it."""

    imageChosen = Signal(object, int)  # uint8 28x28 digit or (H, W, C) picture, true label

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(10, 10, objectName="trainConfusion")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setHorizontalHeaderLabels([str(d) for d in range(10)])
        self.table.setVerticalHeaderLabels([str(d) for d in range(10)])
        self.table.setToolTip("Rows: true digit. Columns: predicted digit. Click a cell to see those test digits.")
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(16)
        font = self.table.font()
        font.setPointSizeF(font.pointSizeF() * 0.8)
        self.table.setFont(font)
        self.table.setMinimumSize(230, 200)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.cellClicked.connect(self.show_cell)
        self.caption = QLabel("Confusion matrix (rows: true, columns: predicted) appears after training.", wordWrap=True)
        self.gallery = QListWidget(objectName="trainGallery", viewMode=QListWidget.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(40, 40))
        self.gallery.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.gallery.setMovement(QListWidget.Movement.Static)
        self.gallery.itemClicked.connect(self._emit_image)
        self._images = self._labels = self._predicted = None
        self.names, self._what = tuple(str(d) for d in range(10)), "test digit"
        self.gallery.setMinimumWidth(140)
        row = QHBoxLayout()
        row.addWidget(self.table, 3)
        row.addWidget(self.gallery, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addLayout(row, 1)

    def set_results(self, counts: np.ndarray, images: np.ndarray, labels: np.ndarray, predicted: np.ndarray,
                    names: tuple[str, ...] | None = None) -> None:
        """Counts[true, predicted] of the test digits (or a folder's held-out images, with their class names)."""
        self._images, self._labels, self._predicted = images, labels, predicted
        self.names = tuple(names or (str(d) for d in range(len(counts))))
        self._what = "test digit" if names is None else "held-out image"
        self.table.setRowCount(len(self.names))
        self.table.setColumnCount(len(self.names))
        self.table.setHorizontalHeaderLabels(list(self.names))
        self.table.setVerticalHeaderLabels(list(self.names))
        peak = max(1, int(counts.max()))
        off_peak = max(1, int((counts - np.diag(np.diag(counts))).max()))
        for r in range(len(self.names)):
            for c in range(len(self.names)):
                count = int(counts[r, c])
                item = QTableWidgetItem(str(count))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                # the diagonal on its own scale (blue), mistakes on theirs (red), so both show
                strength = count / (peak if r == c else off_peak)
                base = (40, 110, 200) if r == c else (220, 60, 40)
                item.setBackground(QBrush(QColor(*(int(255 - (255 - v) * strength) for v in base))))
                if strength > 0.6:
                    item.setForeground(QBrush(QColor("white")))
                self.table.setItem(r, c, item)
        thing = "digit" if names is None else "class"
        self.caption.setText(f"Rows: true {thing}, columns: predicted. Click a cell to see its {self._what}s; "
                             "click one to load it into Draw & Inspect.")
        self.gallery.clear()

    def mark_stale(self) -> None:
        """A new run started: the shown results are the previous run's until it finishes."""
        if self._images is not None:
            self.caption.setText("Results of the previous run; this run's appear when it finishes.")

    def show_cell(self, row: int, column: int) -> None:
        """Fill the gallery with the test digits whose true label is `row` and prediction `column`."""
        if self._images is None:
            return
        self.gallery.clear()
        indices = np.flatnonzero((self._labels == row) & (self._predicted == column))
        for index in indices[:GALLERY_LIMIT]:
            item = QListWidgetItem(digit_icon(self._images[index]), "")
            item.setData(Qt.ItemDataRole.UserRole, int(index))
            item.setToolTip(f"{self._what} #{index}: true {self.names[row]}, predicted {self.names[column]}")
            self.gallery.addItem(item)
        shown = min(len(indices), GALLERY_LIMIT)
        self.caption.setText(f"True {self.names[row]}, predicted {self.names[column]}: {len(indices)} {self._what}s"
                             f"{f' (first {shown} shown)' if shown < len(indices) else ''}. Click one to draw on it.")

    def _emit_image(self, item: QListWidgetItem) -> None:
        index = item.data(Qt.ItemDataRole.UserRole)
        self.imageChosen.emit(np.array(self._images[index], dtype=np.uint8), int(self._labels[index]))

"""How one convolution output is made: the input patch, the kernel, their element-wise products and the sum."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QGridLayout, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QWidget)

from gui.kernels.kernel_editor import DIVERGING_COLOURS, ColourTable
from gui.common.plotting import GREY
from gui.kernels.stages import LiveText

CELL = 50  # pixels per number
GREY_COLOURS = ColourTable(GREY)


class NumberGrid(QTableWidget):
    """A small read-only grid of numbers, each on its colour."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setDefaultSectionSize(CELL)
            header.setMinimumSectionSize(10)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._shown: np.ndarray | None = None

    def show_numbers(self, values: np.ndarray, colours: list[QColor], decimals: int) -> None:
        if self._shown is not None and np.array_equal(self._shown, values):
            return
        self._shown = values.copy()
        rows, columns = values.shape
        if (rows, columns) != (self.rowCount(), self.columnCount()):
            self.setRowCount(rows)
            self.setColumnCount(columns)
            self.setFixedSize(columns * CELL + 2 * self.frameWidth(), rows * CELL + 2 * self.frameWidth())
        for (row, column), value in np.ndenumerate(values):
            item = self.item(row, column)
            if item is None:
                item = QTableWidgetItem()
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(row, column, item)
            colour = colours[row * columns + column]
            item.setText(compact(value, decimals))
            item.setBackground(QBrush(colour))
            item.setForeground(QBrush(QColor("white") if colour.lightnessF() < 0.55 else QColor("black")))


def compact(value: float, decimals: int) -> str:
    """`value` without trailing zeros: 1, -4, 0.314; a value that rounds to zero is 0."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class ProductsView(QFrame):
    """patch (x) kernel = products, then their sum: equal to the convolution pixel shown beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = QLabel("<b>How one output value is made</b>")
        self.hint = LiveText(2)
        self.hint.setText("<span style='color:gray'>Hover over the convolution output, or click a pixel to pin it.</span>")
        self.patch, self.kernel, self.products = NumberGrid("patch"), NumberGrid("kernel"), NumberGrid("products")
        self.total = LiveText(3)
        self.total.setObjectName("sum")
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.heading, 0, 0, 1, 3)
        grid.addWidget(self.hint, 1, 0, 1, 3)
        for column, (title, table) in enumerate([("input patch", self.patch), ("× kernel", self.kernel),
                                                 ("= products", self.products)]):
            label = QLabel(title)
            label.setStyleSheet("color: gray")
            grid.addWidget(label, 2, column)
            grid.addWidget(table, 3, column, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.total, 4, 0, 1, 3)
        note = QLabel("The kernel slides over the input, stride pixels at a time, and each output pixel is this sum. "
                      "'same' padding adds zeros round the edge (the patch shows them) so that, at stride 1, the output "
                      "is as large as the input; 'valid' uses whole windows only. Keras' Conv2D computes exactly this: "
                      "a correlation, the kernel not flipped.")
        note.setWordWrap(True)
        note.setStyleSheet("color: gray")
        grid.addWidget(note, 5, 0, 1, 4)
        grid.setColumnStretch(3, 1)
        grid.setRowStretch(6, 1)

    def show_value(self, explained, pixel: float, where: str, pinned: bool) -> None:
        """Show an `OutputValue` for the convolution pixel `pixel` at `where`, e.g. "row 4, col 7"."""
        self.hint.setText(f"<span style='color:gray'>Convolution output at {where}"
                          + (" (pinned: click it again to follow the mouse).</span>" if pinned else
                             " (under the mouse; click to pin).</span>"))
        self.patch.show_numbers(explained.patch, GREY_COLOURS(explained.patch), 3)
        self.kernel.show_numbers(explained.kernel, DIVERGING_COLOURS.centred(explained.kernel), 3)
        self.products.show_numbers(explained.products, DIVERGING_COLOURS.centred(explained.products), 3)
        terms = [value for value in explained.products.reshape(-1) if compact(value, 3) != "0"]
        written = "".join(f" {'−' if value < 0 else '+'} {compact(abs(value), 3)}" for value in terms).lstrip(" +")
        self.total.setText(f"<span style='font-size:large'>Σ products = <b>{explained.total:.4f}</b></span>"
                           f" &nbsp;=&nbsp; convolution pixel {pixel:.4f}"
                           f"<br><span style='color:gray'>{written or '0'}"
                           f"{' = ' + compact(explained.total, 4) if len(terms) > 1 else ''}</span>")

    def clear(self) -> None:
        self.total.clear()

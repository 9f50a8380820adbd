"""One kernel you set by hand: a preset menu and a grid of weights coloured on a diverging map."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (QAbstractSpinBox, QComboBox, QDoubleSpinBox, QFrame, QGridLayout, QHBoxLayout, QLabel,
                               QToolButton, QVBoxLayout, QWidget)

from gui.common.plotting import DIVERGING
from model.inspect.kernels import PRESET_NAMES, PRESET_TITLES, preset

CUSTOM = "Custom"
LIMIT = 99.0


def symmetric_bound(values: np.ndarray) -> float:
    """The largest magnitude in `values` (1 when all are zero): colour levels -bound..bound centre 0."""
    return float(np.abs(values).max()) or 1.0


class ColourTable:
    """A colour map as 256 ready QColors (mapping a few numbers with ColorMap.map(mode="qcolor") is slow)."""

    def __init__(self, color_map) -> None:
        self.colours = color_map.map(np.linspace(0.0, 1.0, 256), mode="qcolor")

    def __call__(self, fractions: np.ndarray) -> list[QColor]:
        """The colours of `fractions` in 0..1."""
        return [self.colours[i] for i in np.clip(np.rint(np.ravel(fractions) * 255), 0, 255).astype(int)]

    def centred(self, values: np.ndarray) -> list[QColor]:
        """Colours with 0 in the middle of the map and ±max |value| at its ends."""
        return self(0.5 + 0.5 * np.ravel(values) / symmetric_bound(values))


DIVERGING_COLOURS = ColourTable(DIVERGING)


class WeightBox(QDoubleSpinBox):
    """A weight: typed or spun, shown without trailing zeros (1, -4, 0.0625)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(-LIMIT, LIMIT)
        self.setDecimals(4)
        self.setSingleStep(0.5)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.setFixedWidth(58)
        self.setToolTip("Type a weight, or spin it with the arrow keys or the mouse wheel")

    def textFromValue(self, value: float) -> str:
        return f"{value:.4f}".rstrip("0").rstrip(".").replace("-0", "0") if abs(value) >= 5e-5 else "0"


class KernelEditor(QFrame):
    """A side x side kernel: pick a preset, then edit any weight; `changed` on every keystroke or spin."""

    changed = Signal()
    removeRequested = Signal(QWidget)

    def __init__(self, name: str, side: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.presets = QComboBox()
        self.presets.addItems([PRESET_TITLES[n] for n in PRESET_NAMES] + [CUSTOM])
        self.presets.setToolTip("A classic kernel; edit any weight to make your own")
        self.presets.currentIndexChanged.connect(self._preset_chosen)
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this kernel")
        self.remove.clicked.connect(lambda: self.removeRequested.emit(self))
        self.caption = QLabel()
        self.caption.setStyleSheet("color: gray")
        self.cells: list[WeightBox] = []
        self._grid = QGridLayout()
        self._grid.setSpacing(2)
        head = QHBoxLayout()
        head.addWidget(self.caption)
        head.addWidget(self.presets, 1)
        head.addWidget(self.remove)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addLayout(head)
        layout.addLayout(self._grid)
        layout.addStretch(1)
        self.side = 0
        self._name = name
        self.set_side(side)

    @property
    def name(self) -> str:
        """The preset's name, or "custom" once a weight was edited."""
        return self._name

    def kernel(self) -> np.ndarray:
        """The weights as a (side, side) float32 array."""
        return np.array([cell.value() for cell in self.cells], np.float32).reshape(self.side, self.side)

    def set_side(self, side: int) -> None:
        """Make the kernel side x side: the preset at that size, or a custom kernel cropped or ringed with zeros."""
        if side == self.side:
            return
        old = self.kernel() if self.cells else None
        for cell in self.cells:
            cell.deleteLater()
        self.cells = []
        for index in range(side * side):
            cell = WeightBox()
            cell.valueChanged.connect(self._edited)
            self._grid.addWidget(cell, *divmod(index, side))
            self.cells.append(cell)
        self.side = side
        if self._name in PRESET_NAMES or old is None:
            self._show(preset(self._name, side), self._name)
        else:
            margin = (side - old.shape[0]) // 2
            self._show(np.pad(old, margin) if margin > 0 else old[-margin:side - margin, -margin:side - margin], CUSTOM)
        self.changed.emit()

    def set_preset(self, name: str) -> None:
        """Show the preset `name` (e.g. "sobel_x")."""
        self.presets.setCurrentIndex(PRESET_NAMES.index(name))

    def set_weight(self, row: int, column: int, value: float) -> None:
        """Set one weight as if typed (for scripts and benchmarks)."""
        self.cells[row * self.side + column].setValue(value)

    def _preset_chosen(self, index: int) -> None:
        if index < len(PRESET_NAMES):
            self._show(preset(PRESET_NAMES[index], self.side), PRESET_NAMES[index])
            self.changed.emit()

    def _show(self, weights: np.ndarray, name: str) -> None:
        for cell, value in zip(self.cells, weights.reshape(-1)):
            cell.blockSignals(True)
            cell.setValue(float(value))
            cell.blockSignals(False)
        self._set_name(name)
        self._colour(weights)

    def _edited(self) -> None:
        self._set_name(CUSTOM)
        self._colour(self.kernel())
        self.changed.emit()

    def _set_name(self, name: str) -> None:
        self._name = name if name in PRESET_NAMES else "custom"
        self.presets.blockSignals(True)
        self.presets.setCurrentIndex(PRESET_NAMES.index(name) if name in PRESET_NAMES else len(PRESET_NAMES))
        self.presets.blockSignals(False)
        self.caption.setText(f"{self.side}x{self.side}")

    def _colour(self, weights: np.ndarray) -> None:
        """Each cell's background on the diverging map (blue negative, white zero, red positive), levels ±max |w|."""
        for cell, colour in zip(self.cells, DIVERGING_COLOURS.centred(weights)):
            palette = cell.palette()
            if palette.color(QPalette.ColorRole.Base) != colour:  # a repaint only where the colour changed
                palette.setColor(QPalette.ColorRole.Base, colour)
                palette.setColor(QPalette.ColorRole.Text, QColor("white" if colour.lightnessF() < 0.55 else "black"))
                cell.setPalette(palette)

"""Where the model looks, drawn over the model-input view: the method chooser, the class it explains, and
the overlay (red where the pixels pushed the class up, blue where they pushed it down, clear where neither)."""

from __future__ import annotations

from html import escape

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.common.plotting import pg

GRAD_CAM, INTEGRATED_GRADIENTS = "grad_cam", "integrated_gradients"  # model/inspect/attribution.py's names (it imports TensorFlow)
METHODS = [("Off", None, "No overlay"),
           ("Grad-CAM", GRAD_CAM, "Grad-CAM on the last convolution: where the features that raised the score are"),
           ("Saliency", INTEGRATED_GRADIENTS, "Integrated gradients: how much each pixel of ink raised or lowered the "
                                              "score, from a blank input to the drawing in 8 steps")]
HINTS = {GRAD_CAM: "Red: features that raised its score.", INTEGRATED_GRADIENTS: "Red ink raised its score, blue lowered it."}
OPACITY = 0.85  # of the overlay's strongest colour


def overlay_lut() -> np.ndarray:
    """256 RGBA entries from -1 to 1: blue, fading to clear at 0, then red turning orange-yellow."""
    t = np.linspace(-1.0, 1.0, 256)
    strength = np.abs(t)
    lut = np.zeros((256, 4), np.float64)
    lut[t < 0] = [40, 110, 255, 0]
    lut[t >= 0, 0] = 255
    lut[t >= 0, 1] = 40 + 190 * strength[t >= 0] ** 1.5  # red, then orange, yellow at the strongest
    lut[t >= 0, 2] = 20
    lut[:, 3] = 255 * np.clip((strength - 0.08) / 0.6, 0, 1)  # the faintest tenth stays clear
    return lut.round().astype(np.uint8)


class AttributionControls(QWidget):
    """The method chooser, which class is explained, and one line of explanation (or why a method cannot run)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Where it looks:"))
        self.method = QComboBox()
        self.method.setObjectName("attributionMethod")
        self.method.setToolTip("Colour the model input by how much each part pushed the class up or down")
        for index, (text, key, tip) in enumerate(METHODS):
            self.method.addItem(text, key)
            self.method.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.method.setCurrentIndex(1)
        row.addWidget(self.method)
        self.target = QLabel(" ")
        self.target.setObjectName("attributionTarget")
        self.target.setTextFormat(Qt.TextFormat.RichText)  # always: switching formats re-creates its text control
        row.addWidget(self.target, 1)
        layout.addLayout(row)
        self.target.setToolTip("Click a bar in the probability chart to explain that class; click it again to go "
                               "back to the prediction.")
        self.hint = QLabel(" ")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: gray")
        self.note = QLabel()
        self.note.setObjectName("attributionNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: gray")
        self.note.hide()
        layout.addWidget(self.hint)
        layout.addWidget(self.note)

    def chosen_method(self) -> str | None:
        return self.method.currentData()

    def allow(self, available: list[str]) -> None:
        """Enable only the methods this model can run (keeping the choice when it can)."""
        for index in range(self.method.count()):
            key = self.method.itemData(index)
            self.method.model().item(index).setEnabled(key is None or key in available)
        if self.chosen_method() is not None and self.chosen_method() not in available:
            self.method.setCurrentIndex(self.method.findData(available[0]))

    def show_target(self, class_index: int | None, predicted: int | None, method: str | None = None,
                    names: tuple[str, ...] = ()) -> None:
        """Say which class the overlay explains (by its name in `names`) and how to read it; None: no overlay."""
        if class_index is None:
            self.target.setText(" ")
            self.hint.setText(" ")
            return
        name = (lambda index: escape(names[index]) if index < len(names) else str(index))
        which = "the prediction" if class_index == predicted else f"predicted: {name(predicted)}"
        self.target.setText(f"for <b>{name(class_index)}</b> ({which})")
        self.hint.setText(HINTS[method])

    def show_note(self, text: str) -> None:
        """A sentence under the chooser (why a method cannot run, or that it is being prepared); "" hides it."""
        self.note.setText(text)
        self.note.setVisible(bool(text))


class AttributionOverlay:
    """A translucent colour map over the model-input image: one ImageItem, created once, updated in place."""

    def __init__(self, box: pg.ViewBox) -> None:
        self.item = pg.ImageItem(lut=overlay_lut(), levels=(-1, 1), opacity=OPACITY)
        self.item.setZValue(5)
        box.addItem(self.item)
        self.values: np.ndarray | None = None

    def show(self, values: np.ndarray) -> None:
        """Colour by `values`, the strongest colour from the 99th percentile of their magnitude up (zero: clear)."""
        bound = float(np.quantile(np.abs(values), 0.99)) or float(np.abs(values).max())
        if not np.isfinite(bound) or bound == 0:
            self.clear()
            return
        self.values = values
        self.item.setImage(values, autoLevels=False, levels=(-bound, bound))

    def clear(self) -> None:
        self.values = None
        self.item.clear()

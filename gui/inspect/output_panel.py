"""The output stage: the predicted digit, large, and the class probabilities as bars."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from gui.common.live_text import LiveText
from gui.common.panels import BAR_BRUSH, cache_axes
from gui.common.plotting import paints_own_background, pg
from model.inspect.verdict import unsure_rule, verdict

TOP_BRUSH = pg.mkBrush(255, 170, 40)


class OutputPanel(QFrame):
    """The last stage, always in view: `prediction` (the digit alone) and the `probabilities` chart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.title = QLabel("<b>output</b>")
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: gray")
        self.prediction = LiveText(lines=2, align=Qt.AlignmentFlag.AlignCenter, objectName="prediction")
        font = QFont(self.font())
        font.setPointSize(64)
        font.setBold(True)
        self.prediction.setFont(font)
        self._sure_font = font
        self._unsure_font = QFont(font)
        self._unsure_font.setPointSize(26)  # "7, or maybe 2" fits the panel
        self.confidence = LiveText(lines=2, align=Qt.AlignmentFlag.AlignHCenter, objectName="confidence")
        for answer in (self.prediction, self.confidence):
            answer.setToolTip(unsure_rule())
        self.chart = paints_own_background(pg.PlotWidget(background=None))
        self.chart.setObjectName("probabilities")
        self.chart.setMinimumHeight(200)
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.setYRange(0, 1, padding=0.02)
        self.chart.setLabel("left", "probability")
        self.chart.showGrid(y=True, alpha=0.2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.75, pen=None)
        self.chart.addItem(self.bars)
        cache_axes(self.chart)
        for widget in (self.title, self.description, self.prediction, self.confidence):
            layout.addWidget(widget)
        layout.addWidget(self.chart, 1)
        self.set_stage(None, 10)

    def set_stage(self, stage, classes: int | Sequence[str]) -> None:
        """Label the panel with the model's output stage and size the chart for `classes` (a count, or names)."""
        self.names = [str(i) for i in range(classes)] if isinstance(classes, int) else [str(n) for n in classes]
        classes = len(self.names)
        if stage is not None:
            self.title.setText(f"<b>{stage.name}</b> &nbsp;<span style='color:gray'>{stage.kind}</span>"
                               f" &nbsp; {stage.shape_text.replace('->', '&rarr;')}")
            self.description.setText(stage.description)
        self.classes = classes
        self.chart.setXRange(-0.6, classes - 0.4, padding=0)
        self.chart.getAxis("bottom").setTicks([[(i, _tick(name)) for i, name in enumerate(self.names)]])
        names_fit = max(map(len, self.names)) <= 2
        self._sure_font.setPointSize(64 if names_fit else 28)  # a digit large; a name still fits
        self._unsure_font.setPointSize(26 if names_fit else 18)
        self.prediction.setFont(self._sure_font)
        lines = max(QFontMetrics(self._sure_font).lineSpacing(), 2 * QFontMetrics(self._unsure_font).lineSpacing())
        self.prediction.setFixedHeight(lines + 4)  # a digit, or "7, or maybe 2" on up to two lines
        self.clear()

    def show_probabilities(self, probabilities: np.ndarray) -> None:
        """Bars for every class, the top one highlighted, and the digit with its confidence ("7, or maybe 2" when unsure)."""
        top = int(np.argmax(probabilities))
        brushes = [BAR_BRUSH] * self.classes
        brushes[top] = TOP_BRUSH
        self.bars.setOpts(height=probabilities, brushes=brushes)
        answer = verdict(probabilities, self.names)
        self.prediction.set_text(answer.text, font=self._unsure_font if answer.unsure else None)
        self.confidence.set_text(f"unsure: {answer.names[answer.top]} at {answer.confidence:.1%}, "
                                f"{answer.names[answer.runner_up]} at "
                                f"{answer.runner_up_confidence:.1%}" if answer.unsure else f"{answer.confidence:.1%} confident")

    def clear(self, message: str = "") -> None:
        """No prediction: empty bars and the message instead of a digit."""
        self.bars.setOpts(x=np.arange(self.classes), height=np.zeros(self.classes), brushes=[BAR_BRUSH] * self.classes)
        self.prediction.set_text("")
        self.confidence.set_text(message)


def _tick(name: str, longest: int = 10) -> str:
    """A class name short enough for the chart's axis (the prediction shows it whole)."""
    return name if len(name) <= longest else name[:longest - 1] + "…"

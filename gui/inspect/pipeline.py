"""The pipeline view: every stage of the loaded model, in order, the output pinned in view.

Only the panels in view are drawn: the others are marked out of date and brought up to date
the moment they scroll (or resize) into view, before they are painted.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from gui.common.panels import MapsPanel, StagePanel, panel_for
from gui.inspect.output_panel import OutputPanel


class PipelineView(QWidget):
    """A scrolling column of stage panels beside the output panel."""

    mapClicked = Signal(int, int)  # stage index, channel
    mapRightClicked = Signal(int, int)  # stage index, channel: switch that map off or on

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pipeline")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.heading = QLabel("<b>Loading model…</b>")
        bar.addWidget(self.heading, 1)
        self.per_map = QCheckBox("Colour levels per map")
        self.per_map.setToolTip("Scale each feature map to its own range (on) or each layer to one range (off).")
        bar.addWidget(self.per_map)
        self.toolbar = bar
        layout.addLayout(bar)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.splitter.addWidget(self.scroll)
        self.output = OutputPanel()
        self.splitter.addWidget(self.output)
        self.output.setMinimumWidth(240)
        self.output.setMaximumWidth(420)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([700, 300])
        layout.addWidget(self.splitter, 1)
        self.panels: list[StagePanel] = []
        self._inspection = None  # what the panels show: the newest inspection, or None (cleared)
        self._per_map = False
        self._stale: set[int] = set()  # indices of the panels not yet showing `_inspection`
        bar = self.scroll.verticalScrollBar()
        bar.valueChanged.connect(self._update_visible)
        bar.rangeChanged.connect(self._update_visible)
        self.scroll.viewport().installEventFilter(self)
        self._set_content(QWidget())
        self.per_map.toggled.connect(lambda: self._show(self._inspection))  # re-level the arrays it has

    def set_stages(self, name: str, stages, classes) -> None:
        """Build one panel per stage (the last, the output, is the pinned output panel); `classes`: names or a count."""
        self.heading.setText(f"<b>{name}</b> &nbsp;— {len(stages)} stages, input to output")
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(4, 4, 4, 4)
        self.panels = []
        for index, stage in enumerate(stages[:-1]):
            panel = panel_for(stage)
            if isinstance(panel, MapsPanel):
                panel.mapClicked.connect(lambda channel, index=index: self.mapClicked.emit(index, channel))
                panel.mapRightClicked.connect(lambda channel, index=index: self.mapRightClicked.emit(index, channel))
            column.addWidget(panel)
            self.panels.append(panel)
        column.addStretch(1)
        self._inspection, self._stale = None, set(range(len(self.panels)))
        self._set_content(content)
        self.output.set_stage(stages[-1], classes)

    def show_inspection(self, inspection) -> None:
        """Every stage's output for the current drawing (the panels out of view once they come into view)."""
        self._show(inspection)
        self.output.show_probabilities(inspection.probabilities)

    def clear(self, message: str) -> None:
        """Empty panels and no probabilities, with `message` where the digit would be."""
        self._show(None)
        self.output.clear(message)

    def render_all(self) -> list[QPixmap]:
        """Pictures of the whole pipeline (scrolled-out panels included) and of the output panel."""
        self._bring_up_to_date(set(self._stale))
        return [self.scroll.widget().grab(), self.output.grab()]

    def visible_panels(self) -> list[int]:
        """Indices of the panels that intersect the scroll area's viewport."""
        top = self.scroll.verticalScrollBar().value()
        bottom = top + self.scroll.viewport().height()
        return [i for i, panel in enumerate(self.panels) if panel.y() < bottom and panel.y() + panel.height() > top]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:  # a taller viewport or a laid-out column shows other panels
            self._update_visible()
        return super().eventFilter(watched, event)

    def _show(self, inspection) -> None:
        self._inspection, self._per_map = inspection, self.per_map.isChecked()
        self._stale = set(range(len(self.panels)))
        self._update_visible()

    def _update_visible(self) -> None:
        if self._stale:
            self._bring_up_to_date(self._stale.intersection(self.visible_panels()))

    def _bring_up_to_date(self, indices: set[int]) -> None:
        for i in indices:
            self._stale.discard(i)
            if self._inspection is None:
                self.panels[i].clear()
            else:
                self.panels[i].show_values(self._inspection.layers[i].values, self._per_map)

    def _set_content(self, content: QWidget) -> None:
        old = self.scroll.takeWidget()
        if old is not None:
            for panel in old.findChildren(StagePanel):
                panel.view.close()  # pyqtgraph: empty the scene now, not in a garbage collection later
            old.deleteLater()
        content.installEventFilter(self)
        self.scroll.setWidget(content)

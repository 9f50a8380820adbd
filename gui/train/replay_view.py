"""The Train tab's replay: a slider over the run's weight snapshots, and what the model made at each."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSlider, QStyle, QStyleOptionSlider,
                               QVBoxLayout, QWidget)

from gui.common.panels import BAR_BRUSH, cache_axes
from gui.common.plotting import pg
from gui.train.views import FiltersView
from gui.worker import Job, Worker

TOP_BRUSH = pg.mkBrush(255, 170, 40)
LABEL_GAP = 4  # pixels between two position labels; a label that would touch its neighbour is left out


class SnapshotSlider(QWidget):
    """A QSlider with one position per snapshot, each labelled under it; clicking a label jumps to it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="replaySlider", enabled=False)
        self.slider.setTickPosition(QSlider.TickPosition.TicksAbove)
        self.slider.setTickInterval(1)
        self.slider.setPageStep(1)
        self.slider.setRange(0, 0)
        self.labels: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, self.fontMetrics().height() + 2)
        layout.addWidget(self.slider)

    def set_labels(self, labels: list[str]) -> None:
        self.labels = list(labels)
        self.slider.setRange(0, max(0, len(labels) - 1))
        self.slider.setEnabled(len(labels) > 1)
        self.update()

    def position_x(self, value: int) -> int:
        """The x (in this widget) of the slider handle's centre at `value`."""
        option = QStyleOptionSlider()
        self.slider.initStyleOption(option)
        style = self.slider.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderGroove, self.slider)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self.slider)
        span = groove.width() - handle.width()
        offset = QStyle.sliderPositionFromValue(self.slider.minimum(), self.slider.maximum(), value, span)
        return self.slider.x() + groove.x() + offset + handle.width() // 2

    def label_rect(self, value: int) -> QRect:
        """Where the label of position `value` is drawn."""
        metrics = self.fontMetrics()
        width = metrics.horizontalAdvance(self.labels[value]) + 2
        top = self.slider.geometry().bottom() + 1
        return QRect(self.position_x(value) - width // 2, top, width, metrics.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setPen(self.palette().text().color())
        right = -LABEL_GAP
        last = len(self.labels) - 1
        for value in range(len(self.labels)):
            rect = self.label_rect(value)
            if rect.left() < right + LABEL_GAP or (value < last and rect.right() + LABEL_GAP > self.label_rect(last).left()):
                continue
            bold = value == self.slider.value()
            font = painter.font()
            font.setBold(bold)
            painter.setFont(font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.labels[value])
            right = rect.right()
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.labels and self.slider.isEnabled():
            x = event.position().x()
            self.slider.setValue(min(range(len(self.labels)), key=lambda value: abs(self.position_x(value) - x)))


class SideBySideFilters(FiltersView):
    """The Train tab's filters view with the weights and the probe's maps side by side: the replay is short of height."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = self.layout()
        while column.count():  # empty the column (its widgets stay children of this view), then drop it
            column.takeAt(0)
        QWidget().setLayout(column)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        for column, (title, mosaic) in enumerate(((self.filters_title, self.filters), (self.maps_title, self.maps))):
            mosaic.setFixedHeight(72)
            mosaic.setMinimumWidth(100)
            title.setWordWrap(True)
            grid.addWidget(title, 0, column)
            grid.addWidget(mosaic, 1, column)
        grid.addWidget(self.no_maps, 1, 1)
        self.caption.hide()
        # the maps are drawn smaller than their pixels here: blend, so no gap between maps is dropped
        self.maps.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)


def scrolling(panel: QWidget) -> QScrollArea:
    """`panel` in a frameless vertical scroll area, so a short window still shows it all."""
    scroll = QScrollArea(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(panel)
    return scroll


class ReplayPanel(QWidget):
    """Scrub through a run's snapshots: first-layer weights, the probe digit's maps and the drawing's
    probabilities at each, computed on this panel's own worker. Emits `useModel(keras.Model, info)`."""

    useModel = Signal(object, dict)
    frameShown = Signal(int)  # the snapshot now shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = Worker("replay", self)
        self._job: Job | None = None
        self._dirty = False  # a newer frame was asked for while one was being computed
        self._runs = 0  # frames of an earlier run that arrive late are not shown
        self._closed = False
        self._plan = self._probe = self._drawing = None
        self._replayer = None  # (architecture and probe, Replayer), used on the worker thread only
        self.snapshots: list = []
        self.shown = -1  # the snapshot shown
        self.note = QLabel("Train a model to replay it here.", objectName="replayNote", wordWrap=True)
        self.note.setToolTip("The weights are kept before training, a few times in the first epoch and after every "
                             "epoch, up to 200 MB in all.")
        self.note.setStyleSheet("color: #555;")
        self.slider = SnapshotSlider()
        self.slider.slider.valueChanged.connect(self._request)
        self.slider.setToolTip("0: before training; b10: after 10 batches of the first epoch; 3: after epoch 3. "
                               "Drag, use the arrow keys, or click a label.")
        self.title = QLabel("<b>No snapshots yet</b>", objectName="replayTitle", wordWrap=True)
        self.view = SideBySideFilters()
        self.drawing = QLabel("Your drawing: draw one on Draw & Inspect.", objectName="replayDrawing", wordWrap=True)
        self.chart = pg.PlotWidget(background=None)
        self.chart.setObjectName("replayProbabilities")
        self.chart.setFixedHeight(78)
        self.chart.setMinimumWidth(100)
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.setMenuEnabled(False)
        self.chart.hideButtons()
        self.chart.setYRange(0, 1, padding=0.02)
        self.chart.setXRange(-0.6, 9.4, padding=0)
        self.chart.getAxis("bottom").setTicks([[(i, str(i)) for i in range(10)]])
        self.chart.getAxis("left").setTicks([[(0, "0"), (0.5, ".5"), (1, "1")]])
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.75, pen=None, brush=BAR_BRUSH)
        self.chart.addItem(self.bars)
        cache_axes(self.chart)
        self.send_button = QPushButton("Send to Draw && Inspect", objectName="replaySend", enabled=False)
        self.send_button.setToolTip("Make the model as it was at this snapshot the one Draw & Inspect uses")
        self.send_button.clicked.connect(self.send)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        for widget in (self.slider, self.title, self.view):
            layout.addWidget(widget)
        row = QHBoxLayout()
        row.addWidget(self.chart, 3)
        row.addWidget(self.drawing, 2)
        layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(row)
        layout.addStretch(1)

    def start_run(self) -> None:
        """A new run: forget the previous run's snapshots."""
        self._runs += 1
        self._plan = None
        self.snapshots, self.shown = [], -1
        self.slider.set_labels([])
        self.title.setText("<b>No snapshots yet</b>")
        self.send_button.setEnabled(False)
        self.note.setText("Snapshots appear as the run trains.")

    def set_plan(self, plan, probe: np.ndarray) -> None:
        """What this run keeps (or why it keeps nothing), and the probe digit its maps are shown for."""
        self._plan, self._probe = plan, probe
        self.note.setText(plan.note)
        self.note.setStyleSheet("color: #555;" if plan.fits else
                                "background: #fff4d6; border: 1px solid #e0c060; padding: 3px;")

    def add_snapshot(self, snapshot) -> None:
        """One more snapshot; the slider follows it when it was at the newest one (or had none)."""
        following = self.slider.slider.value() == len(self.snapshots) - 1 or not self.snapshots
        self.snapshots.append(snapshot)
        self.slider.set_labels([s.tick for s in self.snapshots])
        if following:
            self.slider.slider.setValue(len(self.snapshots) - 1)
        self._request()

    def set_drawing(self, pixels: np.ndarray | None) -> None:
        """The canvas drawing (ink bright) whose probabilities are replayed."""
        self._drawing = None if pixels is None else np.array(pixels)
        self._request()

    def send(self) -> None:
        """Hand the model as it was at the shown snapshot to Draw & Inspect."""
        if self.shown < 0 or self._closed:
            return
        snapshot, plan, probe = self.snapshots[self.shown], self._plan, self._probe
        self.send_button.setEnabled(False)
        self._worker.submit(lambda job: self._replay_model(plan, probe).model_at(snapshot), self._sent,
                            self._not_sent)

    def shutdown(self) -> bool:
        """End the worker (the window is closing); snapshots still on their way are then only kept."""
        self._closed = True
        if self._job is not None:
            self._job.cancel()
        return self._worker.shutdown()

    def _request(self) -> None:
        if not self.snapshots or self._plan is None or self._closed:
            return
        if self._job is not None:
            self._dirty = True
            return
        index = self.slider.slider.value()
        snapshot, drawing, plan, probe = self.snapshots[index], self._drawing, self._plan, self._probe
        self._dirty, run = False, self._runs
        self._job = self._worker.submit(lambda job: self._replay_model(plan, probe).frame(snapshot, drawing),
                                        lambda frame: self._show(run, index, frame), self._failed)

    def _replay_model(self, plan, probe):
        """The Replayer for the run's architecture (on the worker thread, built on first use)."""
        from model.train.replay import Replayer

        key = (plan.model_json, probe.tobytes())
        if self._replayer is None or self._replayer[0] != key:
            self._replayer = (key, Replayer(plan.model_json, probe))
        return self._replayer[1]

    def _show(self, run: int, index: int, frame) -> None:
        self._job = None
        if run == self._runs:
            self.shown = index
            snapshot = self.snapshots[index]
            self.title.setText(f"<b>Snapshot {index + 1} of {len(self.snapshots)}</b>: {snapshot.title}")
            self.view.show_snapshot(frame)
            self._show_probabilities(frame.probabilities)
            self.send_button.setEnabled(True)
            self.slider.update()
            self.frameShown.emit(index)
        if self._dirty:
            self._request()

    def _show_probabilities(self, probabilities: np.ndarray | None) -> None:
        if probabilities is None:
            self.bars.setOpts(height=np.zeros(10), brushes=[BAR_BRUSH] * 10)
            self.drawing.setText("Your drawing: none on Draw & Inspect.")
            return
        top = int(np.argmax(probabilities))
        brushes = [BAR_BRUSH] * len(probabilities)
        brushes[top] = TOP_BRUSH
        self.bars.setOpts(x=np.arange(len(probabilities)), height=probabilities, brushes=brushes)
        self.drawing.setText(f"Your drawing here: <b>{top}</b> ({probabilities[top]:.0%})")

    def _sent(self, model) -> None:
        self.send_button.setEnabled(True)
        self.useModel.emit(model, {})

    def _not_sent(self, message: str) -> None:
        self.send_button.setEnabled(True)
        self.note.setText(f"Could not use this snapshot: {message}")

    def _failed(self, message: str) -> None:
        self._job = None
        self.note.setText(f"Could not replay this snapshot: {message}")

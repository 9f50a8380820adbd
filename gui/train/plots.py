"""Live loss and accuracy curves: buffered points, throttled redraws, earlier runs kept faded."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from gui.common.plotting import pg
from model.train.monitoring import smooth

REDRAW_MS = 333  # three redraws a second, whatever the batch rate
TRAIN_COLOR = "#1f77b4"
RAW_COLOR = (31, 119, 180, 70)
VAL_COLOR = "#e4572e"
FADED = (150, 150, 150, 110)


@dataclass
class _Series:
    """One run's points for one metric and the curves that draw them (created once)."""

    raw: pg.PlotDataItem
    smoothed: pg.PlotDataItem
    validation: pg.PlotDataItem
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    val_x: list[float] = field(default_factory=list)
    val_y: list[float] = field(default_factory=list)


class TrainingCurves(QWidget):
    """Two plots (loss, accuracy) over epochs, a smoothing slider, a log-scale toggle and Clear."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = self._plot("lossPlot", "Loss", "cross-entropy", legend_at=(-10, 10))
        self.accuracy_plot = self._plot("accuracyPlot", "Accuracy", "fraction correct", legend_at=(-10, -40))
        self._runs: list[dict[str, _Series]] = []
        self._dirty = False

        self.smoothing = QSlider(Qt.Orientation.Horizontal, objectName="trainSmoothing")
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(60)
        self.smoothing.setToolTip("Exponential moving average of the per-batch curve, as in TensorBoard")
        self.smoothing_label = QLabel()
        self.log_loss = QCheckBox("Log-scale loss", objectName="trainLogLoss")
        self.clear_button = QPushButton("Clear earlier runs", objectName="trainClearRuns")
        self.smoothing.valueChanged.connect(self._smoothing_changed)
        self.log_loss.toggled.connect(lambda on: self.loss_plot.setLogMode(y=on))
        self.clear_button.clicked.connect(self.clear_earlier)
        self._smoothing_changed(self.smoothing.value())

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Smoothing"))
        controls.addWidget(self.smoothing, 1)
        controls.addWidget(self.smoothing_label)
        controls.addSpacing(12)
        controls.addWidget(self.log_loss)
        controls.addWidget(self.clear_button)
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.accuracy_plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(plots, 1)
        layout.addLayout(controls)

        self._timer = QTimer(self, interval=REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self._timer.start()

    @staticmethod
    def _plot(name: str, title: str, unit: str, legend_at: tuple[int, int]) -> pg.PlotWidget:
        plot = pg.PlotWidget(objectName=name, background="w")
        plot.setTitle(title, color="#333", size="11pt")
        plot.setLabel("bottom", "epoch")
        plot.setLabel("left", unit)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.addLegend(offset=legend_at, labelTextColor="#333", brush=(255, 255, 255, 200))
        plot.setMinimumSize(260, 180)
        return plot

    def _series(self, plot: pg.PlotWidget, run: int) -> _Series:
        raw = plot.plot(pen=pg.mkPen(RAW_COLOR, width=1))  # many points: not antialiased, cheaper to draw
        smoothed = plot.plot(pen=pg.mkPen(TRAIN_COLOR, width=2), name=f"run {run}: training")
        validation = plot.plot(pen=pg.mkPen(VAL_COLOR, width=2), antialias=True, symbol="o", symbolSize=7,
                               symbolBrush=VAL_COLOR, symbolPen="w", name=f"run {run}: validation")
        return _Series(raw, smoothed, validation)

    def start_run(self) -> None:
        """Fade the current run's curves and create the new run's."""
        self.redraw()
        for run in self._runs:
            for plot, series in ((self.loss_plot, run["loss"]), (self.accuracy_plot, run["accuracy"])):
                self._fade(plot, series)
        number = len(self._runs) + 1
        self._runs.append({"loss": self._series(self.loss_plot, number),
                           "accuracy": self._series(self.accuracy_plot, number)})

    def _fade(self, plot: pg.PlotWidget, series: _Series) -> None:
        legend = plot.plotItem.legend
        for item in (series.smoothed, series.validation):
            legend.removeItem(item)
        series.raw.setPen(None)
        series.raw.setData([], [])
        series.smoothed.setPen(pg.mkPen(FADED, width=1.5))
        series.validation.setPen(pg.mkPen(FADED, width=1.5, style=Qt.PenStyle.DashLine))
        series.validation.setSymbolBrush(FADED)
        series.validation.setSymbolPen(None)
        if not any(label.text == "earlier runs" for _, label in legend.items):
            legend.addItem(pg.PlotDataItem(pen=pg.mkPen(FADED, width=1.5)), "earlier runs")

    def clear_earlier(self) -> None:
        """Remove every run but the current (or last) one."""
        keep = self._runs[-1:]
        for run in self._runs[:-1]:
            for plot, series in ((self.loss_plot, run["loss"]), (self.accuracy_plot, run["accuracy"])):
                for item in (series.raw, series.smoothed, series.validation):
                    plot.removeItem(item)
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.plotItem.legend.removeItem("earlier runs")
        self._runs = keep

    def add_batch(self, fractional_epoch: float, loss: float, accuracy: float) -> None:
        """Buffer one batch's loss and accuracy; drawn at the next redraw tick."""
        run = self._runs[-1]
        for key, value in (("loss", loss), ("accuracy", accuracy)):
            run[key].x.append(fractional_epoch)
            run[key].y.append(value)
        self._dirty = True

    def add_epoch(self, epoch: int, val_loss: float, val_accuracy: float) -> None:
        """Buffer one epoch's validation figures (skipped when there is no validation set)."""
        if not np.isfinite(val_loss):
            return
        run = self._runs[-1]
        for key, value in (("loss", val_loss), ("accuracy", val_accuracy)):
            run[key].val_x.append(float(epoch))
            run[key].val_y.append(value)
        self._dirty = True

    def point_count(self) -> int:
        """Points drawn on the current run's training curves (for tests and the status line)."""
        if not self._runs:
            return 0
        x, _ = self._runs[-1]["loss"].smoothed.getData()
        return 0 if x is None else len(x)

    def redraw(self) -> None:
        if not self._dirty or not self._runs:
            return
        self._dirty = False
        weight = self.smoothing.value() / 100
        for series in self._runs[-1].values():
            self._draw(series, weight)

    @staticmethod
    def _draw(series: _Series, weight: float) -> None:
        x, y = np.asarray(series.x), np.asarray(series.y)
        series.raw.setData(x, y)
        series.smoothed.setData(x, smooth(y, weight) if len(y) else y)
        series.validation.setData(series.val_x, series.val_y)

    def _smoothing_changed(self, value: int) -> None:
        self.smoothing_label.setText(f"{value / 100:.2f}")
        weight = value / 100
        for run in self._runs:
            for series in run.values():
                if series.y:
                    series.smoothed.setData(np.asarray(series.x), smooth(series.y, weight))

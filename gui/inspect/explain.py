"""See why, on the Draw & Inspect tab: where the model looks (an overlay on the model input, for the
predicted class or a class clicked in the probability chart) and feature maps switched off by a right-click.

The attribution graphs and the masked forward pass are built once per model on the TensorFlow worker;
after that every stroke runs them on the GUI thread, like the inspection itself.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton

from gui.common.map_switch_view import OffMarks
from gui.common.plotting import pg
from gui.inspect.attribution_view import GRAD_CAM, AttributionControls, AttributionOverlay
from gui.worker import Worker, error_message

CHOSEN_PEN = pg.mkPen(40, 40, 40, width=2, style=Qt.PenStyle.DashLine)


class Explainer(QObject):
    """Adds the overlay, its controls, the class choice and map switching to a DrawInspectTab."""

    ready = Signal()  # the current model's attribution and map switching are built

    def __init__(self, draw, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.draw = draw
        self.worker = worker
        self.attributor = None
        self.switch = None
        self._built_for = None  # the inspector the attributor and switch belong to
        self.chosen: int | None = None  # the class clicked in the chart; None: the predicted class
        self._marks: dict[int, OffMarks] = {}  # stage index -> the crosses over its switched-off maps
        self.controls = AttributionControls()
        draw.input_panel.layout().insertWidget(1, self.controls)
        self.overlay = AttributionOverlay(draw.input_panel.box)
        chart = draw.pipeline.output.chart
        self.chosen_marker = pg.BarGraphItem(x=[0], height=[1.0], width=0.92, brush=None, pen=CHOSEN_PEN)
        self.chosen_marker.hide()
        chart.addItem(self.chosen_marker)
        self.off_label = QLabel("")
        self.off_label.setObjectName("mapsOff")
        self.off_label.setStyleSheet("color: #c03030")
        self.restore_button = QPushButton("Restore all maps", objectName="restoreMaps", visible=False)
        self.restore_button.setToolTip("Switch every feature map back on")
        toolbar = draw.pipeline.toolbar
        toolbar.insertWidget(1, self.off_label)
        toolbar.insertWidget(2, self.restore_button)
        draw.pipeline.per_map.setToolTip(draw.pipeline.per_map.toolTip() + " Right-click a map to switch it off.")
        self.restore_button.clicked.connect(self.restore_all)
        self.controls.method.currentIndexChanged.connect(lambda _index: self.update())
        chart.scene().sigMouseClicked.connect(self._chart_clicked)
        draw.pipeline.mapRightClicked.connect(self.toggle_map)
        draw.viewUpdated.connect(self.update)

    def model_changed(self) -> None:
        """The tab shows a new model: build its attribution and map switching in the background."""
        inspector = self.draw.inspector
        self.attributor = self.switch = None
        self.chosen = None
        self.chosen_marker.hide()
        self._marks = {}
        self._show_off_count()
        self.controls.show_note("Preparing…")
        self.update()
        self.worker.submit(lambda job: _build(inspector), lambda built: self._built(inspector, *built),
                           lambda message: self.controls.show_note(f"Attribution unavailable: {message}"))

    def _built(self, inspector, switch, attributor) -> None:
        if inspector is not self.draw.inspector:
            return  # a newer model came first
        self.switch, self.attributor, self._built_for = switch, attributor, inspector
        self.draw.switch = switch
        self.controls.allow(attributor.methods)
        self.update()
        self.ready.emit()

    def update(self) -> None:
        """Redraw the overlay for the current drawing, method and class (none for a blank canvas)."""
        method = self.controls.chosen_method()
        inspection = self.draw.inspection
        if self.attributor is None or self._built_for is not self.draw.inspector:
            self.overlay.clear()
            self.controls.show_target(None, None)
            return
        self.controls.show_note(self.attributor.unavailable(GRAD_CAM))
        if inspection is None or method is None or self.draw.model_input is None:
            self.overlay.clear()
            self.controls.show_target(None, None)
            return
        predicted = inspection.digit
        class_index = predicted if self.chosen is None or self.chosen >= self.attributor.num_classes else self.chosen
        try:
            attribution = self.attributor.attribute(self.draw.model_input, class_index, method)
        except Exception as exc:  # a model of a kind not foreseen: say so, keep the window working
            self.overlay.clear()
            self.controls.show_note(f"Attribution failed: {error_message(exc)}")
            return
        self.overlay.show(attribution.values)
        self.controls.show_target(class_index, predicted, method, self.draw.inspector.spec.class_names)

    def choose_class(self, class_index: int | None) -> None:
        """Explain this class (None: whatever is predicted) and outline its bar."""
        self.chosen = class_index
        self.chosen_marker.setVisible(class_index is not None)
        if class_index is not None:
            self.chosen_marker.setOpts(x=[class_index])
        self.update()

    def _chart_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.attributor is None:
            return
        box = self.draw.pipeline.output.chart.getPlotItem().vb
        if not box.sceneBoundingRect().contains(event.scenePos()):
            return
        index = round(box.mapSceneToView(event.scenePos()).x())
        if 0 <= index < self.attributor.num_classes:
            self.choose_class(None if index == self.chosen else index)

    def toggle_map(self, index: int, channel: int) -> None:
        """Switch map `channel` of stage `index` off (or back on); everything after it updates at once."""
        if self.switch is None:
            return
        stage = self.draw.inspector.stages[index]
        if not self.switch.can_switch(stage.name):
            self.off_label.setText("The input image cannot be switched off")
            return
        self.switch.toggle(stage.name, channel)
        self._mark(index)
        self.draw.refresh()

    def restore_all(self) -> None:
        """Every map back on."""
        if self.switch is None:
            return
        self.switch.restore_all()
        for index in self._marks:
            self._mark(index)
        self.draw.refresh()

    def _mark(self, index: int) -> None:
        panel = self.draw.pipeline.panels[index]
        if index not in self._marks:
            self._marks[index] = OffMarks(panel.box, panel.mosaic)
        self._marks[index].show(self.switch.off(self.draw.inspector.stages[index].name))
        self._show_off_count()

    def _show_off_count(self) -> None:
        count = 0 if self.switch is None else self.switch.off_count
        self.off_label.setText(f"{count} map{'s' if count != 1 else ''} switched off" if count else "")
        self.restore_button.setVisible(count > 0)


def _build(inspector):
    """The masked forward pass and the attribution graphs for one model (on the TensorFlow worker)."""
    from model.inspect.attribution import Attributor
    from model.inspect.channel_switch import ChannelSwitch

    switch = ChannelSwitch(inspector.model, inspector.stages, inspector.spec)
    return switch, Attributor(switch, inspector.numpy_forward)

"""The Draw & Inspect tab: canvas and model input on the left, the pipeline on the right."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSplitter, QVBoxLayout, QWidget

from gui.common.map_detail import MapDetail
from gui.inspect.canvas import Canvas
from gui.inspect.input_panel import InputPanel
from gui.inspect.novelty_panel import NoveltyFinder
from gui.inspect.pipeline import PipelineView
from model.data.pen_canvas import BRUSH_SIZES

LOADING = "Loading model… what you draw is classified as soon as it is ready."


class DrawInspectTab(QWidget):
    """Draw, and every stroke runs through the model; coalesced so the view never lags the pen."""

    viewUpdated = Signal()  # all panels show the current drawing

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Filled in the window's colour, as its views and live labels are: what changes while drawing then
        # repaints alone, never the tab pane and window behind it.
        self.setAutoFillBackground(True)
        self.inspector = None
        self.switch = None  # the model with maps switchable off (model/inspect/channel_switch.py), set by gui/inspect/explain.py
        self.inspection = None
        self.model_input: np.ndarray | None = None
        self.canvas = Canvas()
        self.brush = QSlider(Qt.Orientation.Horizontal)
        self.brush.setRange(*BRUSH_SIZES)
        self.brush.setValue(int(self.canvas.brush_size))
        self.brush.setToolTip("Brush size")
        self.brush.valueChanged.connect(lambda value: setattr(self.canvas, "brush_size", float(value)))
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Take back the last stroke (Ctrl+Z)")
        self.undo_button.clicked.connect(self.canvas.undo)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Empty the canvas (Esc or Delete)")
        self.clear_button.clicked.connect(self.canvas.clear)
        self.sample_button = QPushButton("Sample")
        self.sample_button.setEnabled(False)
        self.sample_button.setToolTip("Looking for the MNIST test digits…")
        self.preprocessing = QComboBox(objectName="preprocessing")
        self.preprocessing.addItem("Digit: ink found, cropped, centred (MNIST)", "digit")
        self.preprocessing.addItem("Photo: plain resize, no crop", "photo")
        self.preprocessing.setToolTip("How a drawing or picture becomes the model's input. Digit models get digit "
                                      "preprocessing; other models get photo preprocessing.")
        self.preprocessing.activated.connect(lambda index: self.set_preprocessing(self.preprocessing.itemData(index)))
        self.picture = None  # the picture last opened or pasted (gui.common.pictures.Picture)
        self.sample_note = QLabel(" ")
        self.sample_note.setStyleSheet("color: gray")
        self.input_panel = InputPanel()
        self.pipeline = PipelineView()
        self.pipeline.mapClicked.connect(self.open_map)
        self.novelty = NoveltyFinder(self.pipeline.novelty, self)
        self.novelty.indexReady.connect(lambda: self.novelty.show(self.inspection))
        self.pipeline.novelty.imageChosen.connect(self.show_training_picture)
        self.pipeline.novelty.dataChosen.connect(self.novelty.index_from)
        self.waiting_message = LOADING  # what the pipeline says while there is no model
        self.pipeline.clear(LOADING)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.canvas, 3)
        brush_row = QHBoxLayout()
        brush_row.addWidget(QLabel("Brush size"))
        brush_row.addWidget(self.brush, 1)
        column.addLayout(brush_row)
        buttons = QHBoxLayout()
        for button in (self.undo_button, self.clear_button, self.sample_button):
            buttons.addWidget(button)
        column.addLayout(buttons)
        preprocessing_row = QHBoxLayout()
        preprocessing_row.addWidget(QLabel("Preprocessing"))
        preprocessing_row.addWidget(self.preprocessing, 1)
        column.addLayout(preprocessing_row)
        column.addWidget(self.sample_note)
        column.addWidget(self.input_panel, 2)
        self.left = left
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.pipeline)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 1000])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        self.canvas.changed.connect(self._schedule)
        self.canvas.changed.connect(self._forget_caption)
        self.canvas.changed.connect(self._forget_source)
        self._source: tuple[np.ndarray, bool] | None = None  # an image on the canvas, untouched: (pixels, as given)

    def set_inspector(self, inspector) -> None:
        """Show `inspector`'s model: rebuild the pipeline and classify what is drawn."""
        previous, self.inspector = self.inspector, inspector
        self.switch = None
        if not (previous is not None and previous.preview and (previous.stages, previous.spec) == (inspector.stages, inspector.spec)):
            self.pipeline.set_stages(inspector.name, inspector.stages, inspector.spec.class_names)  # not for the same model
        self.input_panel.set_spec(inspector.spec)
        self.preprocessing.setCurrentIndex(self.preprocessing.findData(inspector.spec.preprocessing))
        if self.picture is not None and not self.canvas.is_blank:
            self._show_picture_as(inspector.spec.preprocessing)
        self.novelty.set_inspector(inspector)
        self.refresh()

    def set_preprocessing(self, kind: str) -> None:
        """Switch the loaded model's preprocessing ("digit" or "photo"); an opened picture is shown accordingly."""
        if self.inspector is None or self.inspector.spec.preprocessing == kind:
            return
        self.inspector.set_preprocessing(kind)
        self.set_inspector(self.inspector)

    def show_picture(self, picture) -> None:
        """An opened or pasted picture on the canvas: as it is for photo preprocessing, its ink for digits."""
        self.picture = picture
        self._show_picture_as(self.inspector.spec.preprocessing if self.inspector is not None else "digit")
        self.sample_note.setText(picture.name)

    def _show_picture_as(self, kind: str) -> None:
        if kind == "photo":
            self.canvas.set_photo(self.picture.photo)
        else:
            self.canvas.set_ink(self.picture.ink)
            self._source = (self.picture.ink, False)

    def show_digit(self, image: np.ndarray, caption: str, as_given: bool = False) -> None:
        """Put an image (ink bright) on the canvas, with a caption such as its true label. Until it is
        drawn on, the model reads the image itself, not the canvas's copy of it: at its own resolution,
        and, `as_given` (a data set's digit), with no preprocessing when it has the model's input size."""
        self.picture = None
        self.canvas.set_ink(image)
        self._source = (image, as_given)
        self.sample_note.setText(caption)

    def show_training_picture(self, image: np.ndarray, caption: str) -> None:
        """A training picture on the canvas: an MNIST digit (H, W) as given, a folder's or stock set's picture
        (H, W, C) as a photo."""
        if image.ndim == 2:
            self.show_digit(image, caption, as_given=True)
            return
        from gui.common.pictures import picture_from_array

        self.show_picture(picture_from_array(image, caption))

    def refresh(self) -> None:
        """Run the current drawing through preprocessing and the model, and update every panel."""
        from model.inspect.preprocess import as_given as given  # scipy: the model loader's thread imported it
        from model.inspect.preprocess import preprocess
        from model.spec import DIGIT_SHAPE  # the preprocessing until a model is loaded

        self._timer.stop()
        image, as_given = self._source or (self.canvas.source(), False)
        if self.inspector is None:
            prepared = preprocess(image, DIGIT_SHAPE)
        else:
            prepared = (as_given and given(image, self.inspector.input_shape)) or self.inspector.preprocess(image)
        self.input_panel.show_input(prepared.model_input, prepared.steps)
        self.model_input = prepared.model_input
        self.inspection = None
        if prepared.blank:
            self.pipeline.clear(prepared.message)
        elif self.inspector is None:
            self.pipeline.clear(self.waiting_message)
        else:
            forward = self.switch if self.switch is not None and self.switch.off_count else self.inspector
            self.inspection = forward.inspect(prepared.model_input)
            self.pipeline.show_inspection(self.inspection)
        self.novelty.show(self.inspection)
        self.viewUpdated.emit()

    def open_map(self, index: int, channel: int) -> None:
        """Open channel `channel` of stage `index` large, beside the kernel that made it."""
        if self.inspection is None:
            return
        from model.inspect.lineage import map_source

        stage = self.inspector.stages[index]
        values = self.inspection.layers[index].values
        values = values.reshape(*values.shape[:2], -1)[:, :, channel]
        source = map_source(self.inspector.stages, index, lambda name: self.inspector.kernel(name).shape[:2])
        kernel = None if source is None else self.inspector.kernel(source.convolution)[..., channel]
        patch_input = self.model_input if source is not None and source.sees_input else None
        dialog = MapDetail(stage, channel, values, kernel, patch_input, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def render_view(self) -> QPixmap:
        """The canvas column beside the whole pipeline, as one picture."""
        return side_by_side([self.left.grab(), *self.pipeline.render_all()], self.palette().window().color())

    def _forget_source(self) -> None:
        self._source = None  # drawn on or cleared (a new image is set just after the canvas says it changed)

    def _forget_caption(self) -> None:
        if self.canvas.is_blank:
            self.sample_note.setText(" ")

    def _schedule(self) -> None:
        # Coalesce: however many moves arrive before the event loop is free, one update reads the newest drawing.
        if not self._timer.isActive():
            self._timer.start()


def side_by_side(pictures: list[QPixmap], background) -> QPixmap:
    """Pictures placed left to right, top-aligned, on `background`."""
    ratio = pictures[0].devicePixelRatio()
    picture = QPixmap(sum(p.width() for p in pictures), max(p.height() for p in pictures))
    picture.setDevicePixelRatio(ratio)
    picture.fill(background)
    painter = QPainter(picture)
    x = 0.0
    for part in pictures:
        painter.drawPixmap(QPointF(x, 0), part)
        x += part.width() / ratio
    painter.end()
    return picture

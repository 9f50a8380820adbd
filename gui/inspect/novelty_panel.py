"""Beside the prediction: how unlike its training data the input is, and its nearest training pictures (MNIST's
digits for a digit model; a folder's or stock set's own pictures for a model trained on them)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRect, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (QFileDialog, QFrame, QHBoxLayout, QLabel, QMenu, QSizePolicy, QToolButton, QToolTip,
                               QVBoxLayout, QWidget)

from gui.common.laid_out_text import LaidOutTexts
from gui.common.live_text import LiveText
from gui.common.pictures import digit_icon
from gui.worker import Job, Worker
from model.inspect.novelty import K
from model.spec import DIGIT_SHAPE

DIGITS_ENV = "DIGIT_LENS_INDEX_DIGITS"  # training digits in the index (tests use a few thousand)
COLUMNS = 4
ICON = 30
LABEL_CHARACTERS = 9  # a class name under a thumbnail is cut to this many characters ("automobi…")
NO_INDEX = ("No index of this model's training pictures: choose them (a folder of class subfolders or a stock set) "
            "with the button above to compare drawings with them.")
LEVEL_COLOURS = {"typical": "#2e7d32", "unusual": "#b26a00", "unlike": "#c62828"}

# The verdict, the bar and the thumbnails are painted by small widgets of fixed height that only repaint when they
# change (see gui/common/live_text.py).


class Meter(QWidget):
    """A thin bar filled to a share (0..1) in a colour; repainted with the window, never at once as QProgressBar is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="noveltyMeter")
        self.setFixedHeight(8)
        self.setAutoFillBackground(True)
        self._share, self._colour = 0.0, QColor()

    def share(self) -> float:
        return self._share

    def set_share(self, share: float, colour: QColor | None = None) -> None:
        if (share, colour) != (self._share, self._colour):
            self._share, self._colour = share, colour or QColor()
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().mid().color())
        painter.setBrush(self.palette().base())
        painter.drawRoundedRect(self.rect().adjusted(0, 0, -1, -1), 3, 3)
        if self._share > 0:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._colour)
            painter.drawRoundedRect(QRect(1, 1, max(2, round((self.width() - 2) * self._share)), self.height() - 2), 2, 2)
        painter.end()


class NeighbourGrid(QWidget):
    """Up to 8 digit thumbnails with their labels, in rows of COLUMNS; clicking one emits `chosen(slot)`."""

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="noveltyNeighbours")
        self._label_height = self.fontMetrics().height()
        self.setAutoFillBackground(True)  # opaque: its changes repaint it alone
        self.setFixedHeight(2 * self._cell_height())
        self.setMinimumWidth(COLUMNS * (ICON + 4))
        self.pictures: list[QPixmap] = []
        self.labels: list[str] = []
        self.tips: list[str] = []
        self._made: dict[int, QPixmap] = {}  # thumbnails by training digit: a stroke meets the same ones again
        self._labels_laid_out = LaidOutTexts()

    def set_digits(self, keys, images, labels, tips) -> None:
        """uint8 digits (ink bright, shown dark on white) or (H, W, C) pictures (shown as they are, in colour for
        colour pictures) named by `keys` (their index), their labels and tool tips."""
        if len(self._made) > 512:
            self._made.clear()
        self.pictures = [self._made.get(key) or self._made.setdefault(key, digit_icon(image, ICON).pixmap(ICON, ICON))
                         for key, image in zip(keys, images)]
        self.labels = [str(label) if len(str(label)) <= LABEL_CHARACTERS else str(label)[:LABEL_CHARACTERS - 1] + "…"
                       for label in labels]
        self.tips = list(tips)
        self.update()

    def forget_pictures(self) -> None:
        """Thumbnails made so far belong to another index."""
        self._made.clear()

    def clear(self) -> None:
        if self.pictures:
            self.pictures, self.labels, self.tips = [], [], []
            self.update()

    def cell_rect(self, slot: int) -> QRect:
        width = self.width() // COLUMNS
        return QRect((slot % COLUMNS) * width, (slot // COLUMNS) * self._cell_height(), width, self._cell_height())

    def slot_at(self, point) -> int | None:
        slot = next((i for i in range(len(self.pictures)) if self.cell_rect(i).contains(point)), None)
        return slot

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        for slot, (picture, label) in enumerate(zip(self.pictures, self.labels)):
            cell = self.cell_rect(slot)
            painter.drawPixmap(cell.center().x() - ICON // 2, cell.top() + 2, picture)
            self._labels_laid_out.draw_centred(painter, label, cell.left() + cell.width() / 2, cell.top() + ICON + 2)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        slot = self.slot_at(event.position().toPoint())
        if slot is not None:
            self.chosen.emit(slot)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            slot = self.slot_at(event.pos())
            if slot is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tips[slot], self)
            return True
        return super().event(event)

    def _cell_height(self) -> int:
        return ICON + self._label_height + 6


class NoveltyPanel(QFrame):
    """The score as words and a bar, and the nearest training digits as thumbnails (click one to load it)."""

    imageChosen = Signal(object, str)  # uint8 28x28 digit (ink bright) or (H, W, C) training picture, caption
    dataChosen = Signal(str, str)  # ("folder", path) or ("stock", name): index these pictures for the model

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(objectName="noveltyTitle", wordWrap=True)
        self.set_title("training digits")
        self.choose = QToolButton(objectName="noveltyChooseData", text="Training pictures…")
        self.choose.setToolTip("Compare drawings with a folder of pictures (one subfolder per class) or a stock "
                               "data set: the training pictures of this model")
        self.choose.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.choose)
        menu.addAction("A folder of pictures…", self._choose_folder)
        from model.data.stock import STOCK_SETS

        for stock in STOCK_SETS.values():
            menu.addAction(stock.title, lambda name=stock.name: self.dataChosen.emit("stock", name))
        self.choose.setMenu(menu)
        self.choose.hide()
        self.verdict = LiveText(lines=3, objectName="noveltyVerdict")
        self.meter = Meter()
        self.detail = QLabel(objectName="noveltyDetail")
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.detail.setStyleSheet("color: gray")
        self.neighbours = NeighbourGrid()
        self.neighbours.chosen.connect(self._choose)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(2)
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.choose)
        layout.addLayout(heading)
        for widget in (self.verdict, self.meter, self.detail, self.neighbours):
            layout.addWidget(widget)
        self._index = self._cached_for = None
        self._shown: np.ndarray | None = None  # indices of the thumbnails shown
        self.show_message("Looking for the MNIST training digits…")

    def set_title(self, pictures: str) -> None:
        """"How unlike the training photos of shapes?"."""
        self.title.setText(f"<b>How unlike the {pictures}?</b>")
        self.title.setToolTip(f"How far the input is from the {pictures} in the model's own eyes (the layer before "
                              "its output), ranked among pictures it did not train on")

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "The model's training pictures: one subfolder per class")
        if folder:
            self.dataChosen.emit("folder", folder)

    def show_message(self, text: str) -> None:
        """No score: why (no MNIST, still indexing, nothing drawn); no thumbnails."""
        self.verdict.set_text(text)
        self.meter.set_share(0.0)
        self._shown = None
        self.neighbours.clear()

    def show_novelty(self, novelty, index) -> None:
        """The score of one input and its nearest training digits in `index`."""
        colour = QColor(LEVEL_COLOURS[novelty.level])
        self.verdict.set_text(novelty.text, colour)
        self.meter.set_share(novelty.percentile / 100, colour)
        if index is not self._index:
            self._index = index
            self.set_title(index.title)
            self.detail.setText(f"nearest of {len(index):,} {index.title}:")
            calibration = (f"{len(index.calibration):,} MNIST test digits" if index.calibrated_on == "MNIST test digits"
                           else index.calibrated_on)
            self.detail.setToolTip(f"The score is the mean distance from the input to its {K} nearest {index.title} "
                                   f"in the {index.layer} layer (the one before the output), ranked among the "
                                   f"same distances of {calibration}: the percentile "
                                   f"is the share of them as near or nearer.")
        if self._shown is not None and np.array_equal(self._shown, novelty.neighbours):
            return
        self._shown = novelty.neighbours
        labels = [index.label_name(n) for n in novelty.neighbours]
        if index is not self._cached_for:  # thumbnails are per index (another model, other digits)
            self._cached_for = index
            self.neighbours.forget_pictures()
        self.neighbours.set_digits(novelty.neighbours.tolist(), index.images[novelty.neighbours], labels,
                                   [f"{_picture_name(index, n)}, distance {d:.2f}. Click to open it."
                                    for n, d in zip(novelty.neighbours, novelty.distances)])

    def _choose(self, slot: int) -> None:
        if self._shown is None:
            return
        neighbour = int(self._shown[slot])
        self.imageChosen.emit(np.array(self._index.images[neighbour], dtype=np.uint8),
                              _picture_name(self._index, neighbour).replace(", ", ": ", 1))


def _picture_name(index, n: int) -> str:
    """"MNIST training digit #12, label 7"; "Training picture #3 of shapes, class circles"."""
    if index.class_names is None:
        return f"MNIST training digit #{n}, label {index.label_name(n)}"
    return f"Training picture #{n} ({index.title}), class {index.label_name(n)}"


class NoveltyFinder(QObject):
    """Builds (or reads from the cache) the index for each model on its own worker, and scores each drawing."""

    indexReady = Signal()  # the current model's index is built (or why not is shown)

    def __init__(self, panel: NoveltyPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from model.inspect.novelty import TRAIN_DIGITS

        self.panel = panel
        self.worker = Worker("novelty", self)
        self.train_digits = int(os.environ.get(DIGITS_ENV) or TRAIN_DIGITS)
        self.index = None
        self.novelty = None  # the shown score, or None
        self._inspector = None
        self._job: Job | None = None
        self._closed = False

    def set_inspector(self, inspector) -> None:
        """A new model: its index is looked up or built in the background."""
        if self._job is not None:
            self._job.cancel()
        if self._closed:
            return
        self._inspector, self.index, self.novelty = inspector, None, None
        self.panel.choose.hide()
        digits = _digit_model(inspector)
        self.panel.set_title("training digits" if digits else "training data")
        if inspector.model is None:  # a preview: the Keras model follows once TensorFlow is up
            self.panel.show_message("Compared with the training data once TensorFlow is ready…")
            return
        self.panel.show_message(f"Indexing {self.train_digits:,} training digits for this model (once)…" if digits
                                else "Looking for the index of this model's training pictures…")
        self._job = self.worker.submit(lambda job: _index(job, inspector, self.train_digits),
                                       lambda index: self._built(inspector, index),
                                       lambda message: self._unavailable(inspector, message), self._progress)

    def index_from(self, kind: str, source: str) -> None:
        """Index the pictures the user chose ("folder", path or "stock", name) as the current model's training
        pictures, and keep the index for it."""
        inspector = self._inspector
        if inspector is None or inspector.model is None or self._closed:
            return
        if self._job is not None:
            self._job.cancel()
        self.index = self.novelty = None
        self.panel.show_message(f"Reading {Path(source).name if kind == 'folder' else source}…")
        self._job = self.worker.submit(lambda job: _index_chosen(job, inspector, kind, source),
                                       lambda index: self._built(inspector, index),
                                       lambda message: self._unavailable(inspector, message), self._progress)

    def retry(self) -> None:
        """MNIST may be here now (downloaded): try again if the index is missing."""
        if self._inspector is not None and self.index is None and self._job is None:
            self.set_inspector(self._inspector)

    def show(self, inspection) -> None:
        """Score the current drawing (None: nothing drawn) once the index is ready."""
        if self.index is None:
            return
        if inspection is None:
            self.novelty = None
            self.panel.show_message(f"Draw {'a digit' if self.index.class_names is None else 'something'} to compare "
                                    f"it with the {self.index.title}.")
            return
        values = next(o.values for o in inspection.layers if o.stage.name == self.index.layer)
        self.novelty = self.index.lookup(values)
        self.panel.show_novelty(self.novelty, self.index)

    def shutdown(self) -> bool:
        """End the worker (the window is closing)."""
        self._closed = True
        if self._job is not None:
            self._job.cancel()
        return self.worker.shutdown()

    def _progress(self, share: float) -> None:
        what = f"{self.train_digits:,} training digits" if _digit_model(self._inspector) else "the training pictures"
        self.panel.show_message(f"Indexing {what} for this model: {share:.0%}")

    def _built(self, inspector, index) -> None:
        if inspector is self._inspector:
            self._job, self.index = None, index
            self.panel.choose.hide()
            self.panel.set_title(index.title)
            self.panel.show_message(f"Draw {'a digit' if index.class_names is None else 'something'} to compare "
                                    f"it with the {index.title}.")
            self.indexReady.emit()

    def _unavailable(self, inspector, message: str) -> None:
        if inspector is self._inspector:
            self._job = None
            self.panel.choose.setVisible(not _digit_model(inspector))
            self.panel.show_message(message)
            self.indexReady.emit()


def _digit_model(inspector) -> bool:
    """A 28x28 grey model with digit preprocessing: compared with MNIST's training digits unless it has its own index."""
    return inspector is not None and tuple(inspector.input_shape) == DIGIT_SHAPE and inspector.spec.preprocessing == "digit"


def _index(job: Job, inspector, train_digits: int):
    """The model's index (its own training pictures' when one is kept, else MNIST's for a digit model, cached or
    built now), on the novelty worker; a clear message when there is none."""
    from model.data.mnist import DataError, load_local_mnist
    from model.inspect.novelty import NoveltyUnavailable, cached_index, stored_data_index

    own = stored_data_index(inspector.model, progress=lambda share: (job.check(), job.report(share)))
    if own is not None:
        return own
    if not _digit_model(inspector):
        raise NoveltyUnavailable(NO_INDEX)
    try:
        mnist = load_local_mnist()
    except DataError:
        raise NoveltyUnavailable("No local MNIST copy: no comparison with the training digits "
                                 "(Sample offers to download it).") from None
    from model.spec import VALUE_RANGES

    scale, offset = VALUE_RANGES[inspector.spec.value_range]
    if offset:
        raise NoveltyUnavailable("This model takes pixels in -1..1; the comparison is made for 0..1 and 0..255 models.")
    return cached_index(inspector.model, mnist, train_digits, input_scale=scale,
                        progress=lambda share: (job.check(), job.report(share)))


def _index_chosen(job: Job, inspector, kind: str, source: str):
    """An index of the pictures the user chose, at the model's input size and channels, kept for the model; 10% of
    them held out to calibrate, as training holds them out."""
    from model.data.image_folder import FolderError, open_image_folder
    from model.data.mnist import DataError
    from model.data.stock import load_stock
    from model.inspect.novelty import NoveltyUnavailable, index_training_data, save_data_index
    from model.spec import VALUE_RANGES

    height, _, channels = inspector.input_shape
    try:
        data = (open_image_folder(source, height, channels, 0.1) if kind == "folder" else
                load_stock(source, height, channels))
        data.split(0.1)
    except (FolderError, DataError, ValueError) as exc:
        raise NoveltyUnavailable(f"Not indexed: {exc}") from None
    job.check()
    if len(data.class_names) != inspector.spec.num_classes:
        raise NoveltyUnavailable(f"Not indexed: {len(data.class_names)} classes there, {inspector.spec.num_classes} "
                                 "in the model; choose the pictures it was trained on.")
    scale, offset = VALUE_RANGES[inspector.spec.value_range]
    if offset:
        raise NoveltyUnavailable("This model takes pixels in -1..1; the comparison is made for 0..1 and 0..255 models.")
    index = index_training_data(inspector.model, data, 0.1, scale, lambda share: (job.check(), job.report(share)))
    save_data_index(inspector.model, index)
    return index

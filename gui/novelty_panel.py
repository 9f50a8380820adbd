"""Beside the prediction: how unlike the training digits the input is, and its nearest training digits."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar, QToolButton, QVBoxLayout, QWidget

from gui.train_views import digit_icon
from gui.worker import Job, Worker
from model.novelty import K

DIGITS_ENV = "DIGIT_LENS_INDEX_DIGITS"  # training digits in the index (tests use a few thousand)
COLUMNS = 4
ICON = 30
LEVEL_COLOURS = {"typical": "#2e7d32", "unusual": "#b26a00", "unlike": "#c62828"}


class NoveltyPanel(QFrame):
    """The score as words and a bar, and the nearest training digits as thumbnails (click one to load it)."""

    imageChosen = Signal(object, str)  # uint8 28x28 digit (ink bright), caption

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel("<b>How unlike the training digits?</b>")
        self.verdict = QLabel(objectName="noveltyVerdict", wordWrap=True)
        self.meter = QProgressBar(objectName="noveltyMeter", minimum=0, maximum=1000, textVisible=False)
        self.meter.setFixedHeight(8)
        self.detail = QLabel(objectName="noveltyDetail")
        self.detail.setStyleSheet("color: gray")
        self.neighbours: list[QToolButton] = []
        grid = QGridLayout()
        grid.setSpacing(2)
        for i in range(8):
            button = QToolButton(objectName=f"neighbour{i}", autoRaise=True, visible=False)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIconSize(QSize(ICON, ICON))
            button.clicked.connect(lambda checked=False, i=i: self._choose(i))
            grid.addWidget(button, i // COLUMNS, i % COLUMNS)
            self.neighbours.append(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(2)
        for widget in (self.title, self.verdict, self.meter, self.detail):
            layout.addWidget(widget)
        layout.addLayout(grid)
        for widget in (self.meter, self.detail, *self.neighbours):  # no jump when the thumbnails come and go
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)
        self._index = None
        self._shown: np.ndarray | None = None  # indices of the thumbnails shown
        self.show_message("Looking for the MNIST training digits…")

    def show_message(self, text: str) -> None:
        """No score: why (no MNIST, still indexing, nothing drawn); no thumbnails."""
        self.verdict.setText(text)
        self.verdict.setStyleSheet("")
        self.meter.hide()
        self.detail.hide()
        self._shown = None
        for button in self.neighbours:
            button.hide()

    def show_novelty(self, novelty, index) -> None:
        """The score of one input and its nearest training digits in `index`."""
        colour = LEVEL_COLOURS[novelty.level]
        self.verdict.setText(f"<b>{novelty.text}</b>")
        self.verdict.setStyleSheet(f"color: {colour}")
        self.meter.setValue(round(novelty.percentile * 10))
        self.meter.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
        self.meter.show()
        self.detail.setText(f"nearest of {len(index):,} training digits:")
        self.detail.setToolTip(f"The score is the mean distance from this input to its {K} nearest training digits "
                               f"in the {index.layer} layer (the one before the output), ranked among the same "
                               f"distances of {len(index.calibration):,} MNIST test digits: "
                               f"{novelty.percentile:.1f}% of them are as near or nearer.")
        self.detail.show()
        self._index = index
        if self._shown is not None and np.array_equal(self._shown, novelty.neighbours):
            return
        self._shown = novelty.neighbours
        for button, neighbour, distance in zip(self.neighbours, novelty.neighbours, novelty.distances):
            button.setIcon(digit_icon(index.images[neighbour], ICON))
            button.setText(str(index.labels[neighbour]))
            button.setToolTip(f"MNIST training digit #{neighbour}, label {index.labels[neighbour]}, "
                              f"distance {distance:.2f}. Click to draw on it.")
            button.show()

    def _choose(self, slot: int) -> None:
        if self._shown is None:
            return
        neighbour = int(self._shown[slot])
        self.imageChosen.emit(np.array(self._index.images[neighbour], dtype=np.uint8),
                              f"MNIST training digit #{neighbour}: label {self._index.labels[neighbour]}")


class NoveltyFinder(QObject):
    """Builds (or reads from the cache) the index for each model on its own worker, and scores each drawing."""

    indexReady = Signal()  # the current model's index is built (or why not is shown)

    def __init__(self, panel: NoveltyPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from model.novelty import TRAIN_DIGITS

        self.panel = panel
        self.worker = Worker("novelty", self)
        self.train_digits = int(os.environ.get(DIGITS_ENV) or TRAIN_DIGITS)
        self.index = None
        self.novelty = None  # the shown score, or None
        self._inspector = None
        self._job: Job | None = None

    def set_inspector(self, inspector) -> None:
        """A new model: its index is looked up or built in the background."""
        from model.novelty import CHUNK

        if self._job is not None:
            self._job.cancel()
        self._inspector, self.index, self.novelty = inspector, None, None
        if tuple(inspector.input_shape) != (28, 28, 1):
            self.panel.show_message("Compared with the MNIST training digits only for models of 28x28 grey digits.")
            self.indexReady.emit()
            return
        self.panel.show_message(f"Indexing {self.train_digits:,} training digits for this model "
                                f"(once; {CHUNK} at a time)…")
        self._job = self.worker.submit(lambda job: _index(job, inspector, self.train_digits),
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
            self.panel.show_message("Draw a digit to compare it with the training digits.")
            return
        values = next(o.values for o in inspection.layers if o.stage.name == self.index.layer)
        self.novelty = self.index.lookup(values)
        self.panel.show_novelty(self.novelty, self.index)

    def shutdown(self) -> bool:
        if self._job is not None:
            self._job.cancel()
        return self.worker.shutdown()

    def _progress(self, share: float) -> None:
        self.panel.show_message(f"Indexing {self.train_digits:,} training digits for this model: {share:.0%}")

    def _built(self, inspector, index) -> None:
        if inspector is self._inspector:
            self._job, self.index = None, index
            self.panel.show_message("Draw a digit to compare it with the training digits.")
            self.indexReady.emit()

    def _unavailable(self, inspector, message: str) -> None:
        if inspector is self._inspector:
            self._job = None
            self.panel.show_message(message)
            self.indexReady.emit()


def _index(job: Job, inspector, train_digits: int):
    """The model's index (cached or built now), on the novelty worker; a clear message when it cannot be made."""
    from model.data import DataError, load_local_mnist
    from model.novelty import NoveltyUnavailable, cached_index

    try:
        mnist = load_local_mnist()
    except DataError:
        raise NoveltyUnavailable("No local MNIST copy, so no comparison with the training digits "
                                 "(Sample offers to download it).") from None
    return cached_index(inspector.model, mnist, train_digits, input_scale=inspector.input_scale,
                        progress=lambda share: (job.check(), job.report(share)))

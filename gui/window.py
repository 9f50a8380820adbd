"""The main window: tabs, menus, shortcuts, status bar, remembered layout, background model loading."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QPushButton, QTabWidget, QWidget

from digit_lens.files import ICON_SIZES, icon_png
from gui.inspect.explain import Explainer
from gui.inspect.tab import DrawInspectTab
from gui.loader import ModelLoader
from gui.menus import build_menus
from gui.samples import SampleDigits
from gui.settings import read_setting
from gui.worker import Worker
from model.data.images import IMAGE_SUFFIXES

FIRST_PAINT_WAIT_MS = 500
MESSAGE_SUMMARY = 300  # longer messages fold the rest away under "Show Details"


def app_icon() -> QIcon:
    """The app's icon, drawn for every size it comes in (resources/icons)."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_png(size)), QSize(size, size))
    return icon


def settings() -> QSettings:
    """Where the window remembers its size and layout."""
    return QSettings("DigitLens", "Digit Lens")


class MainWindow(QMainWindow):
    """Digit Lens. Once shown, the model loads in the background; `modelReady` fires when it can classify."""

    modelReady = Signal()
    modelFailed = Signal(str)
    firstPainted = Signal()
    imageOpened = Signal(str)  # the file's name once it is on the canvas, or "" when it could not be read

    def __init__(self, model_path: str | Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Digit Lens")
        self.setWindowIcon(app_icon())
        self.draw = DrawInspectTab()
        self.canvas = self.draw.canvas
        self.pipeline = self.draw.pipeline
        self.train = None  # built after the first paint: its imports take a while
        self.kernels = None  # likewise
        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tabs.addTab(self.draw, "Draw && Inspect")
        self.tabs.addTab(QLabel("Loading…"), "Train")
        self.tabs.addTab(QLabel("Loading…"), "Kernels")
        self.tabs.currentChanged.connect(self._tab_opened)
        self.setCentralWidget(self.tabs)
        self.model_info = QLabel("Loading model…")
        self.measure_button = QPushButton("Measure accuracy", objectName="measureAccuracy", visible=False, flat=True)
        self.measure_button.setToolTip("Classify the 10,000 MNIST test digits with this model")
        self.statusBar().addPermanentWidget(self.model_info)
        self.statusBar().addPermanentWidget(self.measure_button)
        build_menus(self)
        self._accuracy = math.nan

        self.canvas.fileDropped.connect(self.open_image)
        self._restore_layout()  # before any thread starts
        self.worker = Worker("tensorflow", self)  # every TensorFlow job of this window, one after another
        self.images = Worker("images", self)  # image files decode here, never on the GUI thread
        self.explain = Explainer(self.draw, self.worker, self)  # where it looks; maps switched off
        self.loader = ModelLoader(self.worker, self)
        self.loader.loaded.connect(self._loaded)
        self.loader.previewed.connect(self._previewed)
        self.loader.failed.connect(self._failed)
        self.loader.measured.connect(self._measured)
        self.samples = SampleDigits(self)  # Sample: MNIST test digits, downloaded only when the user agrees
        self.measure_button.clicked.connect(self.measure_accuracy)
        self._model_path = None if model_path is None else str(model_path)
        self._model_info: dict = {}  # what the model's file says of it (e.g. its test accuracy)
        self._pending_info: dict = {}  # the same for the model being loaded
        self._pending_source = self._model_path  # path (None: the shipped model) or keras.Model being loaded
        self._shown = (0, self._model_path, None)  # request, source and info of the model on screen (or on its way)
        self._request = 0
        self._started = False  # the first model's loading began
        self._painted = False

    @property
    def is_ready(self) -> bool:
        """A Keras model is loaded and the drawing is classified (not only previewed in numpy)."""
        return self.draw.inspector is not None and not self.draw.inspector.preview

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(FIRST_PAINT_WAIT_MS, self._after_first_paint)  # in case no paint comes (minimised)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.firstPainted.emit()
            QTimer.singleShot(0, self._after_first_paint)

    def _after_first_paint(self) -> None:
        """Start loading the model: the window is already on screen."""
        if self._started:
            return
        self._started = True
        if self._request == 0:  # unless the user already opened a model (that one loads; on failure, this one)
            from model.nets.store import read_info

            self._pending_info = read_info(self._model_path)
            self._pending_source = self._model_path
            self._request = self.loader.load(self._model_path, self._pending_info, preview=True)
            self._shown = (self._request, self._model_path, self._pending_info)  # on its way
        self.loader.find_test_set()

    def build_tabs(self) -> None:
        """Build the Train and Kernels tabs (their imports take a second): once the first model is shown, or when
        one of them is opened before that."""
        if self.train is not None:
            return
        from gui.kernels.tab import KernelsTab
        from gui.train.tab import TrainTab

        self.train = TrainTab()
        self.train.useModel.connect(self.use_model)
        self.train.showImage.connect(self.show_training_image)
        self._replace_placeholder(1, self.train, "Train")
        self.tabs.currentChanged.connect(  # the replay shows what each snapshot makes of the drawing
            lambda index: self.tabs.widget(index) is self.train and self.train.replay.set_drawing(self.canvas.pixels()))
        self.kernels = KernelsTab()
        self.kernels.canvas_button.clicked.connect(
            lambda: self.kernels.set_image(self.canvas.pixels(), "The drawing on the Draw & Inspect canvas"))
        self.samples.serve(self.kernels.sample_button, lambda image, caption: self.kernels.set_image(image, caption))
        self._replace_placeholder(2, self.kernels, "Kernels")

    def _tab_opened(self, index: int) -> None:
        if index and self.train is None:  # a placeholder opened before the first model came
            self.build_tabs()
            self.tabs.setCurrentIndex(index)

    def _replace_placeholder(self, index: int, tab: QWidget, title: str) -> None:
        placeholder = self.tabs.widget(index)
        self.tabs.removeTab(index)
        placeholder.deleteLater()
        self.tabs.insertTab(index, tab, title)

    def watch_run(self, path: str | Path) -> None:
        """Follow a training run's folder in the Train tab's views."""
        self.build_tabs()
        self.tabs.setCurrentWidget(self.train)
        self.train.watch_run(path)

    # -- models ----------------------------------------------------------------------------

    def open_model(self, path: str | Path) -> None:
        """Load a .keras/.h5 classifier in the background; a model that cannot be used keeps the current one."""
        from model.nets.store import read_info

        self.statusBar().showMessage(f"Loading {Path(path).name}…")
        self._pending_info = read_info(path)
        self._pending_source = str(path)
        self._request = self.loader.load(str(path), self._pending_info)

    def use_model(self, model, info: dict | None = None) -> None:
        """Inspect an in-memory keras.Model (from the Train tab); `info` as a saved model would carry."""
        self.statusBar().showMessage(f"Preparing {model.name}…")
        self._pending_info = dict(info or {})
        self._pending_source = model
        self._request = self.loader.load(model, self._pending_info)

    def _previewed(self, request: int, inspector) -> None:
        """The model file read in numpy while TensorFlow starts: drawing works now, the rest follows."""
        if request == self._request and self.draw.inspector is None:
            self._shown = (request, self._pending_source, self._pending_info)
            self.draw.set_inspector(inspector)
            self.model_info.setText(f"{inspector.name} · {inspector.parameter_count:,} parameters · TensorFlow starting…")
            QTimer.singleShot(0, self.build_tabs)  # after the first prediction is on screen

    def _loaded(self, request: int, inspector) -> None:
        if request != self._request:
            return
        self.statusBar().clearMessage()
        self.build_tabs()
        self._shown = (request, self._pending_source, self._pending_info)
        self._model_info = self._pending_info
        self._accuracy = float(self._model_info.get("test_accuracy", math.nan))
        self.draw.set_inspector(inspector)
        self.samples.model_changed(self._model_info)
        self.explain.model_changed()
        self.model_info_changed()
        self.modelReady.emit()

    def _failed(self, request: int, message: str) -> None:
        if request != self._request:
            return
        self.build_tabs()
        self.statusBar().clearMessage()
        shown_request, shown_source, shown_info = self._shown
        if request != shown_request:  # a model the user opened, not the one on screen (or on its way)
            using = self.draw.inspector.name if self.draw.inspector is not None else _source_name(shown_source)
            self.show_message("Model not opened", f"This model cannot be used: {message}\n\nStill using {using}.")
            if not self.is_ready:  # opened while that model still ran in numpy, or before: its loading goes on
                from model.nets.store import read_info

                shown_info = read_info(shown_source) if shown_info is None else shown_info
                self._pending_source, self._pending_info = shown_source, shown_info
                self._request = self.loader.load(shown_source, shown_info, preview=self.draw.inspector is None)
                self._shown = (self._request, shown_source, shown_info)
            self.modelFailed.emit(message)
            return
        if self.draw.inspector is not None:  # read in numpy, but Keras cannot load it: keep drawing with it
            self.model_info.setText(f"{self.draw.inspector.name} · read in numpy only: Keras could not load it")
            self.show_message("Model only partly loaded", f"Keras could not load the model: {message}\n\nDrawing "
                              "still works (the file was read and run in numpy); where it looks, switching maps "
                              "off and the nearest training digits need the Keras model.")
        else:
            self.model_info.setText("No model loaded")
            self.draw.pipeline.heading.setText("<b>No model loaded</b>")
            self.draw.waiting_message = "No model: open one with File > Open model…"
            self.draw.pipeline.clear(self.draw.waiting_message)
            self.show_message("No model", f"The model could not be loaded: {message}")
        self.modelFailed.emit(message)

    def measure_accuracy(self) -> None:
        """Measure the current model on the local MNIST test digits, in the background."""
        self.measure_button.setEnabled(False)
        self.measure_button.setText("measuring…")
        self.loader.measure(self._request, self.draw.inspector)

    def _measured(self, request: int, accuracy: float) -> None:
        if request == self._request:
            self._accuracy = accuracy
            self.model_info_changed()

    def model_info_changed(self) -> None:
        """Say in the status bar what model is loaded, how accurate it is, and whether it can be measured."""
        inspector = self.draw.inspector
        if inspector is None:
            return
        text = f"{inspector.name} · {inspector.parameter_count:,} parameters"
        if not inspector.spec.is_digit_model:
            text += f" · classes: {_names_summary(inspector.spec.class_names)}"
        if math.isfinite(self._accuracy):
            on = self._model_info.get("test_set", "the 10,000 MNIST test digits")
            text += f" · {self._accuracy:.2%} on {on}"
        can_measure = not math.isfinite(self._accuracy) and self.loader.can_measure(inspector)
        self.model_info.setText(text)
        self.measure_button.setVisible(can_measure)
        self.measure_button.setEnabled(True)
        self.measure_button.setText("Measure accuracy")

    # -- images ----------------------------------------------------------------------------

    def open_image(self, path: str | Path) -> None:
        """Read an image file in the background and put it on the canvas; a bad file changes nothing."""
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        from gui.common.pictures import read_picture

        self.images.submit(lambda job: read_picture(path), self._image_read, self._image_failed)

    def paste(self) -> None:
        """Edit > Paste: an image on the clipboard (or a copied image file) goes on the canvas."""
        from gui.common.pictures import picture_from_qimage

        mime = QGuiApplication.clipboard().mimeData()
        files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []
        if files and Path(files[0]).suffix.lower() in IMAGE_SUFFIXES:
            self.open_image(files[0])
        elif mime.hasImage():
            image = QGuiApplication.clipboard().image()
            self.statusBar().showMessage("Pasting…")
            self.images.submit(lambda job: picture_from_qimage(image), self._image_read, self._image_failed)
        else:
            self.show_message("Nothing to paste", "The clipboard holds no image: copy a picture or an image file first.")

    def _image_read(self, picture) -> None:
        self.statusBar().clearMessage()
        self.draw.show_picture(picture)
        self.tabs.setCurrentWidget(self.draw)
        self.imageOpened.emit(picture.name)

    def _image_failed(self, message: str) -> None:
        self.statusBar().clearMessage()
        self.show_message("Image not opened", message)
        self.imageOpened.emit("")

    def show_training_image(self, image: np.ndarray, label: int) -> None:
        """An image from the Train tab on the canvas (a folder's picture as a photo, with its class name), and the
        Draw & Inspect tab in front."""
        if image.ndim == 3:
            from gui.common.pictures import picture_from_array

            name = self.train.class_names[label]
            self.draw.show_picture(picture_from_array(image, f"From training: true class {name}"))
        else:
            self.draw.show_digit(image, f"From training: true label {label}", as_given=True)
        self.tabs.setCurrentWidget(self.draw)

    # -- view ------------------------------------------------------------------------------

    def save_view(self, path: str | Path) -> bool:
        """Save the canvas column and the whole pipeline as a PNG."""
        if self.draw.render_view().save(str(path), "PNG"):
            self.statusBar().showMessage(f"Saved {path}", 4000)
            return True
        self.show_message("View not saved", f"Could not write {path}.")
        return False

    def show_message(self, title: str, text: str) -> None:
        """Tell the user something went wrong, without blocking (tests replace this). A long message shows
        its first paragraph, and the whole text under "Show Details"."""
        summary = text if len(text) <= MESSAGE_SUMMARY else text[:MESSAGE_SUMMARY].rsplit(" ", 1)[0] + " …"
        box = QMessageBox(QMessageBox.Icon.Warning, title, summary, QMessageBox.StandardButton.Ok, self)
        if summary != text:
            box.setDetailedText(text)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- layout memory -----------------------------------------------------------------------

    def _restore_layout(self) -> None:
        """Size, splitters and brush as last time; any value of the wrong type is ignored (default kept)."""
        stored = settings()
        if not self.restoreGeometry(read_setting(stored, "window/geometry", QByteArray())):
            screen = QGuiApplication.primaryScreen().availableGeometry()
            self.resize(min(1400, int(screen.width() * 0.95)), min(880, int(screen.height() * 0.92)))
        self.draw.splitter.restoreState(read_setting(stored, "window/splitter", QByteArray()))
        self.pipeline.splitter.restoreState(read_setting(stored, "window/pipelineSplitter", QByteArray()))
        brush = self.draw.brush
        brush.setValue(read_setting(stored, "canvas/brush", brush.value(), valid=lambda v: brush.minimum() <= v <= brush.maximum()))

    def closeEvent(self, event: QCloseEvent) -> None:
        stored = settings()
        stored.setValue("window/geometry", self.saveGeometry())
        stored.setValue("window/splitter", self.draw.splitter.saveState())
        stored.setValue("window/pipelineSplitter", self.pipeline.splitter.saveState())
        stored.setValue("canvas/brush", self.draw.brush.value())
        if self.train is not None:
            self.train.shutdown()
        self.draw.novelty.shutdown()
        for worker in (self.worker, self.images):
            worker.shutdown()
        super().closeEvent(event)


def _source_name(source) -> str:
    """How the user knows a model: the shipped model, a file's name, or an in-memory model's name."""
    if source is None:
        return "the shipped model"
    return Path(source).name if isinstance(source, str) else getattr(source, "name", "the model")


def _names_summary(names, shown: int = 4) -> str:
    """The first few class names and how many more."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more

"""The main window: tabs, menus, shortcuts, status bar, remembered layout, background model loading."""

from __future__ import annotations

import math
import platform
import sys
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import PySide6
from PySide6.QtCore import QSettings, Qt, QTimer, Signal, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from gui.draw_tab import DrawInspectTab
from gui.loader import ModelLoader
from model.images import IMAGE_SUFFIXES

ICON = Path(__file__).resolve().parent.parent / "resources" / "digit_lens.svg"
IMAGE_FILTER = f"Images ({' '.join('*' + suffix for suffix in IMAGE_SUFFIXES)})"
MODEL_FILTER = "Keras models (*.keras *.h5 *.hdf5)"
FIRST_PAINT_WAIT_MS = 500


def settings() -> QSettings:
    """Where the window remembers its size and layout."""
    return QSettings("DigitLens", "Digit Lens")


class MainWindow(QMainWindow):
    """Digit Lens. Once shown, the model loads in the background; `modelReady` fires when it can classify."""

    modelReady = Signal()
    modelFailed = Signal(str)
    firstPainted = Signal()

    def __init__(self, model_path: str | Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Digit Lens")
        self.setWindowIcon(QIcon(str(ICON)))
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
        self.setCentralWidget(self.tabs)
        self.model_info = QLabel("Loading model…")
        self.statusBar().addPermanentWidget(self.model_info)
        self._build_menus()
        self._accuracy = math.nan
        self._test_images: np.ndarray | None = None
        self._test_labels: np.ndarray | None = None
        self._test_source = "looking for them…"
        self._rng = np.random.default_rng()

        self.canvas.fileDropped.connect(self.open_image)
        self.draw.sample_button.clicked.connect(self.load_sample)
        self.loader = ModelLoader(self)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._failed)
        self.loader.measured.connect(self._measured)
        self.loader.testSet.connect(self._test_set)
        self._restore_layout()
        self._model_path = None if model_path is None else str(model_path)
        self._request = 0
        self._painted = False

    @property
    def is_ready(self) -> bool:
        """A model is loaded and the drawing is classified."""
        return self.draw.inspector is not None

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
        """Start loading the model, then build the Train and Kernels tabs: the window is already on screen."""
        if self._request == 0:
            self._request = self.loader.load(self._model_path)
        if self.train is not None:
            return
        from gui.kernels.tab import KernelsTab
        from gui.train_tab import TrainTab

        self.train = TrainTab()
        self.train.useModel.connect(self.use_model)
        self.train.showImage.connect(self.show_training_image)
        self._replace_placeholder(1, self.train, "Train")
        self.kernels = KernelsTab()
        self.kernels.canvas_button.clicked.connect(
            lambda: self.kernels.set_image(self.canvas.pixels(), "The drawing on the Draw & Inspect canvas"))
        self.kernels.sample_button.clicked.connect(lambda: self.kernels.set_image(*self._random_sample()))
        self._offer_samples(self.kernels.sample_button)
        self._replace_placeholder(2, self.kernels, "Kernels")

    def _replace_placeholder(self, index: int, tab: QWidget, title: str) -> None:
        placeholder = self.tabs.widget(index)
        self.tabs.removeTab(index)
        placeholder.deleteLater()
        self.tabs.insertTab(index, tab, title)

    # -- models ----------------------------------------------------------------------------

    def open_model(self, path: str | Path) -> None:
        """Load a .keras/.h5 classifier in the background; a model that cannot be used keeps the current one."""
        self.statusBar().showMessage(f"Loading {Path(path).name}…")
        self._request = self.loader.load(str(path))

    def use_model(self, model) -> None:
        """Inspect an in-memory keras.Model (from the Train tab)."""
        self.statusBar().showMessage(f"Preparing {model.name}…")
        self._request = self.loader.load(model)

    def _loaded(self, request: int, inspector) -> None:
        if request != self._request:
            return
        self.statusBar().clearMessage()
        self._accuracy = math.nan
        self.draw.set_inspector(inspector)
        self._show_model_info(measuring=True)
        self.modelReady.emit()

    def _failed(self, request: int, message: str) -> None:
        if request != self._request:
            return
        self.statusBar().clearMessage()
        if self.is_ready:
            self.show_message("Model not opened", f"This model cannot be used: {message}\n\n"
                                                  f"Still using {self.draw.inspector.name}.")
        else:
            self.model_info.setText("No model loaded")
            self.draw.pipeline.heading.setText("<b>No model loaded</b>")
            self.draw.waiting_message = "No model: open one with File > Open model…"
            self.draw.pipeline.clear(self.draw.waiting_message)
            self.show_message("No model", f"The model could not be loaded: {message}")
        self.modelFailed.emit(message)

    def _measured(self, request: int, accuracy: float) -> None:
        if request == self._request:
            self._accuracy = accuracy
            self._show_model_info(measuring=False)

    def _show_model_info(self, measuring: bool) -> None:
        inspector = self.draw.inspector
        if math.isfinite(self._accuracy):
            accuracy = f"{self._accuracy:.2%} on {len(self._test_labels):,} MNIST test digits"
        elif measuring:
            accuracy = "measuring…"
        elif self._test_labels is None:
            accuracy = "n/a (no MNIST test digits at hand)"
        else:
            accuracy = "n/a (not a 28x28 ten-digit model)"
        self.model_info.setText(f"{inspector.name} · {inspector.parameter_count:,} parameters · accuracy {accuracy}")

    # -- images ----------------------------------------------------------------------------

    def open_image(self, path: str | Path) -> bool:
        """Put an image file on the canvas (to classify and draw over); a bad file changes nothing."""
        from model.images import ImageFileError, load_image
        from model.preprocess import preprocess

        try:
            image = load_image(path)
            ink = preprocess(image).steps[0].image  # the first step: the ink, whatever the paper's colour
        except (ImageFileError, ValueError) as exc:
            self.show_message("Image not opened", str(exc))
            return False
        self.draw.show_digit(ink, Path(path).name)
        self.tabs.setCurrentWidget(self.draw)
        return True

    def load_sample(self) -> None:
        """A random MNIST test digit on the canvas, with its true label."""
        self.draw.show_digit(*self._random_sample())

    def _random_sample(self) -> tuple[np.ndarray, str]:
        index = int(self._rng.integers(len(self._test_images)))
        return self._test_images[index], f"MNIST test digit #{index}: true label {self._test_labels[index]}"

    def show_training_image(self, image: np.ndarray, label: int) -> None:
        """An image from the Train tab on the canvas, and the Draw & Inspect tab in front."""
        self.draw.show_digit(image, f"From training: true label {label}")
        self.tabs.setCurrentWidget(self.draw)

    def _test_set(self, images, labels, source: str) -> None:
        self._test_images, self._test_labels, self._test_source = images, labels, source
        self._offer_samples(self.draw.sample_button)
        if self.kernels is not None:
            self._offer_samples(self.kernels.sample_button)

    def _offer_samples(self, button) -> None:
        """Enable a Sample button once MNIST test digits are at hand, and say where they come from."""
        images, source = self._test_images, self._test_source
        button.setEnabled(images is not None)
        button.setToolTip(f"A random MNIST test digit from {source}" if images is not None
                          else f"No MNIST test digits to sample: {source}")

    # -- view ------------------------------------------------------------------------------

    def save_view(self, path: str | Path) -> bool:
        """Save the canvas column and the whole pipeline as a PNG."""
        if self.draw.render_view().save(str(path), "PNG"):
            self.statusBar().showMessage(f"Saved {path}", 4000)
            return True
        self.show_message("View not saved", f"Could not write {path}.")
        return False

    def show_message(self, title: str, text: str) -> None:
        """Tell the user something went wrong, without blocking (tests replace this)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _about(self) -> None:
        inspector = self.draw.inspector
        model = "no model loaded" if inspector is None else self.model_info.text()
        keras = sys.modules.get("keras")
        tensorflow = sys.modules.get("tensorflow")
        QMessageBox.about(self, "About Digit Lens", (
            "<h3>Digit Lens</h3><p>Draw a digit and watch a convolutional network see it, layer by layer.</p>"
            f"<p><b>Model:</b> {model}</p>"
            f"<p>Python {platform.python_version()} · Qt {qVersion()} · PySide6 {PySide6.__version__} · "
            f"pyqtgraph {pg.__version__} · NumPy {np.__version__}"
            + (f" · TensorFlow {tensorflow.__version__}" if tensorflow else "")
            + (f" · Keras {keras.__version__}" if keras else "") + "</p>"))

    def _ask_open(self, title: str, file_filter: str) -> str:
        return QFileDialog.getOpenFileName(self, title, "", file_filter)[0]

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "Open &image…", QKeySequence.StandardKey.Open,
                     lambda: (path := self._ask_open("Open image", IMAGE_FILTER)) and self.open_image(path))
        self._action(file_menu, "Open &model…", QKeySequence("Ctrl+Shift+O"),
                     lambda: (path := self._ask_open("Open model", MODEL_FILTER)) and self.open_model(path))
        self._action(file_menu, "&Save view as PNG…", None, self._save_view_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence("Ctrl+Q"), self.close)
        edit_menu = self.menuBar().addMenu("&Edit")
        self._action(edit_menu, "&Undo stroke", QKeySequence.StandardKey.Undo, self.canvas.undo)
        clear = self._action(edit_menu, "&Clear canvas", QKeySequence("Esc"), self.canvas.clear)
        clear.setShortcuts([QKeySequence("Esc"), QKeySequence.StandardKey.Delete])
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About Digit Lens", None, self._about)

    def _action(self, menu, text: str, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda checked=False: slot())
        menu.addAction(action)
        return action

    def _save_view_dialog(self) -> None:
        path = QFileDialog.getSaveFileName(self, "Save view as PNG", "digit-lens-view.png", "PNG images (*.png)")[0]
        if path:
            self.save_view(path if path.lower().endswith(".png") else path + ".png")

    # -- layout memory -----------------------------------------------------------------------

    def _restore_layout(self) -> None:
        stored = settings()
        if not self.restoreGeometry(stored.value("window/geometry", b"")):
            screen = QGuiApplication.primaryScreen().availableGeometry()
            self.resize(min(1400, int(screen.width() * 0.95)), min(880, int(screen.height() * 0.92)))
        self.draw.splitter.restoreState(stored.value("window/splitter", b""))
        self.pipeline.splitter.restoreState(stored.value("window/pipelineSplitter", b""))
        self.draw.brush.setValue(int(stored.value("canvas/brush", self.draw.brush.value())))

    def closeEvent(self, event: QCloseEvent) -> None:
        stored = settings()
        stored.setValue("window/geometry", self.saveGeometry())
        stored.setValue("window/splitter", self.draw.splitter.saveState())
        stored.setValue("window/pipelineSplitter", self.pipeline.splitter.saveState())
        stored.setValue("canvas/brush", self.draw.brush.value())
        if self.train is not None:
            self.train.shutdown()
        self.loader.stop()
        super().closeEvent(event)

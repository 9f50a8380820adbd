"""Sample buttons: random MNIST test digits for the canvas and the Kernels tab. The window finds a
local copy at start-up; without one, a click asks before downloading MNIST and says when it cannot. A model trained
on a stock set (Fashion-MNIST, CIFAR-10) gets that set's test pictures on the canvas instead, with their class names."""

from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

Show = Callable[[np.ndarray, str], None]  # (digit image, caption) onto a tab


class SampleDigits(QObject):
    """Serves the window's Sample buttons from the test digits its loader finds or downloads."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.images: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self._rng = np.random.default_rng()
        self._buttons: list[QPushButton] = []
        self._after_download: Show | None = None
        self._stock: str | None = None  # the loaded model's stock set, whose test pictures the canvas's Sample shows
        self._stock_pictures: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # its test pictures and labels, once read
        window.loader.testSet.connect(self._found)
        window.loader.downloadProgress.connect(self._progress)
        self._draw_show: Show = lambda image, caption: window.draw.show_digit(image, caption, as_given=True)
        self.serve(window.draw.sample_button, self._draw_show)

    def model_changed(self, info: dict) -> None:
        """The loaded model's stored info: a stock set's model samples that set's test pictures on the canvas."""
        from model.data.stock import STOCK_SETS

        name = info.get("dataset")
        self._stock = name if name in STOCK_SETS else None
        self._stock_tip()

    def _stock_tip(self) -> None:
        from model.data.stock import STOCK_SETS

        if self._stock:
            self.window.draw.sample_button.setToolTip(f"A random {STOCK_SETS[self._stock].title} test picture: the "
                                                      "data this model was trained on")

    def serve(self, button: QPushButton, show: Show) -> None:
        """Let `button` put a random test digit, with its caption, where `show` puts it."""
        self._buttons.append(button)
        button.clicked.connect(lambda: self._sample(show))
        button.setEnabled(True)
        button.setToolTip(self._buttons[0].toolTip())

    def _sample(self, show: Show) -> None:
        if show is self._draw_show and self._stock:
            self._sample_stock(self._stock)
            return
        if self.images is None:
            self._offer_download(show)
            return
        index = int(self._rng.integers(len(self.images)))
        show(self.images[index], f"MNIST test digit #{index}: true label {self.labels[index]}")

    def _sample_stock(self, name: str) -> None:
        """A random test picture of the stock set `name` on the canvas, read from Keras' cache on the worker once."""
        from model.data.stock import STOCK_SETS

        if name not in self._stock_pictures:
            self.window.statusBar().showMessage(f"Reading the {STOCK_SETS[name].title} test pictures…")
            self.window.worker.submit(lambda job: _test_pictures(name), lambda found: self._stock_read(name, found),
                                      lambda message: self._stock_failed(name, message))
            return
        from gui.common.pictures import picture_from_array

        images, labels = self._stock_pictures[name]
        index = int(self._rng.integers(len(images)))
        stock = STOCK_SETS[name]
        self.window.draw.show_picture(picture_from_array(
            images[index], f"{stock.title} test picture #{index}: true class {stock.class_names[labels[index]]}"))

    def _stock_read(self, name: str, found) -> None:
        self.window.statusBar().clearMessage()
        self._stock_pictures[name] = found
        if self._stock == name:
            self._sample_stock(name)

    def _stock_failed(self, name: str, message: str) -> None:
        from model.data.stock import STOCK_SETS

        self.window.statusBar().clearMessage()
        self.window.show_message(f"No {STOCK_SETS[name].title} pictures",
                                 f"{message}\n\nTraining on it in the Train tab offers to download it.")

    def _offer_download(self, show: Show) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "Download MNIST?",
                          "Sample shows digits from the MNIST test set, and there is no copy on this computer.\n\n"
                          "Download MNIST now (11 MB, once)?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(lambda: self._download(show))
        box.open()

    def _download(self, show: Show) -> None:
        self._after_download = show
        for button in self._buttons:
            button.setEnabled(False)
        self.window.statusBar().showMessage("Downloading MNIST…")
        self.window.loader.download_test_set()

    def _progress(self, done: int, total: int) -> None:
        share = f" ({done / total:.0%})" if total else ""
        self.window.statusBar().showMessage(f"Downloading MNIST: {done / 1e6:.1f} MB{share}…")

    def _found(self, images, labels, source: str) -> None:
        status = self.window.statusBar()
        show, self._after_download = self._after_download, None
        self.images, self.labels = images, labels
        if images is not None:
            self.window.draw.novelty.retry()  # the nearest-training-images index needs them too
            tip = f"A random MNIST test digit from {source}"
        else:
            tip = "A random MNIST test digit (asks before downloading MNIST)"
        for button in self._buttons:
            button.setEnabled(True)
            button.setToolTip(tip)
        self._stock_tip()
        if show is not None and images is not None:
            status.showMessage("MNIST downloaded.", 4000)
            self._sample(show)
        elif show is not None:
            status.clearMessage()
            self.window.show_message("MNIST not downloaded", source)
        self.window.model_info_changed()


def _test_pictures(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The stock set's test pictures at their own size, and their labels (on the window's worker)."""
    from model.data.stock import load_stock

    data = load_stock(name)
    return data.x_test, data.y_test

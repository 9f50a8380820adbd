"""Sample buttons: random MNIST test digits for the canvas and the Kernels tab. The window finds a
local copy at start-up; without one, a click asks before downloading MNIST and says when it cannot."""

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
        window.loader.testSet.connect(self._found)
        window.loader.downloadProgress.connect(self._progress)
        self.serve(window.draw.sample_button, lambda image, caption: window.draw.show_digit(image, caption, as_given=True))

    def serve(self, button: QPushButton, show: Show) -> None:
        """Let `button` put a random test digit, with its caption, where `show` puts it."""
        self._buttons.append(button)
        button.clicked.connect(lambda: self._sample(show))
        button.setEnabled(True)
        button.setToolTip(self._buttons[0].toolTip())

    def _sample(self, show: Show) -> None:
        if self.images is None:
            self._offer_download(show)
            return
        index = int(self._rng.integers(len(self.images)))
        show(self.images[index], f"MNIST test digit #{index}: true label {self.labels[index]}")

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
            tip = f"A random MNIST test digit from {source}"
        else:
            tip = "A random MNIST test digit (asks before downloading MNIST)"
        for button in self._buttons:
            button.setEnabled(True)
            button.setToolTip(tip)
        if show is not None and images is not None:
            status.showMessage("MNIST downloaded.", 4000)
            self._sample(show)
        elif show is not None:
            status.clearMessage()
            self.window.show_message("MNIST not downloaded", source)
        self.window.model_info_changed()

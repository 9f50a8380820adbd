"""Placeholder for the Train tab (issue 4 replaces this file)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class TrainTab(QWidget):
    """The Train tab. Emits `useModel(keras.Model)` and `showImage(uint8 array, true label)`."""

    useModel = Signal(object)
    showImage = Signal(object, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Training in the window is coming soon; use `python main.py train` meanwhile."))

    def shutdown(self) -> None:
        """Stop any training and wait for its thread (called when the window closes)."""

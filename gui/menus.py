"""The window's menus: File (open an image or a model, watch a run, save the view, quit), Edit (paste, undo, redo,
clear) and Help (about, with the versions of what Digit Lens runs on)."""

from __future__ import annotations

import platform
import sys

import numpy as np
import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from gui.common.dropping import IMAGE_FILTER, MODEL_FILTER
from gui.common.plotting import pg
from model.data.credits import SHIPPED_MODEL_DATA


def build_menus(window) -> None:
    """Add the menus to `window` (a MainWindow: its open, paste, save and close actions)."""
    def ask_open(title: str, file_filter: str) -> str:
        return QFileDialog.getOpenFileName(window, title, "", file_filter)[0]

    file_menu = window.menuBar().addMenu("&File")
    _action(window, file_menu, "Open &image…", QKeySequence.StandardKey.Open,
            lambda: (path := ask_open("Open image", IMAGE_FILTER)) and window.open_image(path))
    _action(window, file_menu, "Open &model…", QKeySequence("Ctrl+Shift+O"),
            lambda: (path := ask_open("Open model", MODEL_FILTER)) and window.open_model(path))
    _action(window, file_menu, "&Watch run…", None,
            lambda: (path := QFileDialog.getExistingDirectory(window, "Watch a training run's folder"))
            and window.watch_run(path))
    _action(window, file_menu, "&Save view as PNG…", None, lambda: _save_view(window))
    file_menu.addSeparator()
    _action(window, file_menu, "&Quit", QKeySequence("Ctrl+Q"), window.close)
    edit_menu = window.menuBar().addMenu("&Edit")
    _action(window, edit_menu, "&Paste image", QKeySequence.StandardKey.Paste, window.paste)
    undo_stack = window.canvas.undo_stack
    for action, keys in ((undo_stack.createUndoAction(window, "&Undo"), QKeySequence.StandardKey.Undo),
                         (undo_stack.createRedoAction(window, "&Redo"), QKeySequence.StandardKey.Redo)):
        action.setShortcuts(keys)  # every platform binding (Ctrl+Y and Ctrl+Shift+Z both redo)
        edit_menu.addAction(action)
    clear = _action(window, edit_menu, "&Clear canvas", QKeySequence("Esc"), window.canvas.clear)
    clear.setShortcuts([QKeySequence("Esc"), QKeySequence.StandardKey.Delete])
    help_menu = window.menuBar().addMenu("&Help")
    _action(window, help_menu, "&About Digit Lens", None, lambda: _about(window))


def _action(window: QMainWindow, menu, text: str, shortcut, slot) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(shortcut)
    action.triggered.connect(lambda checked=False: slot())
    menu.addAction(action)
    return action


def _save_view(window) -> None:
    path = QFileDialog.getSaveFileName(window, "Save view as PNG", "digit-lens-view.png", "PNG images (*.png)")[0]
    if path:
        window.save_view(path if path.lower().endswith(".png") else path + ".png")


def _about(window) -> None:
    inspector = window.draw.inspector
    model = "no model loaded" if inspector is None else window.model_info.text()
    keras = sys.modules.get("keras")
    tensorflow = sys.modules.get("tensorflow")
    QMessageBox.about(window, "About Digit Lens", (
        "<h3>Digit Lens</h3><p>Draw a digit and watch a convolutional network see it, layer by layer.</p>"
        f"<p><b>Model:</b> {model}</p>"
        "<p><b>The shipped model learned from</b> "
        + "; ".join(f'<a href="{url}">{name}</a> ({who})' for name, who, url in SHIPPED_MODEL_DATA) + ".</p>"
        f"<p>Python {platform.python_version()} · Qt {qVersion()} · PySide6 {PySide6.__version__} · "
        f"pyqtgraph {pg.__version__} · NumPy {np.__version__}"
        + (f" · TensorFlow {tensorflow.__version__}" if tensorflow else "")
        + (f" · Keras {keras.__version__}" if keras else "") + "</p>"))

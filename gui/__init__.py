"""The Digit Lens window (PySide6 + pyqtgraph). `from gui import MainWindow`."""

from __future__ import annotations


def __getattr__(name: str):
    # Lazy, so importing one gui module (e.g. the Train tab's) does not build the whole window's imports.
    if name == "MainWindow":
        from gui.window import MainWindow

        return MainWindow
    raise AttributeError(f"module 'gui' has no attribute {name!r}")


__all__ = ["MainWindow"]

"""The Digit Lens window (PySide6 + pyqtgraph): `gui.app.run_app` opens it; `from gui import MainWindow` works too."""

from __future__ import annotations


def __getattr__(name: str):
    # Lazy, so importing one gui module (the Train tab's, say) does not import the whole window.
    if name == "MainWindow":
        from gui.window import MainWindow

        return MainWindow
    raise AttributeError(f"module 'gui' has no attribute {name!r}")


__all__ = ["MainWindow"]

"""A main window for tests: private settings, messages kept out of the way, the default size."""

from __future__ import annotations

from PySide6.QtCore import QSettings


def open_quiet_window(settings_folder: str):
    """The window with the shipped model, shown at 1366x740, its layout remembered in `settings_folder`."""
    from gui.window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, settings_folder)
    window = MainWindow()
    window.show_message = lambda title, text: None
    window.resize(1366, 740)
    window.show()
    return window

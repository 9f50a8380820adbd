"""The Train tab's Save model and Export CSV dialogs: a file name asked for, a failure told, nothing lost."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox


def ask_save_model(tab) -> None:
    """Ask where to save the trained model (.keras added when no model suffix is given) and save it."""
    from model.nets.store import SAVE_SUFFIXES

    path, _ = QFileDialog.getSaveFileName(tab, "Save model", "model.keras", "Keras model (*.keras)")
    if not path:
        return
    if not path.lower().endswith(SAVE_SUFFIXES):
        path += SAVE_SUFFIXES[0]
    try:
        tab.save_model(path)
    except Exception as exc:  # disk full, permissions: tell the user, keep the window
        QMessageBox.warning(tab, "Save model", f"Could not save the model: {exc}")


def ask_export_history(tab) -> None:
    """Ask where to write the epoch history as CSV and write it."""
    path, _ = QFileDialog.getSaveFileName(tab, "Export history", "history.csv", "CSV (*.csv)")
    if not path:
        return
    try:
        tab.export_history(path)
    except OSError as exc:
        QMessageBox.warning(tab, "Export history", f"Could not write the CSV: {exc}")

"""Image files dragged onto a widget: the canvas and the Kernels tab accept the same ones."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent

from model.images import IMAGE_SUFFIXES


def dropped_image_file(event: QDragEnterEvent | QDropEvent) -> str | None:
    """The one local image file the drag carries, or None (several files, a folder, another kind of file)."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) == 1 and urls[0].isLocalFile() and Path(urls[0].toLocalFile()).suffix.lower() in IMAGE_SUFFIXES:
        return urls[0].toLocalFile()
    return None

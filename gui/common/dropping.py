"""Image and model files: what the open dialogs offer and what a drop onto a widget may carry."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent

from model.data.images import IMAGE_SUFFIXES
from model.nets.store import MODEL_SUFFIXES

IMAGE_FILTER = f"Images ({' '.join('*' + suffix for suffix in IMAGE_SUFFIXES)})"
MODEL_FILTER = f"Keras models ({' '.join('*' + suffix for suffix in MODEL_SUFFIXES)})"


def dropped_image_file(event: QDragEnterEvent | QDropEvent) -> str | None:
    """The one local image file the drag carries, or None (several files, a folder, another kind of file)."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) == 1 and urls[0].isLocalFile() and Path(urls[0].toLocalFile()).suffix.lower() in IMAGE_SUFFIXES:
        return urls[0].toLocalFile()
    return None

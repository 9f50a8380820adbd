"""For the drivers that run the app in a fresh process: which slow-to-import packages the window's thread imported.

TensorFlow, Keras and scipy take seconds to import, holding the GIL; imported on the main thread they freeze the
window (the Train tab's Start once imported TensorFlow there), so the app imports them on its worker threads."""

from __future__ import annotations

import importlib.abc
import sys
import threading

HEAVY = ("tensorflow", "keras", "scipy")


class WindowThreadImports(importlib.abc.MetaPathFinder):
    """Notes each first import of a HEAVY package's module made on the main thread (finds nothing itself)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HEAVY and threading.current_thread() is threading.main_thread():
            self.names.append(name)
        return None


def watch_imports() -> WindowThreadImports:
    """Start noting (before anything of the app is imported)."""
    watcher = WindowThreadImports()
    sys.meta_path.insert(0, watcher)
    return watcher

"""Fixtures of the window tests: private settings, one window per module, a ready window."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QSettings
from window_helpers import LOAD_TIMEOUT_MS, open_window, settle

from gui.worker import collect_garbage_on_the_window_thread


@pytest.fixture(autouse=True, scope="module")
def private_settings(tmp_path_factory):
    """Keep the window's remembered layout out of the user's own settings."""
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path_factory.mktemp("settings")))


@pytest.fixture(autouse=True, scope="module")
def garbage_collected_on_the_window_thread(qapp):
    """As the app does (`run_app`): a worker that collected a widget's garbage deadlocked a test run once."""
    collector = collect_garbage_on_the_window_thread()
    yield
    collector.timer.stop()
    gc.enable()
    gc.collect()


@pytest.fixture(scope="module")
def window(qapp):
    """One window with the shipped model, shared by the drawing tests (the canvas is cleared for each)."""
    window = open_window(qapp)
    yield window
    window.close()


@pytest.fixture
def ready(window, qtbot):
    # the model loaded, and its index of training digits built in the background (no label changes mid-test)
    qtbot.waitUntil(lambda: window.is_ready and window.draw.novelty.index is not None, timeout=LOAD_TIMEOUT_MS)
    window.canvas.clear()
    settle(window, qtbot)
    window.messages.clear()
    return window

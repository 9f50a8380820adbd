"""What the window tests share: the model they open, opening a window, drawing, waiting, hovering."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from gui.common.scripting import ellipse, line, scaled, stroke
from model.nets.store import SHIPPED_MODEL

LOAD_TIMEOUT_MS = 120_000
# The trained model the window opens with: the shipped one unless the environment names another.
MODEL = Path(os.environ.get("DIGIT_LENS_TEST_MODEL", SHIPPED_MODEL))


def open_window(qapp, model_path=MODEL, before_show=None):
    """The window, its messages recorded instead of shown; `before_show(window)` runs just before it is shown."""
    from gui.window import MainWindow

    window = MainWindow(model_path=model_path)
    if before_show is not None:
        before_show(window)
    window.messages = []
    window.show_message = lambda title, text: window.messages.append((title, text))
    window.resize(1366, 740)
    window.show()
    return window


def open_image(window, qtbot, path) -> str:
    """File > Open image's work: the file is read in the background; returns its name, or "" if refused."""
    with qtbot.waitSignal(window.imageOpened, timeout=30_000) as opened:
        window.open_image(path)
    return opened.args[0]


def settle(window, qtbot) -> None:
    """Let the coalesced update run."""
    qtbot.waitUntil(lambda: not window.draw._timer.isActive(), timeout=5000)


def prediction(window) -> str:
    return window.findChild(QLabel, "prediction").text()


def draw(window, qtbot, *strokes) -> None:
    canvas = window.findChild(type(window.canvas), "canvas")
    for points in strokes:
        stroke(canvas, scaled(points, canvas))
    settle(window, qtbot)


def redraw(window, qtbot, strokes) -> None:
    """Clear the canvas, then draw `strokes` (lists of canvas points) with real mouse events."""
    window.canvas.clear()
    draw(window, qtbot, *strokes)


ONE = line((140, 40), (140, 240))
ZERO = ellipse((140, 140), (60, 95))


def show_panel(window, qtbot, panel) -> None:
    """Scroll `panel` into view and wait until it is laid out there and up to date."""
    window.pipeline.scroll.ensureWidgetVisible(panel)
    index = window.pipeline.panels.index(panel)
    qtbot.waitUntil(lambda: index in window.pipeline.visible_panels() and index not in window.pipeline._stale,
                    timeout=2000)
    qtbot.wait(100)  # the scroll area settles


def hover_until(qtbot, view, item, position, shown):
    """Real mouse moves (no button held) over `position` in `item`'s pixels, sent to the view, until
    `shown(at)` (a move Qt makes up after a scroll can land elsewhere first); `at` is the position in
    `item`'s pixels that the mouse, on whole screen pixels, is really at. Returns it."""
    at = []

    def moved_and_shown() -> bool:
        at[:] = [hover(view, item, position)]
        qtbot.wait(30)  # past the hover rate limit
        return shown(at[0])

    qtbot.waitUntil(moved_and_shown, timeout=3000)
    return at[0]


def hover(view, item, position):
    """One real mouse move over `position` in `item`'s pixels; returns where it really is in them."""
    from PySide6.QtCore import QEvent

    from gui.common.scripting import mouse

    at = view.mapFromScene(item.mapToScene(position))
    mouse(view.viewport(), QEvent.Type.MouseMove, (at.x(), at.y()), Qt.MouseButton.NoButton)
    return item.mapFromScene(view.mapToScene(at))


def configure(tab, architecture: str = "mlp", epochs: int = 1, digits: int = 2000, batch: int = 64,
              mnist_path=None) -> None:
    """The Train tab's settings for a short run (on the MNIST file `mnist_path` when given)."""
    settings = tab.settings
    if mnist_path is not None:
        settings.source.setCurrentIndex(1)
        settings.data_path.setText(str(mnist_path))
    settings.architecture.setCurrentIndex(settings.architecture.findData(architecture))
    settings.epochs.setValue(epochs)
    settings.train_limit.setValue(digits)
    settings.batch_size.setValue(batch)

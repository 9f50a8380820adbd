"""Drawing on the canvas with real mouse events, for tests, benchmarks and screenshots."""

from __future__ import annotations

import math
import time
from typing import Callable, Iterable, Sequence

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

Point = tuple[float, float]


def wait_until(condition: Callable[[], bool], seconds: float = 60.0, poll: float = 0.005) -> None:
    """Process Qt events until `condition()` holds; TimeoutError after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {seconds:.0f} s and it did not happen")
        QApplication.processEvents()
        time.sleep(poll)


def mouse(widget: QWidget, kind: QEvent.Type, point: Point, buttons: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
    """Send one mouse event at widget coordinates `point` (press, move with `buttons` held, or release)."""
    local = QPointF(*point)
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else buttons
    event = QMouseEvent(kind, local, widget.mapToGlobal(local), button, held, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def stroke(widget: QWidget, points: Sequence[Point], on_move=None) -> None:
    """Press at the first point, move through the rest, release at the last; `on_move()` after each move."""
    mouse(widget, QEvent.Type.MouseButtonPress, points[0])
    for point in points[1:]:
        mouse(widget, QEvent.Type.MouseMove, point)
        if on_move is not None:
            on_move()
    mouse(widget, QEvent.Type.MouseButtonRelease, points[-1])


def line(start: Point, end: Point, steps: int = 20) -> list[Point]:
    """Points from `start` to `end`."""
    return [(start[0] + (end[0] - start[0]) * i / steps, start[1] + (end[1] - start[1]) * i / steps)
            for i in range(steps + 1)]


def ellipse(centre: Point, radii: Point, steps: int = 48, turns: float = 1.05) -> list[Point]:
    """Points round an ellipse, starting at the top, a little more than once round (a closed loop)."""
    return [(centre[0] + radii[0] * math.sin(2 * math.pi * turns * i / steps),
             centre[1] - radii[1] * math.cos(2 * math.pi * turns * i / steps)) for i in range(steps + 1)]


def scaled(points: Iterable[Point], widget: QWidget, side: float = 280.0) -> list[Point]:
    """Points given on a `side` x `side` square, mapped onto the widget's centred drawing square."""
    square = min(widget.width(), widget.height())
    left, top = (widget.width() - square) / 2, (widget.height() - square) / 2
    return [(left + x * square / side, top + y * square / side) for x, y in points]

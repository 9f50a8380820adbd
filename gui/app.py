"""Starting the application: `run_app` is what `python main.py` and `digit-lens` call."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from digit_lens.files import ICON_NAME
from gui.worker import Worker, collect_garbage_on_the_window_thread

TIMINGS_VAR = "DIGIT_LENS_STARTUP_TIMINGS"  # when set: print start-up timings as JSON and quit


def run_app(model_path: str | Path | None = None, watch: str | Path | None = None) -> int:
    """Open the window (the model loads in the background) and run the event loop; returns the exit code.
    `watch`: a run folder the Train tab follows from the start."""
    app = QApplication.instance()
    if app is None:
        # Qt 6 scales by the screen's factor; pass fractional factors (150%) through rather than rounding.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Digit Lens")
    app.setOrganizationName("DigitLens")
    app.setDesktopFileName(ICON_NAME)  # the running window matches its launcher entry (digit-lens.desktop)
    collector = collect_garbage_on_the_window_thread()  # kept alive by this frame while the event loop runs
    from gui.window import MainWindow, app_icon

    app.setWindowIcon(app_icon())
    window = MainWindow(model_path=model_path)
    if os.environ.get(TIMINGS_VAR):
        _report_startup(window)
    if watch is not None:
        QTimer.singleShot(0, lambda: window.watch_run(watch))
    window.show()  # after its first paint the model file is read in numpy, then TensorFlow imported (seconds)
    code = app.exec()
    if any(worker.isRunning() for worker in window.findChildren(Worker)):
        # A step that cannot be interrupted outlasted the close's wait: leave without destroying its thread.
        sys.stdout.flush()
        os._exit(code)
    return code


def _report_startup(window) -> None:
    """Print when the window was first painted and when a digit put on it then was first classified; quit."""
    from model.spec import DIGIT_SHAPE

    times = {}
    digit = np.zeros(DIGIT_SHAPE[:2], np.uint8)
    digit[4:24, 13:16] = 255  # a "1", drawn before the model is ready

    def painted() -> None:
        times["shown"] = time.time()
        QTimer.singleShot(0, lambda: window.draw.show_digit(digit, "start-up probe"))

    def classified() -> None:
        if window.draw.inspection is not None and "first_prediction" not in times:
            times["first_prediction"] = time.time()
            print(json.dumps({**times, "digit": window.draw.inspection.digit, "by": window.draw.inspector.name,
                              "tensorflow_imported": "tensorflow" in sys.modules}), flush=True)
            window.close()

    window.firstPainted.connect(painted)
    window.draw.viewUpdated.connect(classified)

"""Runs `main.py` as a user starts it (nothing of TensorFlow imported first) and drives its window.

    python tests/gui/app_driver.py SCENARIO [ARGS...]

Prints one JSON line of what the user saw (`RESULT {...}`); the exit status is main.py's own.
Scenarios: `models FOLDER` (open models in a row, train one epoch, use it), `start` (start, read a drawing,
close: for corrupted settings and the no-network check), `early_open FILE` (File > Open model at once, before
TensorFlow has loaded; then wait for the shipped model and read a drawing),
`watch RUN_DIR LOGGING EPOCHS PAUSE SCRIPT_DIR` (started as `main.py watch RUN_DIR`, then a user's training script
started beside it, watched to its end; the replay scrubbed).
"""

from __future__ import annotations

import json
import runpy
import shutil
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from import_watch import watch_imports  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget  # noqa: E402

CONNECTIONS: list[str] = []  # every network connection the app tried


def _refuse(*args, **kwargs):
    CONNECTIONS.append(repr(args[1:2] or args[:1]))
    raise OSError("network disabled by the test")


def main_window() -> QWidget:
    return next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow")


def pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def wait(condition, seconds: float = 120.0) -> bool:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        pump(0.05)
    return True


def draw_one(window) -> str:
    """Clear the canvas, draw a vertical stroke with real mouse events, return the prediction shown."""
    from gui.common.scripting import line, scaled, stroke

    window.canvas.clear()
    pump(0.2)
    stroke(window.canvas, scaled(line((140, 50), (140, 230)), window.canvas))
    label = window.findChild(QLabel, "prediction")
    wait(lambda: window.draw.inspection is not None and label.text().strip(), 30)
    return label.text().strip()


def open_model(window, path: str) -> str:
    """File > Open model with `path`; returns the message shown as "title: text", if any."""
    from PySide6.QtWidgets import QFileDialog

    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (path, ""))
    before = len(window.findChildren(QMessageBox))
    with_signal = {"done": False}
    for signal in (window.modelReady, window.modelFailed):
        signal.connect(lambda *a: with_signal.update(done=True))
    next(a for a in window.menuBar().actions()[0].menu().actions() if a.text().startswith("Open &model")).trigger()
    wait(lambda: with_signal["done"], 120)
    boxes = window.findChildren(QMessageBox)
    return f"{boxes[-1].windowTitle()}: {boxes[-1].text()}" if len(boxes) > before else ""


def train_one_epoch(window, mnist: str) -> str:
    """Train cnn_small for one epoch through the Train tab's buttons, then press "Use this model"."""
    wait(lambda: window.train is not None, 30)
    tab = window.train
    window.tabs.setCurrentWidget(tab)
    settings = tab.settings
    settings.source.setCurrentIndex(1)
    settings.data_path.setText(mnist)
    settings.architecture.setCurrentIndex(settings.architecture.findData("cnn_small"))
    settings.epochs.setValue(1)
    settings.train_limit.setValue(12000)
    tab.start_button.click()
    wait(lambda: not tab.training and tab.use_button.isEnabled(), 300)
    ready = {"done": False}
    window.modelReady.connect(lambda: ready.update(done=True))
    tab.use_button.click()
    wait(lambda: ready["done"], 120)
    window.tabs.setCurrentWidget(window.draw)
    return tab.test_accuracy.text()


def scenario_models(folder: str, mnist: str) -> dict:
    window = main_window()
    seen = {"start": draw_one(window) if wait(lambda: window.is_ready) else "no model"}
    copy = shutil.copy(ROOT / "resources" / "digit_lens.keras", Path(folder) / "copy.keras")
    broken = Path(folder) / "broken.keras"
    broken.write_text("not a model")
    seen["copy_message"] = open_model(window, copy)
    seen["copy"] = draw_one(window)
    seen["broken_message"] = open_model(window, str(broken))
    seen["after_broken"] = draw_one(window)
    seen["copy_again_message"] = open_model(window, copy)
    seen["copy_again"] = draw_one(window)
    seen["trained"] = train_one_epoch(window, mnist)
    seen["trained_model"] = window.draw.inspector.name
    seen["trained_read"] = draw_one(window)
    return seen


def scenario_early_open(path: str) -> dict:
    window = main_window()
    seen = {"tensorflow_loaded_when_opened": "tensorflow" in sys.modules}
    seen["message"] = open_model(window, path)
    seen["ready"] = wait(lambda: window.is_ready)
    seen["model"] = window.draw.inspector.name if window.draw.inspector is not None else None
    seen["status"] = window.model_info.text()
    seen["read"] = draw_one(window) if seen["ready"] else "no model"
    return seen


def scenario_start() -> dict:
    window = main_window()
    ready = wait(lambda: window.is_ready)
    seen = {"ready": ready, "read": draw_one(window) if ready else "no model",
            "size": [window.width(), window.height()], "brush": window.draw.brush.value()}
    pump(1.0)  # time for anything started in the background
    seen["sample_enabled"] = window.draw.sample_button.isEnabled()
    seen["desktop_file_name"] = QGuiApplication.desktopFileName()  # matches the launcher entry's file
    seen["icon_sizes"] = sorted(size.width() for size in window.windowIcon().availableSizes())
    seen["connections"] = CONNECTIONS
    return seen


def _images(view) -> np.ndarray:
    """What the replay's first-layer and probe-map grids show now."""
    return np.nan_to_num(np.concatenate([np.ravel(view.filters.image.image), np.ravel(view.maps.image.image)]))


def scenario_watch(run_dir: str, logging: str, epochs: str, pause: str, script_dir: str) -> dict:
    """The window watches RUN_DIR (empty at first); the user's script starts beside it and trains into it."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    sys.path.insert(0, str(ROOT / "tests"))
    from watching.scripts import start_script

    window = main_window()
    wait(lambda: window.train is not None and window.train.watching is not None, 60)
    tab = window.train
    wait(lambda: not tab.status.text().endswith("..."), 30)  # the first read of the folder
    wait(lambda: window.is_ready, 120)  # the user looks at the window (TensorFlow loaded) before starting the script
    seen = {"status_before": tab.status.text(), "growth": []}
    script = start_script(Path(script_dir), Path(run_dir), logging, int(epochs), float(pause))
    last = None
    rows = lambda: tab.epoch_table.rowCount()  # noqa: E731
    while script.poll() is None or last != (tab.curves.point_count(), rows(), len(tab.replay.snapshots)):
        pump(0.1)
        tab.curves.redraw()
        now = (tab.curves.point_count(), rows(), len(tab.replay.snapshots))
        if now != last:
            seen["growth"].append([time.time(), *now])
            last = now
        if script.poll() is not None and not seen.get("script_end"):
            out, err = script.communicate()
            seen["script_out"], seen["script_err"] = out, err[-2000:]
            seen["script_end"] = time.time()
            seen["script_code"] = script.returncode
            pump(3.0)  # the last files: heard by the watcher or the next poll
    wait(lambda: tab.replay.shown == len(tab.replay.snapshots) - 1, 30)
    seen.update(status=tab.status.text(), counters=tab.counters.text(), rows=rows(), notes=tab.note.text(),
                ticks=[s.tick for s in tab.replay.snapshots], filters_updates=tab.filters.updates)
    tab.watch.setCurrentIndex(1)  # the Replay tab, then the slider from the keyboard as a user scrubs
    slider = tab.replay.slider.slider
    slider.setFocus()
    for key, name in ((Qt.Key.Key_Home, "first"), (Qt.Key.Key_End, "last")):
        QTest.keyClick(slider, key)
        wait(lambda: tab.replay.shown == slider.value(), 30)
        seen[f"{name}_shown"] = tab.replay.shown
        seen[f"{name}_title"] = tab.replay.title.text()
        seen[f"{name}_images"] = _images(tab.replay.view)
    seen["first_last_differ"] = float(np.max(np.abs(seen.pop("first_images") - seen.pop("last_images"))))
    ready = {"done": False}
    window.modelReady.connect(lambda: ready.update(done=True))
    QTest.mouseClick(tab.replay.send_button, Qt.MouseButton.LeftButton)
    wait(lambda: ready["done"], 60)
    seen["sent_model"] = window.draw.inspector.name if window.draw.inspector else None
    return seen


MAIN_ARGS = {"watch": lambda args: ["watch", args[0]]}  # main.py's own arguments, per scenario


def run() -> None:
    scenario, *args = sys.argv[1:]
    socket.socket.connect = _refuse  # the app must not reach for the network unasked
    socket.create_connection = _refuse
    imports = watch_imports()
    app = QApplication([sys.argv[0]])

    def drive() -> None:
        seen = globals()[f"scenario_{scenario}"](*args)
        seen["imported_on_window_thread"] = imports.names
        print("RESULT " + json.dumps(seen), flush=True)
        main_window().close()

    QTimer.singleShot(0, drive)
    sys.argv = [str(ROOT / "main.py"), *MAIN_ARGS.get(scenario, lambda args: [])(args)]
    runpy.run_path(str(ROOT / "main.py"), run_name="__main__")  # calls sys.exit with main's status
    app.quit()


if __name__ == "__main__":
    run()

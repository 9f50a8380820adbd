"""Run by test_devices.py in a fresh process (the CPU is split into logical devices before TensorFlow starts):
the Train tab trains a made-up folder on the devices named on the command line, with pause, resume and a
second run stopped early; prints what a user would have seen as JSON on the last line."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from import_watch import watch_imports  # noqa: E402

IMPORTS = watch_imports()

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def wait(condition, seconds: float = 240.0) -> None:
    ends = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > ends:
            raise TimeoutError("the run took too long")
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def main(folder: str, devices: str) -> dict:
    from gui.train.settings import FOLDER_SOURCE
    from gui.train.tab import TrainTab

    app = QApplication.instance() or QApplication([])  # noqa: F841
    tab = TrainTab()
    settings = tab.settings
    settings.source.setCurrentIndex(FOLDER_SOURCE)
    settings.data_path.setText(folder)
    settings.architecture.setCurrentIndex(settings.architecture.findData("colour_cnn"))
    settings.image_size.setValue(32)
    settings.epochs.setValue(4)
    settings.batch_size.setValue(16)
    settings.validation.setValue(25)
    settings.devices.setCurrentIndex(settings.devices.findData(devices))
    statuses, snapshots = [], []
    tab.start_button.click()
    tab._run.status.connect(statuses.append)
    tab._run.snapshot.connect(snapshots.append)
    wait(lambda: tab._latest is not None)
    tab.pause_button.click()
    wait(lambda: tab._run.control.paused)
    time.sleep(0.5)  # the batch under way ends and its report arrives
    QApplication.processEvents()
    paused_at = tab.curves.point_count()
    time.sleep(1.0)
    QApplication.processEvents()
    still_paused = tab.curves.point_count() == paused_at
    tab.pause_button.click()
    wait(lambda: len(tab._history) >= 3)  # an epoch is 4 batches: on an idle machine one epoch can fit in one redraw
    live_points = tab.curves.point_count()  # curve points drawn while the run goes on
    wait(lambda: not tab.training)
    accuracy = tab._outcome.test_accuracy
    finished = tab.status.text()

    settings.epochs.setValue(50)
    tab.start_button.click()
    wait(lambda: tab._latest is not None)
    tab.stop_button.click()
    wait(lambda: not tab.training)
    stopped = tab.status.text()
    tab.shutdown()
    return {"accuracy": accuracy, "live_points": live_points, "snapshots": len(snapshots),
            "still_paused": still_paused, "devices_status": [s for s in statuses if "device" in s],
            "epochs": len(tab._history), "finished": finished, "stopped": stopped,
            "imported_on_window_thread": IMPORTS.names}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))

"""Closing the real window in the middle of training ends the process cleanly, as a user would see it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from gui.window import MainWindow

    window = MainWindow()
    window.show()

    def start():
        tab = window.train
        if tab is None:  # built after the first paint
            QTimer.singleShot(50, start)
            return
        window.tabs.setCurrentWidget(tab)
        tab.settings.source.setCurrentIndex(1)
        tab.settings.data_path.setText(sys.argv[1])
        tab.settings.architecture.setCurrentIndex(tab.settings.architecture.findData("cnn_small"))
        tab.settings.epochs.setValue(20)
        tab.start_button.click()
        close_mid_epoch()

    def close_mid_epoch():
        tab = window.train
        if tab.progress.value() < 1:
            QTimer.singleShot(50, close_mid_epoch)
            return
        print(f"closing at {tab.progress.value()}%", flush=True)
        window.close()

    QTimer.singleShot(0, start)
    code = app.exec()
    print("exited", code, flush=True)
""")


def test_closing_the_window_mid_training_exits_promptly_without_a_crash(mnist_path, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(mnist_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr[-3000:]
    assert any(line.startswith("closing at ") for line in lines) and lines[-1] == "exited 0"
    closing_percent = int(next(line for line in lines if line.startswith("closing at ")).split()[2].rstrip("%"))
    assert closing_percent < 50  # it really was mid-training
    for trouble in ("Fatal Python error", "QThread: Destroyed", "Traceback", "Segmentation"):
        assert trouble not in done.stderr
    assert time.perf_counter() - started < 120

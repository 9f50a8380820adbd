"""Save docs/screenshots/watch.png, offscreen: the window watching docs/examples/cats_dogs_watched.py train.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python -m gui.screenshots.watch

The example script runs in its own process on a made-up two-class folder (model/data/sample_folder.py), recording
with digit_lens.recorder, while the window follows its folder as `digit-lens watch DIR` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
EXAMPLE = ROOT / "docs" / "examples" / "cats_dogs_watched.py"


def main() -> int:
    app = QApplication([])
    from gui.common.scripting import wait_until
    from gui.window import MainWindow
    from model.data.sample_folder import make_sample_folder

    work = Path(tempfile.mkdtemp())
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(work / "settings"))
    folder = make_sample_folder(work / "PetImages", per_class=200, corrupt=False)
    run = work / "runs" / "cats-dogs"
    window = MainWindow()
    window.resize(1366, 780)
    window.show()
    wait_until(lambda: window.is_ready, 600)
    script = subprocess.Popen([sys.executable, str(EXAMPLE), str(folder), str(run), "8"], cwd=work,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
    window.watch_run(run)
    tab = window.train
    wait_until(lambda: script.poll() is not None, 900)
    wait_until(lambda: tab.epoch_table.rowCount() == 8 and tab.replay.shown == len(tab.replay.snapshots) - 1, 120)
    for _ in range(40):
        app.processEvents()
    tab.curves.redraw()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SCREENSHOTS / "watch.png"))
    print(tab.status.text(), tab.counters.text(), [s.tick for s in tab.replay.snapshots])
    window.close()
    return script.returncode


if __name__ == "__main__":
    sys.exit(main())

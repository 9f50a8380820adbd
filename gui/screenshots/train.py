"""Save docs/screenshots/train_tab.png: the Train tab offscreen, mid-way through a short run.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python -m gui.screenshots.train [--data mnist.npz]

A quick MLP run first (so an earlier run shows faded and the test results are filled in), then
cnn_small on a subset, captured after its second epoch.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from PySide6.QtWidgets import QApplication  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "docs" / "screenshots" / "train_tab.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("DIGIT_LENS_MNIST", str(ROOT.parent / "shared/data/mnist.npz")))
    parser.add_argument("--out", default=str(OUTPUT))
    args = parser.parse_args()
    app = QApplication([])
    from gui.common.scripting import wait_until
    from gui.train.tab import TrainTab

    tab = TrainTab()
    tab.setWindowTitle("Digit Lens: Train")
    tab.resize(1366, 740)
    tab.show()
    settings = tab.settings
    settings.source.setCurrentIndex(1)
    settings.data_path.setText(args.data)
    for arch, epochs, digits, rows in (("mlp", 3, 6000, None), ("cnn_small", 5, 6000, 2)):
        settings.architecture.setCurrentIndex(settings.architecture.findData(arch))
        settings.epochs.setValue(epochs)
        settings.train_limit.setValue(digits)
        settings.batch_size.setValue(64)
        tab.start_button.click()
        if rows is None:
            wait_until(lambda: not tab.training, 300)
            tab.confusion.show_cell(4, 9)
        else:
            wait_until(lambda: tab.epoch_table.rowCount() >= rows and tab._latest.batch > tab._batches // 3, 300)
    app.processEvents()
    tab.curves.redraw()
    tab._show_progress()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tab.grab().save(args.out)
    tab.shutdown()
    print(args.out)


if __name__ == "__main__":
    main()

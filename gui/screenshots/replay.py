"""Save docs/screenshots/replay.png and novelty.png, offscreen, drawn with real mouse events.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python -m gui.screenshots.replay [--data mnist.npz]

replay.png: the Train tab's Replay after a short cnn_small run, at three snapshots side by side
(before training, after 10 batches, after the last epoch), replaying a 7 drawn on the canvas.
novelty.png: the canvas and the output column for a drawn 7 and for a scribble.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
SEVEN = [((80, 70), (200, 70)), ((200, 70), (120, 225))]
SCRIBBLE = [[(30 + (i * 97) % 220, 30 + (i * 61) % 220) for i in range(40)]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("DIGIT_LENS_MNIST", str(ROOT.parent / "shared/data/mnist.npz")))
    args = parser.parse_args()
    os.environ["DIGIT_LENS_MNIST"] = args.data
    app = QApplication([])
    from gui.window import MainWindow
    from gui.inspect.tab import side_by_side
    from gui.common.scripting import line, scaled, stroke, wait_until

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    window = MainWindow()
    window.resize(1366, 740)
    window.show()
    wait_until(lambda: window.is_ready and window.draw.novelty.index is not None, 600)
    canvas, background = window.canvas, window.palette().window().color()

    def draw(strokes) -> None:
        canvas.clear()
        for points in strokes:
            stroke(canvas, scaled(points, canvas))
        wait_until(lambda: window.draw.novelty.novelty is not None and not window.draw._timer.isActive())
        for _ in range(10):
            app.processEvents()

    pictures = []
    for strokes in (SCRIBBLE, [line(*ends, 30) for ends in SEVEN]):
        draw(strokes)
        pictures += [canvas.grab(), window.pipeline.side.grab()]
        print(window.draw.novelty.novelty.text)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    side_by_side(pictures[2:] + pictures[:2], background).save(str(SCREENSHOTS / "novelty.png"))

    window.tabs.setCurrentWidget(window.train)
    tab = window.train
    settings = tab.settings
    settings.source.setCurrentIndex(1)
    settings.data_path.setText(args.data)
    settings.architecture.setCurrentIndex(settings.architecture.findData("cnn_small"))
    settings.epochs.setValue(3)
    settings.train_limit.setValue(6000)
    settings.batch_size.setValue(64)
    tab.watch.setCurrentIndex(1)
    tab.start_button.click()
    wait_until(lambda: not tab.training, 600)
    replay, frames = tab.replay, []
    for position in (0, 3, len(replay.snapshots) - 1):
        replay.slider.slider.setValue(position)
        wait_until(lambda: replay.shown == position, 60)
        for _ in range(10):
            app.processEvents()
        frames.append(tab.watch.grab())
    side_by_side(frames, background).save(str(SCREENSHOTS / "replay.png"))
    window.close()
    print(SCREENSHOTS / "replay.png", SCREENSHOTS / "novelty.png")


if __name__ == "__main__":
    main()

"""Save docs/screenshots/novelty_photos.png, offscreen: "how unlike the training photos of shapes?" for a model the
Train tab trains on a made-up folder of circles and squares (model/data/sample_folder.py), on a new photo of a
circle and on a scribble drawn with real mouse events.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python -m gui.screenshots.novelty_photos [OUT_FOLDER]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("DIGIT_LENS_CACHE", tempfile.mkdtemp())  # the index it makes stays out of the user's cache

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCRIBBLE = [[(30 + (i * 97) % 220, 30 + (i * 61) % 220) for i in range(40)]]


def main(argv: list[str]) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from gui.common.scripting import scaled, stroke, wait_until
    from gui.inspect.tab import side_by_side
    from gui.train.settings import FOLDER_SOURCE
    from gui.window import MainWindow
    from model.data.sample_folder import make_sample_folder, shape_photo

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    out = Path(argv[0]) if argv else OUTPUT
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    folder = make_sample_folder(work / "shapes", per_class=60, corrupt=False)
    window = MainWindow()
    window.resize(1366, 740)
    window.show()
    wait_until(lambda: window.is_ready and window.train is not None, 600)
    tab, settings = window.train, window.train.settings
    settings.source.setCurrentIndex(FOLDER_SOURCE)
    settings.data_path.setText(str(folder))
    settings.architecture.setCurrentIndex(settings.architecture.findData("colour_cnn"))
    settings.epochs.setValue(5)
    settings.batch_size.setValue(16)
    settings.validation.setValue(25)
    tab.start_button.click()
    wait_until(lambda: not tab.training, 600)
    print(tab.status.text())
    tab.use_button.click()
    wait_until(lambda: window.draw.inspector.spec.class_names == ("circles", "squares")
               and window.draw.novelty.index is not None, 600)
    window.tabs.setCurrentWidget(window.draw)
    canvas, background = window.canvas, window.palette().window().color()

    def settle() -> None:
        wait_until(lambda: window.draw.novelty.novelty is not None and not window.draw._timer.isActive())
        for _ in range(10):
            app.processEvents()
        print(window.draw.novelty.novelty.text)

    shape_photo("circles", 7003, size=(160, 120)).save(work / "circle.png")
    window.open_image(work / "circle.png")
    wait_until(lambda: window.draw.sample_note.text() == "circle.png")
    settle()
    pictures = [canvas.grab(), window.pipeline.side.grab()]
    canvas.clear()
    for points in SCRIBBLE:
        stroke(canvas, scaled(points, canvas))
    settle()
    pictures += [canvas.grab(), window.pipeline.side.grab()]
    side_by_side(pictures, background).save(str(out / "novelty_photos.png"))
    window.close()
    print(out / "novelty_photos.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
